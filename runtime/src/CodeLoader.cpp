//===- CodeLoader.cpp - memfd_create + dlopen("/proc/self/fd/N") -------------===//
//
// The dynamic loader only opens files, so the code object is copied into an anonymous memory
// file and opened through /proc/self/fd. glibc recognizes an already loaded object by the name
// it was opened with: if the descriptor were closed after dlopen, a later model could get the
// same descriptor number and dlopen would hand back this object. The descriptor therefore stays
// open until the object is unloaded, and is deliberately leaked if dlclose leaves it loaded.
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

int createAnonymousFile(const std::string &label, std::string *error) {
#ifdef SYS_memfd_create
  int fd = int(syscall(SYS_memfd_create, ("llmc:" + label).c_str(), MFD_CLOEXEC));
  if (fd >= 0)
    return fd;
  if (errno != ENOSYS && errno != EPERM) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return -1;
  }
#endif
  // Kernels without memfd_create (or sandboxes that forbid it): an unlinked temporary file.
  const char *directory = std::getenv("TMPDIR");
  std::string pattern =
      std::string(directory && *directory ? directory : "/tmp") + "/llmc-code-XXXXXX";
  int tmp = mkostemp(&pattern[0], O_CLOEXEC);
  if (tmp < 0) {
    *error = "cannot create a temporary file '" + pattern + "': " + std::strerror(errno);
    return -1;
  }
  unlink(pattern.c_str());
  return tmp;
}

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

} // namespace

llmc_status_t loadSharedObject(const uint8_t *bytes, size_t size, const std::string &label,
                               LoadedCode *out) {
  std::string error;
  int fd = createAnonymousFile(label, &error);
  if (fd < 0)
    return makeStatus(LLMC_STATUS_IO_ERROR, "%s: cannot create a file for the code: %s",
                      label.c_str(), error.c_str());
  if (!writeAll(fd, bytes, size)) {
    int saved = errno;
    close(fd);
    return makeStatus(LLMC_STATUS_IO_ERROR, "%s: cannot write %zu bytes of code: %s", label.c_str(),
                      size, std::strerror(saved));
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  // A stale object under this name would be returned instead of ours; see the file comment.
  if (void *stale = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    dlclose(stale);
    close(fd);
    return makeStatus(LLMC_STATUS_INTERNAL, "%s: %s is already a loaded library", label.c_str(),
                      path.c_str());
  }
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *message = dlerror();
    std::string reason = message ? message : "unknown error";
    close(fd);
    return makeStatus(LLMC_STATUS_IO_ERROR, "%s: the dynamic loader refused the code: %s",
                      label.c_str(), reason.c_str());
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
    if (void *still = dlopen(code->path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
      // Still loaded (something pinned it): keep the descriptor so its number is not reused.
      dlclose(still);
      code->fd = -1;
      return;
    }
  }
  if (code->fd >= 0)
    close(code->fd);
  code->fd = -1;
}

} // namespace llmc::runtime
