//===- IndexingToLinalg.cpp - cumsum, topk, gather_nd, scatters, argmax pool, det ===//
//
// The ops whose elements depend on other elements in an order (scans, selection, writes at
// positions from a tensor, elimination) become scf loops over tensors that one-shot
// bufferization turns into in-place updates; the gathers stay linalg.generics. Every position
// read from a tensor is clamped or guarded, so no index in a model touches memory outside a
// tensor.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

using scf::ValueVector;

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value toIndex(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isIndex())
    return value;
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
}

Value compare(OpBuilder &b, Location loc, arith::CmpIPredicate predicate, Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
}

Value clampInto(OpBuilder &b, Location loc, Value index, Value size) {
  Value last = arith::SubIOp::create(b, loc, size, indexConstant(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, index, last),
                                indexConstant(b, loc, 0));
}

/// A model's index (negative from the end) as a position, and whether it lies in [0, size).
std::pair<Value, Value> normalizeIndex(OpBuilder &b, Location loc, Value raw, Value size) {
  Value index = toIndex(b, loc, raw);
  Value zero = indexConstant(b, loc, 0);
  Value isNegative = compare(b, loc, arith::CmpIPredicate::slt, index, zero);
  index = arith::SelectOp::create(b, loc, isNegative, arith::AddIOp::create(b, loc, index, size),
                                  index);
  Value valid =
      arith::AndIOp::create(b, loc, compare(b, loc, arith::CmpIPredicate::sge, index, zero),
                            compare(b, loc, arith::CmpIPredicate::slt, index, size));
  return {index, valid};
}

SmallVector<Value> dimsOf(OpBuilder &b, Location loc, Value tensor) {
  SmallVector<Value> sizes;
  for (int64_t dim = 0; dim < cast<RankedTensorType>(tensor.getType()).getRank(); ++dim)
    sizes.push_back(tensor::DimOp::create(b, loc, tensor, dim));
  return sizes;
}

/// A copy of `value` that loops may update in place, leaving `value` (often a function
/// argument, the caller's buffer) as it was.
Value copyOf(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Value init = createInit(b, loc, type, dynamicSizesOf(b, loc, value));
  return linalg::CopyOp::create(b, loc, value, init).getResult(0);
}

/// True at run time when `value` has at least one element; null when that is known statically.
Value nonEmptyCheck(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Value check;
  for (int64_t dim = 0; dim < type.getRank(); ++dim) {
    if (!type.isDynamicDim(dim))
      continue;
    Value positive = compare(b, loc, arith::CmpIPredicate::sgt,
                             tensor::DimOp::create(b, loc, value, dim), indexConstant(b, loc, 0));
    check = check ? Value(arith::AndIOp::create(b, loc, check, positive)) : positive;
  }
  return check;
}

/// `tensor.extract` at `position`, or the zero of the element type where `guard` is false.
Value guardedExtract(OpBuilder &b, Location loc, Value tensor, ValueRange position, Value guard) {
  Type element = cast<RankedTensorType>(tensor.getType()).getElementType();
  if (!guard)
    return tensor::ExtractOp::create(b, loc, tensor, position);
  auto ifOp = scf::IfOp::create(
      b, loc, guard,
      [&](OpBuilder &nb, Location nl) {
        scf::YieldOp::create(nb, nl,
                             tensor::ExtractOp::create(nb, nl, tensor, position).getResult());
      },
      [&](OpBuilder &nb, Location nl) {
        scf::YieldOp::create(nb, nl, scalarConstant(nb, nl, element, 0.0));
      });
  return ifOp.getResult(0);
}

