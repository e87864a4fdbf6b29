//===- FuseAttention.cpp - One llm.attention for the ops exporters emit -----===//
//
// Exporters spell attention as two batched products around a softmax:
//   matmul(softmax(mask(matmul(Q, K^T) * scale)), V)
// on B x H x T x D heads that a transpose made out of the B x T x H x D projections. This pass
// finds that chain and replaces it by llm.attention, which takes the heads in the projections'
// layout; the transposes it inserts compose with the exporter's into the identity, so the
// canonicalizer removes both and the heads are never copied.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Matchers.h"
#include "dialects/llm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc::llm {
#define GEN_PASS_DEF_LLMFUSEATTENTIONPASS
#include "dialects/llm/Transforms/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;
using namespace llmc::llm;

namespace {

/// A rank-4 f32 tensor.
bool isRank4F32(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 4 && type.getElementType().isF32() && !type.getEncoding();
}

/// The parts of the scores computation: matmul(Q, K^T) times `scale`.
struct Scores {
  MatmulOp product;
  double scale = 1.0;
};

/// Matches `value` = matmul(Q, K^T) [* c | / c] with single-use intermediates.
std::optional<Scores> matchScaledProduct(Value value) {
  Scores scores;
  Operation *op = value.getDefiningOp();
  if (!op || !value.hasOneUse())
    return std::nullopt;
  if (auto div = dyn_cast<DivOp>(op)) {
    std::optional<double> divisor = matchScalarConstant(div.getRhs());
    if (!divisor || *divisor == 0.0)
      return std::nullopt;
    scores.scale = 1.0 / *divisor;
    op = div.getLhs().getDefiningOp();
    if (!op || !div.getLhs().hasOneUse())
      return std::nullopt;
  } else if (auto mul = dyn_cast<MulOp>(op)) {
    Value other = mul.getLhs();
    std::optional<double> factor = matchScalarConstant(mul.getRhs());
    if (!factor) {
      factor = matchScalarConstant(mul.getLhs());
      other = mul.getRhs();
    }
    if (!factor)
      return std::nullopt;
    scores.scale = *factor;
    op = other.getDefiningOp();
    if (!op || !other.hasOneUse())
      return std::nullopt;
  }
  scores.product = dyn_cast<MatmulOp>(op);
  if (!scores.product || !isRank4F32(scores.product.getLhs()) ||
      !isRank4F32(scores.product.getRhs()) || !isRank4F32(scores.product.getResult()))
    return std::nullopt;
  // The scale must not change the scores' shape (a scalar constant broadcasts to them).
  if (value.getType() != scores.product.getType())
    return std::nullopt;
  return scores;
}

/// `matmul(softmax(mask(scale * Q . K^T), axis = 3), V)` -> transposes around llm.attention.
struct FuseAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    auto softmax = op.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax || !op.getLhs().hasOneUse() || !isRank4F32(op.getLhs()) ||
        !isRank4F32(op.getRhs()) || !isRank4F32(op.getResult()))
      return rewriter.notifyMatchFailure(op, "not a rank-4 f32 product of a softmax");
    if (int64_t axis = softmax.getAxis(); axis != 3 && axis != -1)
      return rewriter.notifyMatchFailure(op, "the softmax is not over the keys");

    Value logits = softmax.getInput();
    Value mask;
    std::optional<double> fill;
    std::optional<Scores> scores;
    if (auto select = logits.getDefiningOp<SelectOp>(); select && logits.hasOneUse()) {
      // select(mask, scores, fill): the mask keeps where it is true.
      fill = matchScalarConstant(select.getOnFalse());
      if (!fill)
        return rewriter.notifyMatchFailure(op, "the masked value is not a constant");
      mask = select.getCondition();
      scores = matchScaledProduct(select.getOnTrue());
      if (scores && select.getType() != scores->product.getType())
        return rewriter.notifyMatchFailure(op, "the mask changes the scores' shape");
    } else if (auto add = logits.getDefiningOp<AddOp>(); add && logits.hasOneUse()) {
      // scores + mask, in either order.
      for (auto [candidate, other] :
           {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())}) {
        scores = matchScaledProduct(candidate);
        if (scores) {
          mask = other;
          break;
        }
      }
      if (scores && add.getType() != scores->product.getType())
        return rewriter.notifyMatchFailure(op, "the mask changes the scores' shape");
    } else {
      scores = matchScaledProduct(logits);
    }
    if (!scores)
      return rewriter.notifyMatchFailure(op, "no scaled Q . K^T product feeds the softmax");
    if (mask) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      Type element = maskType.getElementType();
      if (maskType.getRank() > 4 || maskType.getEncoding() ||
          !(fill ? element.isInteger(1) : element.isF32()))
        return rewriter.notifyMatchFailure(op, "the mask is not an i1 selection or f32 addend");
    }

    // Q: B x H x Tq x D, K^T: B x H x D x Tk, V: B x H x Tk x Dv; attention takes B x T x H x D.
    Location loc = op.getLoc();
    auto transposed = [&](Value value, ArrayRef<int64_t> permutation) -> Value {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape;
      for (int64_t dim : permutation)
        shape.push_back(type.getDimSize(dim));
      return TransposeOp::create(rewriter, loc, type.clone(shape), value,
                                 rewriter.getDenseI64ArrayAttr(permutation));
    };
    Value query = transposed(scores->product.getLhs(), {0, 2, 1, 3});
    Value keys = transposed(scores->product.getRhs(), {0, 3, 1, 2});
    Value values = transposed(op.getRhs(), {0, 2, 1, 3});
    RankedTensorType resultType = op.getType();
    auto attentionType = resultType.clone({resultType.getDimSize(0), resultType.getDimSize(2),
                                           resultType.getDimSize(1), resultType.getDimSize(3)});
    FloatAttr fillAttr = fill ? rewriter.getF64FloatAttr(*fill) : FloatAttr();
    auto attention = AttentionOp::create(rewriter, loc, attentionType, query, keys, values, mask,
                                         rewriter.getF64FloatAttr(scores->scale), fillAttr);
    rewriter.replaceOp(op, transposed(attention.getResult(), {0, 2, 1, 3}));
    return success();
  }
};

struct LLMFuseAttentionPass : llmc::llm::impl::LLMFuseAttentionPassBase<LLMFuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttention>(&getContext());
    // The transposes around the new ops compose with the exporter's into the identity.
    TransposeOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
