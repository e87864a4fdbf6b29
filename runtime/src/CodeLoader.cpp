//===- CodeLoader.cpp - memfd_create + dlopen("/proc/self/fd/N") -------------===//
//
// The dynamic loader only opens files, so the code object is copied into an anonymous memory
// file and opened through /proc/self/fd. glibc recognizes an already loaded object by the name
// it was opened with: if the descriptor were closed after dlopen, a later model could get the
// same descriptor number and dlopen would hand back this object. The descriptor therefore stays
// open until the object is unloaded, and is deliberately leaked if dlclose leaves it loaded.
//
// Without memfd_create or /proc (old kernels, some sandboxes) the code goes to a uniquely named
// temporary file instead, which is unlinked as soon as it is loaded.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/CodeLoader.h"

#include "runtime/src/Status.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace llmc::runtime {
namespace {

bool writeAll(int fd, const uint8_t *bytes, size_t size) {
  while (size) {
    ssize_t written = write(fd, bytes, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return false;
    bytes += written;
    size -= size_t(written);
  }
  return true;
}

/// An anonymous file reachable through /proc/self/fd, or -1.
int createMemoryFile(const std::string &label, std::string *path) {
#ifdef SYS_memfd_create
  int fd = int(syscall(SYS_memfd_create, ("llmc:" + label).c_str(), MFD_CLOEXEC));
  if (fd < 0)
    return -1;
  *path = "/proc/self/fd/" + std::to_string(fd);
  if (access(path->c_str(), R_OK) == 0)
    return fd;
  close(fd);
#endif
  return -1;
}

llmc_status_t openLibrary(const std::string &label, const std::string &path, void **out) {
  *out = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (*out)
    return nullptr;
  const char *message = dlerror();
  return makeStatus(LLMC_STATUS_IO_ERROR, "%s: the dynamic loader refused the code: %s",
                    label.c_str(), message ? message : "unknown error");
}

} // namespace

llmc_status_t loadSharedObject(const uint8_t *bytes, size_t size, const std::string &label,
                               LoadedCode *out) {
  std::string path;
  int fd = createMemoryFile(label, &path);
  bool temporary = fd < 0;
  if (temporary) {
    const char *directory = std::getenv("TMPDIR");
    path = std::string(directory && *directory ? directory : "/tmp") + "/llmc-code-XXXXXX";
    fd = mkostemp(&path[0], O_CLOEXEC);
    if (fd < 0)
      return makeStatus(LLMC_STATUS_IO_ERROR,
                        "%s: cannot create a file for the code (no memfd_create or /proc, and "
                        "'%s' failed: %s)",
                        label.c_str(), path.c_str(), std::strerror(errno));
  }
  if (!writeAll(fd, bytes, size)) {
    int saved = errno;
    close(fd);
    if (temporary)
      unlink(path.c_str());
    return makeStatus(LLMC_STATUS_IO_ERROR, "%s: cannot write %zu bytes of code: %s", label.c_str(),
                      size, std::strerror(saved));
  }
  if (temporary) {
    void *handle = nullptr;
    llmc_status_t status = openLibrary(label, path, &handle);
    unlink(path.c_str());
    close(fd);
    if (status)
      return status;
    out->handle = handle;
    out->fd = -1; // the name is unique; nothing to keep it from being reused
    out->path = path;
    return nullptr;
  }
  // A stale object under this name would be returned instead of ours; see the file comment.
  if (void *stale = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    dlclose(stale);
    close(fd);
    return makeStatus(LLMC_STATUS_INTERNAL, "%s: %s is already a loaded library", label.c_str(),
                      path.c_str());
  }
  void *handle = nullptr;
  if (llmc_status_t status = openLibrary(label, path, &handle)) {
    close(fd);
    return status;
  }
  out->handle = handle;
  out->fd = fd;
  out->path = path;
  return nullptr;
}

void *findSymbol(const LoadedCode &code, const char *symbol) {
  dlerror();
  return dlsym(code.handle, symbol);
}

void unloadSharedObject(LoadedCode *code) {
  if (code->handle) {
    dlclose(code->handle);
    code->handle = nullptr;
    if (code->fd >= 0) {
      if (void *still = dlopen(code->path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
        // Still loaded (something pinned it): keep the descriptor so its number is not reused.
        dlclose(still);
        code->fd = -1;
        return;
      }
    }
  }
  if (code->fd >= 0)
    close(code->fd);
  code->fd = -1;
}

} // namespace llmc::runtime
