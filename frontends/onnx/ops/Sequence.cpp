//===- Sequence.cpp - ONNX sequences and optionals, resolved while importing -===//
//
// A sequence inside a graph always has a length the importer knows: SequenceConstruct,
// SequenceEmpty and SplitToSequence create it with one, and SequenceInsert and SequenceErase
// change it by one. So a sequence is imported as the list of its tensors (ImportTimeValues),
// and only positions computed at run time reach the IR, as `scf.index_switch` choices between
// the candidate tensors. Optionals are resolved the same way.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// The type every one of `types` fits: dims that differ become dynamic. Fails when element
/// types or ranks differ.
FailureOr<RankedTensorType> joinedType(NodeContext &node, ArrayRef<Value> values) {
  RankedTensorType joined;
  for (Value value : values) {
    auto type = cast<RankedTensorType>(value.getType());
    if (!joined) {
      joined = type;
      continue;
    }
    if (type.getElementType() != joined.getElementType() || type.getRank() != joined.getRank()) {
      node.error() << "the sequence mixes " << joined << " and " << type
                   << "; its tensors must share element type and rank";
      return failure();
    }
    SmallVector<int64_t> shape;
    for (auto [a, b] : llvm::zip(joined.getShape(), type.getShape()))
      shape.push_back(a == b ? a : ShapedType::kDynamic);
    joined = RankedTensorType::get(shape, joined.getElementType());
  }
  return joined;
}

/// A scalar position from input `index` (a one-element integer tensor), as i64.
FailureOr<Value> scalarPosition(NodeContext &node, int index) {
  RankedTensorType type = node.inputType(index);
  if (!type || !isa<IntegerType>(type.getElementType()) || type.getElementType().isInteger(1) ||
      !llvm::all_of(type.getShape(), [](int64_t dim) { return dim == 1; })) {
    node.error() << "the position must be a single integer, got " << type;
    return failure();
  }
  OpBuilder &b = node.builder;
  SmallVector<Value> zeros(type.getRank(), arith::ConstantIndexOp::create(b, node.loc, 0));
  Value scalar = tensor::ExtractOp::create(b, node.loc, node.input(index), zeros);
  if (!type.getElementType().isInteger(64))
    scalar = arith::ExtSIOp::create(b, node.loc, b.getI64Type(), scalar);
  return scalar;
}

/// A position known at import time, or computed at run time (i64, normalized and clamped).
struct Position {
  std::optional<int64_t> known;
  Value computed;
};

/// Normalizes a position into `[0, last]` for a sequence of `length`: a negative one counts
/// from the end. A known position out of range is an error; one computed at run time is
/// clamped, so that no input makes the compiled code read outside the sequence.
FailureOr<Position> position(NodeContext &node, int index, int64_t length, int64_t last) {
  if (std::optional<std::vector<int64_t>> known = node.constantInts(index)) {
    if (known->size() != 1) {
      node.error() << "the position must be a single integer";
      return failure();
    }
    int64_t value = known->front() < 0 ? known->front() + length : known->front();
    if (value < 0 || value > last) {
      node.error() << "position " << known->front() << " is out of range for a sequence of "
                   << length << " tensor(s)";
      return failure();
    }
    return Position{value, Value()};
  }
  FailureOr<Value> scalar = scalarPosition(node, index);
  if (failed(scalar))
    return failure();
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  auto constant = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 64); };
  Value zero = constant(0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, *scalar, zero);
  Value shifted = arith::AddIOp::create(b, loc, *scalar, constant(length));
  Value normalized = arith::SelectOp::create(b, loc, negative, shifted, *scalar);
  Value clamped = arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, normalized, constant(last)), zero);
  return Position{std::nullopt, clamped};
}

