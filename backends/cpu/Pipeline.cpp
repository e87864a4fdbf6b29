//===- Pipeline.cpp - The CPU lowering pipelines ----------------------------===//
#include "backends/cpu/Passes.h"

#include "dialects/llm/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace llmc::cpu {
namespace {

/// Appends a fixed textual pipeline of upstream passes. The text is a constant of this file,
/// so a parse failure is a bug in llmc, not an input error.
void addPipeline(OpPassManager &pm, llvm::StringRef text) {
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(text, pm, os)))
    llvm::report_fatal_error(llvm::Twine("llmc: invalid built-in pipeline: ") + error);
}

} // namespace

void buildCPUTensorPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(llm::createConvertLLMToLinalgPass());
  addPipeline(pm, "canonicalize,func.func(llmc-fuse-elementwise),canonicalize,cse");
  pm.addPass(createLLMCOutlineConstantsPass());
}

void buildCPUBufferPipeline(OpPassManager &pm) {
  addPipeline(pm, "eliminate-empty-tensors,empty-tensor-to-alloc-tensor,"
                  "one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "canonicalize,cse");
  pm.addPass(createLLMCWriteBackStatePass());
  pm.addPass(createLLMCPlanMemoryPass());
}

void buildCPULLVMPipeline(OpPassManager &pm) {
  pm.addPass(createLLMCLowerMicrokernelsPass());
  pm.addPass(createLLMCParallelizeLoopsPass());
  addPipeline(pm, "func.func(convert-linalg-to-loops),lower-affine,convert-scf-to-cf,"
                  "expand-strided-metadata,lower-affine");
  pm.addPass(createLLMCRouteChecksPass());
  pm.addPass(createLLMCApproximateMathPass());
  // bf16 arithmetic becomes f32 arithmetic between conversions, and the conversions become
  // integer code (rounding to nearest even): LLVM would otherwise call compiler-rt's
  // __truncsfbf2 on targets without a bf16 conversion instruction, which a freestanding code
  // object does not have.
  addPipeline(pm, "arith-emulate-unsupported-floats{source-types=bf16 target-type=f32},"
                  "convert-math-to-funcs,arith-expand{include-bf16=true},convert-math-to-llvm,"
                  "finalize-memref-to-llvm,convert-func-to-llvm,convert-arith-to-llvm,"
                  "convert-cf-to-llvm,convert-index-to-llvm,convert-ub-to-llvm,"
                  "reconcile-unrealized-casts");
  pm.addPass(createLLMCRouteAllocationsPass());
}

void registerCPUPipelines() {
  PassPipelineRegistration<>(
      "llmc-lower-cpu",
      "Lower the llm dialect to the LLVM dialect for a CPU target, as `llmc compile` does "
      "after llmc-optimize",
      [](OpPassManager &pm) {
        buildCPUTensorPipeline(pm);
        buildCPUBufferPipeline(pm);
        buildCPULLVMPipeline(pm);
      });
}

void registerCPUDialectExtensions(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, index::IndexDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  ub::UBDialect, vector::VectorDialect, x86vector::X86VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerMicrokernelBufferization(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

} // namespace llmc::cpu
