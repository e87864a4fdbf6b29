//===- ImageToLinalg.cpp - resize, grid_sample and roi_align ----------------===//
//
// Each op becomes one linalg.generic over its result. The body maps the result position to
// input coordinates and sums the weighted neighbours it reads with tensor.extract; every index
// is clamped into its axis first, so no coordinate a model computes reads outside the input.
// Coordinates and weights are computed in f32.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

/// An integral float as an index. The value is first clamped into [low, high], so that NaN,
/// infinities and huge values (which fptosi would turn into poison) become ordinary indices.
Value floatToIndex(OpBuilder &b, Location loc, Value value, Value low, Value high) {
  value = arith::MaxNumFOp::create(b, loc, value, low);
  value = arith::MinNumFOp::create(b, loc, value, high);
  Value wide = arith::FPToSIOp::create(b, loc, b.getI64Type(), value);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), wide);
}

/// `index` clamped into [0, last].
Value clampIndex(OpBuilder &b, Location loc, Value index, Value last) {
  Value zero = indexConstant(b, loc, 0);
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, index, zero), last);
}

/// True when 0 <= index < size.
Value isInside(OpBuilder &b, Location loc, Value index, Value size) {
  Value zero = indexConstant(b, loc, 0);
  return arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, size));
}

/// `compute` under the run-time condition `ok` (null: always true), `fallback` otherwise: a
/// body that reads an input whose size is known only at run time must not run when that input
/// is empty, or does not match the other operands, as a hostile model may make it.
Value guarded(OpBuilder &b, Location loc, Value ok, Type type, double fallback,
              function_ref<Value(OpBuilder &)> compute) {
  if (!ok)
    return compute(b);
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{type}, ok, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, loc, compute(b));
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  scf::YieldOp::create(b, loc, scalarConstant(b, loc, type, fallback));
  return ifOp.getResult(0);
}

/// One linalg.generic over `init`, the result: `compute` builds the element at the result
/// position (a copy the callee may change) under `guarded`'s run-time condition `ok`, and 0 is
/// written where `ok` does not hold.
Value guardedGenericOverResult(
    OpBuilder &rewriter, Location loc, RankedTensorType resultType, Value init, Value ok,
    function_ref<Value(OpBuilder &, Location, SmallVectorImpl<Value> &)> compute) {
  int64_t rank = resultType.getRank();
  return linalg::GenericOp::create(rewriter, loc, resultType, ValueRange{}, init,
                                   rewriter.getMultiDimIdentityMap(rank), parallelIterators(rank),
                                   [&](OpBuilder &outer, Location nested, ValueRange) {
                                     // linalg.index belongs directly in the generic, outside the
                                     // guard's region.
                                     SmallVector<Value> ids;
                                     for (int64_t dim = 0; dim < rank; ++dim)
                                       ids.push_back(linalg::IndexOp::create(outer, nested, dim));
                                     Value value =
                                         guarded(outer, nested, ok, resultType.getElementType(),
                                                 0.0, [&](OpBuilder &b) {
                                                   SmallVector<Value> position(ids);
                                                   return compute(b, nested, position);
                                                 });
                                     linalg::YieldOp::create(outer, nested, value);
                                   })
      .getResult(0);
}

/// Conjoins `ok` with `size > 0` unless `staticSize` shows it.
Value requireNonEmpty(OpBuilder &b, Location loc, Value ok, Value size, int64_t staticSize) {
  if (!ShapedType::isDynamic(staticSize) && staticSize > 0)
    return ok;
  Value positive =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, size, indexConstant(b, loc, 0));
  return ok ? Value(arith::AndIOp::create(b, loc, ok, positive)) : positive;
}

/// Conjoins `ok` with `lhs == rhs` unless both sizes are static and equal.
Value requireEqual(OpBuilder &b, Location loc, Value ok, Value lhs, int64_t staticLhs, Value rhs,
                   int64_t staticRhs) {
  if (!ShapedType::isDynamic(staticLhs) && staticLhs == staticRhs)
    return ok;
  Value equal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lhs, rhs);
  return ok ? Value(arith::AndIOp::create(b, loc, ok, equal)) : equal;
}

/// A scalar element of a 0-d or 1-D operand as f32 (floats) or index (integers).
Value readScalar(OpBuilder &b, Location loc, Value tensor, std::optional<int64_t> position) {
  SmallVector<Value> indices;
  if (position)
    indices.push_back(indexConstant(b, loc, *position));
  Value value = tensor::ExtractOp::create(b, loc, tensor, indices);
  if (isa<FloatType>(value.getType()))
    return convertScalar(b, loc, value, b.getF32Type());
  Value wide = convertScalar(b, loc, value, b.getI64Type());
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), wide);
}

