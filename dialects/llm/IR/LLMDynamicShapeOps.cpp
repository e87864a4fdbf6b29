//===- LLMDynamicShapeOps.cpp - Shape rules of the ops with run-time shape operands -===//
#include "dialects/llm/IR/LLMOpsSupport.h"

#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

/// The values of `value` when it is an integer constant.
std::optional<SmallVector<int64_t>> constantIntegers(Value value) {
  DenseIntElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<int64_t> result;
  for (const APInt &element : attr.getValues<APInt>())
    result.push_back(element.getSExtValue());
  return result;
}

bool isIntegerVector(RankedTensorType type) {
  return type && type.getRank() == 1 && isa<IntegerType, IndexType>(type.getElementType());
}

/// The length of ONNX Slice's range over a dim of `size`: bounds wrap once when negative and
/// are clamped, as the lowering computes them at run time. Dynamic when the size is, or the
/// step cannot be negated.
int64_t slicedLength(int64_t size, int64_t start, int64_t end, int64_t step) {
  if (ShapedType::isDynamic(size) || step == 0 || step == std::numeric_limits<int64_t>::min())
    return ShapedType::kDynamic;
  auto wrap = [&](int64_t value, int64_t low, int64_t high) {
    if (value < 0)
      value += size;
    return std::clamp(value, low, high);
  };
  // Both bounds end up in [-1, size], so the differences cannot overflow.
  if (step > 0) {
    start = wrap(start, 0, size);
    end = wrap(end, 0, size);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = wrap(start, -1, size - 1);
  end = wrap(end, -1, size - 1);
  return start > end ? (start - end - step - 1) / -step : 0;
}

template <typename OpTy>
FailureOr<Type> inferShapeOf(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  return Type(RankedTensorType::get({input.getRank()}, IntegerType::get(input.getContext(), 64)));
}

template <typename OpTy>
FailureOr<Type> inferDynamicSlice(std::optional<Location> location,
                                  typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  std::pair<const char *, RankedTensorType> params[] = {{"starts", tensorOf(adaptor.getStarts())},
                                                        {"ends", tensorOf(adaptor.getEnds())},
                                                        {"axes", tensorOf(adaptor.getAxes())},
                                                        {"steps", tensorOf(adaptor.getSteps())}};
  int64_t length = ShapedType::kDynamic;
  for (auto [name, type] : params) {
    if (!isIntegerVector(type) || type.isDynamicDim(0))
      return inferenceError<OpTy>(location,
                                  std::string(name) +
                                      " must be a 1-D integer tensor of static length, "
                                      "got " +
                                      (type ? "'" + describe(type) + "'" : std::string("none")));
    if (ShapedType::isDynamic(length))
      length = type.getDimSize(0);
    else if (type.getDimSize(0) != length)
      return inferenceError<OpTy>(
          location, std::string(name) + " has " + std::to_string(type.getDimSize(0)) +
                        " entries, expected " + std::to_string(length) + " like starts");
  }
  int64_t rank = input.getRank();
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  if (std::optional<SmallVector<int64_t>> axes = constantIntegers(adaptor.getAxes())) {
    SmallVector<bool> named(rank, false);
    for (int64_t axis : *axes) {
      int64_t normalized = axis < 0 ? axis + rank : axis;
      if (std::string error = shapes::checkAxis(normalized, rank); !error.empty())
        return inferenceError<OpTy>(location, error);
      if (named[normalized])
        return inferenceError<OpTy>(location,
                                    "axis " + std::to_string(normalized) + " is sliced twice");
      named[normalized] = true;
    }
    for (int64_t dim = 0; dim < rank; ++dim)
      if (!named[dim])
        shape[dim] = input.getDimSize(dim);
    // A static dim sliced with constant bounds has the length ONNX's clamping gives, so that
    // channels stay static when only the time dim is dynamic.
    std::optional<SmallVector<int64_t>> starts = constantIntegers(adaptor.getStarts());
    std::optional<SmallVector<int64_t>> ends = constantIntegers(adaptor.getEnds());
    std::optional<SmallVector<int64_t>> steps = constantIntegers(adaptor.getSteps());
    if (starts && ends && steps)
      for (auto [index, axis] : llvm::enumerate(*axes)) {
        int64_t dim = axis < 0 ? axis + rank : axis;
        shape[dim] =
            slicedLength(input.getDimSize(dim), (*starts)[index], (*ends)[index], (*steps)[index]);
      }
  }
  return Type(RankedTensorType::get(shape, input.getElementType()));
}

template <typename OpTy>
FailureOr<Type> inferRange(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  std::pair<const char *, RankedTensorType> params[] = {{"start", tensorOf(adaptor.getStart())},
                                                        {"limit", tensorOf(adaptor.getLimit())},
                                                        {"delta", tensorOf(adaptor.getDelta())}};
  Type element;
  for (auto [name, type] : params) {
    if (!type || type.getRank() != 0)
      return inferenceError<OpTy>(location,
                                  std::string(name) + " must be a scalar (a rank-0 tensor), got " +
                                      (type ? "'" + describe(type) + "'" : std::string("none")));
    if (!isa<IntegerType, FloatType>(type.getElementType()) || type.getElementType().isInteger(1))
      return inferenceError<OpTy>(location, std::string("expected integer or float operands, "
                                                        "got '") +
                                                describe(type.getElementType()) + "'");
    if (!element)
      element = type.getElementType();
    else if (type.getElementType() != element)
      return inferenceError<OpTy>(location, std::string(name) + " has element type '" +
                                                describe(type.getElementType()) + "', expected '" +
                                                describe(element) + "' like start");
  }
  return Type(RankedTensorType::get({ShapedType::kDynamic}, element));
}

template <typename OpTy>
FailureOr<Type> inferPad(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput()), pads = tensorOf(adaptor.getPads());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  int64_t rank = input.getRank();
  if (!isIntegerVector(pads) || pads.getDimSize(0) != 2 * rank)
    return inferenceError<OpTy>(location,
                                "pads must be a 1-D integer tensor of length " +
                                    std::to_string(2 * rank) + " (twice the input rank), got " +
                                    (pads ? "'" + describe(pads) + "'" : std::string("none")));
  StringRef mode = adaptor.getMode();
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    return inferenceError<OpTy>(location,
                                "mode must be constant, edge or reflect, got '" + mode.str() + "'");
  if (Value value = adaptor.getValue()) {
    RankedTensorType valueType = tensorOf(value);
    if (!valueType || valueType.getRank() != 0 ||
        valueType.getElementType() != input.getElementType())
      return inferenceError<OpTy>(
          location, "value must be a scalar of the input's element type '" +
                        describe(input.getElementType()) + "', got " +
                        (valueType ? "'" + describe(valueType) + "'" : std::string("none")));
  }
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  if (std::optional<SmallVector<int64_t>> amounts = constantIntegers(adaptor.getPads())) {
    for (int64_t dim = 0; dim < rank; ++dim) {
      int64_t size = input.getDimSize(dim);
      if (ShapedType::isDynamic(size))
        continue;
      int64_t padded = size + (*amounts)[dim] + (*amounts)[dim + rank];
      if (padded < 0)
        return inferenceError<OpTy>(location, "pads crop more than the " + std::to_string(size) +
                                                  " elements of dim " + std::to_string(dim));
      shape[dim] = padded;
    }
  }
  return Type(RankedTensorType::get(shape, input.getElementType()));
}

