//===- Shape.cpp - ONNX shape and data-movement ops -------------------------===//
#include "frontends/onnx/Importer.h"
#include "frontends/onnx/ops/RunTimeShapes.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// Reshape: a constant shape resolves at compile time (0 copies a dim, -1 is derived); a
/// shape computed at run time becomes llm.reshape with a shape operand.
LogicalResult reshape(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  RankedTensorType shapeType = node.inputType(1);
  bool allowZero = node.intAttr("allowzero", 0) != 0;
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0) ||
      !isa<IntegerType>(shapeType.getElementType())) {
    node.error() << "the shape input must be a 1-D integer tensor of static length, got "
                 << shapeType;
    return failure();
  }
  std::optional<std::vector<int64_t>> shape = node.constantInts(1);
  auto atRunTime = [&]() -> LogicalResult {
    FailureOr<Value> result = runTimeReshape(node, node.input(0), node.input(1), allowZero);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  };
  if (!shape)
    return atRunTime();
  SmallVector<int64_t> target;
  int derived = -1;
  for (auto [index, size] : llvm::enumerate(*shape)) {
    if (size == 0 && !allowZero) {
      if (int64_t(index) >= type.getRank()) {
        node.error() << "shape entry " << index << " is 0 (copy), but the input has rank "
                     << type.getRank();
        return failure();
      }
      target.push_back(type.getDimSize(index));
    } else if (size == -1) {
      if (derived >= 0) {
        node.error() << "the shape has more than one -1";
        return failure();
      }
      derived = int(index);
      target.push_back(ShapedType::kDynamic);
    } else if (size < 0) {
      node.error() << "shape entry " << index << " is " << size;
      return failure();
    } else {
      target.push_back(size);
    }
  }
  int64_t count = llm::shapes::numElements(type.getShape());
  if (derived >= 0 && count != ShapedType::kDynamic) {
    SmallVector<int64_t> known;
    for (int64_t size : target)
      if (!ShapedType::isDynamic(size))
        known.push_back(size);
    int64_t knownCount = llm::shapes::numElements(known);
    if (knownCount == 0 || knownCount == ShapedType::kDynamic || count % knownCount != 0) {
      node.error() << "cannot reshape " << llm::shapes::formatShape(type.getShape()) << " into "
                   << llm::shapes::formatShape(*shape);
      return failure();
    }
    target[derived] = count / knownCount;
  }
  // More than one dim unknown at import: 0 and -1 resolve at run time.
  if (llvm::count_if(target, ShapedType::isDynamic) > 1)
    return atRunTime();
  FailureOr<Value> result = node.reshape(node.input(0), target);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult flatten(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = node.intAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank) {
    node.error() << "axis " << node.intAttr("axis", 1) << " is out of range for rank " << rank;
    return failure();
  }
  int64_t outer = llm::shapes::numElements(type.getShape().take_front(axis));
  int64_t inner = llm::shapes::numElements(type.getShape().drop_front(axis));
  if (ShapedType::isDynamic(outer) && ShapedType::isDynamic(inner)) {
    // Both halves known only at run time: [prod(shape[:axis]), prod(shape[axis:])].
    FailureOr<Value> shape = shapeOf(node, node.input(0));
    if (failed(shape))
      return failure();
    SmallVector<Value> halves;
    for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, axis}, {axis, rank}}) {
      FailureOr<Value> part = node.create<llm::SliceOp>(
          *shape, node.builder.getDenseI64ArrayAttr({begin}),
          node.builder.getDenseI64ArrayAttr({end}), node.builder.getDenseI64ArrayAttr({1}));
      if (failed(part))
        return failure();
      FailureOr<Value> product = node.create<llm::ReduceProdOp>(
          *part, node.builder.getDenseI64ArrayAttr({0}), node.builder.getBoolAttr(true));
      if (failed(product))
        return failure();
      halves.push_back(*product);
    }
    FailureOr<Value> target =
        node.create<llm::ConcatOp>(ValueRange(halves), node.builder.getI64IntegerAttr(0));
    if (failed(target))
      return failure();
    node.setOutput(
        0, llm::ReshapeOp::create(node.builder, node.loc,
                                  RankedTensorType::get({outer, inner}, type.getElementType()),
                                  node.input(0), *target, /*allow_zero=*/true));
    return success();
  }
  FailureOr<Value> result = node.reshape(node.input(0), {outer, inner});
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult transpose(NodeContext &node) {
  int64_t rank = node.inputType(0).getRank();
  std::vector<int64_t> permutation;
  if (std::optional<std::vector<int64_t>> perm = node.intsAttr("perm"))
    permutation = *perm;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      permutation.push_back(d);
  FailureOr<Value> result =
      node.create<llm::TransposeOp>(node.input(0), node.builder.getDenseI64ArrayAttr(permutation));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult concat(NodeContext &node) {
  std::optional<int64_t> axis = node.intAttr("axis");
  if (!axis) {
    node.error() << "the 'axis' attribute is required";
    return failure();
  }
  SmallVector<Value> inputs;
  for (int i = 0; i < node.numInputs(); ++i)
    if (node.hasInput(i))
      inputs.push_back(node.input(i));
  FailureOr<int64_t> normalized = node.normalizeAxis(*axis, node.inputType(0).getRank());
  if (failed(normalized))
    return failure();
  FailureOr<Value> result =
      node.create<llm::ConcatOp>(ValueRange(inputs), node.builder.getI64IntegerAttr(*normalized));
  if (failed(result))
    return failure();
  node.setOutput(0, foldKnownEntries(node, *result));
  return success();
}

LogicalResult gather(NodeContext &node) {
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", 0), node.inputType(0).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> result = node.create<llm::GatherOp>(node.input(0), node.input(1),
                                                       node.builder.getI64IntegerAttr(*axis));
  if (failed(result))
    return failure();
  node.setOutput(0, foldKnownEntries(node, *result));
  return success();
}

/// Builds a chain of llm ops whose operands fit by construction: the first failure (already
/// reported by `create`) is kept, and later steps return null without building anything.
struct Chain {
  NodeContext &node;
  bool failed = false;