/// A loop nest from 0 to `upperBounds` carrying `iterArgs`.
ValueVector
loopNest(OpBuilder &b, Location loc, ValueRange upperBounds, ValueRange iterArgs,
         function_ref<ValueVector(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  SmallVector<Value> lowerBounds(upperBounds.size(), indexConstant(b, loc, 0));
  SmallVector<Value> steps(upperBounds.size(), indexConstant(b, loc, 1));
  return scf::buildLoopNest(b, loc, lowerBounds, upperBounds, steps, iterArgs, body).results;
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  return value.getType() == type ? value : Value(tensor::CastOp::create(b, loc, type, value));
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

/// A loop along the axis carries the running sum of one slice and writes it (before or after
/// adding the slice, for exclusive and inclusive sums) into the result.
struct CumSumToLoop : OpRewritePattern<CumSumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CumSumOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "only plain integer and float sums are lowered");
    int64_t axis = int64_t(op.getAxis()), rank = inputType.getRank();
    SmallVector<int64_t> sliceShape;
    SmallVector<Value> sliceSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (dim == axis)
        continue;
      sliceShape.push_back(inputType.getDimSize(dim));
      if (inputType.isDynamicDim(dim))
        sliceSizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
    }
    auto sliceType = RankedTensorType::get(sliceShape, element);
    Value sum = createInit(rewriter, loc, sliceType, sliceSizes,
                           scalarConstant(rewriter, loc, element, 0.0));
    Value result = createInit(rewriter, loc, inputType, dynamicSizesOf(rewriter, loc, input));
    Value length = tensor::DimOp::create(rewriter, loc, input, axis);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
    sizes[axis] = rewriter.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length, indexConstant(rewriter, loc, 1),
        ValueRange{sum, result},
        [&](OpBuilder &b, Location nestedLoc, Value step, ValueRange args) {
          Value position = step;
          if (op.getReverse())
            position = arith::SubIOp::create(b, nestedLoc,
                                             arith::SubIOp::create(b, nestedLoc, length, step),
                                             indexConstant(b, nestedLoc, 1));
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
          offsets[axis] = position;
          Value slice = tensor::ExtractSliceOp::create(b, nestedLoc, sliceType, input, offsets,
                                                       sizes, strides);
          Value running = args[0], written = args[1];
          if (op.getExclusive())
            written = tensor::InsertSliceOp::create(b, nestedLoc, running, written, offsets, sizes,
                                                    strides);
          int64_t sliceRank = sliceType.getRank();
          SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(sliceRank));
          running = linalg::GenericOp::create(
                        b, nestedLoc, TypeRange{sliceType}, ValueRange{slice}, ValueRange{running},
                        maps, parallelIterators(sliceRank),
                        [&](OpBuilder &nb, Location nl, ValueRange values) {
                          linalg::YieldOp::create(
                              nb, nl, combineScalars(nb, nl, Combine::Add, values[1], values[0]));
                        })
                        .getResult(0);
          if (!op.getExclusive())
            written = tensor::InsertSliceOp::create(b, nestedLoc, running, written, offsets, sizes,
                                                    strides);
          scf::YieldOp::create(b, nestedLoc, ValueRange{running, written});
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, loop.getResult(1), op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

/// `a` ranks above `b`: greater, with NaN above every number (integers compare signed).
Value ranksAbove(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  if (!isa<FloatType>(lhs.getType()))
    return compare(b, loc, arith::CmpIPredicate::sgt, lhs, rhs);
  Value greater = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, lhs, rhs);
  Value lhsNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, lhs, lhs);
  Value rhsNumber = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ORD, rhs, rhs);
  return arith::OrIOp::create(b, loc, greater, arith::AndIOp::create(b, loc, lhsNaN, rhsNumber));
}

Value ranksEqual(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  if (!isa<FloatType>(lhs.getType()))
    return compare(b, loc, arith::CmpIPredicate::eq, lhs, rhs);
  Value equal = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, lhs, rhs);
  Value bothNaN = arith::AndIOp::create(
      b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, lhs, lhs),
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, rhs, rhs));
  return arith::OrIOp::create(b, loc, equal, bothNaN);
}

