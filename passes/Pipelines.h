//===- Pipelines.h - The pass pipelines llmc compile runs -------------------===//
#ifndef LLMC_PASSES_PIPELINES_H
#define LLMC_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace llmc {

/// Options of the target-independent optimization pipeline on the llm dialect.
struct OptimizeOptions {
  /// Rewrite inference batch normalization into multiply and add (`llm-decompose-batch-norm`).
  bool decomposeBatchNorm = true;
  /// The fusion passes: `llm-fuse-norms`, `llm-fuse-gelu`, `llm-fuse-attention` and
  /// `llm-fuse-linear`.
  bool fuseNorms = true;
  bool fuseGelu = true;
  bool fuseAttention = true;
  bool fuseLinear = true;
};

/// The target-independent pipeline on the llm dialect: canonicalize, refine shapes, decompose,
/// remove common subexpressions, and canonicalize again. `llmc compile` runs exactly this, and
/// `llmc-opt --llmc-optimize` runs the same function.
void buildOptimizePipeline(mlir::OpPassManager &pm, const OptimizeOptions &options);

/// Registers every llmc pipeline with the pass registry, so `llmc-opt` knows their flags.
void registerPipelines();

} // namespace llmc

#endif // LLMC_PASSES_PIPELINES_H
