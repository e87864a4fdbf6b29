//===- Passes.h - Lowerings out of the llm dialect --------------------------===//
#ifndef LLMC_DIALECTS_LLM_CONVERSION_PASSES_H
#define LLMC_DIALECTS_LLM_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace llmc::llm {

#define GEN_PASS_DECL
#include "dialects/llm/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/llm/Conversion/Passes.h.inc"

/// Adds the patterns that lower every llm op to linalg, tensor, arith and math.
void populateLLMToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace llmc::llm

#endif // LLMC_DIALECTS_LLM_CONVERSION_PASSES_H