/// Selection sort, k passes: pass j finds the best element that comes after pass j-1's pick in
/// the strict total order (value, then position), so every pick is found by one linear scan
/// and ties keep their order of position.
struct TopKToLoops : OpRewritePattern<TopKOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TopKOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "only plain integer and float inputs are lowered");
    RankedTensorType resultType = op.getType();
    int64_t axis = int64_t(op.getAxis()), rank = inputType.getRank();
    bool largest = op.getLargest();
    Value length = tensor::DimOp::create(rewriter, loc, input, axis);
    auto kType = cast<RankedTensorType>(op.getK().getType());
    SmallVector<Value> kPosition(kType.getRank(), indexConstant(rewriter, loc, 0));
    Value k =
        toIndex(rewriter, loc, tensor::ExtractOp::create(rewriter, loc, op.getK(), kPosition));
    k = arith::MaxSIOp::create(rewriter, loc, arith::MinSIOp::create(rewriter, loc, k, length),
                               indexConstant(rewriter, loc, 0));
    if (!resultType.isDynamicDim(axis))
      k = arith::MinSIOp::create(rewriter, loc, k,
                                 indexConstant(rewriter, loc, resultType.getDimSize(axis)));
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (resultType.isDynamicDim(dim))
        dynamicSizes.push_back(
            dim == axis ? k : Value(tensor::DimOp::create(rewriter, loc, input, dim)));
    // Written fully when the result's axis size is k; a larger static size keeps zeros.
    Value result = createInit(rewriter, loc, resultType, dynamicSizes,
                              scalarConstant(rewriter, loc, rewriter.getI64Type(), 0.0));
    SmallVector<Value> outerBounds;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (dim != axis)
        outerBounds.push_back(tensor::DimOp::create(rewriter, loc, input, dim));

    auto body = [&](OpBuilder &b, Location l, ValueRange outer, ValueRange args) -> ValueVector {
      auto positionAt = [&](Value along) {
        SmallVector<Value> position(outer.begin(), outer.end());
        position.insert(position.begin() + axis, along);
        return position;
      };
      // `a` (at ia) comes before `c` (at ic) in the order of the picks.
      auto before = [&](OpBuilder &nb, Location nl, Value a, Value ia, Value c, Value ic) {
        Value better = largest ? ranksAbove(nb, nl, a, c) : ranksAbove(nb, nl, c, a);
        Value tie = arith::AndIOp::create(nb, nl, ranksEqual(nb, nl, a, c),
                                          compare(nb, nl, arith::CmpIPredicate::slt, ia, ic));
        return Value(arith::OrIOp::create(nb, nl, better, tie));
      };
      Value zero = indexConstant(b, l, 0), one = indexConstant(b, l, 1);
      Value none = indexConstant(b, l, -1);
      Value initial = scalarConstant(b, l, element, 0.0);
      auto picks = scf::ForOp::create(
          b, l, zero, k, one, ValueRange{args[0], initial, none},
          [&](OpBuilder &pb, Location pl, Value pick, ValueRange state) {
            Value previous = state[1], previousAt = state[2];
            Value first = compare(pb, pl, arith::CmpIPredicate::eq, pick, zero);
            auto scan = scf::ForOp::create(
                pb, pl, zero, length, one, ValueRange{initial, none},
                [&](OpBuilder &sb, Location sl, Value at, ValueRange best) {
                  Value value = tensor::ExtractOp::create(sb, sl, input, positionAt(at));
                  Value eligible = arith::OrIOp::create(
                      sb, sl, first, before(sb, sl, previous, previousAt, value, at));
                  Value improves = arith::OrIOp::create(
                      sb, sl, compare(sb, sl, arith::CmpIPredicate::slt, best[1], zero),
                      before(sb, sl, value, at, best[0], best[1]));
                  Value take = arith::AndIOp::create(sb, sl, eligible, improves);
                  scf::YieldOp::create(
                      sb, sl,
                      ValueRange{arith::SelectOp::create(sb, sl, take, value, best[0]),
                                 arith::SelectOp::create(sb, sl, take, at, best[1])});
                });
            Value bestAt = scan.getResult(1);
            Value asI64 = arith::IndexCastOp::create(pb, pl, pb.getI64Type(), bestAt);
            Value written = tensor::InsertOp::create(pb, pl, asI64, state[0], positionAt(pick));
            scf::YieldOp::create(pb, pl, ValueRange{written, scan.getResult(0), bestAt});
          });
      return {picks.getResult(0)};
    };
    ValueVector results = loopNest(rewriter, loc, outerBounds, {result}, body);
    rewriter.replaceOp(op, results.front());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// gather_nd
