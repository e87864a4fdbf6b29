//===- DataMovementToLinalg.cpp - transpose, reshape, concat, gather --------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;
using namespace llmc::llm;
namespace shapes = llmc::llm::shapes;

namespace llmc::llm::lowering {
namespace {

struct TransposeToLinalg : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> permutation = op.getPermutation();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamicSizes;
    for (int64_t dim : permutation) {
      shape.push_back(inputType.getDimSize(dim));
      if (inputType.isDynamicDim(dim))
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
    }
    auto initType = RankedTensorType::get(shape, inputType.getElementType());
    Value init = createInit(rewriter, loc, initType, dynamicSizes);
    Value result =
        linalg::TransposeOp::create(rewriter, loc, input, init, permutation).getResult()[0];
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(rewriter, loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The element count of `input` as an index value.
Value elementCountOf(OpBuilder &b, Location loc, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, input, dim));
  return count;
}

struct ReshapeToTensor : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = resultType.getRank();
    Value total = elementCountOf(rewriter, loc, input);
    SmallVector<Value> sizes;
    if (Value shape = op.getShape()) {
      // ONNX rules at run time: 0 copies the input's dim, one -1 is derived.
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      Value minusOne = arith::ConstantIndexOp::create(rewriter, loc, -1);
      Value known = one;
      for (int64_t i = 0; i < rank; ++i) {
        Value position = arith::ConstantIndexOp::create(rewriter, loc, i);
        Value entry = tensor::ExtractOp::create(rewriter, loc, shape, position);
        Value size =
            entry.getType().isIndex()
                ? entry
                : Value(arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), entry));
        if (i < inputType.getRank() && !op.getAllowZero()) {
          Value isZero = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, size, zero);
          size = arith::SelectOp::create(rewriter, loc, isZero,
                                         tensor::DimOp::create(rewriter, loc, input, i), size);
        }
        sizes.push_back(size);
        Value isDerived =
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, size, minusOne);
        known = arith::MulIOp::create(rewriter, loc, known,
                                      arith::SelectOp::create(rewriter, loc, isDerived, one, size));
      }
      Value safeKnown = arith::MaxSIOp::create(rewriter, loc, known, one);
      Value derived = arith::DivSIOp::create(rewriter, loc, total, safeKnown);
      Value product = one;
      for (Value &size : sizes) {
        Value isDerived =
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, size, minusOne);
        size = arith::SelectOp::create(rewriter, loc, isDerived, derived, size);
        product = arith::MulIOp::create(rewriter, loc, product, size);
      }
      // A shape that does not hold the input's elements (a bad model input) is a run-time
      // error, and must not let the reshaped view read past the buffer: the sizes fall back to
      // [count, 1, ..., 1], or to 0 in a dynamic dim when static dims are written.
      Value fits = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, product, total);
      for (Value size : sizes)
        fits = arith::AndIOp::create(
            rewriter, loc, fits,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, size, zero));
      checkAtRunTime(rewriter, loc, fits,
                     "llm.reshape: the shape computed at run time does not hold the elements of "
                     "the " +
                         llvm::Twine(shapes::formatShape(inputType.getShape())) +
                         " input (result " + shapes::formatShape(resultType.getShape()) + ")");
      bool allDynamic = int64_t(resultType.getNumDynamicDims()) == rank;
      bool zeroed = false;
      for (int64_t i = 0; i < rank; ++i) {
        Value fallback =
            allDynamic ? (i == 0 ? total : one)
            : resultType.isDynamicDim(i)
                ? (zeroed ? one : zero)
                : arith::ConstantIndexOp::create(rewriter, loc, resultType.getDimSize(i));
        zeroed |= !allDynamic && resultType.isDynamicDim(i);
        sizes[i] = arith::SelectOp::create(rewriter, loc, fits, sizes[i], fallback);
      }
    } else {
      // A static target, with at most one dim derived from the element count.
      int64_t staticProduct = 1;
      for (int64_t size : resultType.getShape())
        if (!ShapedType::isDynamic(size))
          staticProduct *= size;
      for (int64_t size : resultType.getShape()) {
        if (!ShapedType::isDynamic(size)) {
          sizes.push_back(arith::ConstantIndexOp::create(rewriter, loc, size));
          continue;
        }
        sizes.push_back(arith::DivSIOp::create(
            rewriter, loc, total,
            arith::ConstantIndexOp::create(rewriter, loc, std::max<int64_t>(staticProduct, 1))));
      }
    }
    Value shapeTensor = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({rank}, rewriter.getIndexType()), sizes);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, resultType, input, shapeTensor);
    return success();
  }
};