  template <typename OpTy, typename... Args> Value make(Args &&...args) {
    if (failed)
      return {};
    FailureOr<Value> value = node.create<OpTy>(std::forward<Args>(args)...);
    failed = mlir::failed(value);
    return failed ? Value() : *value;
  }
  Value reshape(Value value, ArrayRef<int64_t> shape) {
    if (failed)
      return {};
    FailureOr<Value> result = node.reshape(value, shape);
    failed = mlir::failed(result);
    return failed ? Value() : *result;
  }
  Value toI64(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    return llm::CastOp::create(node.builder, node.loc, type.clone(node.builder.getI64Type()),
                               value);
  }
  Value reduceSum(Value value, int64_t axis) {
    return make<llm::ReduceSumOp>(value, node.builder.getDenseI64ArrayAttr({axis}),
                                  node.builder.getBoolAttr(false));
  }
  Value reduceMax(Value value, int64_t axis) {
    return make<llm::ReduceMaxOp>(value, node.builder.getDenseI64ArrayAttr({axis}),
                                  node.builder.getBoolAttr(false));
  }
  Value i64(int64_t value) { return node.scalar(double(value), node.builder.getI64Type()); }
  /// [0, count) as i64, shaped `shape`.
  Value iota(int64_t count, ArrayRef<int64_t> shape) {
    SmallVector<int64_t> values = llvm::to_vector(llvm::seq<int64_t>(0, count));
    return node.constant(DenseElementsAttr::get(
        RankedTensorType::get(shape, node.builder.getI64Type()), ArrayRef<int64_t>(values)));
  }
};

/// Axes known at run time, normalized for `rank` and shaped [K, 1].
Value axesColumn(Chain &chain, Value axes, int64_t rank) {
  Value negative = chain.make<llm::LessOp>(axes, chain.i64(0));
  Value shifted = chain.make<llm::AddOp>(axes, chain.i64(rank));
  Value normalized = chain.make<llm::SelectOp>(negative, shifted, axes);
  return chain.reshape(normalized, {cast<RankedTensorType>(axes.getType()).getDimSize(0), 1});
}

/// The axes input of Squeeze/Unsqueeze (opset 13 and later) as an i64 vector of static length,
/// when its values are known only at run time.
FailureOr<Value> runTimeAxes(NodeContext &node) {
  RankedTensorType type = node.inputType(1);
  if (type.getRank() != 1 || type.isDynamicDim(0)) {
    node.error() << "axes computed at run time must be a 1-D tensor of static length, got " << type;
    return failure();
  }
  return toI64(node, node.input(1), "axes");
}

/// Squeeze with axes known only at run time: result dim j is the (j+1)-th input dim that is not
/// listed, found by counting the kept dims up to each position.
LogicalResult squeezeAtRunTime(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<Value> axes = runTimeAxes(node);
  if (failed(axes))
    return failure();
  int64_t count = cast<RankedTensorType>(axes->getType()).getDimSize(0);
  if (count > rank) {
    node.error() << "cannot squeeze " << count << " axes of a rank-" << rank << " input";
    return failure();
  }
  int64_t resultRank = rank - count;
  Chain chain{node};
  Value listed =
      chain.make<llm::EqualOp>(axesColumn(chain, *axes, rank), chain.iota(rank, {1, rank}));
  Value squeezed = chain.reduceMax(chain.failed ? Value() : chain.toI64(listed), 0);
  Value kept = chain.make<llm::SubOp>(chain.i64(1), squeezed);
  // prefix[i] = number of kept dims at positions <= i.
  SmallVector<int64_t> lower;
  for (int64_t i = 0; i < rank; ++i)
    for (int64_t j = 0; j < rank; ++j)
      lower.push_back(j <= i ? 1 : 0);
  Value triangle = node.constant(DenseElementsAttr::get(
      RankedTensorType::get({rank, rank}, node.builder.getI64Type()), ArrayRef<int64_t>(lower)));
  Value prefix =
      chain.reduceSum(chain.make<llm::MulOp>(triangle, chain.reshape(kept, {1, rank})), 1);
  Value target = i64Vector(node, {});
  if (resultRank > 0) {
    Value before = chain.make<llm::LessEqualOp>(chain.reshape(prefix, {1, rank}),
                                                chain.iota(resultRank, {resultRank, 1}));
    Value source = chain.reduceSum(chain.failed ? Value() : chain.toI64(before), 1);
    source = chain.make<llm::MinOp>(source, chain.i64(rank - 1));
    FailureOr<Value> shape = shapeOf(node, node.input(0));
    if (failed(shape))
      return failure();
    target = chain.make<llm::GatherOp>(*shape, source, node.builder.getI64IntegerAttr(0));
  }
  if (chain.failed)
    return failure();
  SmallVector<int64_t> dims(resultRank, ShapedType::kDynamic);
  node.setOutput(0, llm::ReshapeOp::create(node.builder, node.loc,
                                           RankedTensorType::get(dims, type.getElementType()),
                                           node.input(0), target, /*allow_zero=*/true));
  return success();
}