//===----------------------------------------------------------------------===//

struct GatherNdToGeneric : OpRewritePattern<GatherNdOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherNdOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value data = op.getData(), indices = op.getIndices();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t batchDims = int64_t(op.getBatchDims()), rank = resultType.getRank();
    int64_t tupleRank = indicesType.getRank() - 1;
    int64_t depth = indicesType.getDimSize(tupleRank);
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (resultType.isDynamicDim(dim))
        dynamicSizes.push_back(
            dim < tupleRank
                ? tensor::DimOp::create(rewriter, loc, indices, dim)
                : tensor::DimOp::create(rewriter, loc, data, dim - tupleRank + batchDims + depth));
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    SmallVector<Value> dataSizes = dimsOf(rewriter, loc, data);
    Value nonEmpty = nonEmptyCheck(rewriter, loc, data);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(rank),
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> tuple;
              for (int64_t dim = 0; dim < tupleRank; ++dim)
                tuple.push_back(linalg::IndexOp::create(b, l, dim));
              SmallVector<Value> position;
              for (int64_t dim = 0; dim < batchDims; ++dim)
                position.push_back(clampInto(b, l, tuple[dim], dataSizes[dim]));
              for (int64_t entry = 0; entry < depth; ++entry) {
                SmallVector<Value> at(tuple);
                at.push_back(indexConstant(b, l, entry));
                Value raw = tensor::ExtractOp::create(b, l, indices, at);
                Value size = dataSizes[batchDims + entry];
                position.push_back(clampInto(b, l, normalizeIndex(b, l, raw, size).first, size));
              }
              for (int64_t dim = tupleRank; dim < rank; ++dim)
                position.push_back(linalg::IndexOp::create(b, l, dim));
              linalg::YieldOp::create(b, l, guardedExtract(b, l, data, position, nonEmpty));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// scatter_elements and scatter_nd
//===----------------------------------------------------------------------===//

Value combineUpdate(OpBuilder &b, Location loc, StringRef reduction, Value old, Value update) {
  if (reduction == "add")
    return combineScalars(b, loc, Combine::Add, old, update);
  if (reduction == "mul")
    return combineScalars(b, loc, Combine::Mul, old, update);
  if (reduction == "max")
    return combineScalars(b, loc, Combine::Max, old, update);
  if (reduction == "min")
    return combineScalars(b, loc, Combine::Min, old, update);
  return update;
}

/// Combines `update` into `result` at `position` when `valid`; the result otherwise.
Value writeIfValid(OpBuilder &b, Location loc, Value valid, Value result, ValueRange position,
                   Value update, StringRef reduction) {
  auto ifOp = scf::IfOp::create(
      b, loc, valid,
      [&](OpBuilder &nb, Location nl) {
        Value value = update;
        if (reduction != "none")
          value = combineUpdate(nb, nl, reduction,
                                tensor::ExtractOp::create(nb, nl, result, position), update);
        scf::YieldOp::create(nb, nl,
                             tensor::InsertOp::create(nb, nl, value, result, position).getResult());
      },
      [&](OpBuilder &nb, Location nl) { scf::YieldOp::create(nb, nl, result); });
  return ifOp.getResult(0);
}

/// `position < size` for the dims of an update position that a static shape does not already
/// keep inside data.
Value withinData(OpBuilder &b, Location loc, Value valid, Value position, int64_t positionBound,
                 int64_t dataSize, Value dataDim) {
  if (!ShapedType::isDynamic(positionBound) && !ShapedType::isDynamic(dataSize) &&
      positionBound <= dataSize)
    return valid;
  return arith::AndIOp::create(b, loc, valid,
                               compare(b, loc, arith::CmpIPredicate::slt, position, dataDim));
}

