//===- IntegerToLinalg.cpp - Shifts, bit casts and (de)quantization to linalg ---===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

template <typename OpTy, bool left> struct ShiftToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    if (!isa<IntegerType>(element) || getElementTypeOrSelf(op.getLhs().getType()) != element ||
        getElementTypeOrSelf(op.getRhs().getType()) != element)
      return rewriter.notifyMatchFailure(op, "operands are not integers of one type");
    unsigned width = element.getIntOrFloatBitWidth();
    bool arithmetic = !left && !element.isUnsignedInteger();
    Value result =
        elementwise(rewriter, op.getLoc(), type, {op.getLhs(), op.getRhs()},
                    [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                      // Shifting by the width or more is poison in arith; such amounts shift every
                      // bit out.
                      Value amount = args[1];
                      Value beyond =
                          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, amount,
                                                scalarConstant(b, loc, element, width));
                      Value zero = scalarConstant(b, loc, element, 0.0);
                      if (arithmetic) {
                        Value clamped = arith::SelectOp::create(
                            b, loc, beyond, scalarConstant(b, loc, element, width - 1), amount);
                        return arith::ShRSIOp::create(b, loc, args[0], clamped);
                      }
                      Value safe = arith::SelectOp::create(b, loc, beyond, zero, amount);
                      Value shifted = left ? Value(arith::ShLIOp::create(b, loc, args[0], safe))
                                           : Value(arith::ShRUIOp::create(b, loc, args[0], safe));
                      return arith::SelectOp::create(b, loc, beyond, zero, shifted);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The integer type a quantized type stores: unsigned for unsigned storage, so that the
/// stored values convert to reals as the quantized type means them.
IntegerType storageTypeOf(quant::QuantizedType type) {
  return IntegerType::get(type.getContext(), type.getStorageTypeIntegralWidth(),
                          type.isSigned() ? IntegerType::Signless : IntegerType::Unsigned);
}

struct BitcastToGeneric : OpRewritePattern<BitcastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BitcastOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type from = op.getInput().getType().getElementType(), to = type.getElementType();
    // A quantized tensor and its stored integers are the same bits under two types; the pass
    // makes both signless integers, and the cast between them disappears.
    if (isa<quant::QuantizedType>(from) || isa<quant::QuantizedType>(to)) {
      rewriter.replaceOpWithNewOp<UnrealizedConversionCastOp>(op, type, op.getInput());
      return success();
    }
    if (!isPlainNumber(from) || !isPlainNumber(to))
      return rewriter.notifyMatchFailure(op, "unsupported element types");
    Value result = elementwise(rewriter, op.getLoc(), type, {op.getInput()},
                               [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                                 if (isa<IntegerType>(from) && isa<IntegerType>(to))
                                   return convertScalar(b, loc, args[0], to);
                                 return arith::BitcastOp::create(b, loc, to, args[0]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The scales and zero points of a quantized type: one pair, or one per slice along the
/// quantized dimension as constants shaped to broadcast against a tensor of rank `rank`.
struct QuantParams {
  double scale = 1.0, zeroPoint = 0.0;
  Value scales, zeroPoints; // per axis only
};

QuantParams quantParamsOf(OpBuilder &b, Location loc, quant::QuantizedType type, Type expressed,
                          int64_t rank) {
  QuantParams params;
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(type)) {
    params.scale = uniform.getScale();
    params.zeroPoint = double(uniform.getZeroPoint());
    return params;
  }
  auto perAxis = cast<quant::UniformQuantizedPerAxisType>(type);
  int64_t axis = perAxis.getQuantizedDimension();
  SmallVector<int64_t> shape(rank - axis, 1);
  shape[0] = int64_t(perAxis.getScales().size());
  auto tensorType = RankedTensorType::get(shape, expressed);
  SmallVector<Attribute> scales, zeroPoints;
  for (auto [scale, zeroPoint] : llvm::zip_equal(perAxis.getScales(), perAxis.getZeroPoints())) {
    scales.push_back(b.getFloatAttr(expressed, scale));
    zeroPoints.push_back(b.getFloatAttr(expressed, double(zeroPoint)));
  }
  params.scales = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(tensorType, scales));
  params.zeroPoints =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(tensorType, zeroPoints));
  return params;
}

/// q = clamp(round_even(x / scale) + zero_point, storage min, storage max), as ONNX
/// QuantizeLinear; NaN stores 0.
struct QuantizeToGeneric : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    auto quantized = dyn_cast<quant::QuantizedType>(type.getElementType());
    Type expressed = op.getInput().getType().getElementType();
    if (!quantized || !isa<FloatType>(expressed) ||
        !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(quantized))
      return rewriter.notifyMatchFailure(op, "expected a uniform quantized result of floats");
    Location loc = op.getLoc();
    IntegerType storage = storageTypeOf(quantized);
    double lowest = double(quantized.getStorageTypeMin());
    double highest = double(quantized.getStorageTypeMax());
    QuantParams params = quantParamsOf(rewriter, loc, quantized, expressed, type.getRank());
    SmallVector<Value> inputs = {op.getInput()};
    if (params.scales)
      inputs.append({params.scales, params.zeroPoints});
    Value stored = elementwise(
        rewriter, loc, type.clone(storage), inputs,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          Value scale =
              params.scales ? args[1] : scalarConstant(b, nestedLoc, expressed, params.scale);
          Value zeroPoint =
              params.scales ? args[2] : scalarConstant(b, nestedLoc, expressed, params.zeroPoint);
          Value scaled = arith::DivFOp::create(b, nestedLoc, args[0], scale);
          Value rounded = math::RoundEvenOp::create(b, nestedLoc, scaled);
          Value shifted = arith::AddFOp::create(b, nestedLoc, rounded, zeroPoint);
          Value clamped = arith::MinimumFOp::create(
              b, nestedLoc,
              arith::MaximumFOp::create(b, nestedLoc, shifted,
                                        scalarConstant(b, nestedLoc, expressed, lowest)),
              scalarConstant(b, nestedLoc, expressed, highest));
          return convertScalar(b, nestedLoc, clamped, storage);
        });
    rewriter.replaceOpWithNewOp<UnrealizedConversionCastOp>(op, type, stored);
    return success();
  }
};

