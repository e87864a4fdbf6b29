//===- FuseElementwise.cpp - Elementwise fusion of linalg ops, bounded -------===//
//
// MLIR's elementwise fusion of linalg.generic ops, as upstream's `linalg-fuse-elementwise-ops`
// runs it, with one bound: a fusion whose op would hold more than `max-body-ops` operations in
// its body is not made. Each fusion clones the producer's body into the consumer's, so a chain
// of n elementwise ops fused into one costs n^2 / 2 clones: a model of 10^5 chained nodes took
// hours. Bounded, a chain becomes ops of at most `max-body-ops` operations, in linear time, and
// real models' chains (a GELU written out is a dozen ops) fuse as before.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCFUSEELEMENTWISEPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

/// Operations in the body of a linalg op (0 for anything else), counted up to `limit` + 1: an
/// operation list's size takes a walk.
int64_t bodySize(Operation *op, int64_t limit) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || op->getNumRegions() == 0 || op->getRegion(0).empty())
    return 0;
  int64_t count = 0;
  for (Operation &nested : op->getRegion(0).front()) {
    (void)nested;
    if (++count > limit)
      break;
  }
  return count;
}

struct LLMCFuseElementwisePass
    : llmc::cpu::impl::LLMCFuseElementwisePassBase<LLMCFuseElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    const int64_t limit = maxBodyOps;
    // Upstream's rule (a producer with one use), and the bound on the fused body.
    linalg::ControlFusionFn fuseBounded = [limit](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() &&
             bodySize(producer, limit) + bodySize(fused->getOwner(), limit) <= limit;
    };
    linalg::ControlFusionFn oneUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, fuseBounded);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, oneUse);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, oneUse);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