bool lowersScatterOf(Type element, StringRef reduction) {
  return reduction == "none" ? isPlainNumber(element) || isa<IndexType>(element)
                             : isPlainNumber(element);
}

struct ScatterElementsToLoops : OpRewritePattern<ScatterElementsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterElementsOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = op.getData(), indices = op.getIndices(), updates = op.getUpdates();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto updatesType = cast<RankedTensorType>(updates.getType());
    StringRef reduction = op.getReduction();
    if (!lowersScatterOf(dataType.getElementType(), reduction))
      return rewriter.notifyMatchFailure(op, "element type not lowered");
    int64_t axis = int64_t(op.getAxis()), rank = dataType.getRank();
    SmallVector<Value> dataSizes = dimsOf(rewriter, loc, data);
    auto body = [&](OpBuilder &b, Location l, ValueRange at, ValueRange args) -> ValueVector {
      Value raw = tensor::ExtractOp::create(b, l, indices, at);
      auto [index, valid] = normalizeIndex(b, l, raw, dataSizes[axis]);
      SmallVector<Value> position(at.begin(), at.end());
      position[axis] = index;
      for (int64_t dim = 0; dim < rank; ++dim)
        if (dim != axis)
          valid = withinData(b, l, valid, at[dim], updatesType.getDimSize(dim),
                             dataType.getDimSize(dim), dataSizes[dim]);
      Value update = tensor::ExtractOp::create(b, l, updates, at);
      return {writeIfValid(b, l, valid, args[0], position, update, reduction)};
    };
    ValueVector results = loopNest(rewriter, loc, dimsOf(rewriter, loc, updates),
                                   {copyOf(rewriter, loc, data)}, body);
    rewriter.replaceOp(op, castTo(rewriter, loc, results.front(), op.getType()));
    return success();
  }
};

