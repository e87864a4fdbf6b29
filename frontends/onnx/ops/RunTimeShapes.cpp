//===- RunTimeShapes.cpp - Building shapes that are known only at run time --===//
#include "frontends/onnx/ops/RunTimeShapes.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {

namespace {

/// Shape vectors are short; longer integer tensors are data, not shapes.
constexpr int64_t kMaxShapeEntries = 64;

} // namespace

std::optional<SmallVector<int64_t>> knownEntries(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() ||
      !isa<IntegerType>(type.getElementType()) || type.getNumElements() > kMaxShapeEntries)
    return std::nullopt;
  SmallVector<int64_t> unknown(type.getNumElements(), ShapedType::kDynamic);
  DenseIntElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant))) {
    SmallVector<int64_t> values;
    for (const APInt &element : constant.getValues<APInt>())
      values.push_back(element.getSExtValue());
    return values;
  }
  Operation *producer = value.getDefiningOp();
  if (!producer)
    return unknown;
  if (auto shapeOf = dyn_cast<llm::ShapeOfOp>(producer))
    return SmallVector<int64_t>(cast<RankedTensorType>(shapeOf.getInput().getType()).getShape());
  if (auto concat = dyn_cast<llm::ConcatOp>(producer)) {
    SmallVector<int64_t> joined;
    for (Value input : concat.getInputs()) {
      std::optional<SmallVector<int64_t>> part = knownEntries(input);
      if (!part)
        return unknown;
      joined.append(*part);
    }
    return joined.size() == unknown.size() ? joined : unknown;
  }
  if (auto reshape = dyn_cast<llm::ReshapeOp>(producer)) {
    std::optional<SmallVector<int64_t>> inner = knownEntries(reshape.getInput());
    return inner && inner->size() == unknown.size() ? *inner : unknown;
  }
  if (auto castOp = dyn_cast<llm::CastOp>(producer)) {
    std::optional<SmallVector<int64_t>> inner = knownEntries(castOp.getInput());
    return inner && inner->size() == unknown.size() ? *inner : unknown;
  }
  if (auto gather = dyn_cast<llm::GatherOp>(producer)) {
    std::optional<SmallVector<int64_t>> data = knownEntries(gather.getData());
    DenseIntElementsAttr indices;
    if (!data || cast<RankedTensorType>(gather.getData().getType()).getRank() != 1 ||
        !matchPattern(gather.getIndices(), m_Constant(&indices)))
      return unknown;
    SmallVector<int64_t> picked;
    int64_t size = int64_t(data->size());
    for (const APInt &element : indices.getValues<APInt>()) {
      int64_t index = element.getSExtValue();
      index = index < 0 ? index + size : index;
      picked.push_back(index >= 0 && index < size ? (*data)[index] : ShapedType::kDynamic);
    }
    return picked.size() == unknown.size() ? picked : unknown;
  }
  if (auto slice = dyn_cast<llm::SliceOp>(producer)) {
    std::optional<SmallVector<int64_t>> data = knownEntries(slice.getInput());
    if (!data || slice.getStarts().size() != 1)
      return unknown;
    SmallVector<int64_t> picked;
    for (int64_t i = 0; i < int64_t(unknown.size()); ++i) {
      int64_t index = slice.getStarts()[0] + i * slice.getSteps()[0];
      picked.push_back(index >= 0 && index < int64_t(data->size()) ? (*data)[index]
                                                                   : ShapedType::kDynamic);
    }
    return picked;
  }
  return unknown;
}

Value foldKnownEntries(NodeContext &node, Value value) {
  std::optional<SmallVector<int64_t>> entries = knownEntries(value);
  if (!entries || llvm::any_of(*entries, ShapedType::isDynamic) ||
      matchPattern(value, m_Constant()))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (int64_t entry : *entries)
    values.push_back(APInt(width, uint64_t(entry), /*isSigned=*/true, /*implicitTrunc=*/true));
  return node.constant(DenseElementsAttr::get(type, values));
}

Value i64Vector(NodeContext &node, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, node.builder.getI64Type());
  return node.constant(DenseElementsAttr::get(type, values));
}

FailureOr<Value> toI64(NodeContext &node, Value value, StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!isa<IntegerType>(type.getElementType()) || type.getElementType().isInteger(1)) {
    node.error() << what << " must be an integer tensor, got " << type;
    return failure();
  }
  if (type.getElementType().isInteger(64))
    return value;
  return Value(
      llm::CastOp::create(node.builder, node.loc, type.clone(node.builder.getI64Type()), value));
}

FailureOr<Value> shapeOf(NodeContext &node, Value value) {
  return node.create<llm::ShapeOfOp>(value);
}

FailureOr<Value> reshapeToSourceDims(NodeContext &node, Value value, ArrayRef<int64_t> sources) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> dims, indices;
  for (int64_t source : sources) {
    dims.push_back(source == kUnitDim ? 1 : type.getDimSize(source));
    indices.push_back(source == kUnitDim ? type.getRank() : source);
  }
  if (llvm::count_if(dims, ShapedType::isDynamic) <= 1)
    return node.reshape(value, dims);
  // The run-time shape: the input's shape with a 1 appended, gathered.
  FailureOr<Value> shape = shapeOf(node, value);
  if (failed(shape))
    return failure();
  FailureOr<Value> extended = node.create<llm::ConcatOp>(ValueRange{*shape, i64Vector(node, {1})},
                                                         node.builder.getI64IntegerAttr(0));
  if (failed(extended))
    return failure();
  FailureOr<Value> target = node.create<llm::GatherOp>(*extended, i64Vector(node, indices),
                                                       node.builder.getI64IntegerAttr(0));
  if (failed(target))
    return failure();
  return Value(llm::ReshapeOp::create(node.builder, node.loc,
                                      RankedTensorType::get(dims, type.getElementType()), value,
                                      *target, /*allow_zero=*/true));
}