/// Unsqueeze with axes known only at run time: result dim j is 1 where listed, else input dim
/// j minus the number of listed axes below j.
LogicalResult unsqueezeAtRunTime(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  FailureOr<Value> axes = runTimeAxes(node);
  if (failed(axes))
    return failure();
  int64_t rank = type.getRank() + cast<RankedTensorType>(axes->getType()).getDimSize(0);
  Chain chain{node};
  Value column = axesColumn(chain, *axes, rank);
  Value positions = chain.iota(rank, {1, rank});
  Value listed = chain.make<llm::EqualOp>(column, positions);
  Value inserted = chain.reduceMax(chain.failed ? Value() : chain.toI64(listed), 0);
  Value below = chain.make<llm::LessOp>(column, positions);
  Value before = chain.reduceSum(chain.failed ? Value() : chain.toI64(below), 0);
  Value source = chain.make<llm::SubOp>(chain.iota(rank, {rank}), before);
  source = chain.make<llm::MaxOp>(chain.make<llm::MinOp>(source, chain.i64(type.getRank())),
                                  chain.i64(0));
  FailureOr<Value> shape = shapeOf(node, node.input(0));
  if (failed(shape))
    return failure();
  Value extended = chain.make<llm::ConcatOp>(ValueRange{*shape, i64Vector(node, {1})},
                                             node.builder.getI64IntegerAttr(0));
  Value dims = chain.make<llm::GatherOp>(extended, source, node.builder.getI64IntegerAttr(0));
  Value isInserted = chain.make<llm::EqualOp>(inserted, chain.i64(1));
  Value target = chain.make<llm::SelectOp>(isInserted, chain.i64(1), dims);
  if (chain.failed)
    return failure();
  SmallVector<int64_t> resultDims(rank, ShapedType::kDynamic);
  node.setOutput(0, llm::ReshapeOp::create(node.builder, node.loc,
                                           RankedTensorType::get(resultDims, type.getElementType()),
                                           node.input(0), target, /*allow_zero=*/true));
  return success();
}

/// The axes of Squeeze/Unsqueeze: an attribute before opset 13, an input since. `runTime` is
/// set when the input's values are known only at run time.
std::optional<std::vector<int64_t>> axesOf(NodeContext &node, bool &runTime) {
  runTime = false;
  if (node.opset < 13)
    return node.intsAttr("axes");
  if (!node.hasInput(1))
    return std::nullopt;
  std::optional<std::vector<int64_t>> axes = node.constantInts(1);
  RankedTensorType type = node.inputType(1);
  // A run-time input of static length 0 lists no axes.
  if (!axes && type.getRank() == 1 && type.getDimSize(0) == 0)
    return std::nullopt;
  runTime = !axes;
  return axes;
}

LogicalResult squeeze(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  bool runTime = false;
  std::optional<std::vector<int64_t>> axes = axesOf(node, runTime);
  if (runTime)
    return squeezeAtRunTime(node);
  SmallVector<int64_t> sources;
  SmallVector<bool> listed(type.getRank(), false);
  if (axes)
    for (int64_t axis : *axes) {
      FailureOr<int64_t> normalized = node.normalizeAxis(axis, type.getRank());
      if (failed(normalized))
        return failure();
      listed[*normalized] = true;
    }
  for (int64_t d = 0; d < type.getRank(); ++d) {
    // Without axes, a dim of unknown size is taken not to be 1: the rank must be static.
    if ((axes && listed[d]) || (!axes && type.getDimSize(d) == 1)) {
      if (type.getDimSize(d) != 1 && !type.isDynamicDim(d)) {
        node.error() << "cannot squeeze dim " << d << " of size " << type.getDimSize(d);
        return failure();
      }
      continue;
    }
    sources.push_back(d);
  }
  FailureOr<Value> result = reshapeToSourceDims(node, node.input(0), sources);
  if (failed(result))
    return failure();
  node.setOutput(0, foldKnownEntries(node, *result));
  return success();
}

LogicalResult unsqueeze(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  bool runTime = false;
  std::optional<std::vector<int64_t>> axes = axesOf(node, runTime);
  if (runTime)
    return unsqueezeAtRunTime(node);
  if (!axes) {
    node.error() << "axes are required";
    return failure();
  }
  int64_t rank = type.getRank() + int64_t(axes->size());
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    FailureOr<int64_t> normalized = node.normalizeAxis(axis, rank);
    if (failed(normalized))
      return failure();
    if (inserted[*normalized]) {
      node.error() << "axis " << axis << " is listed twice";
      return failure();
    }
    inserted[*normalized] = true;
  }
  SmallVector<int64_t> sources;
  int64_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back(inserted[d] ? kUnitDim : next++);
  FailureOr<Value> result = reshapeToSourceDims(node, node.input(0), sources);
  if (failed(result))
    return failure();
  node.setOutput(0, foldKnownEntries(node, *result));
  return success();
}

LogicalResult constant(NodeContext &node) {
  OpBuilder &b = node.builder;
  const onnx::AttributeProto *attribute = nullptr;
  for (const onnx::AttributeProto &a : node.node.attribute())
    attribute = &a;
  if (!attribute || node.node.attribute_size() != 1) {
    node.error() << "expected exactly one value attribute";
    return failure();
  }
  DenseElementsAttr value;
  const std::string &name = attribute->name();
  if (name == "value") {
    std::string error;
    FailureOr<DenseElementsAttr> tensor = tensorValue(attribute->t(), "", b, error);
    if (failed(tensor)) {
      node.error() << error;
      return failure();
    }
    value = *tensor;
  } else if (name == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()), attribute->f());
  } else if (name == "value_int") {
    value =
        DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()), int64_t(attribute->i()));
  } else if (name == "value_floats") {
    SmallVector<float> values(attribute->floats().begin(), attribute->floats().end());
    value = DenseElementsAttr::get(RankedTensorType::get({int64_t(values.size())}, b.getF32Type()),
                                   ArrayRef<float>(values));
  } else if (name == "value_ints") {
    SmallVector<int64_t> values(attribute->ints().begin(), attribute->ints().end());
    value = DenseElementsAttr::get(RankedTensorType::get({int64_t(values.size())}, b.getI64Type()),
                                   ArrayRef<int64_t>(values));
  } else {
    node.error() << "constant attribute '" << name << "' is not supported";
    return failure();
  }
  node.setOutput(0, node.constant(value));
  return success();
}

/// Shape of a statically shaped tensor, as an i64 constant.
LogicalResult shapeOf(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  int64_t start = node.intAttr("start", 0), end = node.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  end = std::max(start, end);
  // llm.shape_of is a constant when the dims are static; its slices fold with it.
  FailureOr<Value> shape = llmc::onnx_frontend::shapeOf(node, node.input(0));
  if (failed(shape))
    return failure();
  Value result = *shape;
  if (start != 0 || end != rank) {
    FailureOr<Value> part = node.create<llm::SliceOp>(
        result, node.builder.getDenseI64ArrayAttr({start}),
        node.builder.getDenseI64ArrayAttr({end}), node.builder.getDenseI64ArrayAttr({1}));
    if (failed(part))
      return failure();
    result = *part;
  }
  node.setOutput(0, foldKnownEntries(node, result));
  return success();
}

