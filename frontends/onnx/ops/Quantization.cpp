//===- Quantization.cpp - ONNX quantization and integer matmul/conv ops ----===//
//
// QuantizeLinear and DequantizeLinear become llm.quantize / llm.dequantize on a
// `!quant.uniform` type when their scales and zero points are constants (what quantization
// passes fuse); with run-time scales they are composed of elementwise llm ops. The integer
// products (MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv) accumulate in i32, as ONNX
// defines them, and only the requantization of QLinear* computes in float.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// The range of an integer type, signless read as signed.
std::pair<double, double> integerRange(Type type) {
  unsigned width = type.getIntOrFloatBitWidth();
  if (type.isUnsignedInteger())
    return {0.0, std::ldexp(1.0, int(width)) - 1};
  return {-std::ldexp(1.0, int(width) - 1), std::ldexp(1.0, int(width) - 1) - 1};
}

bool isQuantizedStorage(Type type) {
  return isa<IntegerType>(type) && !type.isInteger(1) && type.getIntOrFloatBitWidth() <= 32;
}

/// A quantization parameter (scale or zero point) shaped to broadcast against a tensor of
/// `rank` along `axis`: a scalar (or a one-element vector) as a scalar, a vector of the axis's
/// length as `[size, 1, ..., 1]`.
FailureOr<Value> alongAxis(NodeContext &node, Value param, int64_t rank, int64_t axis,
                           int64_t axisSize, llvm::StringRef what) {
  auto type = cast<RankedTensorType>(param.getType());
  if (type.getRank() == 0)
    return param;
  if (type.getRank() != 1) {
    node.error() << what << " must be a scalar or a vector, got rank " << type.getRank();
    return failure();
  }
  if (type.getDimSize(0) == 1)
    return node.reshape(param, {});
  if (!ShapedType::isDynamic(type.getDimSize(0)) && !ShapedType::isDynamic(axisSize) &&
      type.getDimSize(0) != axisSize) {
    node.error() << what << " has " << type.getDimSize(0) << " values, but axis " << axis
                 << " has size " << axisSize;
    return failure();
  }
  SmallVector<int64_t> shape(rank - axis, 1);
  shape[0] = type.getDimSize(0);
  return node.reshape(param, shape);
}

Value castValue(NodeContext &node, Value value, Type element) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == element)
    return value;
  return llm::CastOp::create(node.builder, node.loc, type.clone(element), value);
}

/// saturate(round_half_even(scaled) + zero_point) in `storage`.
FailureOr<Value> saturateToStorage(NodeContext &node, Value scaled, Value zeroPoint, Type storage) {
  Type real = cast<RankedTensorType>(scaled.getType()).getElementType();
  Value rounded = llm::RoundOp::create(node.builder, node.loc, scaled);
  if (zeroPoint) {
    FailureOr<Value> shifted = node.create<llm::AddOp>(rounded, castValue(node, zeroPoint, real));
    if (failed(shifted))
      return failure();
    rounded = *shifted;
  }
  auto [lowest, highest] = integerRange(storage);
  Value clamped =
      llm::ClampOp::create(node.builder, node.loc, rounded, node.builder.getF64FloatAttr(lowest),
                           node.builder.getF64FloatAttr(highest));
  return castValue(node, clamped, storage);
}

/// The constant values of `value` as doubles, or nothing when it is not a constant.
std::optional<SmallVector<double>> constantValues(Value value) {
  DenseElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> values;
  if (isa<FloatType>(attr.getElementType())) {
    for (const APFloat &element : attr.getValues<APFloat>())
      values.push_back(element.convertToDouble());
  } else {
    bool isUnsigned = attr.getElementType().isUnsignedInteger();
    for (const APInt &element : attr.getValues<APInt>())
      values.push_back(element.roundToDouble(!isUnsigned));
  }
  return values;
}