FailureOr<Value> runTimeReshape(NodeContext &node, Value input, Value shape, bool allowZero) {
  auto type = cast<RankedTensorType>(input.getType());
  auto shapeType = cast<RankedTensorType>(shape.getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0) ||
      !isa<IntegerType>(shapeType.getElementType())) {
    node.error() << "the shape input must be a 1-D integer tensor of static length, got "
                 << shapeType;
    return failure();
  }
  SmallVector<int64_t> entries = knownEntries(shape).value_or(
      SmallVector<int64_t>(shapeType.getDimSize(0), ShapedType::kDynamic));
  SmallVector<int64_t> dims;
  int derived = 0;
  for (auto [index, entry] : llvm::enumerate(entries)) {
    if (ShapedType::isDynamic(entry) || entry == -1) {
      derived += entry == -1;
      dims.push_back(ShapedType::kDynamic);
    } else if (entry == 0 && !allowZero) {
      dims.push_back(int64_t(index) < type.getRank() ? type.getDimSize(index)
                                                     : ShapedType::kDynamic);
    } else if (entry < 0) {
      node.error() << "shape entry " << index << " is " << entry;
      return failure();
    } else {
      dims.push_back(entry);
    }
  }
  if (derived > 1) {
    node.error() << "the shape has more than one -1";
    return failure();
  }
  // The -1 is static when the dims it is derived from are: a dim copied by 0 cancels out the
  // input dim at its position ([0, 0, -1] of ?x?x2x4 gives ?x?x8).
  if (derived == 1 && llvm::none_of(entries, ShapedType::isDynamic)) {
    int64_t remaining = 1, known = 1;
    bool staticSizes = true;
    for (int64_t dim = 0; dim < type.getRank(); ++dim) {
      bool copied = !allowZero && dim < int64_t(entries.size()) && entries[dim] == 0;
      if (copied)
        continue;
      staticSizes &= !type.isDynamicDim(dim);
      remaining = staticSizes ? remaining * type.getDimSize(dim) : remaining;
    }
    for (auto [index, entry] : llvm::enumerate(entries))
      if (entry > 0 || (entry == 0 && allowZero))
        known *= entry;
    for (auto [index, entry] : llvm::enumerate(entries))
      if (entry == -1 && staticSizes && known > 0 && remaining % known == 0)
        dims[index] = remaining / known;
  }
  return Value(llm::ReshapeOp::create(node.builder, node.loc,
                                      RankedTensorType::get(dims, type.getElementType()), input,
                                      shape, allowZero));
}

FailureOr<Value> dynamicSlice(NodeContext &node, Value input, Value starts, Value ends, Value axes,
                              Value steps) {
  return node.create<llm::DynamicSliceOp>(input, starts, ends, axes, steps);
}

FailureOr<Value> broadcastToRunTimeShape(NodeContext &node, Value input, Value shape) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto shapeType = cast<RankedTensorType>(shape.getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0) ||
      !isa<IntegerType>(shapeType.getElementType())) {
    node.error() << "the shape must be a 1-D integer tensor of static length, got " << shapeType;
    return failure();
  }
  int64_t length = shapeType.getDimSize(0);
  int64_t rank = std::max(inputType.getRank(), length);
  SmallVector<int64_t> entries =
      knownEntries(shape).value_or(SmallVector<int64_t>(length, ShapedType::kDynamic));
  SmallVector<int64_t> result(rank, ShapedType::kDynamic);
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t inputDim = dim - (rank - inputType.getRank());
    int64_t size = inputDim >= 0 ? inputType.getDimSize(inputDim) : 1;
    int64_t entryIndex = dim - (rank - length);
    if (entryIndex < 0) {
      result[dim] = size;
      continue;
    }
    int64_t requested = entries[entryIndex];
    // The size that is not 1 wins; where either side is unknown, the run-time value decides.
    if (ShapedType::isDynamic(requested) || requested < 0)
      result[dim] = size == 1 || ShapedType::isDynamic(size) ? ShapedType::kDynamic : size;
    else if (requested == 1)
      result[dim] = size;
    else if (size == 1 || size == requested || ShapedType::isDynamic(size))
      result[dim] = requested;
  }
  // A static input size other than 1 that disagrees with the requested size is left dynamic:
  // the shape is what the run time decides.
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t inputDim = dim - (rank - inputType.getRank());
    int64_t entryIndex = dim - (rank - length);
    if (inputDim >= 0 && entryIndex >= 0 && !ShapedType::isDynamic(entries[entryIndex]) &&
        entries[entryIndex] != 1 && !ShapedType::isDynamic(inputType.getDimSize(inputDim)) &&
        inputType.getDimSize(inputDim) != 1 &&
        inputType.getDimSize(inputDim) != entries[entryIndex]) {
      node.error() << "cannot expand dim " << inputDim << " of size "
                   << inputType.getDimSize(inputDim) << " to " << entries[entryIndex];
      return failure();
    }
  }
  return Value(llm::BroadcastToOp::create(node.builder, node.loc,
                                          RankedTensorType::get(result, inputType.getElementType()),
                                          input, shape));
}

} // namespace llmc::onnx_frontend