/// x = (q - zero_point) * scale, in the expressed type.
struct DequantizeToGeneric : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op, PatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType(), type = op.getType();
    auto quantized = dyn_cast<quant::QuantizedType>(inputType.getElementType());
    Type expressed = type.getElementType();
    if (!quantized || !isa<FloatType>(expressed) ||
        !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(quantized))
      return rewriter.notifyMatchFailure(op, "expected a uniform quantized input of floats");
    Location loc = op.getLoc();
    Value stored = UnrealizedConversionCastOp::create(
                       rewriter, loc, inputType.clone(storageTypeOf(quantized)), op.getInput())
                       .getResult(0);
    QuantParams params = quantParamsOf(rewriter, loc, quantized, expressed, type.getRank());
    SmallVector<Value> inputs = {stored};
    if (params.scales)
      inputs.append({params.scales, params.zeroPoints});
    Value result = elementwise(
        rewriter, loc, type, inputs, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value scale =
              params.scales ? args[1] : scalarConstant(b, nestedLoc, expressed, params.scale);
          Value zeroPoint =
              params.scales ? args[2] : scalarConstant(b, nestedLoc, expressed, params.zeroPoint);
          Value real = convertScalar(b, nestedLoc, args[0], expressed);
          return arith::MulFOp::create(b, nestedLoc,
                                       arith::SubFOp::create(b, nestedLoc, real, zeroPoint), scale);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// An op that computes reads a quantized operand as its expressed value: an explicit
/// dequantize puts that in the IR, so that the op's own lowering sees plain numbers. Ops whose
/// results stay quantized (data movement) move the stored integers as they are.
struct DequantizeOperands : RewritePattern {
  DequantizeOperands(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/2, context) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<LLMDialect>(op->getDialect()) || isa<QuantizeOp, DequantizeOp, BitcastOp>(op))
      return failure();
    auto isQuantized = [](Type type) {
      return isa<quant::QuantizedType>(getElementTypeOrSelf(type));
    };
    if (llvm::any_of(op->getResultTypes(), isQuantized) ||
        llvm::none_of(op->getOperandTypes(), isQuantized))
      return rewriter.notifyMatchFailure(op, "no quantized operand read as real values");
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isQuantized(operand.get().getType()))
        continue;
      FailureOr<DequantizeOp> real =
          createInferred<DequantizeOp>(rewriter, op->getLoc(), operand.get());
      if (failed(real))
        return failure();
      rewriter.modifyOpInPlace(op, [&] { operand.set(real->getResult()); });
    }
    return success();
  }
};

} // namespace

void populateIntegerPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ShiftToGeneric<ShiftLeftOp, true>, ShiftToGeneric<ShiftRightOp, false>,
               BitcastToGeneric, QuantizeToGeneric, DequantizeToGeneric, DequantizeOperands>(
      context);
}

} // namespace llmc::llm::lowering
