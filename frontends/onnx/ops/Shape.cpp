//===- Shape.cpp - ONNX shape and data-movement ops -------------------------===//
#include "frontends/onnx/Importer.h"

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
  if (!shape) {
    if (allowZero) {
      node.error() << "allowzero with a shape computed at run time is not supported";
      return failure();
    }
    SmallVector<int64_t> dynamicShape(shapeType.getDimSize(0), ShapedType::kDynamic);
    node.setOutput(
        0, llm::ReshapeOp::create(node.builder, node.loc,
                                  RankedTensorType::get(dynamicShape, type.getElementType()),
                                  node.input(0), node.input(1)));
    return success();
  }
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
  int dynamicCount = llvm::count_if(target, ShapedType::isDynamic);
  if (dynamicCount > 1) {
    node.error() << "reshape of a dynamic input to " << llm::shapes::formatShape(*shape)
                 << " leaves more than one dim unknown";
    return failure();
  }
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
    node.error() << "both halves of " << llm::shapes::formatShape(type.getShape())
                 << " have dynamic dims";
    return failure();
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
  node.setOutput(0, *result);
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
  node.setOutput(0, *result);
  return success();
}

/// The axes of Squeeze/Unsqueeze: an attribute before opset 13, an input since.
std::optional<std::vector<int64_t>> axesOf(NodeContext &node, bool &error) {
  error = false;
  if (node.opset < 13)
    return node.intsAttr("axes");
  if (!node.hasInput(1))
    return std::nullopt;
  std::optional<std::vector<int64_t>> axes = node.constantInts(1);
  if (!axes) {
    node.error() << "axes computed at run time are not supported";
    error = true;
  }
  return axes;
}

LogicalResult squeeze(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  bool failedAxes = false;
  std::optional<std::vector<int64_t>> axes = axesOf(node, failedAxes);
  if (failedAxes)
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool listed = false;
    if (axes)
      for (int64_t axis : *axes)
        listed |= (axis < 0 ? axis + type.getRank() : axis) == d;
    if ((axes && listed) || (!axes && type.getDimSize(d) == 1)) {
      if (type.getDimSize(d) != 1 && !type.isDynamicDim(d)) {
        node.error() << "cannot squeeze dim " << d << " of size " << type.getDimSize(d);
        return failure();
      }
      continue;
    }
    shape.push_back(type.getDimSize(d));
  }
  FailureOr<Value> result = node.reshape(node.input(0), shape);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult unsqueeze(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  bool failedAxes = false;
  std::optional<std::vector<int64_t>> axes = axesOf(node, failedAxes);
  if (failedAxes)
    return failure();
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
    inserted[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(inserted[d] ? 1 : type.getDimSize(next++));
  FailureOr<Value> result = node.reshape(node.input(0), shape);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
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
  SmallVector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) {
    if (type.isDynamicDim(d)) {
      node.error() << "dim " << d << " is dynamic; shapes known only at run time are not "
                   << "supported yet";
      return failure();
    }
    dims.push_back(type.getDimSize(d));
  }
  auto resultType = RankedTensorType::get({int64_t(dims.size())}, node.builder.getI64Type());
  node.setOutput(0, node.constant(DenseElementsAttr::get(resultType, ArrayRef<int64_t>(dims))));
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
    int64_t size = type.getDimSize(*axis);
    if (ShapedType::isDynamic(size)) {
      node.error() << "slicing dim " << *axis << " of unknown size is not supported yet";
      return failure();
    }
    if (steps[i] == 0) {
      node.error() << "step of axis " << axes[i] << " is 0";
      return failure();
    }
    int64_t start = starts[i], end = ends[i];
    normalizeRange(size, steps[i], start, end);
    allStarts[*axis] = start;
    allEnds[*axis] = end;
    allSteps[*axis] = steps[i];
  }
  for (int64_t d = 0; d < rank; ++d)
    if (!seen[d] && ShapedType::isDynamic(allEnds[d])) {
      node.error() << "slicing a tensor with a dim of unknown size is not supported yet";
      return failure();
    }
  OpBuilder &b = node.builder;
  return node.create<llm::SliceOp>(input, b.getDenseI64ArrayAttr(allStarts),
                                   b.getDenseI64ArrayAttr(allEnds),
                                   b.getDenseI64ArrayAttr(allSteps));
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
    if (!s || !e) {
      node.error() << "starts and ends computed at run time are not supported";
      return failure();
    }
    starts = *s;
    ends = *e;
    if (node.hasInput(3)) {
      std::optional<std::vector<int64_t>> a = node.constantInts(3);
      if (!a) {
        node.error() << "axes computed at run time are not supported";
        return failure();
      }
      axes = *a;
    }
    if (node.hasInput(4)) {
      std::optional<std::vector<int64_t>> st = node.constantInts(4);
      if (!st) {
        node.error() << "steps computed at run time are not supported";
        return failure();
      }
      steps = *st;
    }
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
  node.setOutput(0, *result);
  return success();
}