/// The neighbours one axis contributes: clamped input indices, their weights (null means 1)
/// and whether each lies inside the input (null means it counts as inside).
struct AxisTaps {
  int64_t dim;
  SmallVector<Value> indices, weights, inside;
};

/// Sums, over every combination of the axes' neighbours, the product of their weights times
/// the input element there. Nesting the sums multiplies each weight once per partial sum.
Value sumTaps(OpBuilder &b, Location loc, Value input, SmallVectorImpl<Value> &position,
              ArrayRef<AxisTaps> taps, Type accumulator) {
  if (taps.empty())
    return convertScalar(b, loc, tensor::ExtractOp::create(b, loc, input, position), accumulator);
  const AxisTaps &axis = taps.front();
  Value sum;
  for (size_t tap = 0; tap < axis.indices.size(); ++tap) {
    position[axis.dim] = axis.indices[tap];
    Value value = sumTaps(b, loc, input, position, taps.drop_front(), accumulator);
    if (axis.inside[tap])
      value = arith::SelectOp::create(b, loc, axis.inside[tap], value,
                                      scalarConstant(b, loc, accumulator, 0.0));
    if (axis.weights[tap])
      value = arith::MulFOp::create(b, loc, value, axis.weights[tap]);
    sum = sum ? Value(arith::AddFOp::create(b, loc, sum, value)) : value;
  }
  return sum;
}

/// Keys' cubic convolution weights of the 4 neighbours floor(x) - 1 ... floor(x) + 2 of a
/// coordinate whose fraction is `ratio`.
SmallVector<Value> cubicWeights(OpBuilder &b, Location loc, Value ratio, double a) {
  auto near = [&](Value t) {
    // ((a + 2) t - (a + 3)) t^2 + 1
    Value inner =
        arith::SubFOp::create(b, loc, arith::MulFOp::create(b, loc, f32Constant(b, loc, a + 2), t),
                              f32Constant(b, loc, a + 3));
    Value t2 = arith::MulFOp::create(b, loc, t, t);
    return Value(arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, inner, t2),
                                       f32Constant(b, loc, 1.0)));
  };
  auto far = [&](Value t) {
    // ((a t - 5a) t + 8a) t - 4a
    Value v =
        arith::SubFOp::create(b, loc, arith::MulFOp::create(b, loc, f32Constant(b, loc, a), t),
                              f32Constant(b, loc, 5 * a));
    v = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, v, t),
                              f32Constant(b, loc, 8 * a));
    return Value(arith::SubFOp::create(b, loc, arith::MulFOp::create(b, loc, v, t),
                                       f32Constant(b, loc, 4 * a)));
  };
  Value one = f32Constant(b, loc, 1.0), two = f32Constant(b, loc, 2.0);
  Value oneMinus = arith::SubFOp::create(b, loc, one, ratio);
  return {far(arith::AddFOp::create(b, loc, ratio, one)), near(ratio), near(oneMinus),
          far(arith::SubFOp::create(b, loc, two, ratio))};
}

/// The neighbours of coordinate `x` on an axis of `size` elements: 1 (nearest, `x` already
/// rounded), 2 (linear) or 4 (cubic). Indices are clamped into the axis; `inside` records
/// which of them were inside before clamping.
AxisTaps neighbourTaps(OpBuilder &b, Location loc, int64_t dim, Value x, Value size, Value sizeF,
                       StringRef mode, double cubicA) {
  AxisTaps taps;
  taps.dim = dim;
  Value last = arith::SubIOp::create(b, loc, size, indexConstant(b, loc, 1));
  Value low = f32Constant(b, loc, -4.0);
  Value high = arith::AddFOp::create(b, loc, sizeF, f32Constant(b, loc, 4.0));
  if (mode == "nearest") {
    Value index = floatToIndex(b, loc, x, low, high);
    taps.indices.push_back(clampIndex(b, loc, index, last));
    taps.weights.push_back(Value());
    taps.inside.push_back(isInside(b, loc, index, size));
    return taps;
  }
  Value floor = math::FloorOp::create(b, loc, x);
  Value ratio = arith::SubFOp::create(b, loc, x, floor);
  Value base = floatToIndex(b, loc, floor, low, high);
  int64_t first = 0;
  if (mode == "linear") {
    taps.weights = {arith::SubFOp::create(b, loc, f32Constant(b, loc, 1.0), ratio), ratio};
  } else {
    taps.weights = cubicWeights(b, loc, ratio, cubicA);
    first = -1;
  }
  for (size_t tap = 0; tap < taps.weights.size(); ++tap) {
    Value index = arith::AddIOp::create(b, loc, base, indexConstant(b, loc, first + int64_t(tap)));
    taps.indices.push_back(clampIndex(b, loc, index, last));
    taps.inside.push_back(isInside(b, loc, index, size));
  }
  return taps;
}