/// The candidate at run-time index `choice` (i64 in `[0, candidates.size())`), as one value of
/// the candidates' joined type.
FailureOr<Value> pick(NodeContext &node, Value choice, ArrayRef<Value> candidates) {
  if (llvm::all_equal(candidates))
    return candidates.front();
  FailureOr<RankedTensorType> type = joinedType(node, candidates);
  if (failed(type))
    return failure();
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), choice);
  SmallVector<int64_t> cases;
  for (int64_t i = 1; i < int64_t(candidates.size()); ++i)
    cases.push_back(i);
  auto switchOp = scf::IndexSwitchOp::create(b, loc, TypeRange{*type}, index, cases, cases.size());
  auto fill = [&](Region &region, Value value) {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&region);
    if (value.getType() != *type)
      value = tensor::CastOp::create(b, loc, *type, value);
    scf::YieldOp::create(b, loc, value);
  };
  // The default region takes candidate 0: the index is clamped, so nothing else reaches it.
  fill(switchOp.getDefaultRegion(), candidates.front());
  for (auto [i, region] : llvm::enumerate(switchOp.getCaseRegions()))
    fill(region, candidates[i + 1]);
  return switchOp.getResult(0);
}

const SmallVector<Value> *sequenceInput(NodeContext &node, int index) {
  const SmallVector<Value> *elements = node.sequence(index);
  if (!elements)
    node.error() << "input " << index << " must be a sequence";
  return elements;
}

LogicalResult checkElementType(NodeContext &node, ArrayRef<Value> elements, Value tensor) {
  if (!tensor) {
    node.error() << "expected a tensor to insert";
    return failure();
  }
  if (elements.empty())
    return success();
  Type want = cast<RankedTensorType>(elements.front().getType()).getElementType();
  Type have = cast<RankedTensorType>(tensor.getType()).getElementType();
  if (want != have) {
    node.error() << "cannot put a tensor of " << have << " into a sequence of " << want;
    return failure();
  }
  return success();
}

LogicalResult sequenceConstruct(NodeContext &node) {
  SmallVector<Value> elements;
  for (int i = 0; i < node.numInputs(); ++i) {
    if (!node.input(i)) {
      node.error() << "input " << i << " must be a tensor";
      return failure();
    }
    if (failed(checkElementType(node, elements, node.input(i))))
      return failure();
    elements.push_back(node.input(i));
  }
  node.setSequenceOutput(0, std::move(elements));
  return success();
}

LogicalResult sequenceEmpty(NodeContext &node) {
  if (std::optional<int64_t> dtype = node.intAttr("dtype")) {
    std::string error;
    if (failed(elementTypeOf(int32_t(*dtype), node.builder, error))) {
      node.error() << error;
      return failure();
    }
  }
  node.setSequenceOutput(0, {});
  return success();
}

LogicalResult sequenceInsert(NodeContext &node) {
  const SmallVector<Value> *old = sequenceInput(node, 0);
  if (!old)
    return failure();
  Value tensor = node.input(1);
  if (failed(checkElementType(node, *old, tensor)))
    return failure();
  int64_t length = old->size();
  SmallVector<Value> elements(*old);
  if (!node.hasInput(2)) {
    elements.push_back(tensor);
    node.setSequenceOutput(0, std::move(elements));
    return success();
  }
  FailureOr<Position> at = position(node, 2, length, length);
  if (failed(at))
    return failure();
  if (at->known) {
    elements.insert(elements.begin() + *at->known, tensor);
    node.setSequenceOutput(0, std::move(elements));
    return success();
  }
  // Element k of the result is old[k] before the position, the tensor at it, old[k - 1] after.
  OpBuilder &b = node.builder;
  SmallVector<Value> result;
  for (int64_t k = 0; k <= length; ++k) {
    Value index = arith::ConstantIntOp::create(b, node.loc, k, 64);
    Value before =
        arith::CmpIOp::create(b, node.loc, arith::CmpIPredicate::slt, index, at->computed);
    Value equal = arith::CmpIOp::create(b, node.loc, arith::CmpIPredicate::eq, index, at->computed);
    auto constant = [&](int64_t v) { return arith::ConstantIntOp::create(b, node.loc, v, 64); };
    Value choice = arith::SelectOp::create(
        b, node.loc, before, constant(0),
        arith::SelectOp::create(b, node.loc, equal, constant(1), constant(2)));
    Value current = k < length ? (*old)[k] : tensor;
    Value previous = k > 0 ? (*old)[k - 1] : tensor;
    FailureOr<Value> element = pick(node, choice, {current, tensor, previous});
    if (failed(element))
      return failure();
    result.push_back(*element);
  }
  node.setSequenceOutput(0, std::move(result));
  return success();
}

