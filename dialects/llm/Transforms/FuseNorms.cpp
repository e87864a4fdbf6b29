//===- FuseNorms.cpp - LayerNorm, RMSNorm and softmax from their primitives -===//
//
// Exporters that trace a model's Python (HF GPT-2, llama, qwen) write normalizations out as
// reductions and elementwise ops. Each primitive is a separate pass over the activations in the
// generic lowering; as one `llm.layer_norm`, `llm.rms_norm` or `llm.softmax` the CPU backend
// calls a kernel that reads each row once into L1. The matchers only fire where the composed op
// computes exactly what the primitives did: one trailing axis reduced with kept dims, every
// intermediate value used only inside the chain, a constant scalar epsilon, scale and bias of
// exactly the normalized shape.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Matchers.h"
#include "dialects/llm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc::llm {
#define GEN_PASS_DEF_LLMFUSENORMSPASS
#include "dialects/llm/Transforms/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;
using namespace llmc::llm;

namespace {

/// `value`'s defining op when it is an `OpTy` reduction of one tensor over its last axis alone,
/// with the axis kept (so it broadcasts back against its input).
template <typename OpTy> OpTy lastAxisReduction(Value value) {
  auto op = value.getDefiningOp<OpTy>();
  if (!op || !op.getKeepDims())
    return {};
  int64_t rank = op.getInput().getType().getRank();
  if (rank == 0 || op.getAxes() != ArrayRef<int64_t>{rank - 1} || op.getType().getRank() != rank)
    return {};
  return op;
}

/// Whether every use of `value` is by one of `users`.
bool onlyUsedBy(Value value, ArrayRef<Operation *> users) {
  return llvm::all_of(value.getUsers(),
                      [&](Operation *user) { return llvm::is_contained(users, user); });
}

/// The operand of a commutative binary op `op` that is not `operand`.
Value otherOperand(Operation *op, Value operand) {
  return op->getOperand(0) == operand ? op->getOperand(1) : op->getOperand(0);
}

/// `mean(base^2) + epsilon` under a reciprocal square root, as a normalization divides by it.
struct InverseStd {
  /// What is scaled: the numerator of the division or the other factor of the product.
  Value numerator;
  /// The ops of `base^2` (pow or mul), of the mean, and the whole denominator.
  Operation *square;
  ReduceMeanOp meanSquare;
  double epsilon;
};

/// Matches `normalize` as `x / sqrt(v + eps)`, `x * rsqrt(v + eps)`, `x * reciprocal(sqrt(v +
/// eps))` or `x * (1 / sqrt(v + eps))` with `v = mean(y^2)` over the last axis (`y^2` as
/// `pow(y, 2)` or `y * y`), every value between `v` and `normalize` used once.
FailureOr<InverseStd> matchInverseStd(Operation *normalize, PatternRewriter &rewriter) {
  auto fail = [&](const Twine &why) { return rewriter.notifyMatchFailure(normalize, why); };
  Value numerator, denominatorInput;
  // The operand that is 1 / sqrt(e), as e, when `factor` is one.
  auto inverseSqrtOf = [](Value factor) -> Value {
    if (!factor.hasOneUse())
      return {};
    if (auto rsqrt = factor.getDefiningOp<RsqrtOp>())
      return rsqrt.getInput();
    SqrtOp sqrt;
    if (auto reciprocal = factor.getDefiningOp<ReciprocalOp>())
      sqrt = reciprocal.getInput().getDefiningOp<SqrtOp>();
    else if (auto divide = factor.getDefiningOp<DivOp>();
             divide && matchScalarConstant(divide.getLhs()) == 1.0 &&
             divide.getType() == divide.getRhs().getType())
      sqrt = divide.getRhs().getDefiningOp<SqrtOp>();
    if (!sqrt || !sqrt->hasOneUse())
      return {};
    return sqrt.getInput();
  };
  if (auto divide = dyn_cast<DivOp>(normalize)) {
    auto sqrt = divide.getRhs().getDefiningOp<SqrtOp>();
    if (!sqrt || !sqrt->hasOneUse())
      return fail("the divisor is not a square root used once");
    numerator = divide.getLhs();
    denominatorInput = sqrt.getInput();
  } else if (auto multiply = dyn_cast<MulOp>(normalize)) {
    for (auto [factor, other] : {std::pair(multiply.getRhs(), multiply.getLhs()),
                                 std::pair(multiply.getLhs(), multiply.getRhs())})
      if (Value input = inverseSqrtOf(factor)) {
        numerator = other;
        denominatorInput = input;
        break;
      }
    if (!numerator)
      return fail("neither factor is a reciprocal square root used once");
  } else {
    return fail("not a division or a product");
  }
  auto addEpsilon = denominatorInput.getDefiningOp<AddOp>();
  if (!addEpsilon || !addEpsilon->hasOneUse())
    return fail("the square root's operand is not an addition used once");
  Value variance;
  std::optional<double> epsilon;
  for (Value operand : {addEpsilon.getRhs(), addEpsilon.getLhs()})
    if ((epsilon = matchScalarConstant(operand))) {
      variance = otherOperand(addEpsilon, operand);
      break;
    }
  if (!epsilon)
    return fail("epsilon is not a scalar float constant");
  if (addEpsilon.getType() != variance.getType())
    return fail("adding epsilon changes the variance's shape");
  ReduceMeanOp mean = lastAxisReduction<ReduceMeanOp>(variance);
  if (!mean || !mean->hasOneUse())
    return fail("the variance is not a mean over the last axis with kept dims, used once");
  Operation *square = mean.getInput().getDefiningOp();
  Value base;
  if (auto power = dyn_cast_or_null<PowOp>(square);
      power && matchScalarConstant(power.getRhs()) == 2.0)
    base = power.getLhs();
  else if (auto product = dyn_cast_or_null<MulOp>(square);
           product && product.getLhs() == product.getRhs())
    base = product.getLhs();
  if (!base || !square->hasOneUse() || square->getResult(0).getType() != base.getType())
    return fail("the mean is not of a square used once");
  if (base != numerator)
    return fail("the squared value is not the one normalized");
  if (normalize->getResult(0).getType() != numerator.getType())
    return fail("the normalization broadcasts its operand to another shape");
  return InverseStd{numerator, square, mean, *epsilon};
}

/// Whether `value` is `y - mean(y)` over the last axis: LayerNorm's centered input, as `y`.
Value centeredInput(Value value) {
  auto subtract = value.getDefiningOp<SubOp>();
  if (!subtract)
    return {};
  ReduceMeanOp mean = lastAxisReduction<ReduceMeanOp>(subtract.getRhs());
  if (!mean || mean.getInput() != subtract.getLhs())
    return {};
  return subtract.getLhs();
}

/// The scale and bias that follow a normalization: `normalized * scale` (either order), then,
/// when `withBias`, `+ bias` (either order), each only when the value before it has no other use
/// and the operand has exactly the normalized (last) dim's shape. `last` is the op whose result
/// the fused op replaces.
struct Affine {
  Value scale, bias;
  Operation *last;
};

Affine matchAffine(Operation *normalize, RankedTensorType type, bool withBias) {
  auto isParameter = [&](Value value) {
    auto parameterType = dyn_cast<RankedTensorType>(value.getType());
    int64_t size = type.getDimSize(type.getRank() - 1);
    return parameterType && !ShapedType::isDynamic(size) && !parameterType.getEncoding() &&
           parameterType.getShape() == ArrayRef<int64_t>{size} &&
           parameterType.getElementType() == type.getElementType();
  };
  // The op that uses `current` alone and combines it with a parameter, and that parameter.
  auto next = [&](Operation *current, auto opType) -> std::pair<Operation *, Value> {
    using OpTy = decltype(opType);
    Value result = current->getResult(0);
    if (!result.hasOneUse())
      return {};
    auto user = dyn_cast<OpTy>(*result.getUsers().begin());
    if (!user || user.getType() != type)
      return {};
    Value parameter = otherOperand(user, result);
    if (!isParameter(parameter))
      return {};
    return {user, parameter};
  };
  Affine affine{{}, {}, normalize};
  if (auto [multiply, scale] = next(affine.last, MulOp()); multiply) {
    affine.scale = scale;
    affine.last = multiply;
  }
  if (!withBias)
    return affine;
  if (auto [add, bias] = next(affine.last, AddOp()); add) {
    affine.bias = bias;
    affine.last = add;
  }
  return affine;
}

/// A constant of ones for a normalization without a scale, when the normalized dim is static.
Value onesScale(PatternRewriter &rewriter, Location loc, RankedTensorType type) {
  int64_t size = type.getDimSize(type.getRank() - 1);
  if (ShapedType::isDynamic(size))
    return {};
  auto scaleType = RankedTensorType::get({size}, type.getElementType());
  return arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(scaleType, rewriter.getFloatAttr(type.getElementType(), 1.0)));
}