struct ScatterNdToLoops : OpRewritePattern<ScatterNdOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterNdOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = op.getData(), indices = op.getIndices(), updates = op.getUpdates();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto updatesType = cast<RankedTensorType>(updates.getType());
    auto indicesType = cast<RankedTensorType>(indices.getType());
    StringRef reduction = op.getReduction();
    if (!lowersScatterOf(dataType.getElementType(), reduction))
      return rewriter.notifyMatchFailure(op, "element type not lowered");
    int64_t tupleRank = indicesType.getRank() - 1;
    int64_t depth = indicesType.getDimSize(tupleRank);
    SmallVector<Value> dataSizes = dimsOf(rewriter, loc, data);
    auto body = [&](OpBuilder &b, Location l, ValueRange at, ValueRange args) -> ValueVector {
      Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
      SmallVector<Value> position;
      for (int64_t entry = 0; entry < depth; ++entry) {
        SmallVector<Value> indexAt(at.take_front(tupleRank));
        indexAt.push_back(indexConstant(b, l, entry));
        Value raw = tensor::ExtractOp::create(b, l, indices, indexAt);
        auto [index, inRange] = normalizeIndex(b, l, raw, dataSizes[entry]);
        valid = arith::AndIOp::create(b, l, valid, inRange);
        position.push_back(index);
      }
      for (int64_t dim = depth; dim < dataType.getRank(); ++dim) {
        int64_t updateDim = tupleRank + dim - depth;
        valid = withinData(b, l, valid, at[updateDim], updatesType.getDimSize(updateDim),
                           dataType.getDimSize(dim), dataSizes[dim]);
        position.push_back(at[updateDim]);
      }
      Value update = tensor::ExtractOp::create(b, l, updates, at);
      return {writeIfValid(b, l, valid, args[0], position, update, reduction)};
    };
    ValueVector results = loopNest(rewriter, loc, dimsOf(rewriter, loc, updates),
                                   {copyOf(rewriter, loc, data)}, body);
    rewriter.replaceOp(op, castTo(rewriter, loc, results.front(), op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// max_pool_argmax
//===----------------------------------------------------------------------===//

/// A windowed reduction carrying (maximum, position) with the window dims as reduction dims;
/// positions in the padding never win and are never read.
struct MaxPoolArgmaxToGeneric : OpRewritePattern<MaxPoolArgmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MaxPoolArgmaxOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "only plain integer and float inputs are lowered");
    RankedTensorType resultType = op.getType();
    int64_t spatial = inputType.getRank() - 2, outRank = resultType.getRank();
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      dilations = op.getDilations(), pads = op.getPads();
    bool columnMajor = op.getColumnMajor();
    MLIRContext *context = rewriter.getContext();

    SmallVector<Value> inputSizes = dimsOf(rewriter, loc, input);
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < outRank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      if (dim < 2) {
        dynamicSizes.push_back(inputSizes[dim]);
        continue;
      }
      // floor or ceil of (size + pads - dilation * (kernel - 1) - 1) / stride, plus 1.
      int64_t s = dim - 2;
      int64_t reach = dilations[s] * (kernel[s] - 1) + 1;
      Value extent =
          arith::AddIOp::create(rewriter, loc, inputSizes[dim],
                                indexConstant(rewriter, loc, pads[s] + pads[s + spatial] - reach));
      Value size;
      if (op.getCeilMode()) {
        size = arith::CeilDivSIOp::create(rewriter, loc, extent,
                                          indexConstant(rewriter, loc, strides[s]));
        // A last window that starts in the end padding is dropped.
        Value lastStart =
            arith::MulIOp::create(rewriter, loc, size, indexConstant(rewriter, loc, strides[s]));
        Value startsInPadding =
            compare(rewriter, loc, arith::CmpIPredicate::sge, lastStart,
                    arith::AddIOp::create(rewriter, loc, inputSizes[dim],
                                          indexConstant(rewriter, loc, pads[s])));
        size = arith::SelectOp::create(
            rewriter, loc, startsInPadding,
            arith::SubIOp::create(rewriter, loc, size, indexConstant(rewriter, loc, 1)), size);
      } else {
        size = arith::FloorDivSIOp::create(rewriter, loc, extent,
                                           indexConstant(rewriter, loc, strides[s]));
      }
      size = arith::AddIOp::create(rewriter, loc, size, indexConstant(rewriter, loc, 1));
      dynamicSizes.push_back(
          arith::MaxSIOp::create(rewriter, loc, size, indexConstant(rewriter, loc, 0)));
    }
    auto valueType = resultType.clone(element);
    Value values =
        createInit(rewriter, loc, valueType, dynamicSizes, lowestValue(rewriter, loc, element));
    Value positions = createInit(rewriter, loc, resultType, dynamicSizes,
                                 scalarConstant(rewriter, loc, rewriter.getI64Type(), -1.0));
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, element);

    int64_t loops = outRank + spatial;
    SmallVector<AffineExpr> windowExprs, outExprs;
    for (int64_t s = 0; s < spatial; ++s)
      windowExprs.push_back(getAffineDimExpr(outRank + s, context));
    for (int64_t dim = 0; dim < outRank; ++dim)
      outExprs.push_back(getAffineDimExpr(dim, context));
    AffineMap outMap = AffineMap::get(loops, 0, outExprs, context);
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, windowExprs, context), outMap, outMap};
    SmallVector<utils::IteratorType> iterators = parallelIterators(outRank);
    iterators.append(spatial, utils::IteratorType::reduction);
    Value nonEmpty = nonEmptyCheck(rewriter, loc, input);

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, resultType}, ValueRange{window},
        ValueRange{values, positions}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value batch = linalg::IndexOp::create(b, l, 0);
          Value channel = linalg::IndexOp::create(b, l, 1);
          Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
          SmallVector<Value> coordinates, position = {batch, channel};
          for (int64_t s = 0; s < spatial; ++s) {
            Value out = linalg::IndexOp::create(b, l, 2 + s);
            Value tap = linalg::IndexOp::create(b, l, outRank + s);
            Value coordinate = arith::AddIOp::create(
                b, l,
                arith::SubIOp::create(
                    b, l, arith::MulIOp::create(b, l, out, indexConstant(b, l, strides[s])),
                    indexConstant(b, l, pads[s])),
                arith::MulIOp::create(b, l, tap, indexConstant(b, l, dilations[s])));
            Value size = inputSizes[2 + s];
            valid = arith::AndIOp::create(
                b, l, valid,
                arith::AndIOp::create(
                    b, l,
                    compare(b, l, arith::CmpIPredicate::sge, coordinate, indexConstant(b, l, 0)),
                    compare(b, l, arith::CmpIPredicate::slt, coordinate, size)));
            coordinates.push_back(coordinate);
            position.push_back(clampInto(b, l, coordinate, size));
          }
          Value value = guardedExtract(b, l, input, position, nonEmpty);
          Value greater =
              isa<FloatType>(element)
                  ? Value(arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, value, args[1]))
                  : compare(b, l, arith::CmpIPredicate::sgt, value, args[1]);
          Value unset = compare(b, l, arith::CmpIPredicate::slt, args[2],
                                scalarConstant(b, l, b.getI64Type(), 0.0));
          Value take =
              arith::AndIOp::create(b, l, valid, arith::OrIOp::create(b, l, unset, greater));
          // ((n * C + c) * D1 + d1) * D2 + ..., or the spatial part first-dim-fastest.
          Value flat = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, batch, inputSizes[1]), channel);
          if (!columnMajor) {
            for (int64_t s = 0; s < spatial; ++s)
              flat = arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, flat, inputSizes[2 + s]), coordinates[s]);
          } else {
            Value offset = indexConstant(b, l, 0), stride = indexConstant(b, l, 1);
            for (int64_t s = 0; s < spatial; ++s) {
              offset = arith::AddIOp::create(b, l, offset,
                                             arith::MulIOp::create(b, l, coordinates[s], stride));
              stride = arith::MulIOp::create(b, l, stride, inputSizes[2 + s]);
            }
            flat = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, flat, stride), offset);
          }
          Value flatI64 = arith::IndexCastOp::create(b, l, b.getI64Type(), flat);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, take, value, args[1]),
                         arith::SelectOp::create(b, l, take, flatI64, args[2])});
        });
    rewriter.replaceOp(op, generic.getResult(1));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// det
