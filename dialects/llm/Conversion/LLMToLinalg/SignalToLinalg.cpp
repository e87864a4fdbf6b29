//===- SignalToLinalg.cpp - dft, frame, cosine_window, mel_weight_matrix ----===//
//
// These ops carry sizes known only at run time, so their factors (twiddles, window and filter
// values) are computed in the loop body in f32; angles are reduced exactly in integers first
// (k * n mod L), so that the sine and cosine approximations only see [0, 2 pi).
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLn10 = 2.30258509299404568402;

/// The value of a 0-d integer operand as an index, at least `minimum`.
Value scalarIndex(OpBuilder &b, Location loc, Value tensor, int64_t minimum) {
  Value value = tensor::ExtractOp::create(b, loc, tensor, ValueRange{});
  value = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                     convertScalar(b, loc, value, b.getI64Type()));
  return arith::MaxSIOp::create(b, loc, value, indexConstant(b, loc, minimum));
}

/// 2 pi * (numerator mod denominator) / denominator, for denominator >= 1.
Value reducedAngle(OpBuilder &b, Location loc, Value numerator, Value denominator,
                   Value denominatorF) {
  Value reduced = arith::RemUIOp::create(b, loc, numerator, denominator);
  Value fraction = arith::DivFOp::create(b, loc, indexToF32(b, loc, reduced), denominatorF);
  return arith::MulFOp::create(b, loc, fraction, f32Constant(b, loc, 2 * kPi));
}