//===----------------------------------------------------------------------===//
// llm.resize
//===----------------------------------------------------------------------===//

/// What a resized axis needs in the loop body, computed once before it.
struct ResizedAxis {
  int64_t dim;
  Value inSize, inF, outF, scale, lengthF, roiStart, roiEnd;
};

struct ResizeToGeneric : OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ResizeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "only plain integer and float tensors are resized");
    int64_t rank = resultType.getRank();
    ArrayRef<int64_t> axes = op.getAxes();
    Type f32 = rewriter.getF32Type(), f64 = rewriter.getF64Type();
    int64_t count = int64_t(axes.size());

    SmallVector<ResizedAxis> resized;
    SmallVector<Value> outSizes(rank);
    for (int64_t dim = 0; dim < rank; ++dim)
      outSizes[dim] = tensor::DimOp::create(rewriter, loc, input, dim);
    for (auto [position, dim] : llvm::enumerate(axes)) {
      ResizedAxis axis;
      axis.dim = dim;
      axis.inSize = outSizes[dim];
      axis.inF = indexToF32(rewriter, loc, axis.inSize);
      if (op.getScales())
        axis.scale = readScalar(rewriter, loc, op.getScales(), position);
      Value outSize;
      if (op.getSizes()) {
        outSize = arith::MaxSIOp::create(rewriter, loc,
                                         readScalar(rewriter, loc, op.getSizes(), position),
                                         indexConstant(rewriter, loc, 0));
      } else {
        // floor(input size * scale) in f64, as ONNX computes it; hostile scales (negative,
        // NaN, huge) are clamped before the conversion.
        Value inWide = arith::SIToFPOp::create(
            rewriter, loc, f64,
            arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), axis.inSize));
        Value product = arith::MulFOp::create(
            rewriter, loc, inWide, arith::ExtFOp::create(rewriter, loc, f64, axis.scale));
        product = arith::MaxNumFOp::create(
            rewriter, loc, product,
            arith::ConstantOp::create(rewriter, loc, rewriter.getF64FloatAttr(0.0)));
        product = arith::MinNumFOp::create(
            rewriter, loc, product,
            arith::ConstantOp::create(rewriter, loc, rewriter.getF64FloatAttr(double(1ll << 40))));
        outSize = arith::IndexCastOp::create(
            rewriter, loc, rewriter.getIndexType(),
            arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), product));
      }
      // Nothing can be read from an empty axis, so its output stays empty too.
      Value empty = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, axis.inSize,
                                          indexConstant(rewriter, loc, 0));
      outSize =
          arith::SelectOp::create(rewriter, loc, empty, indexConstant(rewriter, loc, 0), outSize);
      if (!resultType.isDynamicDim(dim))
        outSize = indexConstant(rewriter, loc, resultType.getDimSize(dim));
      outSizes[dim] = outSize;
      axis.outF = indexToF32(rewriter, loc, outSize);
      if (!axis.scale)
        axis.scale = arith::DivFOp::create(rewriter, loc, axis.outF, axis.inF);
      // ONNX measures the resized length as scale * input size, which differs from the
      // integral output size when the scale does not divide evenly.
      axis.lengthF = op.getScales()
                         ? Value(arith::MulFOp::create(rewriter, loc, axis.scale, axis.inF))
                         : axis.outF;
      if (op.getRoi()) {
        axis.roiStart = readScalar(rewriter, loc, op.getRoi(), position);
        axis.roiEnd = readScalar(rewriter, loc, op.getRoi(), position + count);
      }
      resized.push_back(axis);
    }
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (resultType.isDynamicDim(dim))
        dynamicSizes.push_back(outSizes[dim]);
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);

    StringRef mode = op.getMode(), coordinateMode = op.getCoordinateMode();
    StringRef nearestMode = op.getNearestMode();
    bool excludeOutside = op.getExcludeOutside();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    Type accumulator = mode == "nearest" ? element : f32;
    auto inputType = cast<RankedTensorType>(input.getType());
    Value ok;
    for (const ResizedAxis &axis : resized)
      ok = requireNonEmpty(rewriter, loc, ok, axis.inSize, inputType.getDimSize(axis.dim));
    Value result = guardedGenericOverResult(
        rewriter, loc, resultType, init, ok,
        [&](OpBuilder &b, Location nested, SmallVectorImpl<Value> &position) {
          SmallVector<AxisTaps> taps;
          Value outside;
          for (const ResizedAxis &axis : resized) {
            Value x = indexToF32(b, nested, position[axis.dim]);
            Value source = sourceCoordinate(b, nested, axis, x, coordinateMode);
            if (coordinateMode == "tf_crop_and_resize") {
              Value last = arith::SubFOp::create(b, nested, axis.inF, f32Constant(b, nested, 1.0));
              Value off = arith::OrIOp::create(
                  b, nested,
                  arith::CmpFOp::create(b, nested, arith::CmpFPredicate::OLT, source,
                                        f32Constant(b, nested, 0.0)),
                  arith::CmpFOp::create(b, nested, arith::CmpFPredicate::OGT, source, last));
              outside = outside ? Value(arith::OrIOp::create(b, nested, outside, off)) : off;
            }
            if (mode == "nearest")
              source = roundNearest(b, nested, source, axis.scale, nearestMode);
            AxisTaps axisTaps =
                neighbourTaps(b, nested, axis.dim, source, axis.inSize, axis.inF, mode, cubicA);
            if (excludeOutside && mode != "nearest")
              excludeOutsideTaps(b, nested, axisTaps);
            // Edge neighbours repeat the border element: no inside tests remain.
            axisTaps.inside.assign(axisTaps.indices.size(), Value());
            taps.push_back(std::move(axisTaps));
          }
          Value value = sumTaps(b, nested, input, position, taps, accumulator);
          value = convertScalar(b, nested, value, element);
          if (outside)
            value = arith::SelectOp::create(
                b, nested, outside, scalarConstant(b, nested, element, extrapolation), value);
          return value;
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The input coordinate of output index `x` (ONNX Resize's coordinate_transformation_mode).
  static Value sourceCoordinate(OpBuilder &b, Location loc, const ResizedAxis &axis, Value x,
                                StringRef mode) {
    Value half = f32Constant(b, loc, 0.5), one = f32Constant(b, loc, 1.0);
    auto add = [&](Value l, Value r) { return Value(arith::AddFOp::create(b, loc, l, r)); };
    auto sub = [&](Value l, Value r) { return Value(arith::SubFOp::create(b, loc, l, r)); };
    auto mul = [&](Value l, Value r) { return Value(arith::MulFOp::create(b, loc, l, r)); };
    auto div = [&](Value l, Value r) { return Value(arith::DivFOp::create(b, loc, l, r)); };
    Value lengthIsOne = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, axis.lengthF, one);
    Value halfPixel = sub(div(add(x, half), axis.scale), half);
    if (mode == "half_pixel")
      return halfPixel;
    if (mode == "half_pixel_symmetric") {
      Value adjustment = div(axis.outF, axis.lengthF);
      Value center = mul(axis.inF, half);
      return add(mul(center, sub(one, adjustment)), halfPixel);
    }
    if (mode == "pytorch_half_pixel")
      return arith::SelectOp::create(b, loc, lengthIsOne, f32Constant(b, loc, -0.5), halfPixel);
    if (mode == "align_corners")
      return arith::SelectOp::create(b, loc, lengthIsOne, f32Constant(b, loc, 0.0),
                                     div(mul(x, sub(axis.inF, one)), sub(axis.lengthF, one)));
    if (mode == "asymmetric")
      return div(x, axis.scale);
    if (mode == "tf_half_pixel_for_nn")
      return div(add(x, half), axis.scale);
    // tf_crop_and_resize
    Value inLast = sub(axis.inF, one);
    Value extent = mul(sub(axis.roiEnd, axis.roiStart), inLast);
    Value spread = arith::SelectOp::create(b, loc, lengthIsOne, mul(extent, half),
                                           div(mul(x, extent), sub(axis.lengthF, one)));
    return add(spread, mul(axis.roiStart, inLast));
  }

  /// Rounds a coordinate to the nearest element by ONNX Resize's nearest_mode.
  static Value roundNearest(OpBuilder &b, Location loc, Value x, Value scale, StringRef mode) {
    Value half = f32Constant(b, loc, 0.5);
    if (mode == "round_prefer_floor")
      return math::CeilOp::create(b, loc, arith::SubFOp::create(b, loc, x, half));
    if (mode == "round_prefer_ceil")
      return math::FloorOp::create(b, loc, arith::AddFOp::create(b, loc, x, half));
    if (mode == "floor")
      return math::FloorOp::create(b, loc, x);
    if (mode == "ceil")
      return math::CeilOp::create(b, loc, x);
    // simple (ONNX Upsample and Resize before opset 11): floor when growing, ceil when shrinking.
    Value shrinks =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, scale, f32Constant(b, loc, 1.0));
    return arith::SelectOp::create(b, loc, shrinks, math::CeilOp::create(b, loc, x),
                                   math::FloorOp::create(b, loc, x));
  }

  /// Neighbours outside the input get weight 0; the others are scaled to sum to 1 again.
  static void excludeOutsideTaps(OpBuilder &b, Location loc, AxisTaps &taps) {
    Value zero = f32Constant(b, loc, 0.0), sum = zero;
    for (size_t tap = 0; tap < taps.weights.size(); ++tap) {
      taps.weights[tap] =
          arith::SelectOp::create(b, loc, taps.inside[tap], taps.weights[tap], zero);
      sum = arith::AddFOp::create(b, loc, sum, taps.weights[tap]);
    }
    for (Value &weight : taps.weights)
      weight = arith::DivFOp::create(b, loc, weight, sum);
  }
};