//===----------------------------------------------------------------------===//

/// LU decomposition with partial pivoting of each matrix, in a copy of the input: the
/// determinant is the product of the pivots, negated per row swap.
struct DetToLoops : OpRewritePattern<DetOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DetOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    if (!isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "only float determinants are lowered");
    RankedTensorType resultType = op.getType();
    int64_t rank = inputType.getRank();
    SmallVector<Value> sizes = dimsOf(rewriter, loc, input);
    // A matrix that is not square at run time (a bad input) is read as its leading square.
    Value n = arith::MinSIOp::create(rewriter, loc, sizes[rank - 1], sizes[rank - 2]);
    Value result = createInit(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, input));
    SmallVector<Value> batchBounds(sizes.begin(), sizes.end() - 2);

    auto body = [&](OpBuilder &b, Location l, ValueRange batch, ValueRange args) -> ValueVector {
      auto at = [&](Value row, Value column) {
        SmallVector<Value> position(batch.begin(), batch.end());
        position.push_back(row);
        position.push_back(column);
        return position;
      };
      Value zero = indexConstant(b, l, 0), one = indexConstant(b, l, 1);
      Value fzero = scalarConstant(b, l, element, 0.0), fone = scalarConstant(b, l, element, 1.0);
      auto columns = scf::ForOp::create(
          b, l, zero, n, one, ValueRange{args[0], fone},
          [&](OpBuilder &cb, Location cl, Value c, ValueRange state) {
            Value work = state[0], det = state[1];
            Value below = arith::AddIOp::create(cb, cl, c, one);
            // The row with the largest magnitude in column c, from row c down.
            auto search = scf::ForOp::create(
                cb, cl, c, n, one, ValueRange{c, scalarConstant(cb, cl, element, -1.0)},
                [&](OpBuilder &sb, Location sl, Value r, ValueRange best) {
                  Value magnitude = math::AbsFOp::create(
                      sb, sl, tensor::ExtractOp::create(sb, sl, work, at(r, c)));
                  Value take =
                      arith::CmpFOp::create(sb, sl, arith::CmpFPredicate::OGT, magnitude, best[1]);
                  scf::YieldOp::create(
                      sb, sl,
                      ValueRange{arith::SelectOp::create(sb, sl, take, r, best[0]),
                                 arith::SelectOp::create(sb, sl, take, magnitude, best[1])});
                });
            Value pivotRow = search.getResult(0);
            auto swap = scf::ForOp::create(
                cb, cl, zero, n, one, ValueRange{work},
                [&](OpBuilder &wb, Location wl, Value j, ValueRange matrix) {
                  Value upper = tensor::ExtractOp::create(wb, wl, matrix[0], at(c, j));
                  Value lower = tensor::ExtractOp::create(wb, wl, matrix[0], at(pivotRow, j));
                  Value swapped = tensor::InsertOp::create(wb, wl, lower, matrix[0], at(c, j));
                  swapped = tensor::InsertOp::create(wb, wl, upper, swapped, at(pivotRow, j));
                  scf::YieldOp::create(wb, wl, swapped);
                });
            work = swap.getResult(0);
            Value swapped = compare(cb, cl, arith::CmpIPredicate::ne, pivotRow, c);
            det = arith::SelectOp::create(cb, cl, swapped, arith::NegFOp::create(cb, cl, det), det);
            Value pivot = tensor::ExtractOp::create(cb, cl, work, at(c, c));
            det = arith::MulFOp::create(cb, cl, det, pivot);
            // A zero pivot leaves the determinant 0; eliminating by it would only add NaNs.
            Value singular = arith::CmpFOp::create(cb, cl, arith::CmpFPredicate::OEQ, pivot, fzero);
            Value divisor = arith::SelectOp::create(cb, cl, singular, fone, pivot);
            auto rows = scf::ForOp::create(
                cb, cl, below, n, one, ValueRange{work},
                [&](OpBuilder &rb, Location rl, Value r, ValueRange matrix) {
                  Value factor = arith::DivFOp::create(
                      rb, rl, tensor::ExtractOp::create(rb, rl, matrix[0], at(r, c)), divisor);
                  factor = arith::SelectOp::create(rb, rl, singular, fzero, factor);
                  auto update = scf::ForOp::create(
                      rb, rl, below, n, one, ValueRange{matrix[0]},
                      [&](OpBuilder &ub, Location ul, Value j, ValueRange inner) {
                        Value target = tensor::ExtractOp::create(ub, ul, inner[0], at(r, j));
                        Value source = tensor::ExtractOp::create(ub, ul, inner[0], at(c, j));
                        Value updated = arith::SubFOp::create(
                            ub, ul, target, arith::MulFOp::create(ub, ul, factor, source));
                        scf::YieldOp::create(
                            ub, ul,
                            tensor::InsertOp::create(ub, ul, updated, inner[0], at(r, j))
                                .getResult());
                      });
                  scf::YieldOp::create(rb, rl, update.getResult(0));
                });
            scf::YieldOp::create(cb, cl, ValueRange{rows.getResult(0), det});
          });
      Value written = tensor::InsertOp::create(b, l, columns.getResult(1), args[1], batch);
      return {columns.getResult(0), written};
    };
    ValueVector results =
        loopNest(rewriter, loc, batchBounds, {copyOf(rewriter, loc, input), result}, body);
    rewriter.replaceOp(op, results[1]);
    return success();
  }
};

} // namespace

void populateIndexingPatterns(RewritePatternSet &patterns) {
  patterns.add<CumSumToLoop, TopKToLoops, GatherNdToGeneric, ScatterElementsToLoops,
               ScatterNdToLoops, MaxPoolArgmaxToGeneric, DetToLoops>(patterns.getContext());
}

} // namespace llmc::llm::lowering