/// Normalizes one ONNX slice range for a dim of `size`, as the ONNX spec clamps it.
void normalizeRange(int64_t size, int64_t step, int64_t &start, int64_t &end) {
  auto wrap = [&](int64_t value, int64_t low, int64_t high) {
    if (value < 0)
      value = value < -size ? low : value + size;
    return std::clamp(value, low, high);
  };
  if (step > 0) {
    start = wrap(start, 0, size);
    end = wrap(end, 0, size);
    end = std::max(end, start);
  } else {
    start = wrap(start, -1, size - 1);
    end = wrap(end, -1, size - 1);
    end = std::min(end, start);
  }
}

FailureOr<Value> sliceOf(NodeContext &node, Value input, ArrayRef<int64_t> axes,
                         ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                         ArrayRef<int64_t> steps) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> allStarts(rank, 0), allEnds(type.getShape()), allSteps(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = node.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis]) {
      node.error() << "axis " << axes[i] << " is sliced twice";
      return failure();
    }
    seen[*axis] = true;
    if (steps[i] == 0) {
      node.error() << "step of axis " << axes[i] << " is 0";
      return failure();
    }
  }
  // A dim of unknown size: the bounds are normalized at run time.
  if (!type.hasStaticShape())
    return dynamicSlice(node, input, i64Vector(node, starts), i64Vector(node, ends),
                        i64Vector(node, axes), i64Vector(node, steps));
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    int64_t size = type.getDimSize(axis);
    int64_t start = starts[i], end = ends[i];
    normalizeRange(size, steps[i], start, end);
    allStarts[axis] = start;
    allEnds[axis] = end;
    allSteps[axis] = steps[i];
  }
  OpBuilder &b = node.builder;
  return node.create<llm::SliceOp>(input, b.getDenseI64ArrayAttr(allStarts),
                                   b.getDenseI64ArrayAttr(allEnds),
                                   b.getDenseI64ArrayAttr(allSteps));
}