struct DFTToGeneric : OpRewritePattern<DFTOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DFTOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    RankedTensorType resultType = op.getType();
    int64_t rank = resultType.getRank(), axis = int64_t(op.getAxis());
    if (inputType.isDynamicDim(rank - 1))
      return rewriter.notifyMatchFailure(op, "the real/complex dimension must be static");
    bool complexInput = inputType.getDimSize(rank - 1) == 2;
    bool inverse = op.getInverse(), onesided = op.getOnesided();
    Type element = resultType.getElementType(), f32 = rewriter.getF32Type();
    Value inputLength = tensor::DimOp::create(rewriter, loc, input, axis);
    Value length = op.getLength() ? scalarIndex(rewriter, loc, op.getLength(), 1) : inputLength;
    // An empty signal transforms as a length-1 signal of zeros, never as a division by 0.
    length = arith::MaxSIOp::create(rewriter, loc, length, indexConstant(rewriter, loc, 1));
    Value lengthF = indexToF32(rewriter, loc, length);
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      if (dim != axis) {
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
        continue;
      }
      Value frequencies = length;
      if (onesided)
        frequencies = arith::AddIOp::create(
            rewriter, loc,
            arith::DivUIOp::create(rewriter, loc, length, indexConstant(rewriter, loc, 2)),
            indexConstant(rewriter, loc, 1));
      dynamicSizes.push_back(frequencies);
    }
    Value init = createInit(rewriter, loc, resultType, dynamicSizes,
                            scalarConstant(rewriter, loc, element, 0.0));
    // Result dims, then the signal index n, which is reduced.
    SmallVector<AffineExpr> outputExprs;
    for (int64_t dim = 0; dim < rank; ++dim)
      outputExprs.push_back(rewriter.getAffineDimExpr(dim));
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    // The reduction runs over the input's axis; the generic needs it as a loop bound, which a
    // read-only operand indexed by (n) along that axis provides.
    SmallVector<AffineExpr> inputExprs;
    for (int64_t dim = 0; dim < rank; ++dim)
      inputExprs.push_back(dim == axis ? rewriter.getAffineDimExpr(rank)
                                       : (dim == rank - 1 ? rewriter.getAffineConstantExpr(0)
                                                          : rewriter.getAffineDimExpr(dim)));
    SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, inputExprs, rewriter.getContext()),
                                   AffineMap::get(rank + 1, 0, outputExprs, rewriter.getContext())};
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, input, init, maps, iterators,
            [&](OpBuilder &b, Location nested, ValueRange args) {
              Value k = linalg::IndexOp::create(b, nested, axis);
              Value part = linalg::IndexOp::create(b, nested, rank - 1);
              Value n = linalg::IndexOp::create(b, nested, rank);
              Value real = convertScalar(b, nested, args[0], f32);
              Value imaginary = f32Constant(b, nested, 0.0);
              if (complexInput) {
                SmallVector<Value> position;
                for (int64_t dim = 0; dim < rank - 1; ++dim)
                  position.push_back(dim == axis ? n
                                                 : Value(linalg::IndexOp::create(b, nested, dim)));
                position.push_back(indexConstant(b, nested, 1));
                imaginary = convertScalar(
                    b, nested, tensor::ExtractOp::create(b, nested, input, position), f32);
              }
              Value angle =
                  reducedAngle(b, nested, arith::MulIOp::create(b, nested, k, n), length, lengthF);
              Value cosine = math::CosOp::create(b, nested, angle);
              Value sine = math::SinOp::create(b, nested, angle);
              if (!inverse)
                sine = arith::NegFOp::create(b, nested, sine);
              // (a + ib)(cos + i sin) with the sign of sin chosen by the direction.
              Value realPart =
                  arith::SubFOp::create(b, nested, arith::MulFOp::create(b, nested, real, cosine),
                                        arith::MulFOp::create(b, nested, imaginary, sine));
              Value imaginaryPart =
                  arith::AddFOp::create(b, nested, arith::MulFOp::create(b, nested, real, sine),
                                        arith::MulFOp::create(b, nested, imaginary, cosine));
              Value isReal = arith::CmpIOp::create(b, nested, arith::CmpIPredicate::eq, part,
                                                   indexConstant(b, nested, 0));
              Value term = arith::SelectOp::create(b, nested, isReal, realPart, imaginaryPart);
              if (inverse)
                term = arith::DivFOp::create(b, nested, term, lengthF);
              // Samples past the transform length are cut off.
              Value inside = arith::CmpIOp::create(b, nested, arith::CmpIPredicate::ult, n, length);
              term = arith::SelectOp::create(b, nested, inside, term, f32Constant(b, nested, 0.0));
              Value sum =
                  arith::AddFOp::create(b, nested, convertScalar(b, nested, args[1], f32), term);
              linalg::YieldOp::create(b, nested, convertScalar(b, nested, sum, element));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct FrameToGeneric : OpRewritePattern<FrameOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FrameOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    RankedTensorType resultType = op.getType();
    int64_t rank = resultType.getRank(), axis = int64_t(op.getAxis());
    Value step = scalarIndex(rewriter, loc, op.getFrameStep(), 1);
    Value length = scalarIndex(rewriter, loc, op.getFrameLength(), 0);
    Value signal = tensor::DimOp::create(rewriter, loc, input, axis);
    // (T - L) / step + 1 frames fit, none when L > T.
    Value fits = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, signal, length);
    Value frames = arith::AddIOp::create(
        rewriter, loc,
        arith::DivUIOp::create(rewriter, loc, arith::SubIOp::create(rewriter, loc, signal, length),
                               step),
        indexConstant(rewriter, loc, 1));
    frames = arith::SelectOp::create(rewriter, loc, fits, frames, indexConstant(rewriter, loc, 0));
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      if (dim == axis)
        dynamicSizes.push_back(frames);
      else if (dim == axis + 1)
        dynamicSizes.push_back(length);
      else
        dynamicSizes.push_back(
            tensor::DimOp::create(rewriter, loc, input, dim < axis ? dim : dim - 1));
    }
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    Value last = arith::SubIOp::create(rewriter, loc, signal, indexConstant(rewriter, loc, 1));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(rank),
            parallelIterators(rank),
            [&](OpBuilder &b, Location nested, ValueRange) {
              SmallVector<Value> position;
              for (int64_t dim = 0; dim < rank; ++dim) {
                if (dim == axis + 1)
                  continue;
                Value index = linalg::IndexOp::create(b, nested, dim);
                if (dim == axis) {
                  Value offset = linalg::IndexOp::create(b, nested, axis + 1);
                  index = arith::AddIOp::create(
                      b, nested, arith::MulIOp::create(b, nested, index, step), offset);
                  index = arith::MinSIOp::create(
                      b, nested,
                      arith::MaxSIOp::create(b, nested, index, indexConstant(b, nested, 0)), last);
                }
                position.push_back(index);
              }
              linalg::YieldOp::create(
                  b, nested, tensor::ExtractOp::create(b, nested, input, position).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CosineWindowToGeneric : OpRewritePattern<CosineWindowOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CosineWindowOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    Value size = scalarIndex(rewriter, loc, op.getSize(), 0);
    // The period is the size, or one less for a symmetric window; a window of 1 is all cos(0).
    Value period =
        op.getPeriodic()
            ? size
            : Value(arith::SubIOp::create(rewriter, loc, size, indexConstant(rewriter, loc, 1)));
    period = arith::MaxSIOp::create(rewriter, loc, period, indexConstant(rewriter, loc, 1));
    Value periodF = indexToF32(rewriter, loc, period);
    SmallVector<Value> dynamicSizes;
    if (resultType.isDynamicDim(0))
      dynamicSizes.push_back(size);
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    ArrayRef<double> coefficients = op.getCoefficients();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(1),
            parallelIterators(1),
            [&](OpBuilder &b, Location nested, ValueRange) {
              Value n = linalg::IndexOp::create(b, nested, 0);
              Value sum = f32Constant(b, nested, coefficients[0]);
              for (size_t k = 1; k < coefficients.size(); ++k) {
                Value kn =
                    arith::MulIOp::create(b, nested, n, indexConstant(b, nested, int64_t(k)));
                Value cosine =
                    math::CosOp::create(b, nested, reducedAngle(b, nested, kn, period, periodF));
                sum = arith::AddFOp::create(
                    b, nested, sum,
                    arith::MulFOp::create(b, nested, f32Constant(b, nested, coefficients[k]),
                                          cosine));
              }
              linalg::YieldOp::create(b, nested, convertScalar(b, nested, sum, element));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MelWeightMatrixToGeneric : OpRewritePattern<MelWeightMatrixOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MelWeightMatrixOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType(), f32 = rewriter.getF32Type();
    Value bins = scalarIndex(rewriter, loc, op.getNumMelBins(), 0);
    Value dftLength = scalarIndex(rewriter, loc, op.getDftLength(), 0);
    Value sampleRate = scalarIndex(rewriter, loc, op.getSampleRate(), 1);
    auto readFloat = [&](Value tensor) {
      return convertScalar(rewriter, loc,
                           tensor::ExtractOp::create(rewriter, loc, tensor, ValueRange{}), f32);
    };
    auto toMel = [&](Value hertz) {
      // 2595 log10(1 + hz / 700), through the natural logarithm, which has a freestanding
      // approximation.
      Value ratio = arith::AddFOp::create(
          rewriter, loc, f32Constant(rewriter, loc, 1.0),
          arith::DivFOp::create(rewriter, loc, hertz, f32Constant(rewriter, loc, 700.0)));
      return Value(arith::MulFOp::create(rewriter, loc, f32Constant(rewriter, loc, 2595.0 / kLn10),
                                         math::LogOp::create(rewriter, loc, ratio)));
    };
    Value lowMel = toMel(readFloat(op.getLowerEdgeHertz()));
    Value highMel = toMel(readFloat(op.getUpperEdgeHertz()));
    Value points = arith::AddIOp::create(rewriter, loc, bins, indexConstant(rewriter, loc, 2));
    // ONNX divides the mel range by the number of points (bins + 2), not by the gaps.
    Value melStep =
        arith::DivFOp::create(rewriter, loc, arith::SubFOp::create(rewriter, loc, highMel, lowMel),
                              indexToF32(rewriter, loc, points));
    Value scale =
        arith::DivFOp::create(rewriter, loc,
                              indexToF32(rewriter, loc,
                                         arith::AddIOp::create(rewriter, loc, dftLength,
                                                               indexConstant(rewriter, loc, 1))),
                              indexToF32(rewriter, loc, sampleRate));
    // The spectrum bin of each of the bins + 2 mel points.
    auto pointsType = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getI64Type());
    Value pointsInit = createInit(rewriter, loc, pointsType, {points});
    Value binOf =
        linalg::GenericOp::create(
            rewriter, loc, pointsType, ValueRange{}, pointsInit, rewriter.getMultiDimIdentityMap(1),
            parallelIterators(1),
            [&](OpBuilder &b, Location nested, ValueRange) {
              Value i = indexToF32(b, nested, linalg::IndexOp::create(b, nested, 0));
              Value mel = arith::AddFOp::create(
                  b, nested, arith::MulFOp::create(b, nested, i, melStep), lowMel);
              // 700 (10^(mel / 2595) - 1)
              Value power = math::ExpOp::create(
                  b, nested,
                  arith::MulFOp::create(b, nested, mel, f32Constant(b, nested, kLn10 / 2595.0)));
              Value hertz = arith::MulFOp::create(
                  b, nested, f32Constant(b, nested, 700.0),
                  arith::SubFOp::create(b, nested, power, f32Constant(b, nested, 1.0)));
              Value bin =
                  math::FloorOp::create(b, nested, arith::MulFOp::create(b, nested, hertz, scale));
              bin = arith::MaxNumFOp::create(b, nested, bin, f32Constant(b, nested, -1e9));
              bin = arith::MinNumFOp::create(b, nested, bin, f32Constant(b, nested, 1e9));
              linalg::YieldOp::create(
                  b, nested, arith::FPToSIOp::create(b, nested, b.getI64Type(), bin).getResult());
            })
            .getResult(0);
    SmallVector<Value> dynamicSizes;
    if (resultType.isDynamicDim(0))
      dynamicSizes.push_back(arith::AddIOp::create(
          rewriter, loc,
          arith::DivUIOp::create(rewriter, loc, dftLength, indexConstant(rewriter, loc, 2)),
          indexConstant(rewriter, loc, 1)));
    if (resultType.isDynamicDim(1))
      dynamicSizes.push_back(bins);
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(2),
            parallelIterators(2),
            [&](OpBuilder &b, Location nested, ValueRange) {
              Value j = arith::IndexCastOp::create(b, nested, b.getI64Type(),
                                                   linalg::IndexOp::create(b, nested, 0));
              Value m = linalg::IndexOp::create(b, nested, 1);
              auto point = [&](int64_t offset) {
                return Value(tensor::ExtractOp::create(
                    b, nested, binOf,
                    ValueRange{
                        arith::AddIOp::create(b, nested, m, indexConstant(b, nested, offset))}));
              };
              Value low = point(0), center = point(1), high = point(2);
              auto cmp = [&](arith::CmpIPredicate predicate, Value l, Value r) {
                return Value(arith::CmpIOp::create(b, nested, predicate, l, r));
              };
              auto andOf = [&](Value l, Value r) {
                return Value(arith::AndIOp::create(b, nested, l, r));
              };
              auto ratio = [&](Value numerator, Value denominator) {
                return Value(arith::DivFOp::create(
                    b, nested, arith::SIToFPOp::create(b, nested, f32, numerator),
                    arith::SIToFPOp::create(
                        b, nested, f32,
                        arith::MaxSIOp::create(
                            b, nested, denominator,
                            arith::ConstantOp::create(b, nested, b.getI64IntegerAttr(1))))));
              };
              auto sub = [&](Value l, Value r) {
                return Value(arith::SubIOp::create(b, nested, l, r));
              };
              using P = arith::CmpIPredicate;
              Value rising = andOf(cmp(P::sgt, center, low),
                                   andOf(cmp(P::sge, j, low), cmp(P::sle, j, center)));
              Value peak = andOf(cmp(P::eq, center, low), cmp(P::eq, j, center));
              Value falling = andOf(cmp(P::sgt, high, center),
                                    andOf(cmp(P::sge, j, center), cmp(P::slt, j, high)));
              Value value = f32Constant(b, nested, 0.0);
              value = arith::SelectOp::create(b, nested, peak, f32Constant(b, nested, 1.0), value);
              value = arith::SelectOp::create(b, nested, rising,
                                              ratio(sub(j, low), sub(center, low)), value);
              value = arith::SelectOp::create(b, nested, falling,
                                              ratio(sub(high, j), sub(high, center)), value);
              linalg::YieldOp::create(b, nested, convertScalar(b, nested, value, element));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSignalPatterns(RewritePatternSet &patterns) {
  patterns.add<DFTToGeneric, FrameToGeneric, CosineWindowToGeneric, MelWeightMatrixToGeneric>(
      patterns.getContext());
}

} // namespace llmc::llm::lowering
