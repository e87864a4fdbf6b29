//===- KernelLibrary.cpp - The microkernels linked into code objects -------===//
//
// The kernels are C (backends/cpu/kernels) compiled by the build to target-independent-CPU
// bitcode for each architecture and embedded here. Linking one into a model's module gives
// its functions the model's target CPU and features, so the O3 pipeline that follows
// vectorizes them for that CPU (AVX-512 here, NEON on AArch64) together with the model's code.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/KernelLibrary.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/TargetParser/Triple.h"

namespace llmc::cpu {
namespace {

const unsigned char kX86_64[] = {
#include "x86_64.inc"
};
const unsigned char kAArch64[] = {
#include "aarch64.inc"
};

constexpr llvm::StringLiteral kKernelPrefix = "llmc_mk_";

} // namespace

bool linkMicrokernels(llvm::Module &module, const llvm::TargetMachine &machine,
                      std::string &error) {
  bool needed = llvm::any_of(module, [](const llvm::Function &function) {
    return function.isDeclaration() && function.getName().starts_with(kKernelPrefix);
  });
  if (!needed)
    return true;
  llvm::ArrayRef<unsigned char> bitcode;
  const llvm::Triple &triple = machine.getTargetTriple();
  if (triple.getArch() == llvm::Triple::x86_64)
    bitcode = kX86_64;
  else if (triple.getArch() == llvm::Triple::aarch64)
    bitcode = kAArch64;
  else {
    error = "the microkernels of language models are not available for " + triple.str() +
            " (llmc has them for x86_64 and aarch64)";
    return false;
  }
  llvm::MemoryBufferRef buffer(
      llvm::StringRef(reinterpret_cast<const char *>(bitcode.data()), bitcode.size()),
      "llmc-microkernels");
  llvm::Expected<std::unique_ptr<llvm::Module>> kernels =
      llvm::parseBitcodeFile(buffer, module.getContext());
  if (!kernels) {
    error = "internal: the embedded microkernels do not load: " +
            llvm::toString(kernels.takeError());
    return false;
  }
  (*kernels)->setTargetTriple(triple);
  (*kernels)->setDataLayout(module.getDataLayout());
  std::string cpu = machine.getTargetCPU().str();
  std::string features = machine.getTargetFeatureString().str();
  for (llvm::Function &function : **kernels) {
    if (function.isDeclaration())
      continue;
    function.removeFnAttr("target-cpu");
    function.removeFnAttr("target-features");
    function.removeFnAttr("tune-cpu");
    if (!cpu.empty())
      function.addFnAttr("target-cpu", cpu);
    if (!features.empty())
      function.addFnAttr("target-features", features);
  }
  if (llvm::Linker::linkModules(module, std::move(*kernels), llvm::Linker::LinkOnlyNeeded)) {
    error = "internal: linking the microkernels failed";
    return false;
  }
  for (llvm::Function &function : module)
    if (function.isDeclaration() && function.getName().starts_with(kKernelPrefix)) {
      error = "internal: no microkernel named '" + function.getName().str() + "'";
      return false;
    }
  return true;
}

} // namespace llmc::cpu
