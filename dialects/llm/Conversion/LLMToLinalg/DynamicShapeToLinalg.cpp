//===- DynamicShapeToLinalg.cpp - Ops with run-time shape operands to linalg -===//
//
// Every size these ops compute comes from tensor values read at run time, so each size is
// guarded: bounds are clamped into the input and a size that could not be allocated becomes 0
// with a run-time error, so that no input value makes compiled code read or write outside a
// buffer.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(value)));
}

Value indexToF32(OpBuilder &b, Location loc, Value index) {
  Value wide = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), wide);
}

Value toIndex(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isIndex())
    return value;
  if (value.getType().isInteger(1))
    value = arith::ExtUIOp::create(b, loc, b.getI64Type(), value);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
}

Value extractIndex(OpBuilder &b, Location loc, Value vector, int64_t position) {
  Value entry = tensor::ExtractOp::create(
      b, loc, vector, ValueRange{arith::ConstantIndexOp::create(b, loc, position)});
  return toIndex(b, loc, entry);
}

void checkAtRunTime(OpBuilder &b, Location loc, Value condition, const llvm::Twine &message) {
  cf::AssertOp::create(b, loc, condition, message.str());
}

SmallVector<Value> guardSizes(OpBuilder &b, Location loc, ArrayRef<Value> sizes,
                              llvm::StringRef opName) {
  // 2^50 elements is beyond any memory; the product is taken in f64, which cannot overflow.
  Value product = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(1.0));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value nonNegative = arith::ConstantIntOp::create(b, loc, 1, 1);
  for (Value size : sizes) {
    nonNegative = arith::AndIOp::create(
        b, loc, nonNegative, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, size, zero));
    Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), size);
    product = arith::MulFOp::create(b, loc, product,
                                    arith::SIToFPOp::create(b, loc, b.getF64Type(), asInt));
  }
  Value limit = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(std::ldexp(1.0, 50)));
  Value fits = arith::AndIOp::create(
      b, loc, nonNegative,
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, product, limit));
  checkAtRunTime(b, loc, fits,
                 opName + ": a size computed at run time is negative or too large to allocate");
  SmallVector<Value> guarded;
  for (Value size : sizes)
    guarded.push_back(arith::SelectOp::create(b, loc, fits, size, zero));
  return guarded;
}

namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value cmp(OpBuilder &b, Location loc, arith::CmpIPredicate predicate, Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
}

Value select(OpBuilder &b, Location loc, Value condition, Value onTrue, Value onFalse) {
  return arith::SelectOp::create(b, loc, condition, onTrue, onFalse);
}

Value clamp(OpBuilder &b, Location loc, Value value, Value low, Value high) {
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, value, high), low);
}

/// The dynamic sizes of `type` out of one size per dimension.
SmallVector<Value> dynamicOnly(RankedTensorType type, ArrayRef<Value> sizes) {
  SmallVector<Value> result;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      result.push_back(sizes[dim]);
  return result;
}

struct ShapeOfToTensor : OpRewritePattern<ShapeOfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ShapeOfOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<Value> sizes;
    for (int64_t dim = 0; dim < cast<RankedTensorType>(input.getType()).getRank(); ++dim)
      sizes.push_back(arith::IndexCastOp::create(rewriter, loc, resultType.getElementType(),
                                                 tensor::DimOp::create(rewriter, loc, input, dim)));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, resultType, sizes);
    return success();
  }
};

/// One ONNX slice range of a dim of `size`, normalized at run time: the first index, the
/// element count and the step, all inside the dim whatever the values.
struct Range {
  Value start, count, step;
};

