//===- DataDependentToLinalg.cpp - nonzero, unique, non_max_suppression -----===//
//
// These ops decide their result sizes from the data, so each lowers to scalar loops (scf.for
// over tensors, which bufferize in place): one pass that counts, an allocation of that size,
// and a pass that writes. Every index they read comes from the loops' own bounds, so no input
// makes them read or write outside a tensor.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

Value toI64(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

/// The single element of a one-element tensor.
Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> zeros(type.getRank(), indexConstant(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, zeros);
}

/// `scf.for` from `lower` to `upper` carrying `init`; `body` returns the next values.
ValueRange loop(OpBuilder &b, Location loc, Value lower, Value upper, ValueRange init,
                function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body) {
  return scf::ForOp::create(b, loc, lower, upper, indexConstant(b, loc, 1), init,
                            [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
                              scf::YieldOp::create(nested, nestedLoc,
                                                   body(nested, nestedLoc, iv, args));
                            })
      .getResults();
}

/// `scf.if` yielding `then()` or `otherwise()`, which build values of the same types.
ValueRange ifThenElse(OpBuilder &b, Location loc, Value condition, TypeRange types,
                      function_ref<SmallVector<Value>(OpBuilder &, Location)> then,
                      function_ref<SmallVector<Value>(OpBuilder &, Location)> otherwise) {
  // The result types come from the yields, which build values of `types`.
  (void)types;
  return scf::IfOp::create(
             b, loc, condition,
             [&](OpBuilder &nested, Location nestedLoc) {
               scf::YieldOp::create(nested, nestedLoc, then(nested, nestedLoc));
             },
             [&](OpBuilder &nested, Location nestedLoc) {
               scf::YieldOp::create(nested, nestedLoc, otherwise(nested, nestedLoc));
             })
      .getResults();
}

/// The row-major coordinates of linear position `linear` in a tensor with `sizes`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<Value> sizes) {
  SmallVector<Value> coordinates(sizes.size());
  for (int64_t dim = int64_t(sizes.size()) - 1; dim >= 0; --dim) {
    coordinates[dim] = arith::RemUIOp::create(b, loc, linear, sizes[dim]);
    linear = arith::DivUIOp::create(b, loc, linear, sizes[dim]);
  }
  return coordinates;
}

SmallVector<Value> dimsOf(OpBuilder &b, Location loc, Value tensor) {
  SmallVector<Value> dims;
  for (int64_t dim = 0; dim < cast<RankedTensorType>(tensor.getType()).getRank(); ++dim)
    dims.push_back(tensor::DimOp::create(b, loc, tensor, dim));
  return dims;
}

Value product(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  Value result = indexConstant(b, loc, 1);
  for (Value value : values)
    result = arith::MulIOp::create(b, loc, result, value);
  return result;
}

