//===- CodeObject.h - LLVM IR to a freestanding native code object ----------===//
#ifndef LLMC_BACKENDS_CPU_CODEOBJECT_H
#define LLMC_BACKENDS_CPU_CODEOBJECT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace llmc::cpu {

/// The machine a code object is for. Empty fields take defaults in `resolveTarget`.
struct TargetOptions {
  std::string triple;   ///< an LLVM triple; default: the host's
  std::string cpu;      ///< default: the host CPU natively, "generic" when cross compiling
  std::string features; ///< "+avx2,-avx512f"; default: the host's natively, none otherwise
  unsigned optLevel = 3;
};

/// Fills in the defaults and normalizes the triple.
TargetOptions resolveTarget(TargetOptions requested);

/// The LLVM target machine for `options`, or an error naming the unknown triple or CPU.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions &options,
                                                         std::string &error);

/// The enabled (`+`) features of the target machine, as the artifact records them.
std::vector<std::string> enabledFeatures(const llvm::TargetMachine &machine);

/// Translates an LLVM-dialect module, adds the freestanding helpers (memcpy, memmove, memset,
/// and the float rounding and fma functions) that LLVM's code generator may call, and optimizes it
/// at the target's level without letting LLVM introduce any other library call.
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   llvm::LLVMContext &context,
                                                   llvm::TargetMachine &machine, unsigned optLevel,
                                                   std::string &error);

/// Emits an object file (or assembly) for `module`.
bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine, bool assembly,
                     llvm::SmallVectorImpl<char> &out, std::string &error);

/// Links an object file into a freestanding shared object with ld.lld (no libc, no undefined
/// symbols). An undefined symbol is an error naming it.
bool linkSharedObject(llvm::ArrayRef<char> object, std::vector<uint8_t> &sharedObject,
                      std::string &error);

} // namespace llmc::cpu

#endif // LLMC_BACKENDS_CPU_CODEOBJECT_H