/// The `!quant.uniform` type that constant scales and zero points describe, when they fit one
/// (finite, normal, positive scales; zero points in the storage range).
quant::QuantizedType constantQuantizedType(Value scale, Value zeroPoint, Type storage,
                                           Type expressed, int64_t axis) {
  std::optional<SmallVector<double>> scales = constantValues(scale);
  if (!scales || scales->empty() || !isa<FloatType>(expressed))
    return {};
  SmallVector<double> zeroPoints(scales->size(), 0.0);
  if (zeroPoint) {
    std::optional<SmallVector<double>> values = constantValues(zeroPoint);
    if (!values || values->size() != scales->size())
      return {};
    zeroPoints = *values;
  }
  const llvm::fltSemantics &semantics = cast<FloatType>(expressed).getFloatSemantics();
  double smallest = APFloat::getSmallestNormalized(semantics).convertToDouble();
  double largest = APFloat::getLargest(semantics).convertToDouble();
  auto [lowest, highest] = integerRange(storage);
  for (auto [s, z] : llvm::zip_equal(*scales, zeroPoints))
    if (!(s >= smallest && s <= largest) || z < lowest || z > highest)
      return {};
  unsigned width = storage.getIntOrFloatBitWidth();
  bool isSigned = !storage.isUnsignedInteger();
  MLIRContext *context = storage.getContext();
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type stored = IntegerType::get(context, width);
  int64_t storageMin = quant::QuantizedType::getDefaultMinimumForInteger(isSigned, width);
  int64_t storageMax = quant::QuantizedType::getDefaultMaximumForInteger(isSigned, width);
  auto scalar = cast<RankedTensorType>(scale.getType()).getRank() == 0 || scales->size() == 1;
  if (scalar)
    return quant::UniformQuantizedType::get(flags, stored, expressed, scales->front(),
                                            int64_t(zeroPoints.front()), storageMin, storageMax);
  SmallVector<int64_t> integerZeroPoints;
  for (double z : zeroPoints)
    integerZeroPoints.push_back(int64_t(z));
  return quant::UniformQuantizedPerAxisType::get(
      flags, stored, expressed, *scales, integerZeroPoints, int32_t(axis), storageMin, storageMax);
}

/// Whether a per-axis type has one scale per slice of a tensor of `rank` whose quantized axis
/// has `axisSize` slices (known statically); per-tensor types fit every tensor. Parameters that
/// do not fit take the run-time path, which reports them.
bool fitsAxis(quant::QuantizedType type, int64_t rank, int64_t axisSize) {
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  return !perAxis || (rank > 0 && !ShapedType::isDynamic(axisSize) &&
                      int64_t(perAxis.getScales().size()) == axisSize);
}

/// True for a tensor type that statically holds exactly one value.
bool holdsOneValue(RankedTensorType type) {
  return type.hasStaticShape() && type.getNumElements() == 1;
}

/// The quantization axis of a Quantize/DequantizeLinear node: `axis` since opset 13, which
/// matters (and is checked) only when the scale is a vector of more than one value.
FailureOr<int64_t> quantizationAxis(NodeContext &node, int64_t rank) {
  if (std::optional<int64_t> blockSize = node.intAttr("block_size"); blockSize && *blockSize) {
    node.error() << "blocked quantization (block_size " << *blockSize << ") is not supported";
    return failure();
  }
  RankedTensorType scale = node.inputType(1);
  bool perAxis = scale.getRank() == 1 && scale.getDimSize(0) != 1;
  if (!perAxis)
    return int64_t(0);
  if (node.opset < 13) {
    node.error() << "per-axis scales need opset 13 or later";
    return failure();
  }
  return node.normalizeAxis(node.intAttr("axis", 1), rank);
}