/// `(y - mean(y)) / sqrt(mean((y - mean(y))^2) + eps) [* scale] [+ bias]` over the last axis,
/// rooted at the normalizing division or product.
template <typename RootOp> struct FuseLayerNorm : OpRewritePattern<RootOp> {
  using OpRewritePattern<RootOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(RootOp op, PatternRewriter &rewriter) const override {
    FailureOr<InverseStd> inverseStd = matchInverseStd(op, rewriter);
    if (failed(inverseStd))
      return failure();
    Value centered = inverseStd->numerator;
    Value input = centeredInput(centered);
    if (!input)
      return rewriter.notifyMatchFailure(op, "the normalized value is not y - mean(y)");
    auto type = cast<RankedTensorType>(input.getType());
    if (!isa<FloatType>(type.getElementType()) || centered.getType() != type)
      return rewriter.notifyMatchFailure(op, "y is not a float tensor of the result's shape");
    auto subtract = centered.getDefiningOp<SubOp>();
    Operation *mean = subtract.getRhs().getDefiningOp();
    if (!mean->hasOneUse() || !onlyUsedBy(centered, {inverseStd->square, op}))
      return rewriter.notifyMatchFailure(op, "the mean or the centered value has other users");
    Affine affine = matchAffine(op, type, /*withBias=*/true);
    // The scale and bias may be computed after the normalization, so the fused op goes last.
    rewriter.setInsertionPoint(affine.last);
    Location loc = affine.last->getLoc();
    Value scale = affine.scale ? affine.scale : onesScale(rewriter, loc, type);
    if (!scale)
      return rewriter.notifyMatchFailure(op, "no scale, and the normalized dim is dynamic");
    rewriter.replaceOpWithNewOp<LayerNormOp>(affine.last, type, input, scale, affine.bias,
                                             rewriter.getI64IntegerAttr(type.getRank() - 1),
                                             rewriter.getF64FloatAttr(inverseStd->epsilon));
    return success();
  }
};