LogicalResult split(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  FailureOr<int64_t> axis = node.normalizeAxis(node.intAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t size = type.getDimSize(*axis);
  if (ShapedType::isDynamic(size)) {
    node.error() << "splitting a dim of unknown size is not supported yet";
    return failure();
  }
  std::vector<int64_t> sizes;
  if (node.opset < 13) {
    sizes = node.intsAttr("split").value_or(std::vector<int64_t>{});
  } else if (node.hasInput(1)) {
    std::optional<std::vector<int64_t>> s = node.constantInts(1);
    if (!s) {
      node.error() << "split sizes computed at run time are not supported";
      return failure();
    }
    sizes = *s;
  }
  int64_t outputs = node.node.output_size();
  if (sizes.empty()) {
    int64_t parts = node.intAttr("num_outputs", outputs);
    int64_t chunk = (size + parts - 1) / std::max<int64_t>(parts, 1);
    for (int64_t i = 0, left = size; i < parts; ++i, left -= chunk)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
  }
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (int64_t(sizes.size()) != outputs || total != size ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; })) {
    node.error() << "split sizes do not divide dim " << *axis << " of size " << size << " into "
                 << outputs << " outputs";
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
    node.error() << "the size of a tensor with dims of unknown size is not supported yet";
    return failure();
  }
  auto resultType = RankedTensorType::get({}, node.builder.getI64Type());
  node.setOutput(0, node.constant(DenseElementsAttr::get(resultType, type.getNumElements())));
  return success();
}

/// llm.broadcast_to for a shape known only at run time; static sizes of `input` other than 1
/// stay static in the result type.
FailureOr<Value> broadcastToRunTimeShape(NodeContext &node, Value input, Value shape) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto shapeType = cast<RankedTensorType>(shape.getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0) ||
      !isa<IntegerType>(shapeType.getElementType())) {
    node.error() << "the shape must be a 1-D integer tensor of static length, got " << shapeType;
    return failure();
  }
  int64_t rank = std::max(inputType.getRank(), shapeType.getDimSize(0));
  SmallVector<int64_t> result(rank, ShapedType::kDynamic);
  for (int64_t dim = 0; dim < inputType.getRank(); ++dim)
    if (inputType.getDimSize(dim) != 1)
      result[dim + rank - inputType.getRank()] = inputType.getDimSize(dim);
  // A static size other than 1 wins only if the shape asks for 1 or the same size; keep it
  // dynamic where the shape could disagree, so the run-time size decides.
  for (int64_t dim = 0; dim < rank; ++dim)
    if (dim >= rank - shapeType.getDimSize(0))
      result[dim] = ShapedType::kDynamic;
  return Value(llm::BroadcastToOp::create(node.builder, node.loc,
                                          RankedTensorType::get(result, inputType.getElementType()),
                                          input, shape));
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

/// Range with constant inputs is a constant.
LogicalResult range(NodeContext &node) {
  DenseElementsAttr start, limit, delta;
  if (!matchPattern(node.input(0), m_Constant(&start)) ||
      !matchPattern(node.input(1), m_Constant(&limit)) ||
      !matchPattern(node.input(2), m_Constant(&delta))) {
    node.error() << "start, limit and delta computed at run time are not supported yet";
    return failure();
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
    values.push_back(
        isa<FloatType>(element)
            ? Attribute(node.builder.getFloatAttr(element, first + double(i) * step))
            : Attribute(node.builder.getIntegerAttr(element, int64_t(first) + i * int64_t(step))));
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
  if (!repeats || int64_t(repeats->size()) != type.getRank()) {
    node.error() << "repeats must be a constant with one entry per dim";
    return failure();
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
LogicalResult pad(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  if (!type.hasStaticShape()) {
    node.error() << "padding a tensor with dims of unknown size is not supported yet";
    return failure();
  }
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
            RankedTensorType::get(shape, element),
            isa<FloatType>(element)
                ? Attribute(node.builder.getFloatAttr(element, value))
                : Attribute(node.builder.getIntegerAttr(element, int64_t(value)))));
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
  registry.add({"Unsqueeze", 1, 1, 2, 1, 1, unsqueeze});
  registry.add({"Constant", 1, 0, 0, 1, 1, constant});
  registry.add({"Shape", 1, 1, 1, 1, 1, shapeOf});
  registry.add({"Slice", 1, 1, 5, 1, 1, slice});
  registry.add({"Split", 1, 1, 2, 1, 1024, split});
  registry.add({"Size", 1, 1, 1, 1, 1, size});
  registry.add({"Expand", 8, 2, 2, 1, 1, expand});
  registry.add({"ConstantOfShape", 9, 1, 1, 1, 1, constantOfShape});
  registry.add({"Range", 11, 3, 3, 1, 1, range});
  registry.add({"Trilu", 14, 1, 2, 1, 1, trilu});
  registry.add({"Tile", 6, 2, 2, 1, 1, tile});
  registry.add({"Pad", 2, 1, 4, 1, 1, pad});
  registry.add({"DepthToSpace", 1, 1, 1, 1, 1, depthSpace<true>});
  registry.add({"SpaceToDepth", 1, 1, 1, 1, 1, depthSpace<false>});
}

} // namespace llmc::onnx_frontend