/// `value != 0` for an integer or float scalar.
Value isNonZero(OpBuilder &b, Location loc, Value value) {
  Value zero = scalarConstant(b, loc, value.getType(), 0.0);
  if (isa<FloatType>(value.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value, zero);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
}

struct NonZeroToLoops : OpRewritePattern<NonZeroOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(NonZeroOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    if (!isPlainNumber(inputType.getElementType()))
      return rewriter.notifyMatchFailure(op, "input is not a plain number tensor");
    OpBuilder &b = rewriter;
    SmallVector<Value> sizes = dimsOf(b, loc, input);
    Value total = product(b, loc, sizes);
    Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
    Value count = loop(
        b, loc, zero, total, {zero}, [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
          Value element = tensor::ExtractOp::create(b, loc, input, delinearize(b, loc, i, sizes));
          Value increment = arith::SelectOp::create(b, loc, isNonZero(b, loc, element), one, zero);
          return SmallVector<Value>{arith::AddIOp::create(b, loc, args[0], increment)};
        })[0];
    auto resultType =
        RankedTensorType::get({inputType.getRank(), ShapedType::kDynamic}, rewriter.getI64Type());
    Value init = createInit(b, loc, resultType, {count});
    Value result = loop(
        b, loc, zero, total, {init, zero},
        [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
          SmallVector<Value> position = delinearize(b, loc, i, sizes);
          Value element = tensor::ExtractOp::create(b, loc, input, position);
          return SmallVector<Value>(ifThenElse(
              b, loc, isNonZero(b, loc, element), args.getTypes(),
              [&](OpBuilder &b, Location loc) {
                Value written = args[0];
                for (auto [dim, coordinate] : llvm::enumerate(position))
                  written = tensor::InsertOp::create(
                      b, loc, toI64(b, loc, coordinate), written,
                      ValueRange{indexConstant(b, loc, int64_t(dim)), args[1]});
                return SmallVector<Value>{written, arith::AddIOp::create(b, loc, args[1], one)};
              },
              [&](OpBuilder &, Location) { return SmallVector<Value>(args); }));
        })[0];
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(rewriter, loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Slices of a tensor along one axis, read element by element: element `m` of slice `i` is at
/// the row-major position `m` of the other dims, with `i` at the axis.
struct AxisSlices {
  Value tensor;
  int64_t axis;
  SmallVector<Value> otherSizes; ///< the sizes of the dims other than `axis`
  Value sliceSize;               ///< their product

  AxisSlices(OpBuilder &b, Location loc, Value tensor, int64_t axis) : tensor(tensor), axis(axis) {
    SmallVector<Value> sizes = dimsOf(b, loc, tensor);
    for (auto [dim, size] : llvm::enumerate(sizes))
      if (int64_t(dim) != axis)
        otherSizes.push_back(size);
    sliceSize = product(b, loc, otherSizes);
  }

  SmallVector<Value> position(OpBuilder &b, Location loc, Value slice, Value m) const {
    SmallVector<Value> position = delinearize(b, loc, m, otherSizes);
    position.insert(position.begin() + axis, slice);
    return position;
  }

  Value read(OpBuilder &b, Location loc, Value slice, Value m) const {
    return tensor::ExtractOp::create(b, loc, tensor, position(b, loc, slice, m));
  }

  /// -1, 0 or 1 (i64) as slice `i` orders before, equal to or after slice `j`,
  /// lexicographically.
  Value compare(OpBuilder &b, Location loc, Value i, Value j) const {
    Value zero = i64Constant(b, loc, 0);
    return loop(b, loc, indexConstant(b, loc, 0), sliceSize, {zero},
                [&](OpBuilder &b, Location loc, Value m, ValueRange args) {
                  Value decided =
                      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, args[0], zero);
                  return SmallVector<Value>(ifThenElse(
                      b, loc, decided, args.getTypes(),
                      [&](OpBuilder &, Location) { return SmallVector<Value>(args); },
                      [&](OpBuilder &b, Location loc) {
                        Value x = read(b, loc, i, m), y = read(b, loc, j, m);
                        Value less, greater;
                        if (isa<FloatType>(x.getType())) {
                          less = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
                          greater = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
                        } else if (x.getType().isInteger(1)) {
                          less = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
                          greater = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, x, y);
                        } else {
                          less = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
                          greater = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, y);
                        }
                        Value order = arith::SelectOp::create(
                            b, loc, less, i64Constant(b, loc, -1),
                            arith::SelectOp::create(b, loc, greater, i64Constant(b, loc, 1), zero));
                        return SmallVector<Value>{order};
                      }));
                })[0];
  }
};

