//===- KernelLibrary.h - The microkernels linked into code objects ---------===//
#ifndef LLMC_BACKENDS_CPU_KERNELLIBRARY_H
#define LLMC_BACKENDS_CPU_KERNELLIBRARY_H

#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <string>

namespace llmc::cpu {

/// Links the microkernels (backends/cpu/kernels) that `module` declares into it, compiled for
/// `machine`'s CPU and features. Does nothing when the module calls none. Returns false and
/// sets `error` when the target has no kernel library or linking fails.
bool linkMicrokernels(llvm::Module &module, const llvm::TargetMachine &machine, std::string &error);

} // namespace llmc::cpu

#endif // LLMC_BACKENDS_CPU_KERNELLIBRARY_H
