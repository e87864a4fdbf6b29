//===- CodeLoader.h - Loads ELF code objects with the system dynamic loader ---===//
#ifndef LLMC_RUNTIME_SRC_CODELOADER_H
#define LLMC_RUNTIME_SRC_CODELOADER_H

#include "llmc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace llmc::runtime {

struct LoadedCode {
  void *handle = nullptr;
  int fd = -1;      // the memfd, open while the object is loaded (see CodeLoader.cpp)
  std::string path; // what dlopen was given
};

/// Copies `size` bytes of an ELF shared object into an anonymous file and dlopens it with
/// RTLD_NOW | RTLD_LOCAL. `label` names the object in errors and in /proc/self/maps.
llmc_status_t loadSharedObject(const uint8_t *bytes, size_t size, const std::string &label,
                               LoadedCode *out);

/// Looks up an exported symbol; NULL when absent.
void *findSymbol(const LoadedCode &code, const char *symbol);

/// dlcloses the object and closes its file.
void unloadSharedObject(LoadedCode *code);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_CODELOADER_H