LogicalResult sequenceErase(NodeContext &node) {
  const SmallVector<Value> *old = sequenceInput(node, 0);
  if (!old)
    return failure();
  int64_t length = old->size();
  if (length == 0) {
    node.error() << "cannot erase from an empty sequence";
    return failure();
  }
  SmallVector<Value> elements(*old);
  if (!node.hasInput(1)) {
    elements.pop_back();
    node.setSequenceOutput(0, std::move(elements));
    return success();
  }
  FailureOr<Position> at = position(node, 1, length, length - 1);
  if (failed(at))
    return failure();
  if (at->known) {
    elements.erase(elements.begin() + *at->known);
    node.setSequenceOutput(0, std::move(elements));
    return success();
  }
  // Element k of the result is old[k] before the position and old[k + 1] from it on.
  OpBuilder &b = node.builder;
  SmallVector<Value> result;
  for (int64_t k = 0; k + 1 < length; ++k) {
    Value index = arith::ConstantIntOp::create(b, node.loc, k, 64);
    Value before =
        arith::CmpIOp::create(b, node.loc, arith::CmpIPredicate::slt, index, at->computed);
    Value choice = arith::ExtUIOp::create(
        b, node.loc, b.getI64Type(),
        arith::XOrIOp::create(b, node.loc, before,
                              arith::ConstantIntOp::create(b, node.loc, 1, 1)));
    FailureOr<Value> element = pick(node, choice, {(*old)[k], (*old)[k + 1]});
    if (failed(element))
      return failure();
    result.push_back(*element);
  }
  node.setSequenceOutput(0, std::move(result));
  return success();
}

LogicalResult sequenceAt(NodeContext &node) {
  const SmallVector<Value> *elements = sequenceInput(node, 0);
  if (!elements)
    return failure();
  int64_t length = elements->size();
  if (length == 0) {
    node.error() << "cannot read from an empty sequence";
    return failure();
  }
  FailureOr<Position> at = position(node, 1, length, length - 1);
  if (failed(at))
    return failure();
  if (at->known) {
    node.setOutput(0, (*elements)[*at->known]);
    return success();
  }
  FailureOr<Value> element = pick(node, at->computed, *elements);
  if (failed(element))
    return failure();
  node.setOutput(0, *element);
  return success();
}

LogicalResult sequenceLength(NodeContext &node) {
  const SmallVector<Value> *elements = sequenceInput(node, 0);
  if (!elements)
    return failure();
  node.setOutput(0, node.scalar(double(elements->size()), node.builder.getI64Type()));
  return success();
}

/// Inserts a unit dim at `axis` of `value`, dynamic dims included.
Value unsqueeze(NodeContext &node, Value value, int64_t axis) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + axis, 1);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(node.builder, node.loc, resultType, value,
                                         ArrayRef<ReassociationIndices>{});
  SmallVector<ReassociationIndices> groups;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    groups.push_back({dim + (dim >= axis ? 1 : 0)});
  if (axis < type.getRank())
    groups[axis].insert(groups[axis].begin(), axis);
  else
    groups.back().push_back(axis);
  return tensor::ExpandShapeOp::create(node.builder, node.loc, resultType, value, groups);
}

/// Drops the unit dim at `axis` of `value`.
Value squeeze(NodeContext &node, Value value, int64_t axis) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<ReassociationIndices> groups;
  for (int64_t dim = 0; dim < resultType.getRank(); ++dim)
    groups.push_back({dim + (dim >= axis ? 1 : 0)});
  if (!groups.empty()) {
    if (axis < resultType.getRank())
      groups[axis].insert(groups[axis].begin(), axis);
    else
      groups.back().push_back(axis);
  }
  return tensor::CollapseShapeOp::create(node.builder, node.loc, resultType, value, groups);
}

