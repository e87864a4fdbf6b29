//===- CodeObject.cpp - LLVM IR to a freestanding native code object --------===//
#include "backends/cpu/CodeObject.h"

#include "backends/cpu/KernelLibrary.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#ifndef LLMC_LLD_PATH
#define LLMC_LLD_PATH "ld.lld"
#endif

namespace llmc::cpu {
namespace {

/// The memory functions LLVM's code generator lowers large copies and fills to. Byte loops are
/// enough: LLVM vectorizes them, and "no-builtins" stops it from turning them back into calls
/// to themselves.
constexpr const char *kFreestandingHelpers = R"(
define weak hidden ptr @memcpy(ptr %dst, ptr %src, i64 %n) #0 {
entry:
  %empty = icmp eq i64 %n, 0
  br i1 %empty, label %done, label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %from = getelementptr inbounds i8, ptr %src, i64 %i
  %byte = load i8, ptr %from, align 1
  %to = getelementptr inbounds i8, ptr %dst, i64 %i
  store i8 %byte, ptr %to, align 1
  %next = add nuw i64 %i, 1
  %more = icmp ult i64 %next, %n
  br i1 %more, label %loop, label %done
done:
  ret ptr %dst
}

define weak hidden ptr @memmove(ptr %dst, ptr %src, i64 %n) #0 {
entry:
  %empty = icmp eq i64 %n, 0
  br i1 %empty, label %done, label %check
check:
  %d = ptrtoint ptr %dst to i64
  %s = ptrtoint ptr %src to i64
  %forward = icmp ule i64 %d, %s
  br i1 %forward, label %up, label %down
up:
  %i = phi i64 [ 0, %check ], [ %inext, %up ]
  %ufrom = getelementptr inbounds i8, ptr %src, i64 %i
  %ubyte = load i8, ptr %ufrom, align 1
  %uto = getelementptr inbounds i8, ptr %dst, i64 %i
  store i8 %ubyte, ptr %uto, align 1
  %inext = add nuw i64 %i, 1
  %umore = icmp ult i64 %inext, %n
  br i1 %umore, label %up, label %done
down:
  %j = phi i64 [ %n, %check ], [ %jnext, %down ]
  %jnext = sub nuw i64 %j, 1
  %dfrom = getelementptr inbounds i8, ptr %src, i64 %jnext
  %dbyte = load i8, ptr %dfrom, align 1
  %dto = getelementptr inbounds i8, ptr %dst, i64 %jnext
  store i8 %dbyte, ptr %dto, align 1
  %dmore = icmp ne i64 %jnext, 0
  br i1 %dmore, label %down, label %done
done:
  ret ptr %dst
}

define weak hidden ptr @memset(ptr %dst, i32 %value, i64 %n) #0 {
entry:
  %byte = trunc i32 %value to i8
  %empty = icmp eq i64 %n, 0
  br i1 %empty, label %done, label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %to = getelementptr inbounds i8, ptr %dst, i64 %i
  store i8 %byte, ptr %to, align 1
  %next = add nuw i64 %i, 1
  %more = icmp ult i64 %next, %n
  br i1 %more, label %loop, label %done
done:
  ret ptr %dst
}

; Rounding and fused multiply-add, which LLVM turns into libm calls on CPUs without the
; instructions (generic x86-64 has no roundss and no FMA). Written without the intrinsics
; they replace, so they cannot call themselves.
define weak hidden float @floorf(float %x) #0 {
entry:
  %abs = call float @llvm.fabs.f32(float %x)
  %small = fcmp olt float %abs, 8388608.0
  br i1 %small, label %round, label %done
round:
  %i = fptosi float %x to i32
  %f = sitofp i32 %i to float
  %above = fcmp ogt float %f, %x
  %down = fsub float %f, 1.0
  %r = select i1 %above, float %down, float %f
  %signed = call float @llvm.copysign.f32(float %r, float %x)
  ret float %signed
done:
  ret float %x
}

define weak hidden float @ceilf(float %x) #0 {
entry:
  %neg = fneg float %x
  %f = call float @floorf(float %neg)
  %r = fneg float %f
  ret float %r
}

define weak hidden float @truncf(float %x) #0 {
entry:
  %abs = call float @llvm.fabs.f32(float %x)
  %small = fcmp olt float %abs, 8388608.0
  br i1 %small, label %round, label %done
round:
  %i = fptosi float %x to i32
  %f = sitofp i32 %i to float
  %signed = call float @llvm.copysign.f32(float %f, float %x)
  ret float %signed
done:
  ret float %x
}

define weak hidden float @roundevenf(float %x) #0 {
entry:
  %abs = call float @llvm.fabs.f32(float %x)
  %small = fcmp olt float %abs, 8388608.0
  br i1 %small, label %round, label %done
