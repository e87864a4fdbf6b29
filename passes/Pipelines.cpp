//===- Pipelines.cpp - The pass pipelines llmc compile runs -----------------===//
#include "passes/Pipelines.h"

#include "dialects/llm/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace llmc {
namespace {

struct OptimizePipelineOptions : PassPipelineOptions<OptimizePipelineOptions> {
  Option<bool> decomposeBatchNorm{
      *this, "decompose-batch-norm",
      llvm::cl::desc("Rewrite inference batch normalization into multiply and add"),
      llvm::cl::init(true)};
  Option<bool> fuseNorms{*this, "fuse-norms",
                         llvm::cl::desc("Recompose normalizations and softmaxes (llm-fuse-norms)"),
                         llvm::cl::init(true)};
  Option<bool> fuseGelu{*this, "fuse-gelu", llvm::cl::desc("Recompose GELU (llm-fuse-gelu)"),
                        llvm::cl::init(true)};
  Option<bool> fuseAttention{*this, "fuse-attention",
                             llvm::cl::desc("Recompose attention (llm-fuse-attention)"),
                             llvm::cl::init(true)};
  Option<bool> fuseLinear{*this, "fuse-linear",
                          llvm::cl::desc("Merge dense layers of one input (llm-fuse-linear)"),
                          llvm::cl::init(true)};
};

} // namespace

void buildOptimizePipeline(OpPassManager &pm, const OptimizeOptions &options) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(llm::createLLMInferShapesPass());
  if (options.decomposeBatchNorm)
    pm.addNestedPass<func::FuncOp>(llm::createLLMDecomposeBatchNormPass());
  // CSE first, so the canonicalizer sees the operands it made identical (max(x, x) -> x).
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // After the clean-ups, so that the matchers see one value where the exporter computed it
  // twice; before linear fusion, which does not look at normalizations.
  if (options.fuseNorms)
    pm.addNestedPass<func::FuncOp>(llm::createLLMFuseNormsPass());
  // After the norms pass, which turns GPT-2's pow(x, 3) into products.
  if (options.fuseGelu)
    pm.addNestedPass<func::FuncOp>(llm::createLLMFuseGeluPass());
  // After the norms pass, which recomposes softmaxes that exporters wrote out.
  if (options.fuseAttention)
    pm.addNestedPass<func::FuncOp>(llm::createLLMFuseAttentionPass());
  if (options.fuseLinear)
    pm.addPass(llm::createLLMFuseLinearPass());
}

void registerPipelines() {
  PassPipelineRegistration<OptimizePipelineOptions>(
      "llmc-optimize",
      "The target-independent llm pipeline that `llmc compile` runs before lowering",
      [](OpPassManager &pm, const OptimizePipelineOptions &pipelineOptions) {
        OptimizeOptions options;
        options.decomposeBatchNorm = pipelineOptions.decomposeBatchNorm;
        options.fuseNorms = pipelineOptions.fuseNorms;
        options.fuseGelu = pipelineOptions.fuseGelu;
        options.fuseAttention = pipelineOptions.fuseAttention;
        options.fuseLinear = pipelineOptions.fuseLinear;
        buildOptimizePipeline(pm, options);
      });
}

} // namespace llmc
