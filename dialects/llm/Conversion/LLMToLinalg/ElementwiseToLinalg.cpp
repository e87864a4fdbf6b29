//===- ElementwiseToLinalg.cpp - Elementwise llm ops to linalg.generic ------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

template <typename OpTy, Combine kind> struct BinaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    if (!isPlainNumber(element) || getElementTypeOrSelf(op.getLhs().getType()) != element ||
        getElementTypeOrSelf(op.getRhs().getType()) != element)
      return rewriter.notifyMatchFailure(op, "operands are not plain numbers of one type");
    bool logical = kind == Combine::And || kind == Combine::Or || kind == Combine::Xor;
    if (logical && !isa<IntegerType>(element))
      return rewriter.notifyMatchFailure(op, "logical ops take bools or integers");
    Value result = elementwise(rewriter, op.getLoc(), resultType, {op.getLhs(), op.getRhs()},
                               [](OpBuilder &b, Location loc, ValueRange args) {
                                 return combineScalars(b, loc, kind, args[0], args[1]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// One scalar function per unary op.
Value computeUnary(Operation *op, OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  bool isFloat = isa<FloatType>(type);
  // Unsigned values are their own absolute value and never negative.
  if (type.isUnsignedInteger() && isa<AbsOp, ReluOp>(op))
    return x;
  auto one = [&] { return scalarConstant(b, loc, type, 1.0); };
  auto sigmoid = [&](Value v) -> Value {
    Value expNeg = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(b, loc, one(), arith::AddFOp::create(b, loc, one(), expNeg));
  };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<NegOp>([&](auto) -> Value {
        if (isFloat)
          return arith::NegFOp::create(b, loc, x);
        return arith::SubIOp::create(b, loc, scalarConstant(b, loc, type, 0.0), x);
      })
      .Case<AbsOp>([&](auto) -> Value {
        if (isFloat)
          return math::AbsFOp::create(b, loc, x);
        return math::AbsIOp::create(b, loc, x);
      })
      .Case<ReluOp>([&](auto) -> Value {
        Value zero = scalarConstant(b, loc, type, 0.0);
        if (isFloat)
          return arith::MaximumFOp::create(b, loc, x, zero);
        return arith::MaxSIOp::create(b, loc, x, zero);
      })
      .Case<ExpOp>([&](auto) -> Value { return math::ExpOp::create(b, loc, x); })
      .Case<LogOp>([&](auto) -> Value { return math::LogOp::create(b, loc, x); })
      .Case<SqrtOp>([&](auto) -> Value { return math::SqrtOp::create(b, loc, x); })
      .Case<RsqrtOp>([&](auto) -> Value { return math::RsqrtOp::create(b, loc, x); })
      .Case<TanhOp>([&](auto) -> Value { return math::TanhOp::create(b, loc, x); })
      .Case<ErfOp>([&](auto) -> Value { return math::ErfOp::create(b, loc, x); })
      .Case<ReciprocalOp>([&](auto) -> Value { return arith::DivFOp::create(b, loc, one(), x); })
      .Case<SigmoidOp>([&](auto) -> Value { return sigmoid(x); })
      .Case<SiluOp>([&](auto) -> Value { return arith::MulFOp::create(b, loc, x, sigmoid(x)); })
      .Case<SinOp>([&](auto) -> Value { return math::SinOp::create(b, loc, x); })
      .Case<CosOp>([&](auto) -> Value { return math::CosOp::create(b, loc, x); })
      .Case<TanOp>([&](auto) -> Value { return math::TanOp::create(b, loc, x); })
      .Case<AsinOp>([&](auto) -> Value { return math::AsinOp::create(b, loc, x); })
      .Case<AcosOp>([&](auto) -> Value { return math::AcosOp::create(b, loc, x); })
      .Case<AtanOp>([&](auto) -> Value { return math::AtanOp::create(b, loc, x); })
      .Case<SinhOp>([&](auto) -> Value { return math::SinhOp::create(b, loc, x); })
      .Case<CoshOp>([&](auto) -> Value { return math::CoshOp::create(b, loc, x); })
      .Case<AsinhOp>([&](auto) -> Value { return math::AsinhOp::create(b, loc, x); })
      .Case<AcoshOp>([&](auto) -> Value { return math::AcoshOp::create(b, loc, x); })
      .Case<AtanhOp>([&](auto) -> Value { return math::AtanhOp::create(b, loc, x); })
      .Case<FloorOp>([&](auto) -> Value { return math::FloorOp::create(b, loc, x); })
      .Case<CeilOp>([&](auto) -> Value { return math::CeilOp::create(b, loc, x); })
      .Case<RoundOp>([&](auto) -> Value { return math::RoundEvenOp::create(b, loc, x); })
      .Case<SignOp>([&](auto) -> Value {
        // Zero (and NaN) map to themselves.
        Value zero = scalarConstant(b, loc, type, 0.0);
        Value positive =
            isFloat ? Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero))
                    : Value(arith::CmpIOp::create(
                          b, loc, integerPredicate(arith::CmpIPredicate::sgt, type), x, zero));
        if (type.isUnsignedInteger())
          return arith::SelectOp::create(b, loc, positive, one(), x);
        Value negative =
            isFloat ? Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero))
                    : Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero));
        Value sign =
            arith::SelectOp::create(b, loc, negative, scalarConstant(b, loc, type, -1.0), x);
        return arith::SelectOp::create(b, loc, positive, one(), sign);
      })
      .Case<NotOp>([&](auto) -> Value {
        Value allOnes = arith::ConstantOp::create(
            b, loc, b.getIntegerAttr(type, APInt::getAllOnes(type.getIntOrFloatBitWidth())));
        return arith::XOrIOp::create(b, loc, x, allOnes);
      })
      .Default([](Operation *) -> Value { return {}; });
}

