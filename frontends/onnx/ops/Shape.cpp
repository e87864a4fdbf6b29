//===- Shape.cpp - ONNX shape and data-movement ops -------------------------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "llvm/Support/CheckedArithmetic.h"

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
}

} // namespace llmc::onnx_frontend