//===----------------------------------------------------------------------===//
// llm.grid_sample
//===----------------------------------------------------------------------===//

/// Reflects `x` at the borders `low` and `high` until it lies between them (PyTorch's and
/// ONNX's GridSample reflection).
Value reflect(OpBuilder &b, Location loc, Value x, Value low, Value high) {
  Value range = arith::SubFOp::create(b, loc, high, low);
  Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, low);
  Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, high);
  Value distance = arith::SelectOp::create(b, loc, below, arith::SubFOp::create(b, loc, low, x),
                                           arith::SubFOp::create(b, loc, x, high));
  Value safeRange = arith::MaxNumFOp::create(b, loc, range, f32Constant(b, loc, 1e-6));
  Value folds = arith::DivFOp::create(b, loc, distance, safeRange);
  folds = arith::MaxNumFOp::create(b, loc, folds, f32Constant(b, loc, 0.0));
  folds = arith::MinNumFOp::create(b, loc, folds, f32Constant(b, loc, 1 << 24));
  Value foldCount = arith::FPToSIOp::create(b, loc, b.getI64Type(), folds);
  Value remainder = arith::SubFOp::create(
      b, loc, distance,
      arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), foldCount),
                            range));
  Value even = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::AndIOp::create(b, loc, foldCount,
                            arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1))),
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)));
  Value fromLow = arith::AddFOp::create(b, loc, low, remainder);
  Value fromHigh = arith::SubFOp::create(b, loc, high, remainder);
  // Below the range, an even number of folds lands measured from low; above it, from high.
  Value belowResult = arith::SelectOp::create(b, loc, even, fromLow, fromHigh);
  Value aboveResult = arith::SelectOp::create(b, loc, even, fromHigh, fromLow);
  Value reflected = arith::SelectOp::create(b, loc, below, belowResult,
                                            arith::SelectOp::create(b, loc, above, aboveResult, x));
  // A range of one point (align_corners on a size-1 axis) reflects everything onto it.
  Value degenerate =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, range, f32Constant(b, loc, 0.0));
  return arith::SelectOp::create(b, loc, degenerate, low, reflected);
}