/// `y / sqrt(mean(y^2) + eps) [* scale]` over the last axis, rooted at the normalizing division
/// or product.
template <typename RootOp> struct FuseRmsNorm : OpRewritePattern<RootOp> {
  using OpRewritePattern<RootOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(RootOp op, PatternRewriter &rewriter) const override {
    FailureOr<InverseStd> inverseStd = matchInverseStd(op, rewriter);
    if (failed(inverseStd))
      return failure();
    Value input = inverseStd->numerator;
    // A centered input is LayerNorm's; when that did not fuse, one of its values is used
    // elsewhere, and the chain stays as it is.
    if (centeredInput(input))
      return rewriter.notifyMatchFailure(op, "the normalized value is y - mean(y) (LayerNorm)");
    auto type = cast<RankedTensorType>(input.getType());
    if (!isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "the input is not a float tensor");
    Affine affine = matchAffine(op, type, /*withBias=*/false);
    rewriter.setInsertionPoint(affine.last);
    Location loc = affine.last->getLoc();
    Value scale = affine.scale ? affine.scale : onesScale(rewriter, loc, type);
    if (!scale)
      return rewriter.notifyMatchFailure(op, "no scale, and the normalized dim is dynamic");
    rewriter.replaceOpWithNewOp<RmsNormOp>(affine.last, type, input, scale,
                                           rewriter.getI64IntegerAttr(type.getRank() - 1),
                                           rewriter.getF64FloatAttr(inverseStd->epsilon));
    return success();
  }
};