/// Slice with bounds, axes or steps known only at run time.
LogicalResult sliceAtRunTime(NodeContext &node) {
  RankedTensorType startsType = node.inputType(1);
  if (startsType.getRank() != 1 || startsType.isDynamicDim(0)) {
    node.error() << "starts must be a 1-D tensor of static length, got " << startsType;
    return failure();
  }
  int64_t count = startsType.getDimSize(0);
  FailureOr<Value> starts = toI64(node, node.input(1), "starts");
  FailureOr<Value> ends = toI64(node, node.input(2), "ends");
  if (failed(starts) || failed(ends))
    return failure();
  FailureOr<Value> axes =
      node.hasInput(3)
          ? toI64(node, node.input(3), "axes")
          : FailureOr<Value>(i64Vector(node, llvm::to_vector(llvm::seq<int64_t>(0, count))));
  FailureOr<Value> steps = node.hasInput(4)
                               ? toI64(node, node.input(4), "steps")
                               : FailureOr<Value>(i64Vector(node, SmallVector<int64_t>(count, 1)));
  if (failed(axes) || failed(steps))
    return failure();
  FailureOr<Value> result = dynamicSlice(node, node.input(0), *starts, *ends, *axes, *steps);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult slice(NodeContext &node) {
  int64_t rank = node.inputType(0).getRank();
  std::vector<int64_t> starts, ends, axes, steps;
  if (node.opset < 10) {
    starts = node.intsAttr("starts").value_or(std::vector<int64_t>{});
    ends = node.intsAttr("ends").value_or(std::vector<int64_t>{});
    if (std::optional<std::vector<int64_t>> a = node.intsAttr("axes"))
      axes = *a;
  } else {
    std::optional<std::vector<int64_t>> s = node.constantInts(1), e = node.constantInts(2);
    std::optional<std::vector<int64_t>> a, st;
    if (node.hasInput(3))
      a = node.constantInts(3);
    if (node.hasInput(4))
      st = node.constantInts(4);
    if (!s || !e || (node.hasInput(3) && !a) || (node.hasInput(4) && !st))
      return sliceAtRunTime(node);
    starts = *s;
    ends = *e;
    if (a)
      axes = *a;
    if (st)
      steps = *st;
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(int64_t(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size() || int64_t(starts.size()) > rank) {
    node.error() << "starts, ends, axes and steps must have one entry per sliced axis";
    return failure();
  }
  FailureOr<Value> result = sliceOf(node, node.input(0), axes, starts, ends, steps);
  if (failed(result))
    return failure();
  node.setOutput(0, foldKnownEntries(node, *result));
  return success();
}

/// Split where the part sizes or the split dim are known only at run time: part i is the slice
/// [start_i, end_i) of the axis, with bounds computed by llm ops (and clamped at run time).
LogicalResult splitAtRunTime(NodeContext &node, int64_t axis, Value sizes, int64_t parts) {
  Chain chain{node};
  Value axes = i64Vector(node, {axis}), steps = i64Vector(node, {1});
  Value chunk;
  if (!sizes) {
    // Equal parts of ceil(size / parts), the last one shorter.
    FailureOr<Value> shape = shapeOf(node, node.input(0));
    if (failed(shape))
      return failure();
    Value size = chain.make<llm::GatherOp>(*shape, axes, node.builder.getI64IntegerAttr(0));
    chunk = chain.make<llm::DivOp>(chain.make<llm::AddOp>(size, chain.i64(parts - 1)),
                                   chain.i64(parts));
  }
  for (int64_t i = 0; i < parts; ++i) {
    Value start, end;
    if (sizes) {
      start = i64Vector(node, {0});
      if (i > 0) {
        Value before = chain.make<llm::SliceOp>(sizes, node.builder.getDenseI64ArrayAttr({0}),
                                                node.builder.getDenseI64ArrayAttr({i}),
                                                node.builder.getDenseI64ArrayAttr({1}));
        start = chain.make<llm::ReduceSumOp>(before, node.builder.getDenseI64ArrayAttr({0}),
                                             node.builder.getBoolAttr(true));
      }
      Value own = chain.make<llm::SliceOp>(sizes, node.builder.getDenseI64ArrayAttr({i}),
                                           node.builder.getDenseI64ArrayAttr({i + 1}),
                                           node.builder.getDenseI64ArrayAttr({1}));
      end = chain.make<llm::AddOp>(start, own);
    } else {
      start = chain.make<llm::MulOp>(chunk, chain.i64(i));
      end = chain.make<llm::MulOp>(chunk, chain.i64(i + 1));
    }
    if (chain.failed)
      return failure();
    FailureOr<Value> part = dynamicSlice(node, node.input(0), start, end, axes, steps);
    if (failed(part))
      return failure();
    node.setOutput(int(i), *part);
  }
  return success();
}

LogicalResult split(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  FailureOr<int64_t> axis = node.normalizeAxis(node.intAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t size = type.getDimSize(*axis);
  int64_t outputs = node.node.output_size();
  std::vector<int64_t> sizes;
  if (node.opset < 13) {
    sizes = node.intsAttr("split").value_or(std::vector<int64_t>{});
  } else if (node.hasInput(1)) {
    std::optional<std::vector<int64_t>> s = node.constantInts(1);
    if (!s) {
      RankedTensorType sizesType = node.inputType(1);
      if (sizesType.getRank() != 1 || sizesType.getDimSize(0) != outputs) {
        node.error() << "split must hold one size per output (" << outputs << "), got "
                     << sizesType;
        return failure();
      }
      FailureOr<Value> runTimeSizes = toI64(node, node.input(1), "split");
      if (failed(runTimeSizes))
        return failure();
      return splitAtRunTime(node, *axis, *runTimeSizes, outputs);
    }
    sizes = *s;
  }
  if (sizes.empty()) {
    int64_t parts = node.intAttr("num_outputs", outputs);
    if (parts != outputs || parts < 1) {
      node.error() << "num_outputs is " << parts << ", but the node has " << outputs << " outputs";
      return failure();
    }
    if (ShapedType::isDynamic(size))
      return splitAtRunTime(node, *axis, Value(), parts);
    int64_t chunk = (size + parts - 1) / parts;
    for (int64_t i = 0, left = size; i < parts; ++i, left -= chunk)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
  }
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (int64_t(sizes.size()) != outputs || (!ShapedType::isDynamic(size) && total != size) ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; })) {
    node.error() << "split sizes do not divide dim " << *axis << " of size "
                 << llm::shapes::formatShape({size}) << " into " << outputs << " outputs";
    return failure();
  }
  int64_t offset = 0;
  for (int64_t i = 0; i < outputs; ++i) {
    FailureOr<Value> part =
        sliceOf(node, node.input(0), {*axis}, {offset}, {offset + sizes[i]}, {1});
    if (failed(part))
      return failure();
    node.setOutput(int(i), *part);
    offset += sizes[i];
  }
  return success();
}

LogicalResult size(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (!type.hasStaticShape()) {
    // The product of the run-time shape.
    FailureOr<Value> shape = shapeOf(node, node.input(0));
    if (failed(shape))
      return failure();
    FailureOr<Value> count = node.create<llm::ReduceProdOp>(
        *shape, node.builder.getDenseI64ArrayAttr({0}), node.builder.getBoolAttr(false));
    if (failed(count))
      return failure();
    node.setOutput(0, *count);
    return success();
  }
  auto resultType = RankedTensorType::get({}, node.builder.getI64Type());
  node.setOutput(0, node.constant(DenseElementsAttr::get(resultType, type.getNumElements())));
  return success();
}

/// Expand broadcasts with NumPy rules in both directions: select(true[shape], x, x).
LogicalResult expand(NodeContext &node) {
  std::optional<std::vector<int64_t>> shape = node.constantInts(1);
  if (!shape) {
    FailureOr<Value> result = broadcastToRunTimeShape(node, node.input(0), node.input(1));
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  for (int64_t size : *shape)
    if (size < 0) {
      node.error() << "shape " << llm::shapes::formatShape(*shape) << " has a negative dim";
      return failure();
    }
  auto maskType = RankedTensorType::get(*shape, node.builder.getI1Type());
  Value mask = node.constant(DenseElementsAttr::get(maskType, true));
  FailureOr<Value> result = node.create<llm::SelectOp>(mask, node.input(0), node.input(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult constantOfShape(NodeContext &node) {
  std::optional<std::vector<int64_t>> shape = node.constantInts(0);
  DenseElementsAttr fillValue =
      DenseElementsAttr::get(RankedTensorType::get({}, node.builder.getF32Type()), 0.0f);
  if (const onnx::AttributeProto *value = node.attribute("value")) {
    std::string error;
    FailureOr<DenseElementsAttr> tensor = tensorValue(value->t(), "", node.builder, error);
    if (failed(tensor) || tensor->getNumElements() != 1) {
      node.error() << (failed(tensor) ? error : "value must hold one element");
      return failure();
    }
    fillValue = tensor->reshape(RankedTensorType::get({}, tensor->getElementType()));
  }
  if (!shape) {
    FailureOr<Value> result =
        broadcastToRunTimeShape(node, node.constant(fillValue), node.input(0));
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  for (int64_t size : *shape)
    if (size < 0) {
      node.error() << "shape " << llm::shapes::formatShape(*shape) << " has a negative dim";
      return failure();
    }
  DenseElementsAttr fill =
      DenseElementsAttr::get(RankedTensorType::get({1}, node.builder.getF32Type()), 0.0f);
  if (const onnx::AttributeProto *value = node.attribute("value")) {
    std::string error;
    FailureOr<DenseElementsAttr> tensor = tensorValue(value->t(), "", node.builder, error);
    if (failed(tensor) || tensor->getNumElements() != 1) {
      node.error() << (failed(tensor) ? error : "value must hold one element");
      return failure();
    }
    fill = *tensor;
  }
  auto type = RankedTensorType::get(*shape, fill.getElementType());
  node.setOutput(0, node.constant(fill.isSplat() ? fill.resizeSplat(type)
                                                 : DenseElementsAttr::get(
                                                       type, fill.getSplatValue<Attribute>())));
  return success();
}

/// Range with constant inputs is a constant; otherwise llm.range computes it at run time.
LogicalResult range(NodeContext &node) {
  DenseElementsAttr start, limit, delta;
  if (!matchPattern(node.input(0), m_Constant(&start)) ||
      !matchPattern(node.input(1), m_Constant(&limit)) ||
      !matchPattern(node.input(2), m_Constant(&delta))) {
    SmallVector<Value> scalars;
    for (int i = 0; i < 3; ++i) {
      RankedTensorType type = node.inputType(i);
      if (!type.hasStaticShape() || type.getNumElements() != 1) {
        node.error() << "start, limit and delta must be scalars, got " << type;
        return failure();
      }
      FailureOr<Value> scalar = node.reshape(node.input(i), {});
      if (failed(scalar))
        return failure();
      scalars.push_back(*scalar);
    }
    FailureOr<Value> result = node.create<llm::RangeOp>(scalars[0], scalars[1], scalars[2]);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  Type element = start.getElementType();
  double first = firstElementAsDouble(start), last = firstElementAsDouble(limit),
         step = firstElementAsDouble(delta);
  if (step == 0) {
    node.error() << "delta is 0";
    return failure();
  }
  double count = std::ceil((last - first) / step);
  if (!(count < double(1 << 30))) {
    node.error() << "the range has too many elements";
    return failure();
  }
  int64_t n = std::max<int64_t>(0, int64_t(count));
  auto type = RankedTensorType::get({n}, element);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i)
    values.push_back(elementAttribute(node.builder, element, first + double(i) * step));
  node.setOutput(0, node.constant(DenseElementsAttr::get(type, values)));
  return success();
}

/// Trilu keeps the upper (or lower) triangle of the last two dims, from diagonal k.
LogicalResult trilu(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || type.isDynamicDim(rank - 1) || type.isDynamicDim(rank - 2)) {
    node.error() << "expected an input of rank 2 or more with static matrix dims";
    return failure();
  }
  bool upper = node.intAttr("upper", 1) != 0;
  int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
  // j - i for every position; the mask compares it with k, which may be known only at run time.
  SmallVector<int64_t> offsets;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      offsets.push_back(j - i);
  Value offset = node.constant(DenseElementsAttr::get(
      RankedTensorType::get({rows, cols}, node.builder.getI64Type()), ArrayRef<int64_t>(offsets)));
  Value k = node.scalar(0.0, node.builder.getI64Type());
  if (node.hasInput(1)) {
    RankedTensorType kType = node.inputType(1);
    if (kType.getNumElements() != 1 || !kType.getElementType().isInteger(64)) {
      node.error() << "k must be a single int64, got " << kType;
      return failure();
    }
    FailureOr<Value> scalar = node.reshape(node.input(1), {});
    if (failed(scalar))
      return failure();
    k = *scalar;
  }
  FailureOr<Value> mask = upper ? node.create<llm::GreaterEqualOp>(offset, k)
                                : node.create<llm::LessEqualOp>(offset, k);
  if (failed(mask))
    return failure();
  FailureOr<Value> result =
      node.create<llm::SelectOp>(*mask, node.input(0), node.scalar(0.0, type.getElementType()));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Tile with constant repeats: concatenations along each repeated dim.
LogicalResult tile(NodeContext &node) {
  std::optional<std::vector<int64_t>> repeats = node.constantInts(1);
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  RankedTensorType repeatsType = node.inputType(1);
  if (repeatsType.getRank() != 1 || repeatsType.getDimSize(0) != rank) {
    node.error() << "repeats must hold one entry per dim (" << rank << "), got " << repeatsType;
    return failure();
  }
  if (!repeats && rank == 0) {
    node.setOutput(0, node.input(0));
    return success();
  }
  if (!repeats) {
    // Repeats known at run time: x as [1, d0, 1, d1, ...], broadcast to [r0, d0, r1, d1, ...]
    // and merged into [r0 * d0, r1 * d1, ...].
    FailureOr<Value> counts = toI64(node, node.input(1), "repeats");
    FailureOr<Value> shape = shapeOf(node, node.input(0));
    if (failed(counts) || failed(shape))
      return failure();
    Chain chain{node};
    Value target = chain.make<llm::MulOp>(*counts, *shape);
    Value pairs = chain.make<llm::ConcatOp>(
        ValueRange{chain.reshape(*counts, {rank, 1}), chain.reshape(*shape, {rank, 1})},
        node.builder.getI64IntegerAttr(1));
    Value interleaved = chain.reshape(pairs, {2 * rank});
    if (chain.failed)
      return failure();
    SmallVector<int64_t> sources;
    for (int64_t d = 0; d < rank; ++d)
      sources.append({kUnitDim, d});
    FailureOr<Value> spread = reshapeToSourceDims(node, node.input(0), sources);
    if (failed(spread))
      return failure();
    FailureOr<Value> copies = broadcastToRunTimeShape(node, *spread, interleaved);
    if (failed(copies))
      return failure();
    SmallVector<int64_t> dims(rank, ShapedType::kDynamic);
    node.setOutput(0, llm::ReshapeOp::create(node.builder, node.loc,
                                             RankedTensorType::get(dims, type.getElementType()),
                                             *copies, target, /*allow_zero=*/true));
    return success();
  }
  Value result = node.input(0);
  for (auto [axis, count] : llvm::enumerate(*repeats)) {
    if (count < 0 || count > 4096) {
      node.error() << "repeat count " << count << " is out of range";
      return failure();
    }
    if (count == 1)
      continue;
    if (count == 0) {
      FailureOr<Value> empty = sliceOf(node, result, {int64_t(axis)}, {0}, {0}, {1});
      if (failed(empty))
        return failure();
      result = *empty;
      continue;
    }
    SmallVector<Value> copies(count, result);
    FailureOr<Value> joined =
        node.create<llm::ConcatOp>(ValueRange(copies), node.builder.getI64IntegerAttr(axis));
    if (failed(joined))
      return failure();
    result = *joined;
  }
  node.setOutput(0, result);
  return success();
}

/// DepthToSpace and SpaceToDepth are a reshape, a transpose and a reshape.
template <bool toSpace> LogicalResult depthSpace(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (type.getRank() != 4 || !type.hasStaticShape()) {
    node.error() << "expected a static N x C x H x W input";
    return failure();
  }
  int64_t b = node.intAttr("blocksize", 0);
  int64_t n = type.getDimSize(0), c = type.getDimSize(1), h = type.getDimSize(2),
          w = type.getDimSize(3);
  if (b < 1 || (toSpace ? c % (b * b) != 0 : (h % b != 0 || w % b != 0))) {
    node.error() << "blocksize " << b << " does not divide the input "
                 << llm::shapes::formatShape(type.getShape());
    return failure();
  }
  SmallVector<int64_t> first, permutation, last;
  if (toSpace) {
    bool crd = node.stringAttr("mode").value_or("DCR") == "CRD";
    first = crd ? SmallVector<int64_t>{n, c / (b * b), b, b, h, w}
                : SmallVector<int64_t>{n, b, b, c / (b * b), h, w};
    permutation =
        crd ? SmallVector<int64_t>{0, 1, 4, 2, 5, 3} : SmallVector<int64_t>{0, 3, 4, 1, 5, 2};
    last = {n, c / (b * b), h * b, w * b};
  } else {
    first = {n, c, h / b, b, w / b, b};
    permutation = {0, 3, 5, 1, 2, 4};
    last = {n, c * b * b, h / b, w / b};
  }
  FailureOr<Value> reshaped = node.reshape(node.input(0), first);
  if (failed(reshaped))
    return failure();
  FailureOr<Value> transposed =
      node.create<llm::TransposeOp>(*reshaped, node.builder.getDenseI64ArrayAttr(permutation));
  if (failed(transposed))
    return failure();
  FailureOr<Value> result = node.reshape(*transposed, last);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Pad with constant pads: per axis, a concatenation of what goes before, the input, and what
/// goes after (a constant block, the edge repeated, or the reflection); negative pads crop.
/// Pad where the pads, the value or the input's dims are known only at run time: llm.pad.
LogicalResult padAtRunTime(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  std::string mode = node.stringAttr("mode").value_or("constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect") {
    node.error() << "mode '" << mode << "' is not constant, edge or reflect";
    return failure();
  }
  Value pads, value;
  std::vector<int64_t> axes;
  if (node.opset < 11) {
    pads = i64Vector(node, node.intsAttr("pads").value_or(std::vector<int64_t>{}));
    value = node.scalar(node.floatAttr("value", 0.0f), type.getElementType());
  } else {
    FailureOr<Value> runTimePads = toI64(node, node.input(1), "pads");
    if (failed(runTimePads))
      return failure();
    pads = *runTimePads;
    if (node.hasInput(2)) {
      RankedTensorType valueType = node.inputType(2);
      if (!valueType.hasStaticShape() || valueType.getNumElements() != 1 ||
          valueType.getElementType() != type.getElementType()) {
        node.error() << "the constant value must be one element of the input's type, got "
                     << valueType;
        return failure();
      }
      FailureOr<Value> scalar = node.reshape(node.input(2), {});
      if (failed(scalar))
        return failure();
      value = *scalar;
    }
    if (node.hasInput(3)) {
      std::optional<std::vector<int64_t>> a = node.constantInts(3);
      if (!a) {
        node.error() << "axes computed at run time are not supported";
        return failure();
      }
      axes = *a;
    }
  }
  auto padsType = cast<RankedTensorType>(pads.getType());
  if (padsType.getRank() != 1) {
    node.error() << "pads must be a 1-D tensor, got " << padsType;
    return failure();
  }
  int64_t length = padsType.getDimSize(0);
  if (!axes.empty()) {
    // Scatter the pads of the listed axes into pads of every dim (0 for the others).
    int64_t count = int64_t(axes.size());
    if (length != 2 * count) {
      node.error() << "expected " << 2 * count << " pads, got " << pads.getType();
      return failure();
    }
    SmallVector<int64_t> indices(2 * rank, 2 * count);
    for (auto [i, axis] : llvm::enumerate(axes)) {
      FailureOr<int64_t> normalized = node.normalizeAxis(axis, rank);
      if (failed(normalized))
        return failure();
      indices[*normalized] = int64_t(i);
      indices[*normalized + rank] = int64_t(i) + count;
    }
    FailureOr<Value> extended = node.create<llm::ConcatOp>(ValueRange{pads, i64Vector(node, {0})},
                                                           node.builder.getI64IntegerAttr(0));
    if (failed(extended))
      return failure();
    FailureOr<Value> scattered = node.create<llm::GatherOp>(*extended, i64Vector(node, indices),
                                                            node.builder.getI64IntegerAttr(0));
    if (failed(scattered))
      return failure();
    pads = *scattered;
  }
  FailureOr<Value> result =
      node.create<llm::PadOp>(node.input(0), pads, value, node.builder.getStringAttr(mode));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult pad(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  DenseElementsAttr fillConstant;
  if (!type.hasStaticShape() ||
      (node.opset >= 11 &&
       (!node.constantInts(1) ||
        (node.hasInput(2) && !matchPattern(node.input(2), m_Constant(&fillConstant))))))
    return padAtRunTime(node);
  std::vector<int64_t> pads;
  double value = 0.0;
  std::vector<int64_t> axes;
  if (node.opset < 11) {
    pads = node.intsAttr("pads").value_or(std::vector<int64_t>{});
    value = node.floatAttr("value", 0.0f);
  } else {
    std::optional<std::vector<int64_t>> constant = node.constantInts(1);
    if (!constant) {
      node.error() << "pads computed at run time are not supported yet";
      return failure();
    }
    pads = *constant;
    if (node.hasInput(2)) {
      DenseElementsAttr fill;
      if (!matchPattern(node.input(2), m_Constant(&fill)) || fill.getNumElements() != 1) {
        node.error() << "the constant value must be a constant scalar";
        return failure();
      }
      value = firstElementAsDouble(fill);
    }
    if (node.hasInput(3)) {
      std::optional<std::vector<int64_t>> a = node.constantInts(3);
      if (!a) {
        node.error() << "axes computed at run time are not supported yet";
        return failure();
      }
      axes = *a;
    }
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  if (pads.size() != 2 * axes.size()) {
    node.error() << "expected " << 2 * axes.size() << " pads, got " << pads.size();
    return failure();
  }
  std::string mode = node.stringAttr("mode").value_or("constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect") {
    node.error() << "mode '" << mode << "' is not constant, edge or reflect";
    return failure();
  }
  Value result = node.input(0);
  Type element = type.getElementType();
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = node.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    int64_t before = pads[i], after = pads[i + axes.size()];
    auto currentType = cast<RankedTensorType>(result.getType());
    int64_t size = currentType.getDimSize(*axis);
    // Negative pads crop first.
    if (before < 0 || after < 0) {
      int64_t start = std::max<int64_t>(0, -before), end = size - std::max<int64_t>(0, -after);
      if (start > end) {
        node.error() << "pads crop more than dim " << *axis << " holds";
        return failure();
      }
      FailureOr<Value> cropped = sliceOf(node, result, {*axis}, {start}, {end}, {1});
      if (failed(cropped))
        return failure();
      result = *cropped;
      size = end - start;
      before = std::max<int64_t>(0, before);
      after = std::max<int64_t>(0, after);
    }
    if (before == 0 && after == 0)
      continue;
    if (mode == "reflect" && (before >= size || after >= size)) {
      node.error() << "reflect pads must be smaller than dim " << *axis << " (" << size << ")";
      return failure();
    }
    if (size == 0 && mode != "constant") {
      node.error() << mode << " padding of an empty dim";
      return failure();
    }
    auto block = [&](int64_t count, bool atStart) -> FailureOr<Value> {
      SmallVector<int64_t> shape(cast<RankedTensorType>(result.getType()).getShape());
      shape[*axis] = count;
      if (mode == "constant")
        return node.constant(DenseElementsAttr::get(
            RankedTensorType::get(shape, element), elementAttribute(node.builder, element, value)));
      if (mode == "edge") {
        FailureOr<Value> edge =
            sliceOf(node, result, {*axis}, {atStart ? 0 : size - 1}, {atStart ? 1 : size}, {1});
        if (failed(edge))
          return failure();
        SmallVector<Value> copies(count, *edge);
        return count == 1 ? *edge
                          : node.create<llm::ConcatOp>(ValueRange(copies),
                                                       node.builder.getI64IntegerAttr(*axis));
      }
      // reflect: x[count..1] before, x[size-2..size-1-count] after. An end of -1 would read
      // as "the last element" in ONNX's convention, so "before index 0" is spelled INT64_MIN.
      int64_t end = size - 2 - count;
      return atStart ? sliceOf(node, result, {*axis}, {count}, {0}, {-1})
                     : sliceOf(node, result, {*axis}, {size - 2},
                               {end < 0 ? std::numeric_limits<int64_t>::min() : end}, {-1});
    };
    SmallVector<Value> parts;
    if (before > 0) {
      FailureOr<Value> head = block(before, true);
      if (failed(head))
        return failure();
      parts.push_back(*head);
    }
    parts.push_back(result);
    if (after > 0) {
      FailureOr<Value> tail = block(after, false);
      if (failed(tail))
        return failure();
      parts.push_back(*tail);
    }
    FailureOr<Value> joined =
        node.create<llm::ConcatOp>(ValueRange(parts), node.builder.getI64IntegerAttr(*axis));
    if (failed(joined))
      return failure();
    result = *joined;
  }
  node.setOutput(0, result);
  return success();
}

} // namespace

void registerShapeOps(OpRegistry &registry) {
  registry.add({"Reshape", 5, 2, 2, 1, 1, reshape});
  registry.add({"Flatten", 1, 1, 1, 1, 1, flatten});
  registry.add({"Transpose", 1, 1, 1, 1, 1, transpose});
  registry.add({"Concat", 4, 1, 1024, 1, 1, concat});
  registry.add({"Gather", 1, 2, 2, 1, 1, gather});
  registry.add({"Squeeze", 1, 1, 2, 1, 1, squeeze});
  registry.add({"Unsqueeze", 1, 1, 1, 1, 1, unsqueeze});
  registry.add({"Unsqueeze", 13, 2, 2, 1, 1, unsqueeze}); // the axes become an input
  registry.add({"Constant", 1, 0, 0, 1, 1, constant});
  registry.add({"Shape", 1, 1, 1, 1, 1, shapeOf});
  registry.add({"Slice", 1, 1, 1, 1, 1, slice});
  registry.add({"Slice", 10, 3, 5, 1, 1, slice}); // starts and ends become inputs
  registry.add({"Split", 1, 1, 2, 1, 1024, split});
  registry.add({"Size", 1, 1, 1, 1, 1, size});
  registry.add({"Expand", 8, 2, 2, 1, 1, expand});
  registry.add({"ConstantOfShape", 9, 1, 1, 1, 1, constantOfShape});
  registry.add({"Range", 11, 3, 3, 1, 1, range});
  registry.add({"Trilu", 14, 1, 2, 1, 1, trilu});
  registry.add({"Tile", 6, 2, 2, 1, 1, tile});
  registry.add({"Pad", 2, 1, 1, 1, 1, pad});
  registry.add({"Pad", 11, 2, 4, 1, 1, pad}); // the pads become an input
  registry.add({"DepthToSpace", 1, 1, 1, 1, 1, depthSpace<true>});
  registry.add({"SpaceToDepth", 1, 1, 1, 1, 1, depthSpace<false>});
}

} // namespace llmc::onnx_frontend