/// Checks that a scale is a float tensor and a zero point an integer one of at most 32 bits.
LogicalResult checkParams(NodeContext &node, int scaleIndex, int zeroPointIndex) {
  Type scale = node.inputType(scaleIndex).getElementType();
  if (!isa<FloatType>(scale)) {
    node.error() << "expected a float scale, got " << scale;
    return failure();
  }
  if (zeroPointIndex >= 0 && node.hasInput(zeroPointIndex)) {
    Type zeroPoint = node.inputType(zeroPointIndex).getElementType();
    if (!isQuantizedStorage(zeroPoint)) {
      node.error() << "expected an integer zero point of at most 32 bits, got " << zeroPoint;
      return failure();
    }
  }
  return success();
}

LogicalResult quantizeLinear(NodeContext &node) {
  if (failed(checkParams(node, 1, 2)))
    return failure();
  RankedTensorType xType = node.inputType(0);
  Type real = node.inputType(1).getElementType();
  Type storage = node.hasInput(2) ? node.inputType(2).getElementType()
                                  : node.builder.getIntegerType(8, /*isSigned=*/false);
  if (!isa<FloatType, IntegerType>(xType.getElementType())) {
    node.error() << "cannot quantize " << xType.getElementType();
    return failure();
  }
  FailureOr<int64_t> axis = quantizationAxis(node, xType.getRank());
  if (failed(axis))
    return failure();
  int64_t rank = xType.getRank();
  int64_t axisSize = rank ? xType.getDimSize(*axis) : 1;
  Value x = castValue(node, node.input(0), real);
  Value zeroPoint = node.hasInput(2) ? node.input(2) : Value();
  if (quant::QuantizedType quantized =
          constantQuantizedType(node.input(1), zeroPoint, storage, real, *axis);
      quantized && fitsAxis(quantized, rank, axisSize)) {
    auto type = cast<RankedTensorType>(x.getType());
    Value quantizedValue =
        llm::QuantizeOp::create(node.builder, node.loc, type.clone(quantized), x);
    node.setOutput(
        0, llm::BitcastOp::create(node.builder, node.loc, type.clone(storage), quantizedValue));
    return success();
  }
  FailureOr<Value> scale = alongAxis(node, node.input(1), rank, *axis, axisSize, "y_scale");
  if (failed(scale))
    return failure();
  if (zeroPoint) {
    FailureOr<Value> shaped = alongAxis(node, zeroPoint, rank, *axis, axisSize, "y_zero_point");
    if (failed(shaped))
      return failure();
    zeroPoint = *shaped;
  }
  FailureOr<Value> scaled = node.create<llm::DivOp>(x, *scale);
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = saturateToStorage(node, *scaled, zeroPoint, storage);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult dequantizeLinear(NodeContext &node) {
  if (failed(checkParams(node, 1, 2)))
    return failure();
  RankedTensorType xType = node.inputType(0);
  Type storage = xType.getElementType(), real = node.inputType(1).getElementType();
  if (!isQuantizedStorage(storage)) {
    node.error() << "expected integer input of at most 32 bits, got " << storage;
    return failure();
  }
  if (node.hasInput(2) && node.inputType(2).getElementType() != storage) {
    node.error() << "x_zero_point has element type " << node.inputType(2).getElementType()
                 << ", expected " << storage << " like x";
    return failure();
  }
  FailureOr<int64_t> axis = quantizationAxis(node, xType.getRank());
  if (failed(axis))
    return failure();
  int64_t rank = xType.getRank();
  int64_t axisSize = rank ? xType.getDimSize(*axis) : 1;
  Value zeroPoint = node.hasInput(2) ? node.input(2) : Value();
  if (quant::QuantizedType quantized =
          constantQuantizedType(node.input(1), zeroPoint, storage, real, *axis);
      quantized && fitsAxis(quantized, rank, axisSize)) {
    Value stored =
        llm::BitcastOp::create(node.builder, node.loc, xType.clone(quantized), node.input(0));
    FailureOr<Value> result = node.create<llm::DequantizeOp>(stored);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  FailureOr<Value> scale = alongAxis(node, node.input(1), rank, *axis, axisSize, "x_scale");
  if (failed(scale))
    return failure();
  Value x = castValue(node, node.input(0), real);
  if (zeroPoint) {
    FailureOr<Value> shaped = alongAxis(node, zeroPoint, rank, *axis, axisSize, "x_zero_point");
    if (failed(shaped))
      return failure();
    FailureOr<Value> centered = node.create<llm::SubOp>(x, castValue(node, *shaped, real));
    if (failed(centered))
      return failure();
    x = *centered;
  }
  FailureOr<Value> result = node.create<llm::MulOp>(x, *scale);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// y_scale = (max(x, 0) - min(x, 0)) / 255, y_zero_point = saturate(round(-min(x, 0) /
/// y_scale)), y = saturate(round(x / y_scale) + y_zero_point), all as uint8.
LogicalResult dynamicQuantizeLinear(NodeContext &node) {
  RankedTensorType xType = node.inputType(0);
  Type real = xType.getElementType();
  if (!isa<FloatType>(real)) {
    node.error() << "expected float input, got " << real;
    return failure();
  }
  Type u8 = node.builder.getIntegerType(8, /*isSigned=*/false);
  Value x = node.input(0);
  auto axes =
      node.builder.getDenseI64ArrayAttr(llvm::to_vector(llvm::seq<int64_t>(0, xType.getRank())));
  FailureOr<Value> minimum = node.create<llm::ReduceMinOp>(x, axes, false);
  FailureOr<Value> maximum = node.create<llm::ReduceMaxOp>(x, axes, false);
  if (failed(minimum) || failed(maximum))
    return failure();
  Value zero = node.scalar(0.0, real);
  FailureOr<Value> low = node.create<llm::MinOp>(*minimum, zero);
  FailureOr<Value> high = node.create<llm::MaxOp>(*maximum, zero);
  if (failed(low) || failed(high))
    return failure();
  FailureOr<Value> range = node.create<llm::SubOp>(*high, *low);
  if (failed(range))
    return failure();
  FailureOr<Value> scale = node.create<llm::DivOp>(*range, node.scalar(255.0, real));
  if (failed(scale))
    return failure();
  FailureOr<Value> lowScaled = node.create<llm::DivOp>(*low, *scale);
  if (failed(lowScaled))
    return failure();
  FailureOr<Value> intermediate = node.create<llm::SubOp>(zero, *lowScaled);
  if (failed(intermediate))
    return failure();
  FailureOr<Value> zeroPoint = saturateToStorage(node, *intermediate, Value(), u8);
  if (failed(zeroPoint))
    return failure();
  FailureOr<Value> scaled = node.create<llm::DivOp>(x, *scale);
  if (failed(scaled))
    return failure();
  FailureOr<Value> y = saturateToStorage(node, *scaled, *zeroPoint, u8);
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  node.setOutput(1, *scale);
  node.setOutput(2, *zeroPoint);
  return success();
}

/// `value - zero_point` in i32, the zero point shaped along `axis` of `value`.
FailureOr<Value> centered(NodeContext &node, Value value, int zeroPointIndex, int64_t axis,
                          llvm::StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!isQuantizedStorage(type.getElementType()) ||
      type.getElementType().getIntOrFloatBitWidth() > 8) {
    node.error() << "expected 8-bit integer " << what << ", got " << type.getElementType();
    return failure();
  }
  Type i32 = node.builder.getI32Type();
  Value wide = castValue(node, value, i32);
  if (!node.hasInput(zeroPointIndex))
    return wide;
  Value zeroPoint = node.input(zeroPointIndex);
  if (cast<RankedTensorType>(zeroPoint.getType()).getElementType() != type.getElementType()) {
    node.error() << "the zero point of " << what << " has element type "
                 << cast<RankedTensorType>(zeroPoint.getType()).getElementType() << ", expected "
                 << type.getElementType();
    return failure();
  }
  int64_t rank = type.getRank();
  if (axis < 0 || axis >= rank) {
    node.error() << what << " has rank " << rank << ", too small for its zero point";
    return failure();
  }
  FailureOr<Value> shaped =
      alongAxis(node, zeroPoint, rank, axis, type.getDimSize(axis), "zero point");
  if (failed(shaped))
    return failure();
  return node.create<llm::SubOp>(wide, castValue(node, *shaped, i32));
}

/// The i32 product of two centered 8-bit matrices; a per-row zero point of A runs along its
/// second-to-last dim, a per-column one of B along its last.
FailureOr<Value> integerMatmul(NodeContext &node, int a, int aZeroPoint, int b, int bZeroPoint) {
  int64_t aRank = node.inputType(a).getRank(), bRank = node.inputType(b).getRank();
  if (aRank == 0 || bRank == 0) {
    node.error() << "operands must have rank 1 or more";
    return failure();
  }
  FailureOr<Value> lhs =
      centered(node, node.input(a), aZeroPoint, std::max<int64_t>(aRank - 2, 0), "A");
  FailureOr<Value> rhs = centered(node, node.input(b), bZeroPoint, bRank - 1, "B");
  if (failed(lhs) || failed(rhs))
    return failure();
  return matrixProduct(node, *lhs, *rhs);
}

/// The i32 convolution of centered 8-bit inputs; the weight's zero point may be per output
/// channel.
FailureOr<Value> integerConv(NodeContext &node, int x, int xZeroPoint, int w, int wZeroPoint,
                             Value bias) {
  if (node.inputType(x).getRank() < 3 ||
      node.inputType(w).getRank() != node.inputType(x).getRank()) {
    node.error() << "expected input and weight of one rank, 3 or more (N x C x spatial...)";
    return failure();
  }
  if (node.hasInput(xZeroPoint) && !holdsOneValue(node.inputType(xZeroPoint))) {
    node.error() << "the input zero point must be a scalar";
    return failure();
  }
  FailureOr<Value> input = centered(node, node.input(x), xZeroPoint, 1, "x");
  FailureOr<Value> weight = centered(node, node.input(w), wZeroPoint, 0, "w");
  if (failed(input) || failed(weight))
    return failure();
  return convolution(node, *input, *weight, bias);
}

/// saturate(round(accumulator * (lhs_scale * rhs_scale / y_scale)) + y_zero_point); the
/// scales are already shaped to broadcast against the accumulator.
FailureOr<Value> requantize(NodeContext &node, Value accumulator, Value lhsScale, Value rhsScale,
                            int yScale, int yZeroPoint) {
  if (failed(checkParams(node, yScale, yZeroPoint)))
    return failure();
  Type real = node.inputType(yScale).getElementType();
  Type storage = node.inputType(yZeroPoint).getElementType();
  for (auto [index, what] : {std::pair<int, const char *>{yScale, "y_scale"},
                             std::pair<int, const char *>{yZeroPoint, "y_zero_point"}})
    if (!holdsOneValue(node.inputType(index))) {
      node.error() << what << " must hold one value";
      return failure();
    }
  FailureOr<Value> yScaleValue = node.reshape(node.input(yScale), {});
  FailureOr<Value> zeroPoint = node.reshape(node.input(yZeroPoint), {});
  if (failed(yScaleValue) || failed(zeroPoint))
    return failure();
  FailureOr<Value> product = node.create<llm::MulOp>(lhsScale, rhsScale);
  if (failed(product))
    return failure();
  FailureOr<Value> multiplier = node.create<llm::DivOp>(*product, *yScaleValue);
  if (failed(multiplier))
    return failure();
  FailureOr<Value> scaled =
      node.create<llm::MulOp>(castValue(node, accumulator, real), *multiplier);
  if (failed(scaled))
    return failure();
  return saturateToStorage(node, *scaled, *zeroPoint, storage);
}

/// A scale of an input of a QLinear node, shaped along `axis` of the accumulator (which has
/// `rank` dims, `axisSize` of them along the axis); without such an axis, one value.
FailureOr<Value> scaleAlong(NodeContext &node, int index, int64_t rank, int64_t axis,
                            int64_t axisSize, llvm::StringRef what) {
  if (failed(checkParams(node, index, -1)))
    return failure();
  if (axis < 0 || axis >= rank) {
    if (!holdsOneValue(node.inputType(index))) {
      node.error() << what << " must hold one value";
      return failure();
    }
    return node.reshape(node.input(index), {});
  }
  return alongAxis(node, node.input(index), rank, axis, axisSize, what);
}

LogicalResult matmulInteger(NodeContext &node) {
  FailureOr<Value> result = integerMatmul(node, 0, 2, 1, 3);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult convInteger(NodeContext &node) {
  FailureOr<Value> result = integerConv(node, 0, 2, 1, 3, Value());
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point. The
/// scales of a and b may be per row of a and per column of b.
LogicalResult qlinearMatmul(NodeContext &node) {
  FailureOr<Value> accumulator = integerMatmul(node, 0, 2, 3, 5);
  if (failed(accumulator))
    return failure();
  auto type = cast<RankedTensorType>(accumulator->getType());
  int64_t rank = type.getRank();
  bool matrices = node.inputType(0).getRank() >= 2 && node.inputType(3).getRank() >= 2;
  FailureOr<Value> aScale = scaleAlong(node, 1, rank, matrices ? rank - 2 : -1,
                                       matrices ? type.getDimSize(rank - 2) : 1, "a_scale");
  FailureOr<Value> bScale = scaleAlong(node, 4, rank, matrices ? rank - 1 : -1,
                                       matrices ? type.getDimSize(rank - 1) : 1, "b_scale");
  if (failed(aScale) || failed(bScale))
    return failure();
  FailureOr<Value> result = requantize(node, *accumulator, *aScale, *bScale, 6, 7);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point and an
/// optional i32 bias, added to the accumulator. w_scale may be per output channel.
LogicalResult qlinearConv(NodeContext &node) {
  Value bias = node.hasInput(8) ? node.input(8) : Value();
  if (bias && node.inputType(8).getElementType() != node.builder.getI32Type()) {
    node.error() << "expected an i32 bias, got " << node.inputType(8).getElementType();
    return failure();
  }
  FailureOr<Value> accumulator = integerConv(node, 0, 2, 3, 5, bias);
  if (failed(accumulator))
    return failure();
  auto type = cast<RankedTensorType>(accumulator->getType());
  FailureOr<Value> xScale = scaleAlong(node, 1, type.getRank(), -1, 1, "x_scale");
  FailureOr<Value> wScale = scaleAlong(node, 4, type.getRank(), 1, type.getDimSize(1), "w_scale");
  if (failed(xScale) || failed(wScale))
    return failure();
  FailureOr<Value> result = requantize(node, *accumulator, *xScale, *wScale, 6, 7);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerQuantizationOps(OpRegistry &registry) {
  registry.add({"QuantizeLinear", 10, 2, 3, 1, 1, quantizeLinear});
  registry.add({"DequantizeLinear", 10, 2, 3, 1, 1, dequantizeLinear});
  registry.add({"DynamicQuantizeLinear", 11, 1, 1, 3, 3, dynamicQuantizeLinear});
  registry.add({"MatMulInteger", 10, 2, 4, 1, 1, matmulInteger});
  registry.add({"ConvInteger", 10, 2, 4, 1, 1, convInteger});
  registry.add({"QLinearMatMul", 10, 8, 8, 1, 1, qlinearMatmul});
  registry.add({"QLinearConv", 10, 8, 9, 1, 1, qlinearConv});
}

} // namespace llmc::onnx_frontend