/// Ops whose scalar function exists only for floats.
bool needsFloat(Operation *op) { return !isa<NegOp, AbsOp, ReluOp, SignOp, NotOp>(op); }

template <typename OpTy> struct UnaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    if (!isPlainNumber(element) || (needsFloat(op) && !isa<FloatType>(element)))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Operation *operation = op.getOperation();
    Value result = elementwise(rewriter, op.getLoc(), type, {op.getInput()},
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return computeUnary(operation, b, loc, args[0]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename OpTy, arith::CmpFPredicate floatPredicate, arith::CmpIPredicate intPredicate>
struct CompareToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Type element = getElementTypeOrSelf(op.getLhs().getType());
    if (!isPlainNumber(element) || getElementTypeOrSelf(op.getRhs().getType()) != element)
      return rewriter.notifyMatchFailure(op, "operands are not plain numbers of one type");
    Value result =
        elementwise(rewriter, op.getLoc(), op.getType(), {op.getLhs(), op.getRhs()},
                    [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                      if (isa<FloatType>(element))
                        return arith::CmpFOp::create(b, loc, floatPredicate, args[0], args[1]);
                      return arith::CmpIOp::create(b, loc, integerPredicate(intPredicate, element),
                                                   args[0], args[1]);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SelectToGeneric : OpRewritePattern<SelectOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectOp op, PatternRewriter &rewriter) const override {
    Type element = op.getType().getElementType();
    if (!isPlainNumber(element) || getElementTypeOrSelf(op.getOnTrue().getType()) != element ||
        getElementTypeOrSelf(op.getOnFalse().getType()) != element)
      return rewriter.notifyMatchFailure(op, "operands are not plain numbers of one type");
    Value result = elementwise(rewriter, op.getLoc(), op.getType(),
                               {op.getCondition(), op.getOnTrue(), op.getOnFalse()},
                               [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                                 return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ClampToGeneric : OpRewritePattern<ClampOp> {
  using OpRewritePattern::OpRewritePattern;

  /// A clamp bound in `element`: integer bounds beyond the type's range (such as -1 for an
  /// unsigned type, or an infinity) become the range's end, so they never wrap.
  static Value bound(OpBuilder &b, Location loc, Type element, double value) {
    if (isa<FloatType>(element))
      return std::isinf(value)
                 ? (value < 0 ? lowestValue(b, loc, element) : highestValue(b, loc, element))
                 : scalarConstant(b, loc, element, value);
    unsigned width = element.getIntOrFloatBitWidth();
    bool isUnsigned = width == 1 || element.isUnsignedInteger();
    double lowest = isUnsigned ? 0.0 : -std::ldexp(1.0, int(width) - 1);
    double highest = std::ldexp(1.0, int(width) - (isUnsigned ? 0 : 1)) - 1;
    if (value <= lowest)
      return lowestValue(b, loc, element);
    if (value >= highest)
      return highestValue(b, loc, element);
    return scalarConstant(b, loc, element, value);
  }

  LogicalResult matchAndRewrite(ClampOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    double min = op.getMin().convertToDouble(), max = op.getMax().convertToDouble();
    Value result =
        elementwise(rewriter, op.getLoc(), type, {op.getInput()},
                    [&](OpBuilder &b, Location loc, ValueRange args) {
                      Value lo = bound(b, loc, element, min), hi = bound(b, loc, element, max);
                      return combineScalars(b, loc, Combine::Min,
                                            combineScalars(b, loc, Combine::Max, args[0], lo), hi);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CastToGeneric : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CastOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type to = type.getElementType();
    if (!isPlainNumber(to) || !isPlainNumber(op.getInput().getType().getElementType()))
      return rewriter.notifyMatchFailure(op, "index casts are not lowered");
    Value result = elementwise(rewriter, op.getLoc(), type, {op.getInput()},
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return convertScalar(b, loc, args[0], to);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// llm.gelu, in f32 whatever the element type, with the formulas of the GEMM epilogue
/// (llmc_gelu_f32x16 and llmc_gelu_tanh_f32x16 in backends/cpu/kernels/kernel_support.h): the erf
/// form as 0.5 x (1 + erf(x / sqrt(2))) with erf the rational approximation x P(x^2) / Q(x^2) on
/// [-4, 4], and the tanh form as x / (1 + e^(-2u)), which keeps its relative accuracy where it
/// tends to zero.
struct GeluToGeneric : OpRewritePattern<GeluOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GeluOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    bool tanh = op.getTanhApproximation();
    Value result = elementwise(
        rewriter, op.getLoc(), type, {op.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Type f32 = b.getF32Type();
          auto constant = [&](double value) { return scalarConstant(b, loc, f32, value); };
          auto mul = [&](Value lhs, Value rhs) -> Value {
            return arith::MulFOp::create(b, loc, lhs, rhs);
          };
          auto add = [&](Value lhs, Value rhs) -> Value {
            return arith::AddFOp::create(b, loc, lhs, rhs);
          };
          // c[0] + x c[1] + x^2 c[2] + ..., by Horner's rule.
          auto polynomial = [&](Value x, ArrayRef<double> c) {
            Value sum = constant(c.back());
            for (double coefficient : llvm::reverse(c.drop_back()))
              sum = add(mul(sum, x), constant(coefficient));
            return sum;
          };
          Value x = convertScalar(b, loc, args[0], f32), value;
          if (tanh) {
            Value cube = mul(mul(x, x), x);
            Value u = mul(constant(0.79788456080286536), add(x, mul(constant(0.044715), cube)));
            Value e = math::ExpOp::create(b, loc, mul(constant(-2.0), u));
            value = arith::DivFOp::create(b, loc, x, add(constant(1.0), e));
          } else {
            Value y = mul(x, constant(0.70710678118654752));
            y = arith::MaximumFOp::create(b, loc, y, constant(-4.0));
            y = arith::MinimumFOp::create(b, loc, y, constant(4.0));
            Value y2 = mul(y, y);
            Value p =
                polynomial(y2, {-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04,
                                -5.69250639462346e-05, -2.10102402082508e-06, 2.77068142495902e-08,
                                -2.72614225801306e-10});
            Value q =
                polynomial(y2, {-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03,
                                -2.13374055278905e-04, -1.45660718464996e-05});
            Value erf = arith::DivFOp::create(b, loc, mul(y, p), q);
            value = mul(mul(constant(0.5), x), add(constant(1.0), erf));
          }
          return convertScalar(b, loc, value, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<BinaryToGeneric<AddOp, Combine::Add>, BinaryToGeneric<SubOp, Combine::Sub>,
               BinaryToGeneric<MulOp, Combine::Mul>, BinaryToGeneric<DivOp, Combine::Div>,
               BinaryToGeneric<MaxOp, Combine::Max>, BinaryToGeneric<MinOp, Combine::Min>,
               BinaryToGeneric<PowOp, Combine::Pow>>(context);
  patterns
      .add<UnaryToGeneric<NegOp>, UnaryToGeneric<AbsOp>, UnaryToGeneric<ExpOp>,
           UnaryToGeneric<LogOp>, UnaryToGeneric<SqrtOp>, UnaryToGeneric<RsqrtOp>,
           UnaryToGeneric<ReciprocalOp>, UnaryToGeneric<ReluOp>, UnaryToGeneric<SigmoidOp>,
           UnaryToGeneric<TanhOp>, UnaryToGeneric<ErfOp>, UnaryToGeneric<SiluOp>, GeluToGeneric>(
          context);
  patterns.add<UnaryToGeneric<SinOp>, UnaryToGeneric<CosOp>, UnaryToGeneric<TanOp>,
               UnaryToGeneric<AsinOp>, UnaryToGeneric<AcosOp>, UnaryToGeneric<AtanOp>,
               UnaryToGeneric<SinhOp>, UnaryToGeneric<CoshOp>, UnaryToGeneric<AsinhOp>,
               UnaryToGeneric<AcoshOp>, UnaryToGeneric<AtanhOp>, UnaryToGeneric<FloorOp>,
               UnaryToGeneric<CeilOp>, UnaryToGeneric<RoundOp>, UnaryToGeneric<SignOp>,
               UnaryToGeneric<NotOp>>(context);
  patterns.add<BinaryToGeneric<AndOp, Combine::And>, BinaryToGeneric<OrOp, Combine::Or>,
               BinaryToGeneric<XorOp, Combine::Xor>>(context);
  using FP = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  patterns.add<
      CompareToGeneric<EqualOp, FP::OEQ, IP::eq>, CompareToGeneric<NotEqualOp, FP::UNE, IP::ne>,
      CompareToGeneric<LessOp, FP::OLT, IP::slt>, CompareToGeneric<LessEqualOp, FP::OLE, IP::sle>,
      CompareToGeneric<GreaterOp, FP::OGT, IP::sgt>,
      CompareToGeneric<GreaterEqualOp, FP::OGE, IP::sge>, SelectToGeneric>(context);
  patterns.add<ClampToGeneric, CastToGeneric>(context);
}

} // namespace llmc::llm::lowering