/// `e / sum(e)` with `e = exp(x - max(x))` or `e = exp(x)`, over the last axis. Without the
/// maximum the primitives overflow where llm.softmax does not; where they do not overflow, the
/// two are the same function (the maximum cancels in the quotient).
struct FuseSoftmax : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp op, PatternRewriter &rewriter) const override {
    auto exp = op.getLhs().getDefiningOp<ExpOp>();
    ReduceSumOp sum = lastAxisReduction<ReduceSumOp>(op.getRhs());
    if (!exp || !sum || sum.getInput() != exp.getResult())
      return rewriter.notifyMatchFailure(op, "not exp(x) / sum(exp(x)) over the last axis");
    if (!sum->hasOneUse() || !onlyUsedBy(exp.getResult(), {sum, op}))
      return rewriter.notifyMatchFailure(op, "the exponentials or their sum have other users");
    Value input = exp.getInput();
    if (auto subtract = input.getDefiningOp<SubOp>()) {
      ReduceMaxOp maximum = lastAxisReduction<ReduceMaxOp>(subtract.getRhs());
      if (maximum && maximum.getInput() == subtract.getLhs() && subtract->hasOneUse() &&
          maximum->hasOneUse() && subtract.getType() == subtract.getLhs().getType())
        input = subtract.getLhs();
    }
    auto type = cast<RankedTensorType>(input.getType());
    if (!isa<FloatType>(type.getElementType()) || op.getType() != type)
      return rewriter.notifyMatchFailure(op, "not a float tensor of the input's shape");
    rewriter.replaceOpWithNewOp<SoftmaxOp>(op, type, input,
                                           rewriter.getI64IntegerAttr(type.getRank() - 1));
    return success();
  }
};

/// `pow(x, c)` for a constant scalar c of 2, 3, 0.5 or -1 as the products, square root or
/// reciprocal that exporters mean by it (GPT-2's GELU cubes with pow(x, 3)): a multiply is
/// cheaper than exp(c * log(x)), and exact where x is negative.
struct PowToArithmetic : OpRewritePattern<PowOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PowOp op, PatternRewriter &rewriter) const override {
    std::optional<double> exponent = matchScalarConstant(op.getRhs());
    Value base = op.getLhs();
    if (!exponent || op.getType() != base.getType())
      return rewriter.notifyMatchFailure(op, "the exponent is not a scalar float constant");
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    if (*exponent == 2.0) {
      rewriter.replaceOpWithNewOp<MulOp>(op, type, base, base);
    } else if (*exponent == 3.0) {
      Value square = MulOp::create(rewriter, loc, type, base, base);
      rewriter.replaceOpWithNewOp<MulOp>(op, type, square, base);
    } else if (*exponent == 0.5) {
      rewriter.replaceOpWithNewOp<SqrtOp>(op, base);
    } else if (*exponent == -1.0) {
      rewriter.replaceOpWithNewOp<ReciprocalOp>(op, base);
    } else {
      return rewriter.notifyMatchFailure(op, "no cheaper form for this exponent");
    }
    return success();
  }
};

struct LLMFuseNormsPass : llmc::llm::impl::LLMFuseNormsPassBase<LLMFuseNormsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseNormsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void llmc::llm::populateFuseNormsPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<FuseLayerNorm<DivOp>, FuseLayerNorm<MulOp>, FuseRmsNorm<DivOp>, FuseRmsNorm<MulOp>,
               FuseSoftmax, PowToArithmetic>(context);
}