LogicalResult concatFromSequence(NodeContext &node) {
  const SmallVector<Value> *elements = sequenceInput(node, 0);
  if (!elements)
    return failure();
  if (elements->empty()) {
    node.error() << "cannot concatenate an empty sequence";
    return failure();
  }
  std::optional<int64_t> axisAttr = node.intAttr("axis");
  if (!axisAttr) {
    node.error() << "the 'axis' attribute is required";
    return failure();
  }
  bool newAxis = node.intAttr("new_axis", 0) != 0;
  int64_t rank = cast<RankedTensorType>(elements->front().getType()).getRank();
  FailureOr<int64_t> axis = node.normalizeAxis(*axisAttr, newAxis ? rank + 1 : rank);
  if (failed(axis))
    return failure();
  SmallVector<Value> inputs;
  for (Value element : *elements) {
    if (cast<RankedTensorType>(element.getType()).getRank() != rank) {
      node.error() << "the sequence's tensors have different ranks";
      return failure();
    }
    inputs.push_back(newAxis ? unsqueeze(node, element, *axis) : element);
  }
  if (inputs.size() == 1) {
    node.setOutput(0, inputs.front());
    return success();
  }
  FailureOr<Value> result = node.create<llm::ConcatOp>(inputs, *axis);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// SplitToSequence: chunks along `axis`, of the sizes in `split` (a list, or one size that
/// repeats with a smaller last chunk), or of size 1 without `split` (then squeezed unless
/// keepdims).
LogicalResult splitToSequence(NodeContext &node) {
  Value input = node.input(0);
  RankedTensorType type = node.inputType(0);
  if (type.getRank() == 0) {
    node.error() << "cannot split a scalar";
    return failure();
  }
  FailureOr<int64_t> axis = node.normalizeAxis(node.intAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  int64_t dim = type.getDimSize(*axis);
  // Offsets and sizes of the chunks along `axis`, static where known.
  SmallVector<OpFoldResult> offsets, sizes;
  bool squeezeChunks = false;
  if (!node.hasInput(1)) {
    if (ShapedType::isDynamic(dim)) {
      node.error() << "splitting dynamic dim " << *axis << " into single slices needs its size";
      return failure();
    }
    for (int64_t i = 0; i < dim; ++i) {
      offsets.push_back(b.getIndexAttr(i));
      sizes.push_back(b.getIndexAttr(1));
    }
    squeezeChunks = node.intAttr("keepdims", 1) == 0;
  } else {
    RankedTensorType splitType = node.inputType(1);
    if (splitType.getRank() > 1 || !isa<IntegerType>(splitType.getElementType())) {
      node.error() << "split must be an integer scalar or 1-D tensor, got " << splitType;
      return failure();
    }
    std::optional<std::vector<int64_t>> known = node.constantInts(1);
    if (known && splitType.getRank() == 0) {
      int64_t chunk = known->front();
      if (chunk <= 0 || ShapedType::isDynamic(dim)) {
        node.error() << "a split size of " << chunk << " along dim " << *axis << " of " << type
                     << " is not supported";
        return failure();
      }
      for (int64_t start = 0; start < dim; start += chunk) {
        offsets.push_back(b.getIndexAttr(start));
        sizes.push_back(b.getIndexAttr(std::min(chunk, dim - start)));
      }
    } else if (known) {
      int64_t start = 0;
      for (int64_t size : *known) {
        if (size < 0) {
          node.error() << "split sizes must not be negative";
          return failure();
        }
        offsets.push_back(b.getIndexAttr(start));
        sizes.push_back(b.getIndexAttr(size));
        start += size;
      }
      if (!ShapedType::isDynamic(dim) && start != dim) {
        node.error() << "split sizes add up to " << start << ", but dim " << *axis << " is " << dim;
        return failure();
      }
    } else if (splitType.getRank() == 1 && !splitType.isDynamicDim(0)) {
      // Sizes known only at run time: clamp every chunk into the dim, so that no input makes
      // the code read outside the tensor.
      Value extent = tensor::DimOp::create(b, loc, input, *axis);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value start = zero;
      for (int64_t i = 0; i < splitType.getDimSize(0); ++i) {
        Value size = tensor::ExtractOp::create(
            b, loc, node.input(1), ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
        size = arith::IndexCastOp::create(b, loc, b.getIndexType(), size);
        Value room = arith::SubIOp::create(b, loc, extent, start);
        size = arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, size, room), zero);
        offsets.push_back(start);
        sizes.push_back(size);
        start = arith::AddIOp::create(b, loc, start, size);
      }
    } else {
      node.error() << "split sizes computed at run time need a static count";
      return failure();
    }
  }
  SmallVector<Value> elements;
  for (auto [offset, size] : llvm::zip(offsets, sizes)) {
    SmallVector<OpFoldResult> chunkOffsets(type.getRank(), b.getIndexAttr(0)), chunkSizes,
        strides(type.getRank(), b.getIndexAttr(1));
    for (int64_t d = 0; d < type.getRank(); ++d)
      chunkSizes.push_back(type.isDynamicDim(d)
                               ? OpFoldResult(tensor::DimOp::create(b, loc, input, d).getResult())
                               : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
    chunkOffsets[*axis] = offset;
    chunkSizes[*axis] = size;
    Value chunk = tensor::ExtractSliceOp::create(b, loc, input, chunkOffsets, chunkSizes, strides);
    elements.push_back(squeezeChunks ? squeeze(node, chunk, *axis) : chunk);
  }
  node.setSequenceOutput(0, std::move(elements));
  return success();
}

LogicalResult optional(NodeContext &node) {
  if (node.hasInput(0))
    node.forwardInput(0, 0);
  else
    node.setEmptyOptionalOutput(0);
  return success();
}

LogicalResult optionalHasElement(NodeContext &node) {
  bool has = node.hasInput(0) && !node.isEmptyOptional(0);
  node.setOutput(0, node.constant(DenseElementsAttr::get(
                        RankedTensorType::get({}, node.builder.getI1Type()), has)));
  return success();
}

LogicalResult optionalGetElement(NodeContext &node) {
  if (node.isEmptyOptional(0)) {
    node.error() << "the optional is empty";
    return failure();
  }
  node.forwardInput(0, 0);
  return success();
}

LogicalResult identity(NodeContext &node) {
  node.forwardInput(0, 0);
  return success();
}

} // namespace

void registerSequenceOps(OpRegistry &registry) {
  registry.add({"SequenceConstruct", 11, 1, 1024, 1, 1, sequenceConstruct});
  registry.add({"SequenceEmpty", 11, 0, 0, 1, 1, sequenceEmpty});
  registry.add({"SequenceInsert", 11, 2, 3, 1, 1, sequenceInsert});
  registry.add({"SequenceErase", 11, 1, 2, 1, 1, sequenceErase});
  registry.add({"SequenceAt", 11, 2, 2, 1, 1, sequenceAt});
  registry.add({"SequenceLength", 11, 1, 1, 1, 1, sequenceLength});
  registry.add({"ConcatFromSequence", 11, 1, 1, 1, 1, concatFromSequence});
  registry.add({"SplitToSequence", 11, 1, 2, 1, 1, splitToSequence});
  registry.add({"Optional", 15, 0, 1, 1, 1, optional});
  registry.add({"OptionalHasElement", 15, 0, 1, 1, 1, optionalHasElement});
  registry.add({"OptionalGetElement", 15, 1, 1, 1, 1, optionalGetElement});
  // Identity takes sequences since version 14 and optionals since 16.
  registry.add({"Identity", 14, 1, 1, 1, 1, identity});
  registry.add({"Identity", 16, 1, 1, 1, 1, identity});
}

} // namespace llmc::onnx_frontend
