//===- DecomposeBatchNorm.cpp - Batch normalization as multiply and add -----===//
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc::llm {
#define GEN_PASS_DEF_LLMDECOMPOSEBATCHNORMPASS
#include "dialects/llm/Transforms/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;
using namespace llmc::llm;

namespace {

struct DecomposeBatchNorm : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp op, PatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType();
    Type element = inputType.getElementType();
    if (!isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    for (Value param : {op.getScale(), op.getBias(), op.getMean(), op.getVariance()})
      if (getElementTypeOrSelf(param.getType()) != element)
        return rewriter.notifyMatchFailure(op, "a parameter's element type differs from the "
                                               "input's (quantized parameters are "
                                               "dequantized first)");

    Location loc = op.getLoc();
    auto paramType = cast<RankedTensorType>(op.getVariance().getType());
    // Give epsilon the variance's own type where it is static, so the add folds.
    RankedTensorType epsilonType =
        paramType.hasStaticShape() ? paramType.clone(element) : RankedTensorType::get({1}, element);
    Value epsilon = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(epsilonType,
                               rewriter.getFloatAttr(element, op.getEpsilon().convertToDouble())));
    // The parameters are verified against each other, so these rules hold; the broadcasting
    // ops still take their types from them because the four vectors may differ in staticness.
    FailureOr<AddOp> varianceEpsilon =
        createInferred<AddOp>(rewriter, loc, op.getVariance(), epsilon);
    if (failed(varianceEpsilon))
      return failure();
    Value inverseStd = RsqrtOp::create(rewriter, loc, *varianceEpsilon);
    FailureOr<MulOp> multiplier = createInferred<MulOp>(rewriter, loc, op.getScale(), inverseStd);
    if (failed(multiplier))
      return failure();
    FailureOr<MulOp> meanScaled = createInferred<MulOp>(rewriter, loc, op.getMean(), *multiplier);
    if (failed(meanScaled))
      return failure();
    FailureOr<SubOp> shift = createInferred<SubOp>(rewriter, loc, op.getBias(), *meanScaled);
    if (failed(shift))
      return failure();

    // [C] -> [C, 1, ..., 1] broadcasts over N x C x spatial.
    RankedTensorType channelType = multiplier->getType();
    SmallVector<int64_t> broadcastShape = {channelType.getDimSize(0)};
    broadcastShape.append(inputType.getRank() - 2, 1);
    auto broadcastType = RankedTensorType::get(broadcastShape, element);
    Value scaled = MulOp::create(rewriter, loc, op.getType(), op.getInput(),
                                 ReshapeOp::create(rewriter, loc, broadcastType, *multiplier));
    rewriter.replaceOpWithNewOp<AddOp>(op, op.getType(), scaled,
                                       ReshapeOp::create(rewriter, loc, broadcastType, *shift));
    return success();
  }
};

struct LLMDecomposeBatchNormPass
    : llmc::llm::impl::LLMDecomposeBatchNormPassBase<LLMDecomposeBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeBatchNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void llmc::llm::populateDecomposeBatchNormPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeBatchNorm>(patterns.getContext());
}