round:
  ; Adding and subtracting 2^23 rounds to nearest even in the default rounding mode.
  %up = fadd float %abs, 8388608.0
  %r = fsub float %up, 8388608.0
  %signed = call float @llvm.copysign.f32(float %r, float %x)
  ret float %signed
done:
  ret float %x
}

define weak hidden float @roundf(float %x) #0 {
entry:
  %abs = call float @llvm.fabs.f32(float %x)
  %half = fadd float %abs, 0.5
  %r = call float @truncf(float %half)
  %signed = call float @llvm.copysign.f32(float %r, float %x)
  %small = fcmp olt float %abs, 8388608.0
  %result = select i1 %small, float %signed, float %x
  ret float %result
}

define weak hidden float @fmaf(float %a, float %b, float %c) #0 {
entry:
  ; The product of two floats is exact in double; one rounding of the sum to float follows.
  %da = fpext float %a to double
  %db = fpext float %b to double
  %dc = fpext float %c to double
  %p = fmul double %da, %db
  %s = fadd double %p, %dc
  %r = fptrunc double %s to float
  ret float %r
}

; Half to float, which LLVM calls on x86-64 CPUs without F16C (the kernels read f16 weights
; and block scales). Integer operations only, so it cannot call itself.
define weak hidden float @__extendhfsf2(half %x) #0 {
entry:
  %h = bitcast half %x to i16
  %w = zext i16 %h to i32
  %signbit = and i32 %w, 32768
  %sign = shl i32 %signbit, 16
  %expbits = and i32 %w, 31744
  %exp = lshr i32 %expbits, 10
  %mant = and i32 %w, 1023
  %mantshift = shl i32 %mant, 13
  %iszero = icmp eq i32 %exp, 0
  br i1 %iszero, label %small, label %notsmall
small:
  ; Zero or subnormal: mant * 2^-24, exact in float.
  %mf = uitofp i32 %mant to float
  %scaled = fmul float %mf, 0x3E70000000000000
  %sbits = bitcast float %scaled to i32
  %sres = or i32 %sbits, %sign
  %sout = bitcast i32 %sres to float
  ret float %sout
notsmall:
  %isspecial = icmp eq i32 %exp, 31
  %rebias = add i32 %exp, 112
  %normexp = shl i32 %rebias, 23
  %specialexp = select i1 %isspecial, i32 2139095040, i32 %normexp
  %bits = or i32 %specialexp, %mantshift
  %res = or i32 %bits, %sign
  %out = bitcast i32 %res to float
  ret float %out
}

declare float @llvm.fabs.f32(float)
declare float @llvm.copysign.f32(float, float)

attributes #0 = { nounwind "no-builtins" }
)";

void initializeTargets() {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
    return true;
  }();
  (void)initialized;
}

llvm::OptimizationLevel optimizationLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::OptimizationLevel::O0;
  case 1:
    return llvm::OptimizationLevel::O1;
  case 2:
    return llvm::OptimizationLevel::O2;
  default:
    return llvm::OptimizationLevel::O3;
  }
}

} // namespace

TargetOptions resolveTarget(TargetOptions requested) {
  TargetOptions resolved = requested;
  std::string host = llvm::sys::getDefaultTargetTriple();
  if (resolved.triple.empty())
    resolved.triple = host;
  llvm::Triple triple(llvm::Triple::normalize(resolved.triple));
  resolved.triple = triple.str();
  bool native = triple.getArch() == llvm::Triple(host).getArch();
  if (resolved.cpu.empty() || resolved.cpu == "native" || resolved.cpu == "host")
    resolved.cpu =
        native && resolved.cpu != "generic" ? llvm::sys::getHostCPUName().str() : "generic";
  if (resolved.features.empty() && native && resolved.cpu == llvm::sys::getHostCPUName()) {
    std::string features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures()) {
      if (!features.empty())
        features += ",";
      features += (feature.second ? "+" : "-") + feature.first().str();
    }
    resolved.features = features;
  }
  return resolved;
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions &options,
                                                         std::string &error) {
  initializeTargets();
  llvm::Triple triple(options.triple);
  std::string lookupError;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = "unknown target '" + options.triple + "': " + lookupError;
    return nullptr;
  }
  // Check the CPU first: LLVM would only print a warning and fall back to a generic one.
  std::unique_ptr<llvm::MCSubtargetInfo> probe(target->createMCSubtargetInfo(triple, "", ""));
  if (probe && !options.cpu.empty() && options.cpu != "generic" &&
      !probe->isCPUStringValid(options.cpu)) {
    error = "unknown CPU '" + options.cpu + "' for target '" + options.triple + "'";
    return nullptr;
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, options.cpu, options.features, llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      options.optLevel == 0 ? llvm::CodeGenOptLevel::None : llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "cannot create a code generator for '" + options.triple + "' with CPU '" + options.cpu +
            "'";
    return nullptr;
  }
  return machine;
}