Range normalizeRange(OpBuilder &b, Location loc, Value size, Value start, Value end, Value step) {
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1),
        minusOne = indexConstant(b, loc, -1);
  Value positive = cmp(b, loc, arith::CmpIPredicate::sgt, step, zero);
  Value isZero = cmp(b, loc, arith::CmpIPredicate::eq, step, zero);
  // Negative bounds count from the end; adding the size to a negative value cannot overflow.
  auto wrap = [&](Value value) {
    return select(b, loc, cmp(b, loc, arith::CmpIPredicate::slt, value, zero),
                  arith::AddIOp::create(b, loc, value, size), value);
  };
  Value low = select(b, loc, positive, zero, minusOne);
  Value high = select(b, loc, positive, size, arith::SubIOp::create(b, loc, size, one));
  Value first = clamp(b, loc, wrap(start), low, high);
  Value last = clamp(b, loc, wrap(end), low, high);
  Value distance = select(b, loc, positive, arith::SubIOp::create(b, loc, last, first),
                          arith::SubIOp::create(b, loc, first, last));
  // |step|, with INT64_MIN read as -INT64_MAX and 0 as 1 (it selects nothing anyway).
  Value mostNegative = indexConstant(b, loc, -std::numeric_limits<int64_t>::max());
  Value magnitude = select(
      b, loc, positive, step,
      arith::SubIOp::create(b, loc, zero, arith::MaxSIOp::create(b, loc, step, mostNegative)));
  magnitude = select(b, loc, isZero, one, magnitude);
  Value count = arith::AddIOp::create(
      b, loc,
      arith::DivSIOp::create(b, loc, arith::SubIOp::create(b, loc, distance, one), magnitude), one);
  Value nonEmpty = arith::AndIOp::create(
      b, loc, cmp(b, loc, arith::CmpIPredicate::sgt, distance, zero),
      arith::XOrIOp::create(b, loc, isZero, arith::ConstantIntOp::create(b, loc, 1, 1)));
  return {first, select(b, loc, nonEmpty, count, zero), select(b, loc, isZero, one, step)};
}

