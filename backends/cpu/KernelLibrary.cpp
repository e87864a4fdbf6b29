//===- KernelLibrary.cpp - The microkernels linked into code objects -------===//
//
// The kernels are C (backends/cpu/kernels) compiled by the build to target-independent-CPU
// bitcode for each architecture and embedded here. Linking one into a model's module gives
// its functions the model's target CPU and features, so the O3 pipeline that follows
// vectorizes them for that CPU (AVX-512 here, NEON on AArch64) together with the model's code.
//
// Some kernels also have ISA variants in the same bitcode, compiled with the features they need
// and named with a suffix (llmc_mk_linear_q4_0__avx512vnni). When the target machine has all of
// a variant's features, the kernel's name is bound to the variant before linking, so the model's
// calls reach it; otherwise the variant is never linked.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/KernelLibrary.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
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

/// A set of ISA variants of kernels: entry points named kernel + "__" + suffix, compiled with
/// `features` (the flags in backends/cpu/CMakeLists.txt), in MCSubtargetInfo::checkFeatures
/// syntax. Where several variants of a kernel fit a target, the first listed wins.
struct KernelVariant {
  llvm::Triple::ArchType arch;
  llvm::StringLiteral suffix;
  llvm::StringLiteral features;
};

const KernelVariant kVariants[] = {
    {llvm::Triple::x86_64, "__amxbf16",
     "+avx512f,+avx512bw,+avx512vl,+avx512bf16,+amx-tile,+amx-bf16"},
    {llvm::Triple::x86_64, "__amx", "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8"},
    {llvm::Triple::x86_64, "__avx512bf16", "+avx512f,+avx512bw,+avx512vl,+avx512bf16"},
    {llvm::Triple::x86_64, "__avx512vnni", "+avx512f,+avx512bw,+avx512vl,+avx512vnni"},
    {llvm::Triple::x86_64, "__avx512", "+avx512f,+avx512bw,+avx512vl,+fma"},
    {llvm::Triple::aarch64, "__i8mm", "+i8mm"},
    {llvm::Triple::aarch64, "__sve", "+sve"},
    {llvm::Triple::aarch64, "__dotprod", "+dotprod"},
};

/// Binds each kernel that has a variant `machine` can run to the first such variant: the generic
/// definition is renamed away (nothing calls it, so it is not linked) and the variant takes the
/// kernel's name. The features are those of the machine's subtarget, so the ones its CPU implies
/// count as well as those given explicitly, and one disabled explicitly rules a variant out.
bool bindVariants(llvm::Module &kernels, const llvm::TargetMachine &machine, std::string &error) {
  const llvm::MCSubtargetInfo *subtarget = machine.getMCSubtargetInfo();
  llvm::StringSet<> bound;
  for (const KernelVariant &variant : kVariants) {
    if (variant.arch != machine.getTargetTriple().getArch() || !subtarget ||
        !subtarget->checkFeatures(variant.features))
      continue;
    llvm::SmallVector<llvm::Function *> entries;
    for (llvm::Function &function : kernels)
      if (!function.isDeclaration() && function.getName().starts_with(kKernelPrefix) &&
          function.getName().ends_with(variant.suffix))
        entries.push_back(&function);
    for (llvm::Function *entry : entries) {
      std::string name = entry->getName().drop_back(variant.suffix.size()).str();
      if (!bound.insert(name).second)
        continue;
      llvm::Function *generic = kernels.getFunction(name);
      if (!generic) {
        error = "internal: the microkernel variant '" + entry->getName().str() +
                "' has no generic kernel";
        return false;
      }
      generic->setName(name + "__generic");
      entry->setName(name);
    }
  }
  return true;
}

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
    error =
        "internal: the embedded microkernels do not load: " + llvm::toString(kernels.takeError());
    return false;
  }
  if (!bindVariants(**kernels, machine, error))
    return false;
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