std::vector<std::string> enabledFeatures(const llvm::TargetMachine &machine) {
  std::vector<std::string> features;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(machine.getTargetFeatureString()).split(parts, ',', -1, false);
  for (llvm::StringRef part : parts)
    if (part.starts_with("+"))
      features.push_back(part.str());
  return features;
}

std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   llvm::LLVMContext &context,
                                                   llvm::TargetMachine &machine, unsigned optLevel,
                                                   std::string &error) {
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());

  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> helpers =
      llvm::parseAssemblyString(kFreestandingHelpers, diagnostic, context);
  if (!helpers) {
    error = "internal: freestanding helpers do not parse: " + diagnostic.getMessage().str();
    return nullptr;
  }
  helpers->setTargetTriple(machine.getTargetTriple());
  helpers->setDataLayout(machine.createDataLayout());
  if (llvm::Linker::linkModules(*llvmModule, std::move(helpers))) {
    error = "internal: linking the freestanding helpers failed";
    return nullptr;
  }

  if (!linkMicrokernels(*llvmModule, machine, error))
    return nullptr;

  // Everything but the entry points stays inside the code object.
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration() && !function.getName().starts_with("_mlir_ciface_") &&
        !function.hasWeakLinkage())
      function.setLinkage(llvm::GlobalValue::InternalLinkage);

  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  // No library exists at run time: LLVM must not turn loops into calls it would expect.
  llvm::TargetLibraryInfoImpl libraryInfo(machine.getTargetTriple());
  libraryInfo.disableAllFunctions();
  functions.registerPass([&] { return llvm::TargetLibraryAnalysis(libraryInfo); });
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  llvm::ModulePassManager passes =
      optLevel == 0 ? builder.buildO0DefaultPipeline(llvm::OptimizationLevel::O0)
                    : builder.buildPerModuleDefaultPipeline(optimizationLevel(optLevel));
  passes.run(*llvmModule, modules);
  return llvmModule;
}

bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine, bool assembly,
                     llvm::SmallVectorImpl<char> &out, std::string &error) {
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  assembly ? llvm::CodeGenFileType::AssemblyFile
                                           : llvm::CodeGenFileType::ObjectFile)) {
    error =
        "the code generator for " + machine.getTargetTriple().str() + " cannot emit this file type";
    return false;
  }
  passes.run(module);
  return true;
}

bool linkSharedObject(llvm::ArrayRef<char> object, std::vector<uint8_t> &sharedObject,
                      std::string &error) {
  llvm::SmallString<128> objectPath, outputPath, logPath;
  int objectFd = -1;
  if (llvm::sys::fs::createTemporaryFile("llmc", "o", objectFd, objectPath) ||
      llvm::sys::fs::createTemporaryFile("llmc", "so", outputPath) ||
      llvm::sys::fs::createTemporaryFile("llmc-lld", "log", logPath)) {
    error = "cannot create temporary files for linking";
    return false;
  }
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(outputPath);
    llvm::sys::fs::remove(logPath);
  });
  {
    llvm::raw_fd_ostream os(objectFd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
  }
  llvm::ErrorOr<std::string> lld = llvm::sys::findProgramByName(LLMC_LLD_PATH);
  if (!lld) {
    error = std::string("cannot find the linker ") + LLMC_LLD_PATH + " (install lld-22)";
    return false;
  }
  llvm::SmallVector<llvm::StringRef> args = {
      *lld,          "-shared",         "-nostdlib", "--no-undefined", "-z",
      "noexecstack", "--build-id=none", "-o",        outputPath,       objectPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(), logPath.str()};
  std::string executionError;
  int status =
      llvm::sys::ExecuteAndWait(*lld, args, std::nullopt, redirects, 0, 0, &executionError);
  if (status != 0) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> log = llvm::MemoryBuffer::getFile(logPath);
    error = "linking the code object failed" +
            (executionError.empty() ? "" : ": " + executionError) +
            (log && (*log)->getBufferSize() ? ":\n" + (*log)->getBuffer().rtrim().str() : "");
    return false;
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> linked =
      llvm::MemoryBuffer::getFile(outputPath);
  if (!linked) {
    error = "cannot read the linked code object";
    return false;
  }
  sharedObject.assign((*linked)->getBufferStart(), (*linked)->getBufferEnd());
  return true;
}

} // namespace llmc::cpu