struct DynamicSliceToGeneric : OpRewritePattern<DynamicSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DynamicSliceOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = inputType.getRank();
    int64_t entries = cast<RankedTensorType>(op.getStarts().getType()).getDimSize(0);
    SmallVector<Value> sizes, starts, counts, steps;
    for (int64_t dim = 0; dim < rank; ++dim) {
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
      starts.push_back(indexConstant(rewriter, loc, 0));
      counts.push_back(sizes.back());
      steps.push_back(indexConstant(rewriter, loc, 1));
    }
    Value zero = indexConstant(rewriter, loc, 0);
    for (int64_t i = 0; i < entries; ++i) {
      Value axis = extractIndex(rewriter, loc, op.getAxes(), i);
      axis = select(rewriter, loc, cmp(rewriter, loc, arith::CmpIPredicate::slt, axis, zero),
                    arith::AddIOp::create(rewriter, loc, axis, indexConstant(rewriter, loc, rank)),
                    axis);
      // The size of the named dim (0 for an axis out of range, which then names no dim).
      Value size = zero;
      for (int64_t dim = 0; dim < rank; ++dim)
        size = select(
            rewriter, loc,
            cmp(rewriter, loc, arith::CmpIPredicate::eq, axis, indexConstant(rewriter, loc, dim)),
            sizes[dim], size);
      Range range =
          normalizeRange(rewriter, loc, size, extractIndex(rewriter, loc, op.getStarts(), i),
                         extractIndex(rewriter, loc, op.getEnds(), i),
                         extractIndex(rewriter, loc, op.getSteps(), i));
      for (int64_t dim = 0; dim < rank; ++dim) {
        Value named =
            cmp(rewriter, loc, arith::CmpIPredicate::eq, axis, indexConstant(rewriter, loc, dim));
        starts[dim] = select(rewriter, loc, named, range.start, starts[dim]);
        counts[dim] = select(rewriter, loc, named, range.count, counts[dim]);
        steps[dim] = select(rewriter, loc, named, range.step, steps[dim]);
      }
    }
    Value init = createInit(rewriter, loc, resultType, dynamicOnly(resultType, counts));
    Value result = linalg::GenericOp::create(
                       rewriter, loc, resultType, ValueRange{}, init,
                       rewriter.getMultiDimIdentityMap(rank), parallelIterators(rank),
                       [&](OpBuilder &b, Location nestedLoc, ValueRange) {
                         SmallVector<Value> position;
                         for (int64_t dim = 0; dim < rank; ++dim) {
                           Value index = linalg::IndexOp::create(b, nestedLoc, dim);
                           position.push_back(arith::AddIOp::create(
                               b, nestedLoc, starts[dim],
                               arith::MulIOp::create(b, nestedLoc, index, steps[dim])));
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

struct RangeToGeneric : OpRewritePattern<RangeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RangeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    auto scalar = [&](Value tensor) {
      return tensor::ExtractOp::create(rewriter, loc, tensor, ValueRange{}).getResult();
    };
    Value start = scalar(op.getStart()), limit = scalar(op.getLimit()),
          delta = scalar(op.getDelta());
    Type i64 = rewriter.getI64Type();
    Value zero = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
    Value one = arith::ConstantIntOp::create(rewriter, loc, i64, 1);
    Value count;
    if (isa<FloatType>(element)) {
      Value steps = math::CeilOp::create(
          rewriter, loc,
          arith::DivFOp::create(rewriter, loc, arith::SubFOp::create(rewriter, loc, limit, start),
                                delta));
      Value wide = convertScalar(rewriter, loc, steps, rewriter.getF64Type());
      // NaN, infinities and negative counts are empty or capped before the conversion, which
      // would otherwise be undefined.
      Value positive = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, wide,
                                             scalarConstant(rewriter, loc, wide.getType(), 0.0));
      Value capped = arith::MinimumFOp::create(
          rewriter, loc, wide, scalarConstant(rewriter, loc, wide.getType(), std::ldexp(1.0, 52)));
      count = select(rewriter, loc, positive, arith::FPToSIOp::create(rewriter, loc, i64, capped),
                     zero);
    } else {
      Value first = convertScalar(rewriter, loc, start, i64),
            last = convertScalar(rewriter, loc, limit, i64),
            step = convertScalar(rewriter, loc, delta, i64);
      // ceil(distance / |step|) in unsigned arithmetic, which no value makes overflow or trap.
      Value difference = arith::SubIOp::create(rewriter, loc, last, first);
      Value upward = cmp(rewriter, loc, arith::CmpIPredicate::sgt, step, zero);
      Value downward = cmp(rewriter, loc, arith::CmpIPredicate::slt, step, zero);
      Value distance = select(rewriter, loc, upward, difference,
                              arith::SubIOp::create(rewriter, loc, zero, difference));
      Value magnitude = select(
          rewriter, loc, upward, step,
          select(rewriter, loc, downward, arith::SubIOp::create(rewriter, loc, zero, step), one));
      Value reaches = arith::AndIOp::create(
          rewriter, loc,
          arith::OrIOp::create(
              rewriter, loc,
              arith::AndIOp::create(rewriter, loc, upward,
                                    cmp(rewriter, loc, arith::CmpIPredicate::sgt, last, first)),
              arith::AndIOp::create(rewriter, loc, downward,
                                    cmp(rewriter, loc, arith::CmpIPredicate::slt, last, first))),
          arith::ConstantIntOp::create(rewriter, loc, 1, 1));
      Value steps = arith::AddIOp::create(
          rewriter, loc,
          arith::DivUIOp::create(rewriter, loc, arith::SubIOp::create(rewriter, loc, distance, one),
                                 magnitude),
          one);
      count = select(rewriter, loc, reaches, steps, zero);
      // A count past 2^62 (unsigned) reads as negative; the guard below turns it into an error.
    }
    Value size = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), count);
    size = guardSizes(rewriter, loc, {size}, "llm.range").front();
    SmallVector<Value> dynamicSizes = {size};
    if (!resultType.isDynamicDim(0)) {
      // A static result type promises the count; the values must keep that promise.
      checkAtRunTime(rewriter, loc,
                     arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, size,
                                           indexConstant(rewriter, loc, resultType.getDimSize(0))),
                     "'llm.range': the range has another length than the result type's " +
                         std::to_string(resultType.getDimSize(0)));
      dynamicSizes.clear();
    }
    Value init = createInit(rewriter, loc, resultType, dynamicSizes);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(1),
            parallelIterators(1),
            [&](OpBuilder &b, Location nestedLoc, ValueRange) {
              Value index = arith::IndexCastOp::create(b, nestedLoc, b.getI64Type(),
                                                       linalg::IndexOp::create(b, nestedLoc, 0));
              Value position = convertScalar(b, nestedLoc, index, element);
              Value offset = isa<FloatType>(element)
                                 ? Value(arith::MulFOp::create(b, nestedLoc, position, delta))
                                 : Value(arith::MulIOp::create(b, nestedLoc, position, delta));
              Value value = isa<FloatType>(element)
                                ? Value(arith::AddFOp::create(b, nestedLoc, start, offset))
                                : Value(arith::AddIOp::create(b, nestedLoc, start, offset));
              linalg::YieldOp::create(b, nestedLoc, value);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Each result element reads the input at its position minus the begin pad, mapped into the
/// input by the mode (clamped for edge, mirrored for reflect), or takes the pad value.
struct PadToGeneric : OpRewritePattern<PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PadOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    int64_t rank = resultType.getRank();
    StringRef mode = op.getMode();
    Value zero = indexConstant(rewriter, loc, 0), one = indexConstant(rewriter, loc, 1);
    SmallVector<Value> sizes, befores, outputs;
    for (int64_t dim = 0; dim < rank; ++dim) {
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
      befores.push_back(extractIndex(rewriter, loc, op.getPads(), dim));
      Value after = extractIndex(rewriter, loc, op.getPads(), dim + rank);
      outputs.push_back(
          arith::AddIOp::create(rewriter, loc, sizes.back(),
                                arith::AddIOp::create(rewriter, loc, befores.back(), after)));
    }
    outputs = guardSizes(rewriter, loc, outputs, "llm.pad");
    Value fill = op.getValue()
                     ? Value(tensor::ExtractOp::create(rewriter, loc, op.getValue(), ValueRange{}))
                     : scalarConstant(rewriter, loc, element, 0.0);
    Value init = createInit(rewriter, loc, resultType, dynamicOnly(resultType, outputs));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(rank),
            parallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange) {
              Value inside = arith::ConstantIntOp::create(b, nestedLoc, 1, 1);
              SmallVector<Value> position;
              for (int64_t dim = 0; dim < rank; ++dim) {
                Value index = arith::SubIOp::create(
                    b, nestedLoc, linalg::IndexOp::create(b, nestedLoc, dim), befores[dim]);
                Value last = arith::SubIOp::create(b, nestedLoc, sizes[dim], one);
                if (mode == "constant") {
                  inside = arith::AndIOp::create(
                      b, nestedLoc, inside,
                      arith::AndIOp::create(
                          b, nestedLoc, cmp(b, nestedLoc, arith::CmpIPredicate::sge, index, zero),
                          cmp(b, nestedLoc, arith::CmpIPredicate::sle, index, last)));
                } else if (mode == "reflect") {
                  // Mirror with period 2 * (size - 1), which repeats for pads past the size.
                  Value period = arith::MaxSIOp::create(
                      b, nestedLoc, arith::AddIOp::create(b, nestedLoc, last, last), one);
                  Value folded = arith::RemSIOp::create(
                      b, nestedLoc,
                      arith::AddIOp::create(b, nestedLoc,
                                            arith::RemSIOp::create(b, nestedLoc, index, period),
                                            period),
                      period);
                  index = select(b, nestedLoc,
                                 cmp(b, nestedLoc, arith::CmpIPredicate::sle, folded, last), folded,
                                 arith::SubIOp::create(b, nestedLoc, period, folded));
                }
                // An empty input dim has nothing to read: the pad value fills everything.
                inside = arith::AndIOp::create(
                    b, nestedLoc, inside,
                    cmp(b, nestedLoc, arith::CmpIPredicate::sgt, sizes[dim], zero));
                position.push_back(clamp(b, nestedLoc, index, zero, last));
              }
              Value value =
                  scf::IfOp::create(
                      b, nestedLoc, inside,
                      [&](OpBuilder &then, Location thenLoc) {
                        scf::YieldOp::create(
                            then, thenLoc,
                            tensor::ExtractOp::create(then, thenLoc, input, position).getResult());
                      },
                      [&](OpBuilder &otherwise, Location otherwiseLoc) {
                        scf::YieldOp::create(otherwise, otherwiseLoc, fill);
                      })
                      .getResult(0);
              linalg::YieldOp::create(b, nestedLoc, value);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A reduction over dims chosen at run time: every result element (in the keep-dims shape)
/// loops over the product of the reduced dims, decoding the loop index into a position.
struct DynamicReduceToGeneric : OpRewritePattern<DynamicReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DynamicReduceOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput(), axes = op.getAxes();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    StringRef kind = op.getKind();
    Combine combine = kind == "max"    ? Combine::Max
                      : kind == "min"  ? Combine::Min
                      : kind == "prod" ? Combine::Mul
                                       : Combine::Add;
    int64_t rank = inputType.getRank();
    Value zero = indexConstant(rewriter, loc, 0), one = indexConstant(rewriter, loc, 1);
    Value i1True = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    Value i1False = arith::ConstantIntOp::create(rewriter, loc, 0, 1);

    // Which dims are reduced: a loop over the axes, which may have a run-time length.
    Value length = tensor::DimOp::create(rewriter, loc, axes, 0);
    SmallVector<Value> initialMask(rank, i1False);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, length, one, initialMask,
        [&](OpBuilder &b, Location nestedLoc, Value i, ValueRange mask) {
          Value axis = toIndex(b, nestedLoc, tensor::ExtractOp::create(b, nestedLoc, axes, i));
          axis = select(
              b, nestedLoc, cmp(b, nestedLoc, arith::CmpIPredicate::slt, axis, zero),
              arith::AddIOp::create(b, nestedLoc, axis, indexConstant(b, nestedLoc, rank)), axis);
          SmallVector<Value> next;
          for (int64_t dim = 0; dim < rank; ++dim)
            next.push_back(arith::OrIOp::create(b, nestedLoc, mask[dim],
                                                cmp(b, nestedLoc, arith::CmpIPredicate::eq, axis,
                                                    indexConstant(b, nestedLoc, dim))));
          scf::YieldOp::create(b, nestedLoc, next);
        });
    Value empty = cmp(rewriter, loc, arith::CmpIPredicate::eq, length, zero);
    Value emptyMeans = op.getNoopWithEmptyAxes() ? i1False : i1True;
    SmallVector<Value> mask, sizes, kept;
    Value reducedCount = one;
    for (int64_t dim = 0; dim < rank; ++dim) {
      mask.push_back(select(rewriter, loc, empty, emptyMeans, loop.getResult(dim)));
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
      kept.push_back(select(rewriter, loc, mask[dim], one, sizes[dim]));
      reducedCount = arith::MulIOp::create(rewriter, loc, reducedCount,
                                           select(rewriter, loc, mask[dim], sizes[dim], one));
    }

    SmallVector<int64_t> keptShape(rank, ShapedType::kDynamic);
    auto keptType = RankedTensorType::get(keptShape, element);
    Value identity;
    switch (combine) {
    case Combine::Mul:
      identity = scalarConstant(rewriter, loc, element, 1.0);
      break;
    case Combine::Max:
      identity = lowestValue(rewriter, loc, element);
      break;
    case Combine::Min:
      identity = highestValue(rewriter, loc, element);
      break;
    default:
      identity = scalarConstant(rewriter, loc, element, 0.0);
      break;
    }
    Value init = createInit(rewriter, loc, keptType, kept);
    Value reduced =
        linalg::GenericOp::create(
            rewriter, loc, keptType, ValueRange{}, init, rewriter.getMultiDimIdentityMap(rank),
            parallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange) {
              SmallVector<Value> outer;
              for (int64_t dim = 0; dim < rank; ++dim)
                outer.push_back(linalg::IndexOp::create(b, nestedLoc, dim));
              auto inner = scf::ForOp::create(
                  b, nestedLoc, zero, reducedCount, one, ValueRange{identity},
                  [&](OpBuilder &lb, Location innerLoc, Value k, ValueRange accumulator) {
                    SmallVector<Value> position(rank);
                    Value rest = k;
                    for (int64_t dim = rank - 1; dim >= 0; --dim) {
                      Value divisor = arith::MaxSIOp::create(lb, innerLoc, sizes[dim], one);
                      position[dim] =
                          select(lb, innerLoc, mask[dim],
                                 arith::RemUIOp::create(lb, innerLoc, rest, divisor), outer[dim]);
                      rest = select(lb, innerLoc, mask[dim],
                                    arith::DivUIOp::create(lb, innerLoc, rest, divisor), rest);
                    }
                    Value value = tensor::ExtractOp::create(lb, innerLoc, input, position);
                    scf::YieldOp::create(
                        lb, innerLoc,
                        combineScalars(lb, innerLoc, combine, accumulator.front(), value));
                  });
              Value total = inner.getResult(0);
              if (kind == "mean") {
                Value count = convertScalar(
                    b, nestedLoc,
                    arith::IndexCastOp::create(b, nestedLoc, b.getI64Type(), reducedCount),
                    element);
                total = combineScalars(b, nestedLoc, Combine::Div, total, count);
              }
              linalg::YieldOp::create(b, nestedLoc, total);
            })
            .getResult(0);

    if (op.getKeepDims()) {
      rewriter.replaceOp(op,
                         reduced.getType() == resultType
                             ? reduced
                             : Value(tensor::CastOp::create(rewriter, loc, resultType, reduced)));
      return success();
    }
    // Drop the reduced dims: result dim j is the j-th dim that was not reduced.
    int64_t resultRank = resultType.getRank();
    SmallVector<Value> shape(resultRank, one);
    Value keptDims = zero;
    for (int64_t dim = 0; dim < rank; ++dim) {
      Value isKept = arith::XOrIOp::create(rewriter, loc, mask[dim], i1True);
      for (int64_t j = 0; j < resultRank; ++j)
        shape[j] = select(rewriter, loc,
                          arith::AndIOp::create(rewriter, loc, isKept,
                                                cmp(rewriter, loc, arith::CmpIPredicate::eq,
                                                    keptDims, indexConstant(rewriter, loc, j))),
                          sizes[dim], shape[j]);
      keptDims =
          arith::AddIOp::create(rewriter, loc, keptDims, select(rewriter, loc, isKept, one, zero));
    }
    Value fits = cmp(rewriter, loc, arith::CmpIPredicate::eq, keptDims,
                     indexConstant(rewriter, loc, resultRank));
    checkAtRunTime(rewriter, loc, fits,
                   "llm.dynamic_reduce: the axes do not name " + llvm::Twine(rank - resultRank) +
                       " distinct dims of the rank-" + llvm::Twine(rank) + " input");
    if (resultRank > 0) {
      // Keep the reshape inside the buffer if the check could not stop the call.
      Value elements = one;
      for (Value size : kept)
        elements = arith::MulIOp::create(rewriter, loc, elements, size);
      for (int64_t j = 0; j < resultRank; ++j)
        shape[j] = select(rewriter, loc, fits, shape[j], j == 0 ? elements : one);
    }
    Value shapeTensor = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({resultRank}, rewriter.getIndexType()), shape);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, resultType, reduced, shapeTensor);
    return success();
  }
};

} // namespace

void populateDynamicShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ShapeOfToTensor, DynamicSliceToGeneric, RangeToGeneric, PadToGeneric,
               DynamicReduceToGeneric>(patterns.getContext());
}

} // namespace llmc::llm::lowering