template <typename OpTy>
FailureOr<Type> inferDynamicReduce(std::optional<Location> location,
                                   typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput()), axes = tensorOf(adaptor.getAxes());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  StringRef kind = adaptor.getKind();
  if (kind != "sum" && kind != "mean" && kind != "max" && kind != "min" && kind != "prod")
    return inferenceError<OpTy>(location, "kind must be sum, mean, max, min or prod, got '" +
                                              kind.str() + "'");
  if (!isIntegerVector(axes))
    return inferenceError<OpTy>(location,
                                "axes must be a 1-D integer tensor, got " +
                                    (axes ? "'" + describe(axes) + "'" : std::string("none")));
  int64_t rank = input.getRank();
  if (adaptor.getKeepDims()) {
    SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
    for (int64_t dim = 0; dim < rank; ++dim)
      if (input.getDimSize(dim) == 1)
        shape[dim] = 1;
    return Type(RankedTensorType::get(shape, input.getElementType()));
  }
  if (axes.isDynamicDim(0))
    return inferenceError<OpTy>(location, "without keep_dims, axes must have a static length (the "
                                          "number of dimensions removed), got '" +
                                              describe(axes) + "'");
  int64_t count = axes.getDimSize(0);
  if (count > rank)
    return inferenceError<OpTy>(location, "axes has " + std::to_string(count) +
                                              " entries, more than the input rank " +
                                              std::to_string(rank));
  int64_t resultRank = count == 0 ? (adaptor.getNoopWithEmptyAxes() ? rank : 0) : rank - count;
  SmallVector<int64_t> shape(resultRank, ShapedType::kDynamic);
  if (count == 0 && adaptor.getNoopWithEmptyAxes())
    shape.assign(input.getShape().begin(), input.getShape().end());
  return Type(RankedTensorType::get(shape, input.getElementType()));
}

} // namespace

LLMC_INFERRED_OP(ShapeOfOp, inferShapeOf)
LLMC_INFERRED_OP(DynamicSliceOp, inferDynamicSlice)
LLMC_INFERRED_OP(RangeOp, inferRange)
LLMC_INFERRED_OP(PadOp, inferPad)
LLMC_INFERRED_OP(DynamicReduceOp, inferDynamicReduce)

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto input = cast<RankedTensorType>(getInput().getType());
  if (!input.hasStaticShape() || !getType().hasStaticShape())
    return {};
  return DenseElementsAttr::get(cast<ShapedType>(getType()), input.getShape());
}