struct ConcatToInsertSlices : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    int64_t axis = int64_t(op.getAxis()), rank = resultType.getRank();
    ValueRange inputs = op.getInputs();
    // Dynamic result sizes: the axis is the sum of the inputs' sizes, others come from input 0.
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      if (dim != axis) {
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, inputs.front(), dim));
        continue;
      }
      Value sum = arith::ConstantIndexOp::create(rewriter, loc, 0);
      for (Value input : inputs)
        sum = arith::AddIOp::create(rewriter, loc, sum,
                                    tensor::DimOp::create(rewriter, loc, input, dim));
      dynamicSizes.push_back(sum);
    }
    Value result = createInit(rewriter, loc, resultType, dynamicSizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (Value input : inputs) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result, offsets, sizes, strides);
      offset = affine::makeComposedFoldedAffineApply(
          rewriter, loc, rewriter.getAffineSymbolExpr(0) + rewriter.getAffineSymbolExpr(1),
          {offset, sizes[axis]});
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Normalizes a gathered index (negative from the end) and clamps it into [0, size).
Value clampIndex(OpBuilder &b, Location loc, Value index, Value size) {
  if (!index.getType().isIndex())
    index = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNegative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  index = arith::SelectOp::create(b, loc, isNegative, arith::AddIOp::create(b, loc, index, size),
                                  index);
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, index, zero), last);
}