struct GridSampleToGeneric : OpRewritePattern<GridSampleOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GridSampleOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput(), grid = op.getGrid();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    int64_t rank = resultType.getRank(), spatial = rank - 2;
    if (cast<RankedTensorType>(grid.getType()).isDynamicDim(rank - 1))
      return rewriter.notifyMatchFailure(op, "grid's coordinate dimension must be static");
    StringRef mode = op.getMode(), padding = op.getPaddingMode();
    bool alignCorners = op.getAlignCorners();
    SmallVector<Value> sizes, sizesF;
    for (int64_t dim = 2; dim < rank; ++dim) {
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
      sizesF.push_back(indexToF32(rewriter, loc, sizes.back()));
    }
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (resultType.isDynamicDim(dim))
        dynamicSizes.push_back(dim < 2 ? tensor::DimOp::create(rewriter, loc, input, dim)
                                       : tensor::DimOp::create(rewriter, loc, grid, dim - 1));
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    Type f32 = rewriter.getF32Type();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto gridType = cast<RankedTensorType>(grid.getType());
    Value ok = requireEqual(rewriter, loc, Value(), tensor::DimOp::create(rewriter, loc, input, 0),
                            inputType.getDimSize(0), tensor::DimOp::create(rewriter, loc, grid, 0),
                            gridType.getDimSize(0));
    for (int64_t axis = 0; axis < spatial; ++axis)
      ok = requireNonEmpty(rewriter, loc, ok, sizes[axis], inputType.getDimSize(axis + 2));
    Value result = guardedGenericOverResult(
        rewriter, loc, resultType, init, ok,
        [&](OpBuilder &b, Location nested, SmallVectorImpl<Value> &position) {
          Value half = f32Constant(b, nested, 0.5), one = f32Constant(b, nested, 1.0);
          SmallVector<AxisTaps> taps;
          for (int64_t axis = 0; axis < spatial; ++axis) {
            // The grid lists coordinates from the innermost axis outward.
            SmallVector<Value> gridPosition = {position[0]};
            for (int64_t dim = 2; dim < rank; ++dim)
              gridPosition.push_back(position[dim]);
            gridPosition.push_back(indexConstant(b, nested, spatial - 1 - axis));
            Value normalized = convertScalar(
                b, nested, tensor::ExtractOp::create(b, nested, grid, gridPosition), f32);
            Value size = sizesF[axis];
            Value sizeMinusOne = arith::SubFOp::create(b, nested, size, one);
            Value plusOne = arith::AddFOp::create(b, nested, normalized, one);
            Value x =
                alignCorners
                    ? Value(arith::MulFOp::create(
                          b, nested, arith::MulFOp::create(b, nested, plusOne, half), sizeMinusOne))
                    : Value(arith::MulFOp::create(
                          b, nested,
                          arith::SubFOp::create(
                              b, nested, arith::MulFOp::create(b, nested, plusOne, size), one),
                          half));
            if (mode == "nearest")
              x = spatial == 3 ? Value(math::RoundOp::create(b, nested, x))
                               : Value(math::RoundEvenOp::create(b, nested, x));
            Value low = alignCorners ? f32Constant(b, nested, 0.0) : f32Constant(b, nested, -0.5);
            Value high =
                alignCorners ? sizeMinusOne : Value(arith::SubFOp::create(b, nested, size, half));
            if (padding == "border") {
              // Only coordinates beyond the borders move, onto the edge elements.
              Value beyond = arith::OrIOp::create(
                  b, nested, arith::CmpFOp::create(b, nested, arith::CmpFPredicate::OLT, x, low),
                  arith::CmpFOp::create(b, nested, arith::CmpFPredicate::OGT, x, high));
              Value clamped = arith::MinNumFOp::create(
                  b, nested, arith::MaxNumFOp::create(b, nested, x, f32Constant(b, nested, 0.0)),
                  sizeMinusOne);
              x = arith::SelectOp::create(b, nested, beyond, clamped, x);
            } else if (padding == "reflection")
              x = reflect(b, nested, x, low, high);
            AxisTaps axisTaps =
                neighbourTaps(b, nested, axis + 2, x, sizes[axis], size, mode, -0.75);
            // Neighbours outside the borders are reflected back in, one by one.
            if (padding == "reflection")
              reflectTaps(b, nested, axisTaps, x, mode, low, high, sizes[axis], size);
            if (padding != "zeros")
              axisTaps.inside.assign(axisTaps.indices.size(), Value());
            taps.push_back(std::move(axisTaps));
          }
          Value value = sumTaps(b, nested, input, position, taps, f32);
          return convertScalar(b, nested, value, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Replaces each neighbour index by its reflection at the borders, truncated toward zero
  /// as the reference does, and clamped into the axis.
  static void reflectTaps(OpBuilder &b, Location loc, AxisTaps &taps, Value x, StringRef mode,
                          Value low, Value high, Value size, Value sizeF) {
    Value last = arith::SubIOp::create(b, loc, size, indexConstant(b, loc, 1));
    Value floor = mode == "nearest" ? x : Value(math::FloorOp::create(b, loc, x));
    int64_t first = mode == "cubic" ? -1 : 0;
    Value lowest = f32Constant(b, loc, -4.0);
    Value highest = arith::AddFOp::create(b, loc, sizeF, f32Constant(b, loc, 4.0));
    for (size_t tap = 0; tap < taps.indices.size(); ++tap) {
      Value coordinate =
          arith::AddFOp::create(b, loc, floor, f32Constant(b, loc, double(first + int64_t(tap))));
      Value reflected = reflect(b, loc, coordinate, low, high);
      reflected = math::TruncOp::create(b, loc, reflected);
      taps.indices[tap] =
          clampIndex(b, loc, floatToIndex(b, loc, reflected, lowest, highest), last);
    }
  }
};

//===----------------------------------------------------------------------===//
// llm.roi_align
//===----------------------------------------------------------------------===//

struct RoiAlignToGeneric : OpRewritePattern<RoiAlignOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RoiAlignOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput(), rois = op.getRois(), batchIndices = op.getBatchIndices();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType(), f32 = rewriter.getF32Type();
    Value height = tensor::DimOp::create(rewriter, loc, input, 2);
    Value width = tensor::DimOp::create(rewriter, loc, input, 3);
    Value heightF = indexToF32(rewriter, loc, height), widthF = indexToF32(rewriter, loc, width);
    Value batchLast =
        arith::SubIOp::create(rewriter, loc, tensor::DimOp::create(rewriter, loc, input, 0),
                              indexConstant(rewriter, loc, 1));
    SmallVector<Value> dynamicSizes;
    if (resultType.isDynamicDim(0))
      dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, batchIndices, 0));
    if (resultType.isDynamicDim(1))
      dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, input, 1));
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    bool average = op.getMode() == "avg", halfPixel = op.getHalfPixel();
    int64_t samplingRatio = op.getSamplingRatio();
    double spatialScale = op.getSpatialScale().convertToDouble();
    int64_t pooledHeight = op.getOutputHeight(), pooledWidth = op.getOutputWidth();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto roisType = cast<RankedTensorType>(rois.getType());
    auto batchType = cast<RankedTensorType>(batchIndices.getType());
    Value ok;
    for (int64_t dim : {0, 2, 3})
      ok = requireNonEmpty(rewriter, loc, ok, tensor::DimOp::create(rewriter, loc, input, dim),
                           inputType.getDimSize(dim));
    ok = requireEqual(rewriter, loc, ok, tensor::DimOp::create(rewriter, loc, rois, 0),
                      roisType.getDimSize(0), tensor::DimOp::create(rewriter, loc, batchIndices, 0),
                      batchType.getDimSize(0));
    ok = requireEqual(rewriter, loc, ok, tensor::DimOp::create(rewriter, loc, rois, 1),
                      roisType.getDimSize(1), indexConstant(rewriter, loc, 4), 4);
    Value result = guardedGenericOverResult(
        rewriter, loc, resultType, init, ok,
        [&](OpBuilder &b, Location nested, SmallVectorImpl<Value> &ids) {
          Value roi = ids[0];
          Value channel = ids[1];
          Value binY = indexToF32(b, nested, ids[2]);
          Value binX = indexToF32(b, nested, ids[3]);
          Value image = tensor::ExtractOp::create(b, nested, batchIndices, ValueRange{roi});
          image = arith::IndexCastOp::create(b, nested, b.getIndexType(),
                                             convertScalar(b, nested, image, b.getI64Type()));
          image = clampIndex(b, nested, image, batchLast);
          auto corner = [&](int64_t column) {
            Value value = tensor::ExtractOp::create(
                b, nested, rois, ValueRange{roi, indexConstant(b, nested, column)});
            value = convertScalar(b, nested, value, f32);
            return Value(arith::SubFOp::create(
                b, nested,
                arith::MulFOp::create(b, nested, value, f32Constant(b, nested, spatialScale)),
                f32Constant(b, nested, halfPixel ? 0.5 : 0.0)));
          };
          Value startX = corner(0), startY = corner(1), endX = corner(2), endY = corner(3);
          Value roiWidth = arith::SubFOp::create(b, nested, endX, startX);
          Value roiHeight = arith::SubFOp::create(b, nested, endY, startY);
          if (!halfPixel) {
            roiWidth = arith::MaxNumFOp::create(b, nested, roiWidth, f32Constant(b, nested, 1.0));
            roiHeight = arith::MaxNumFOp::create(b, nested, roiHeight, f32Constant(b, nested, 1.0));
          }
          Value binHeight = arith::DivFOp::create(b, nested, roiHeight,
                                                  f32Constant(b, nested, double(pooledHeight)));
          Value binWidth = arith::DivFOp::create(b, nested, roiWidth,
                                                 f32Constant(b, nested, double(pooledWidth)));
          // Samples per bin and axis; the adaptive count is bounded by the input's size.
          auto gridCount = [&](Value binSize, Value sizeF) -> Value {
            if (samplingRatio > 0)
              return indexConstant(b, nested, samplingRatio);
            Value bound = arith::AddFOp::create(
                b, nested, arith::MulFOp::create(b, nested, sizeF, f32Constant(b, nested, 2.0)),
                f32Constant(b, nested, 2.0));
            return floatToIndex(b, nested, math::CeilOp::create(b, nested, binSize),
                                f32Constant(b, nested, 0.0), bound);
          };
          Value gridY = gridCount(binHeight, heightF), gridX = gridCount(binWidth, widthF);
          Value gridYF = indexToF32(b, nested, gridY), gridXF = indexToF32(b, nested, gridX);
          Value samples = arith::MulIOp::create(b, nested, gridY, gridX);
          Value originY = arith::AddFOp::create(b, nested, startY,
                                                arith::MulFOp::create(b, nested, binY, binHeight));
          Value originX = arith::AddFOp::create(b, nested, startX,
                                                arith::MulFOp::create(b, nested, binX, binWidth));
          Value stepY = arith::DivFOp::create(b, nested, binHeight, gridYF);
          Value stepX = arith::DivFOp::create(b, nested, binWidth, gridXF);
          Value zero = indexConstant(b, nested, 0), oneIndex = indexConstant(b, nested, 1);
          Value initial = average ? f32Constant(b, nested, 0.0) : lowestValue(b, nested, f32);
          auto outer = scf::ForOp::create(
              b, nested, zero, gridY, oneIndex, ValueRange{initial},
              [&](OpBuilder &ob, Location ol, Value iy, ValueRange outerArgs) {
                Value y = sampleCoordinate(ob, ol, originY, stepY, iy);
                auto inner = scf::ForOp::create(
                    ob, ol, zero, gridX, oneIndex, outerArgs,
                    [&](OpBuilder &ib, Location il, Value ix, ValueRange innerArgs) {
                      Value x = sampleCoordinate(ib, il, originX, stepX, ix);
                      Value sample = bilinear(ib, il, input, image, channel, y, x, height, width,
                                              heightF, widthF, average);
                      Value combined =
                          average ? Value(arith::AddFOp::create(ib, il, innerArgs[0], sample))
                                  : Value(arith::MaximumFOp::create(ib, il, innerArgs[0], sample));
                      scf::YieldOp::create(ib, il, combined);
                    });
                scf::YieldOp::create(ob, ol, inner.getResults());
              });
          Value pooled = outer.getResult(0);
          if (average) {
            Value count =
                indexToF32(b, nested, arith::MaxSIOp::create(b, nested, samples, oneIndex));
            pooled = arith::DivFOp::create(b, nested, pooled, count);
          } else {
            Value none = arith::CmpIOp::create(b, nested, arith::CmpIPredicate::eq, samples, zero);
            pooled = arith::SelectOp::create(b, nested, none, f32Constant(b, nested, 0.0), pooled);
          }
          return convertScalar(b, nested, pooled, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value sampleCoordinate(OpBuilder &b, Location loc, Value origin, Value step, Value i) {
    Value offset = arith::AddFOp::create(b, loc, indexToF32(b, loc, i), f32Constant(b, loc, 0.5));
    return arith::AddFOp::create(b, loc, origin, arith::MulFOp::create(b, loc, offset, step));
  }

  /// One bilinear sample as ONNX RoiAlign takes it: 0 outside [-1, size], otherwise the
  /// weighted sum of the 4 neighbours (avg) or the largest weighted neighbour (max).
  static Value bilinear(OpBuilder &b, Location loc, Value input, Value image, Value channel,
                        Value y, Value x, Value height, Value width, Value heightF, Value widthF,
                        bool average) {
    Value minusOne = f32Constant(b, loc, -1.0), zeroF = f32Constant(b, loc, 0.0);
    Value one = f32Constant(b, loc, 1.0);
    Value outside = arith::OrIOp::create(
        b, loc,
        arith::OrIOp::create(b, loc,
                             arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, y, minusOne),
                             arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, y, heightF)),
        arith::OrIOp::create(b, loc,
                             arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, minusOne),
                             arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, widthF)));
    // NaN coordinates also count as outside.
    outside = arith::OrIOp::create(
        b, loc, outside,
        arith::OrIOp::create(b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, y, y),
                             arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x)));
    auto axis = [&](Value coordinate, Value size, Value sizeF, Value &lowIndex, Value &highIndex,
                    Value &fraction) {
      Value lastF = arith::SubFOp::create(b, loc, sizeF, one);
      Value clamped = arith::MinNumFOp::create(
          b, loc, arith::MaxNumFOp::create(b, loc, coordinate, zeroF), lastF);
      Value floor = math::FloorOp::create(b, loc, clamped);
      fraction = arith::SubFOp::create(b, loc, clamped, floor);
      Value last = arith::SubIOp::create(b, loc, size, indexConstant(b, loc, 1));
      lowIndex = clampIndex(b, loc, floatToIndex(b, loc, floor, zeroF, sizeF), last);
      highIndex = arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, lowIndex, indexConstant(b, loc, 1)), last);
    };
    Value yLow, yHigh, ly, xLow, xHigh, lx;
    axis(y, height, heightF, yLow, yHigh, ly);
    axis(x, width, widthF, xLow, xHigh, lx);
    Value hy = arith::SubFOp::create(b, loc, one, ly), hx = arith::SubFOp::create(b, loc, one, lx);
    Type f32 = b.getF32Type();
    auto term = [&](Value weightY, Value weightX, Value row, Value column) {
      Value value =
          tensor::ExtractOp::create(b, loc, input, ValueRange{image, channel, row, column});
      return Value(arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, weightY, weightX),
                                         convertScalar(b, loc, value, f32)));
    };
    Value terms[] = {term(hy, hx, yLow, xLow), term(hy, lx, yLow, xHigh), term(ly, hx, yHigh, xLow),
                     term(ly, lx, yHigh, xHigh)};
    Value combined = terms[0];
    for (Value t : ArrayRef(terms).drop_front())
      combined = average ? Value(arith::AddFOp::create(b, loc, combined, t))
                         : Value(arith::MaximumFOp::create(b, loc, combined, t));
    return arith::SelectOp::create(b, loc, outside, zeroF, combined);
  }
};

} // namespace

void populateImagePatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeToGeneric, GridSampleToGeneric, RoiAlignToGeneric>(patterns.getContext());
}

} // namespace llmc::llm::lowering
