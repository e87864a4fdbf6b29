//===- Passes.h - Passes of the llm dialect ---------------------------------===//
#ifndef LLMC_DIALECTS_LLM_TRANSFORMS_PASSES_H
#define LLMC_DIALECTS_LLM_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace llmc::llm {

#define GEN_PASS_DECL
#include "dialects/llm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/llm/Transforms/Passes.h.inc"

/// Adds the rewrite of `llm.batch_norm` into multiply and add to `patterns`.
void populateDecomposeBatchNormPatterns(mlir::RewritePatternSet &patterns);

/// Adds the recomposition of LayerNorm, RMSNorm and softmax from their primitives, and the
/// rewrite of `llm.pow` by a constant 2, 3, 0.5 or -1 into multiplies, a square root or a
/// reciprocal, to `patterns`.
void populateFuseNormsPatterns(mlir::RewritePatternSet &patterns);

} // namespace llmc::llm

#endif // LLMC_DIALECTS_LLM_TRANSFORMS_PASSES_H
