//===- ApproximateMath.cpp - Freestanding math ------------------------------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCAPPROXIMATEMATHPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

struct LLMCApproximateMathPass
    : llmc::cpu::impl::LLMCApproximateMathPassBase<LLMCApproximateMathPass> {
  void runOnOperation() override {
    // First reduce compound functions (powf, rsqrt, ...) to exp, log and arithmetic, then
    // approximate what is left.
    RewritePatternSet expansions(&getContext());
    math::populateExpansionPatterns(expansions);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expansions))))
      return signalPassFailure();
    RewritePatternSet approximations(&getContext());
    populateMathPolynomialApproximationPatterns(approximations);
    if (failed(applyPatternsGreedily(getOperation(), std::move(approximations))))
      return signalPassFailure();
  }
};

} // namespace