struct GatherToGeneric : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value data = op.getData(), indices = op.getIndices();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t axis = int64_t(op.getAxis());
    int64_t indexRank = indicesType.getRank(), rank = resultType.getRank();
    if (dataType.getDimSize(axis) == 0)
      return rewriter.notifyMatchFailure(op, "gathering from an empty axis");
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      if (dim < axis)
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, data, dim));
      else if (dim < axis + indexRank)
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, indices, dim - axis));
      else
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, data, dim - indexRank + 1));
    }
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    SmallVector<AffineExpr> indexExprs;
    for (int64_t i = 0; i < indexRank; ++i)
      indexExprs.push_back(rewriter.getAffineDimExpr(axis + i));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexExprs, rewriter.getContext()),
                                   rewriter.getMultiDimIdentityMap(rank)};
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
    Value result = linalg::GenericOp::create(
                       rewriter, loc, resultType, indices, init, maps, parallelIterators(rank),
                       [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
                         // Negative indices count from the end; anything else out of range is
                         // clamped, so a bad index reads a wrong element but never outside the
                         // tensor.
                         Value index = clampIndex(b, nestedLoc, args[0], axisSize);
                         SmallVector<Value> position;
                         for (int64_t dim = 0; dim < axis; ++dim)
                           position.push_back(linalg::IndexOp::create(b, nestedLoc, dim));
                         position.push_back(index);
                         for (int64_t dim = axis + indexRank; dim < rank; ++dim)
                           position.push_back(linalg::IndexOp::create(b, nestedLoc, dim));
                         linalg::YieldOp::create(
                             b, nestedLoc,
                             tensor::ExtractOp::create(b, nestedLoc, data, position).getResult());
                       })
                       .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherElementsToGeneric : OpRewritePattern<GatherElementsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherElementsOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value data = op.getData(), indices = op.getIndices();
    int64_t axis = int64_t(op.getAxis()), rank = resultType.getRank();
    if (cast<RankedTensorType>(data.getType()).getDimSize(axis) == 0)
      return rewriter.notifyMatchFailure(op, "gathering from an empty axis");
    Value init = createInit(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, indices));
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, indices, init, maps, parallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              SmallVector<Value> position;
              for (int64_t dim = 0; dim < rank; ++dim)
                position.push_back(dim == axis ? clampIndex(b, nestedLoc, args[0], axisSize)
                                               : Value(linalg::IndexOp::create(b, nestedLoc, dim)));
              linalg::YieldOp::create(
                  b, nestedLoc,
                  tensor::ExtractOp::create(b, nestedLoc, data, position).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Each result element reads the input at its position, at 0 along the input's size-1 dims
/// (decided at run time for dims of unknown size).
struct BroadcastToGeneric : OpRewritePattern<BroadcastToOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BroadcastToOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value input = op.getInput(), shape = op.getShape();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = resultType.getRank(), offset = rank - inputType.getRank();
    int64_t shapeLength = cast<RankedTensorType>(shape.getType()).getDimSize(0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      // The requested size, where the shape reaches this dim; 1 otherwise.
      int64_t entry = dim - (rank - shapeLength);
      Value requested = one;
      if (entry >= 0) {
        requested = tensor::ExtractOp::create(
            rewriter, loc, shape, ValueRange{arith::ConstantIndexOp::create(rewriter, loc, entry)});
        if (!requested.getType().isIndex())
          requested = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), requested);
      }
      Value size = requested;
      if (dim >= offset) {
        Value inputSize = tensor::DimOp::create(rewriter, loc, input, dim - offset);
        Value requestedIsOne =
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, requested, one);
        size = arith::SelectOp::create(rewriter, loc, requestedIsOne, inputSize, requested);
      }
      // A negative request (a bad model input) must not size a buffer.
      size = arith::MaxSIOp::create(rewriter, loc, size,
                                    arith::ConstantIndexOp::create(rewriter, loc, 0));
      dynamicSizes.push_back(size);
    }
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    SmallVector<Value> inputSizes;
    for (int64_t dim = 0; dim < inputType.getRank(); ++dim)
      inputSizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(rank),
            parallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange) {
              SmallVector<Value> position;
              Value zero = arith::ConstantIndexOp::create(b, nestedLoc, 0);
              for (int64_t dim = 0; dim < inputType.getRank(); ++dim) {
                Value index = linalg::IndexOp::create(b, nestedLoc, dim + offset);
                // Size-1 dims are read at 0; anything else stays inside the input.
                Value last = arith::SubIOp::create(b, nestedLoc, inputSizes[dim],
                                                   arith::ConstantIndexOp::create(b, nestedLoc, 1));
                position.push_back(arith::MaxSIOp::create(
                    b, nestedLoc, arith::MinSIOp::create(b, nestedLoc, index, last), zero));
              }
              linalg::YieldOp::create(
                  b, nestedLoc,
                  tensor::ExtractOp::create(b, nestedLoc, input, position).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Each result element reads input[start + i * step] in every dimension.
struct SliceToGeneric : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value input = op.getInput();
    int64_t rank = resultType.getRank();
    if (!resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "slices of dynamic size are not lowered");
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    Value init = createInit(rewriter, loc, resultType, {});
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(rank),
            parallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange) {
              SmallVector<Value> position;
              for (int64_t dim = 0; dim < rank; ++dim) {
                Value index = linalg::IndexOp::create(b, nestedLoc, dim);
                Value scaled = arith::MulIOp::create(
                    b, nestedLoc, index, arith::ConstantIndexOp::create(b, nestedLoc, steps[dim]));
                position.push_back(arith::AddIOp::create(
                    b, nestedLoc, scaled,
                    arith::ConstantIndexOp::create(b, nestedLoc, starts[dim])));
              }
              linalg::YieldOp::create(
                  b, nestedLoc,
                  tensor::ExtractOp::create(b, nestedLoc, input, position).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDataMovementPatterns(RewritePatternSet &patterns) {
  patterns.add<TransposeToLinalg, ReshapeToTensor, ConcatToInsertSlices, GatherToGeneric,
               SliceToGeneric, GatherElementsToGeneric, BroadcastToGeneric>(patterns.getContext());
}

} // namespace llmc::llm::lowering
