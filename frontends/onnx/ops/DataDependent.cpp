//===- DataDependent.cpp - ONNX ops whose output sizes depend on the data ---===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"

#include <limits>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// `value` as a 1-D tensor of all its elements.
FailureOr<Value> flatten(NodeContext &node, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 1)
    return value;
  return node.reshape(value, {llm::shapes::numElements(type.getShape())});
}

LogicalResult nonZero(NodeContext &node) {
  FailureOr<Value> result = node.create<llm::NonZeroOp>(node.input(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Compress: the positions of the true conditions gather the kept slices (or elements, without
/// an axis, of the flattened input).
LogicalResult compress(NodeContext &node) {
  RankedTensorType conditionType = node.inputType(1);
  if (conditionType.getRank() != 1 || !conditionType.getElementType().isInteger(1)) {
    node.error() << "the condition must be a 1-D bool tensor, got " << conditionType;
    return failure();
  }
  Value input = node.input(0);
  int64_t axis = 0;
  if (std::optional<int64_t> axisAttr = node.intAttr("axis")) {
    FailureOr<int64_t> normalized = node.normalizeAxis(*axisAttr, node.inputType(0).getRank());
    if (failed(normalized))
      return failure();
    axis = *normalized;
  } else {
    FailureOr<Value> flat = flatten(node, input);
    if (failed(flat))
      return failure();
    input = *flat;
  }
  int64_t extent = cast<RankedTensorType>(input.getType()).getDimSize(axis);
  if (!ShapedType::isDynamic(extent) && !conditionType.isDynamicDim(0) &&
      conditionType.getDimSize(0) > extent) {
    node.error() << "the condition has " << conditionType.getDimSize(0)
                 << " entries, more than the " << extent << " slices it selects from";
    return failure();
  }
  FailureOr<Value> positions = node.create<llm::NonZeroOp>(node.input(1));
  if (failed(positions))
    return failure();
  FailureOr<Value> indices = node.reshape(*positions, {ShapedType::kDynamic});
  if (failed(indices))
    return failure();
  FailureOr<Value> result =
      node.create<llm::GatherOp>(input, *indices, node.builder.getI64IntegerAttr(axis));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult unique(NodeContext &node) {
  Value input = node.input(0);
  RankedTensorType type = node.inputType(0);
  if (!isa<FloatType, IntegerType>(type.getElementType())) {
    node.error() << "element type " << type.getElementType() << " is not supported";
    return failure();
  }
  int64_t axis = 0;
  if (std::optional<int64_t> axisAttr = node.intAttr("axis")) {
    FailureOr<int64_t> normalized = node.normalizeAxis(*axisAttr, type.getRank());
    if (failed(normalized))
      return failure();
    axis = *normalized;
  } else {
    FailureOr<Value> flat = flatten(node, input);
    if (failed(flat))
      return failure();
    input = *flat;
    type = cast<RankedTensorType>(input.getType());
  }
  OpBuilder &b = node.builder;
  SmallVector<int64_t> valuesShape(type.getShape());
  valuesShape[axis] = ShapedType::kDynamic;
  auto dynamic = RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type());
  auto op = llm::UniqueOp::create(
      b, node.loc, RankedTensorType::get(valuesShape, type.getElementType()), dynamic,
      RankedTensorType::get({type.getDimSize(axis)}, b.getI64Type()), dynamic, input,
      b.getI64IntegerAttr(axis), b.getBoolAttr(node.intAttr("sorted", 1) != 0));
  for (int i = 0; i < 4; ++i)
    node.setOutput(i, op->getResult(i));
  return success();
}

LogicalResult nonMaxSuppression(NodeContext &node) {
  int64_t centerPointBox = node.intAttr("center_point_box", 0);
  if (centerPointBox != 0 && centerPointBox != 1) {
    node.error() << "center_point_box must be 0 or 1, got " << centerPointBox;
    return failure();
  }
  RankedTensorType boxesType = node.inputType(0);
  Type element = boxesType.getElementType();
  if (!isa<FloatType>(element)) {
    node.error() << "boxes must be floats, got " << boxesType;
    return failure();
  }
  // Absent limits select nothing (max_output_boxes_per_class = 0), suppress any overlap
  // (iou_threshold = 0) and keep every score.
  Value maxOutput = node.hasInput(2) ? node.input(2) : node.scalar(0, node.builder.getI64Type());
  Value iou = node.hasInput(3) ? node.input(3) : node.scalar(0.0, element);
  Value score = node.hasInput(4) ? node.input(4)
                                 : node.scalar(-std::numeric_limits<double>::infinity(), element);
  FailureOr<Value> result =
      node.create<llm::NonMaxSuppressionOp>(node.input(0), node.input(1), maxOutput, iou, score,
                                            node.builder.getBoolAttr(centerPointBox == 1));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerDataDependentOps(OpRegistry &registry) {
  registry.add({"NonZero", 9, 1, 1, 1, 1, nonZero});
  registry.add({"Compress", 9, 2, 2, 1, 1, compress});
  registry.add({"Unique", 11, 1, 1, 1, 4, unique});
  registry.add({"NonMaxSuppression", 10, 2, 5, 1, 1, nonMaxSuppression});
}

} // namespace llmc::onnx_frontend