struct UniqueToLoops : OpRewritePattern<UniqueOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(UniqueOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    if (!isPlainNumber(inputType.getElementType()))
      return rewriter.notifyMatchFailure(op, "input is not a plain number tensor");
    OpBuilder &b = rewriter;
    int64_t axis = op.getAxis();
    AxisSlices slices(b, loc, input, axis);
    Value n = tensor::DimOp::create(b, loc, input, axis);
    Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
    Value zero64 = i64Constant(b, loc, 0), one64 = i64Constant(b, loc, 1);
    auto vectorType = RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type());
    auto equalTo = [&](OpBuilder &b, Location loc, Value order, int64_t value) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, order,
                                   i64Constant(b, loc, value));
    };

    // first[i]: the first slice equal to slice i.
    Value first = loop(
        b, loc, zero, n, {createInit(b, loc, vectorType, {n})},
        [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
          Value found = loop(
              b, loc, zero, i, {i}, [&](OpBuilder &b, Location loc, Value j, ValueRange inner) {
                Value searching =
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, inner[0], i);
                return SmallVector<Value>(ifThenElse(
                    b, loc, searching, inner.getTypes(),
                    [&](OpBuilder &b, Location loc) {
                      Value same = equalTo(b, loc, slices.compare(b, loc, j, i), 0);
                      return SmallVector<Value>{arith::SelectOp::create(b, loc, same, j, inner[0])};
                    },
                    [&](OpBuilder &, Location) { return SmallVector<Value>(inner); }));
              })[0];
          return SmallVector<Value>{
              tensor::InsertOp::create(b, loc, toI64(b, loc, found), args[0], ValueRange{i})};
        })[0];
    auto isFirst = [&](OpBuilder &b, Location loc, Value i) {
      Value firstOf = tensor::ExtractOp::create(b, loc, first, ValueRange{i});
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, firstOf, toI64(b, loc, i));
    };
    Value count =
        loop(b, loc, zero, n, {zero}, [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
          Value increment = arith::SelectOp::create(b, loc, isFirst(b, loc, i), one, zero);
          return SmallVector<Value>{arith::AddIOp::create(b, loc, args[0], increment)};
        })[0];

    // position[i], for a first occurrence: where its slice goes among the distinct ones, by
    // value when sorted, by first occurrence otherwise.
    bool sorted = op.getSorted();
    Value position = loop(
        b, loc, zero, n, {createInit(b, loc, vectorType, {n}, zero64)},
        [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
          Value rank =
              loop(b, loc, zero, n, {zero64},
                   [&](OpBuilder &b, Location loc, Value j, ValueRange inner) {
                     Value before;
                     if (sorted) {
                       before = ifThenElse(
                           b, loc, isFirst(b, loc, j), {b.getI1Type()},
                           [&](OpBuilder &b, Location loc) {
                             return SmallVector<Value>{
                                 equalTo(b, loc, slices.compare(b, loc, j, i), -1)};
                           },
                           [&](OpBuilder &b, Location loc) {
                             return SmallVector<Value>{arith::ConstantIntOp::create(b, loc, 0, 1)};
                           })[0];
                     } else {
                       before = arith::AndIOp::create(
                           b, loc, isFirst(b, loc, j),
                           arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, j, i));
                     }
                     Value increment = arith::SelectOp::create(b, loc, before, one64, zero64);
                     return SmallVector<Value>{arith::AddIOp::create(b, loc, inner[0], increment)};
                   })[0];
          return SmallVector<Value>{tensor::InsertOp::create(b, loc, rank, args[0], ValueRange{i})};
        })[0];

    // The four results in one pass over the slices.
    SmallVector<int64_t> valuesShape(inputType.getShape());
    valuesShape[axis] = ShapedType::kDynamic;
    auto valuesType = RankedTensorType::get(valuesShape, inputType.getElementType());
    SmallVector<Value> valuesSizes;
    for (int64_t dim = 0; dim < inputType.getRank(); ++dim)
      if (dim == axis)
        valuesSizes.push_back(count);
      else if (inputType.isDynamicDim(dim))
        valuesSizes.push_back(tensor::DimOp::create(b, loc, input, dim));
    auto inverseType = RankedTensorType::get({inputType.getDimSize(axis)}, b.getI64Type());
    SmallVector<Value> inverseSizes;
    if (inputType.isDynamicDim(axis))
      inverseSizes.push_back(n);
    SmallVector<Value> init = {createInit(b, loc, valuesType, valuesSizes),
                               createInit(b, loc, vectorType, {count}),
                               createInit(b, loc, inverseType, inverseSizes),
                               createInit(b, loc, vectorType, {count}, zero64)};
    ValueRange results =
        loop(b, loc, zero, n, init, [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
          Value firstOf = toIndex(b, loc, tensor::ExtractOp::create(b, loc, first, ValueRange{i}));
          Value target =
              toIndex(b, loc, tensor::ExtractOp::create(b, loc, position, ValueRange{firstOf}));
          Value inverse =
              tensor::InsertOp::create(b, loc, toI64(b, loc, target), args[2], ValueRange{i});
          Value seen = tensor::ExtractOp::create(b, loc, args[3], ValueRange{target});
          Value counts = tensor::InsertOp::create(
              b, loc, arith::AddIOp::create(b, loc, seen, one64), args[3], ValueRange{target});
          ValueRange written = ifThenElse(
              b, loc, isFirst(b, loc, i), {args[0].getType(), args[1].getType()},
              [&](OpBuilder &b, Location loc) {
                Value values =
                    loop(b, loc, zero, slices.sliceSize, {args[0]},
                         [&](OpBuilder &b, Location loc, Value m, ValueRange inner) {
                           Value element = slices.read(b, loc, i, m);
                           return SmallVector<Value>{tensor::InsertOp::create(
                               b, loc, element, inner[0], slices.position(b, loc, target, m))};
                         })[0];
                Value indices =
                    tensor::InsertOp::create(b, loc, toI64(b, loc, i), args[1], ValueRange{target});
                return SmallVector<Value>{values, indices};
              },
              [&](OpBuilder &, Location) {
                return SmallVector<Value>{args[0], args[1]};
              });
          return SmallVector<Value>{written[0], written[1], inverse, counts};
        });
    SmallVector<Value> replacements;
    for (auto [value, type] : llvm::zip(results, op.getResultTypes()))
      replacements.push_back(value.getType() == type
                                 ? value
                                 : Value(tensor::CastOp::create(rewriter, loc, type, value)));
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

struct NonMaxSuppressionToLoops : OpRewritePattern<NonMaxSuppressionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(NonMaxSuppressionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value boxes = op.getBoxes(), scores = op.getScores();
    auto floatType = dyn_cast<FloatType>(cast<RankedTensorType>(boxes.getType()).getElementType());
    if (!floatType)
      return rewriter.notifyMatchFailure(op, "boxes are not floats");
    OpBuilder &b = rewriter;
    bool centerPoint = op.getCenterPointBox();
    Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
    Value batches = tensor::DimOp::create(b, loc, scores, 0);
    Value classes = tensor::DimOp::create(b, loc, scores, 1);
    Value count = tensor::DimOp::create(b, loc, scores, 2);
    // The box dim of `boxes` may disagree with `scores` at run time: read only boxes both have.
    count = arith::MinUIOp::create(b, loc, count, tensor::DimOp::create(b, loc, boxes, 1));
    batches = arith::MinUIOp::create(b, loc, batches, tensor::DimOp::create(b, loc, boxes, 0));
    Value limit = toIndex(b, loc, extractScalar(b, loc, op.getMaxOutputBoxesPerClass()));
    limit = arith::MaxSIOp::create(b, loc, limit, zero);
    Value iouThreshold = extractScalar(b, loc, op.getIouThreshold());
    Value scoreThreshold = extractScalar(b, loc, op.getScoreThreshold());
    Value fzero = scalarConstant(b, loc, floatType, 0.0);
    Value half = scalarConstant(b, loc, floatType, 0.5);

    // The corners (ymin, xmin, ymax, xmax) of box `i` of batch `batch`.
    auto corners = [&](OpBuilder &b, Location loc, Value batch, Value i) {
      SmallVector<Value> c;
      for (int64_t k = 0; k < 4; ++k)
        c.push_back(tensor::ExtractOp::create(b, loc, boxes,
                                              ValueRange{batch, i, indexConstant(b, loc, k)}));
      if (centerPoint) {
        // [x_center, y_center, width, height].
        Value halfWidth = arith::MulFOp::create(b, loc, c[2], half);
        Value halfHeight = arith::MulFOp::create(b, loc, c[3], half);
        return SmallVector<Value>{arith::SubFOp::create(b, loc, c[1], halfHeight),
                                  arith::SubFOp::create(b, loc, c[0], halfWidth),
                                  arith::AddFOp::create(b, loc, c[1], halfHeight),
                                  arith::AddFOp::create(b, loc, c[0], halfWidth)};
      }
      return SmallVector<Value>{arith::MinimumFOp::create(b, loc, c[0], c[2]),
                                arith::MinimumFOp::create(b, loc, c[1], c[3]),
                                arith::MaximumFOp::create(b, loc, c[0], c[2]),
                                arith::MaximumFOp::create(b, loc, c[1], c[3])};
    };
    // Whether boxes `i` and `j` overlap by more than the threshold.
    auto overlaps = [&](OpBuilder &b, Location loc, Value batch, Value i, Value j) {
      SmallVector<Value> p = corners(b, loc, batch, i), q = corners(b, loc, batch, j);
      auto extent = [&](Value low0, Value high0, Value low1, Value high1) {
        Value size = arith::SubFOp::create(b, loc, arith::MinimumFOp::create(b, loc, high0, high1),
                                           arith::MaximumFOp::create(b, loc, low0, low1));
        return arith::MaximumFOp::create(b, loc, size, fzero);
      };
      Value intersection = arith::MulFOp::create(b, loc, extent(p[0], p[2], q[0], q[2]),
                                                 extent(p[1], p[3], q[1], q[3]));
      auto area = [&](ArrayRef<Value> c) {
        return arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, c[2], c[0]),
                                     arith::SubFOp::create(b, loc, c[3], c[1]));
      };
      Value unionArea = arith::SubFOp::create(
          b, loc, arith::AddFOp::create(b, loc, area(p), area(q)), intersection);
      Value positive = arith::AndIOp::create(
          b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, intersection, fzero),
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, unionArea, fzero));
      Value iou = arith::DivFOp::create(b, loc, intersection, unionArea);
      return arith::AndIOp::create(
          b, loc, positive,
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, iou, iouThreshold));
    };

    // Selected rows go to a buffer with room for every box of every class, then the used rows
    // are copied out.
    Value capacity = product(b, loc, {batches, classes, count});
    auto bufferType = RankedTensorType::get({ShapedType::kDynamic, 3}, b.getI64Type());
    Value buffer = createInit(b, loc, bufferType, {capacity}, i64Constant(b, loc, 0));
    auto maskType = RankedTensorType::get({ShapedType::kDynamic}, b.getI1Type());
    Value falseValue = arith::ConstantIntOp::create(b, loc, 0, 1);
    Value trueValue = arith::ConstantIntOp::create(b, loc, 1, 1);
    ValueRange selected = loop(
        b, loc, zero, batches, {buffer, zero},
        [&](OpBuilder &b, Location loc, Value batch, ValueRange perBatch) {
          return SmallVector<Value>(loop(
              b, loc, zero, classes, perBatch,
              [&](OpBuilder &b, Location loc, Value cls, ValueRange perClass) {
                Value classStart = perClass[1];
                Value visited = createInit(b, loc, maskType, {count}, falseValue);
                // One step per box: pick the best unvisited box above the score threshold.
                ValueRange state = loop(
                    b, loc, zero, count, {perClass[0], perClass[1], visited, zero},
                    [&](OpBuilder &b, Location loc, Value, ValueRange args) {
                      Value lowest = lowestValue(b, loc, floatType);
                      ValueRange best =
                          loop(b, loc, zero, count, {zero, lowest, falseValue},
                               [&](OpBuilder &b, Location loc, Value k, ValueRange candidate) {
                                 Value score = tensor::ExtractOp::create(b, loc, scores,
                                                                         ValueRange{batch, cls, k});
                                 Value done =
                                     tensor::ExtractOp::create(b, loc, args[2], ValueRange{k});
                                 Value eligible = arith::AndIOp::create(
                                     b, loc, arith::XOrIOp::create(b, loc, done, trueValue),
                                     arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, score,
                                                           scoreThreshold));
                                 Value better = arith::OrIOp::create(
                                     b, loc, arith::XOrIOp::create(b, loc, candidate[2], trueValue),
                                     arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, score,
                                                           candidate[1]));
                                 Value take = arith::AndIOp::create(b, loc, eligible, better);
                                 return SmallVector<Value>{
                                     arith::SelectOp::create(b, loc, take, k, candidate[0]),
                                     arith::SelectOp::create(b, loc, take, score, candidate[1]),
                                     arith::OrIOp::create(b, loc, take, candidate[2])};
                               });
                      Value room =
                          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, args[3], limit);
                      Value active = arith::AndIOp::create(b, loc, best[2], room);
                      return SmallVector<Value>(ifThenElse(
                          b, loc, active, args.getTypes(),
                          [&](OpBuilder &b, Location loc) {
                            Value visited = tensor::InsertOp::create(b, loc, trueValue, args[2],
                                                                     ValueRange{best[0]});
                            Value suppressed = loop(
                                b, loc, classStart, args[1], {falseValue},
                                [&](OpBuilder &b, Location loc, Value row, ValueRange inner) {
                                  Value other =
                                      toIndex(b, loc,
                                              tensor::ExtractOp::create(
                                                  b, loc, args[0],
                                                  ValueRange{row, indexConstant(b, loc, 2)}));
                                  return SmallVector<Value>{arith::OrIOp::create(
                                      b, loc, inner[0], overlaps(b, loc, batch, best[0], other))};
                                })[0];
                            ValueRange kept = ifThenElse(
                                b, loc, suppressed,
                                {args[0].getType(), b.getIndexType(), b.getIndexType()},
                                [&](OpBuilder &, Location) {
                                  return SmallVector<Value>{args[0], args[1], args[3]};
                                },
                                [&](OpBuilder &b, Location loc) {
                                  Value rows = args[0];
                                  Value fields[] = {batch, cls, best[0]};
                                  for (int64_t k = 0; k < 3; ++k)
                                    rows = tensor::InsertOp::create(
                                        b, loc, toI64(b, loc, fields[k]), rows,
                                        ValueRange{args[1], indexConstant(b, loc, k)});
                                  return SmallVector<Value>{
                                      rows, arith::AddIOp::create(b, loc, args[1], one),
                                      arith::AddIOp::create(b, loc, args[3], one)};
                                });
                            return SmallVector<Value>{kept[0], kept[1], visited, kept[2]};
                          },
                          [&](OpBuilder &, Location) { return SmallVector<Value>(args); }));
                    });
                return SmallVector<Value>{state[0], state[1]};
              }));
        });
    // Copy the used rows into a tensor of their own size.
    Value used = tensor::ExtractSliceOp::create(
        b, loc, selected[0], ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{selected[1], b.getIndexAttr(3)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    Value result =
        linalg::CopyOp::create(b, loc, used, createInit(b, loc, bufferType, {selected[1]}))
            .getResult(0);
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(rewriter, loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDataDependentPatterns(RewritePatternSet &patterns) {
  patterns.add<NonZeroToLoops, UniqueToLoops, NonMaxSuppressionToLoops>(patterns.getContext());
}

} // namespace llmc::llm::lowering
