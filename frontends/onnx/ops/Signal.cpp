//===- Signal.cpp - ONNX DFT, STFT, window functions and MelWeightMatrix ----===//
//
// Transforms of a length known at compile time become a product with a constant matrix of
// twiddle factors (llm.matmul), and windows and filter banks of constant size become
// constants. Sizes known only at run time go to the llm signal ops.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

constexpr double kPi = 3.14159265358979323846;

/// Twiddle matrices above this many elements are not materialized; the transform then runs
/// as llm.dft, computing its factors on the fly.
constexpr int64_t kMaxTwiddleElements = int64_t(1) << 22;

/// A scalar input as a 0-d tensor (a 1-element vector is reshaped).
FailureOr<Value> scalarInput(NodeContext &node, int index, const char *name, bool wantFloat) {
  RankedTensorType type = node.inputType(index);
  bool rightType =
      wantFloat ? isa<FloatType>(type.getElementType()) : isa<IntegerType>(type.getElementType());
  if (!rightType || !(type.getRank() == 0 || (type.getRank() == 1 && type.getDimSize(0) == 1))) {
    node.error() << "expected " << name << " to be " << (wantFloat ? "a float" : "an integer")
                 << " scalar, got " << type;
    return failure();
  }
  return type.getRank() == 0 ? node.input(index) : node.reshape(node.input(index), {});
}

std::optional<double> constantFloat(NodeContext &node, int index) {
  DenseFPElementsAttr attr;
  if (!node.hasInput(index) || !matchPattern(node.input(index), m_Constant(&attr)) ||
      attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.getValues<APFloat>().begin()).convertToDouble();
}

std::optional<int64_t> constantInt(NodeContext &node, int index) {
  if (!node.hasInput(index))
    return std::nullopt;
  std::optional<std::vector<int64_t>> values = node.constantInts(index);
  if (!values || values->size() != 1)
    return std::nullopt;
  return values->front();
}

/// A constant of `type` (float element type) from doubles.
DenseElementsAttr floatConstant(RankedTensorType type, ArrayRef<double> values) {
  auto floatType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> elements;
  for (double value : values) {
    APFloat element(value);
    bool losesInfo = false;
    element.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
    elements.push_back(element);
  }
  return DenseElementsAttr::get(type, elements);
}

/// The DFT of `input` (`[..., N, 1 or 2]`) along `axis` with the static `length`, as a product
/// with a constant `[N * c, 2 * K]` twiddle matrix: the other dims are moved in front and
/// flattened, and the `[K, 2]` result moved back. `weights`, when given, multiply the samples
/// (an STFT's constant window, folded into the matrix). Fails (without a diagnostic) where
/// that flattening needs more than one dynamic dim or the matrix would be too large.
FailureOr<Value> dftByMatmul(NodeContext &node, Value input, int64_t axis, int64_t length,
                             bool inverse, bool onesided, ArrayRef<double> weights = {}) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), n = type.getDimSize(axis), parts = type.getDimSize(rank - 1);
  int64_t frequencies = onesided ? length / 2 + 1 : length;
  SmallVector<int64_t> permutation, others;
  for (int64_t dim = 0; dim < rank - 1; ++dim)
    if (dim != axis) {
      permutation.push_back(dim);
      others.push_back(type.getDimSize(dim));
    }
  permutation.append({axis, rank - 1});
  if (ShapedType::isDynamic(n) || llvm::count_if(others, ShapedType::isDynamic) > 1 ||
      n * parts * 2 * frequencies > kMaxTwiddleElements)
    return failure();
  Value moved = input;
  bool identity = llvm::equal(permutation, llvm::seq<int64_t>(0, rank));
  if (!identity) {
    FailureOr<Value> transposed =
        node.create<llm::TransposeOp>(input, node.builder.getDenseI64ArrayAttr(permutation));
    if (failed(transposed))
      return failure();
    moved = *transposed;
  }
  int64_t rows = llm::shapes::numElements(others);
  FailureOr<Value> flat = node.reshape(moved, {rows, n * parts});
  if (failed(flat))
    return failure();
  std::vector<double> twiddles(n * parts * 2 * frequencies, 0.0);
  double sign = inverse ? 1.0 : -1.0, scale = inverse ? 1.0 / double(length) : 1.0;
  for (int64_t sample = 0; sample < std::min(n, length); ++sample)
    for (int64_t k = 0; k < frequencies; ++k) {
      double angle = 2 * kPi * double((k * sample) % length) / double(length);
      double weight = weights.empty() ? scale : scale * weights[sample];
      double cosine = std::cos(angle) * weight, sine = sign * std::sin(angle) * weight;
      double *realRow = &twiddles[(sample * parts) * 2 * frequencies + 2 * k];
      realRow[0] = cosine;
      realRow[1] = sine;
      if (parts == 2) {
        double *imaginaryRow = &twiddles[(sample * parts + 1) * 2 * frequencies + 2 * k];
        imaginaryRow[0] = -sine;
        imaginaryRow[1] = cosine;
      }
    }
  Value matrix = node.constant(floatConstant(
      RankedTensorType::get({n * parts, 2 * frequencies}, type.getElementType()), twiddles));
  FailureOr<Value> product = node.create<llm::MatmulOp>(*flat, matrix);
  if (failed(product))
    return failure();
  SmallVector<int64_t> shape(others);
  shape.append({frequencies, 2});
  FailureOr<Value> result = node.reshape(*product, shape);
  if (failed(result) || identity)
    return result;
  SmallVector<int64_t> inversePermutation(rank);
  for (int64_t dim = 0; dim < rank; ++dim)
    inversePermutation[permutation[dim]] = dim;
  return node.create<llm::TransposeOp>(*result,
                                       node.builder.getDenseI64ArrayAttr(inversePermutation));
}

/// The DFT as llm.dft, for lengths known only at run time (`length` may be null: the axis).
Value dftOp(NodeContext &node, Value input, int64_t axis, Value length,
            std::optional<int64_t> staticLength, bool inverse, bool onesided) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  int64_t frequencies = ShapedType::kDynamic;
  if (staticLength)
    frequencies = onesided ? *staticLength / 2 + 1 : *staticLength;
  shape[axis] = frequencies;
  shape.back() = 2;
  OpBuilder &b = node.builder;
  return llm::DFTOp::create(b, node.loc, RankedTensorType::get(shape, type.getElementType()), input,
                            length, b.getI64IntegerAttr(axis), b.getBoolAttr(inverse),
                            b.getBoolAttr(onesided));
}

/// Checks a signal of shape `[..., 1 or 2]` with a float element type.
LogicalResult checkSignal(NodeContext &node, RankedTensorType type, int64_t minRank) {
  if (type.getRank() < minRank || !isa<FloatType>(type.getElementType()) ||
      type.isDynamicDim(type.getRank() - 1) ||
      (type.getDimSize(type.getRank() - 1) != 1 && type.getDimSize(type.getRank() - 1) != 2)) {
    node.error() << "expected a float signal of rank " << minRank
                 << " or more whose last dimension is 1 (real) or 2 (complex), got " << type;
    return failure();
  }
  return success();
}

LogicalResult dft(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (failed(checkSignal(node, type, 2)))
    return failure();
  int64_t rank = type.getRank();
  int64_t axis = node.intAttr("axis", 1);
  if (node.opset >= 20) {
    axis = -2;
    if (node.hasInput(2)) {
      std::optional<int64_t> constant = constantInt(node, 2);
      if (!constant) {
        node.error() << "an axis computed at run time is not supported";
        return failure();
      }
      axis = *constant;
    }
  }
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank - 1) {
    node.error() << "axis " << axis << " is out of range for a signal of rank " << rank
                 << " (the last dimension holds the real and imaginary parts)";
    return failure();
  }
  bool inverse = node.intAttr("inverse", 0) != 0, onesided = node.intAttr("onesided", 0) != 0;
  Value length;
  std::optional<int64_t> staticLength;
  if (node.hasInput(1)) {
    FailureOr<Value> scalar = scalarInput(node, 1, "dft_length", false);
    if (failed(scalar))
      return failure();
    length = *scalar;
    staticLength = constantInt(node, 1);
    if (staticLength && *staticLength < 1) {
      node.error() << "dft_length must be positive, got " << *staticLength;
      return failure();
    }
  } else if (!type.isDynamicDim(normalized)) {
    staticLength = type.getDimSize(normalized);
  }
  if (staticLength) {
    FailureOr<Value> product =
        dftByMatmul(node, node.input(0), normalized, *staticLength, inverse, onesided);
    if (succeeded(product)) {
      node.setOutput(0, *product);
      return success();
    }
  }
  node.setOutput(0,
                 dftOp(node, node.input(0), normalized, length, staticLength, inverse, onesided));
  return success();
}

LogicalResult stft(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (failed(checkSignal(node, type, 3)))
    return failure();
  if (type.getRank() != 3) {
    node.error() << "expected a signal of shape [batch, length, 1 or 2], got " << type;
    return failure();
  }
  OpBuilder &b = node.builder;
  bool onesided = node.intAttr("onesided", 1) != 0;
  FailureOr<Value> step = scalarInput(node, 1, "frame_step", false);
  if (failed(step))
    return failure();
  std::optional<int64_t> constantStep = constantInt(node, 1);
  if (constantStep && *constantStep < 1) {
    node.error() << "frame_step must be positive, got " << *constantStep;
    return failure();
  }
  // The frame length: the frame_length input, else the window's length, else the signal's.
  Value window = node.hasInput(2) ? node.input(2) : Value();
  std::optional<int64_t> frameLength;
  Value lengthValue;
  if (window) {
    RankedTensorType windowType = node.inputType(2);
    if (windowType.getRank() != 1 || windowType.getElementType() != type.getElementType()) {
      node.error() << "expected a 1-D window of " << type.getElementType() << ", got "
                   << windowType;
      return failure();
    }
    if (!windowType.isDynamicDim(0))
      frameLength = windowType.getDimSize(0);
  }
  if (node.hasInput(3)) {
    FailureOr<Value> scalar = scalarInput(node, 3, "frame_length", false);
    if (failed(scalar))
      return failure();
    std::optional<int64_t> constant = constantInt(node, 3);
    if (constant && frameLength && *constant != *frameLength) {
      node.error() << "frame_length " << *constant << " differs from the window's length "
                   << *frameLength;
      return failure();
    }
    if (constant)
      frameLength = constant;
    if (!frameLength)
      lengthValue = *scalar;
  } else if (!window && !type.isDynamicDim(1)) {
    frameLength = type.getDimSize(1);
  }
  if (frameLength && *frameLength < 1) {
    node.error() << "frame_length must be positive, got " << *frameLength;
    return failure();
  }
  if (!lengthValue) {
    if (!frameLength) {
      node.error() << "the frame length is unknown: give frame_length or a window of static size";
      return failure();
    }
    lengthValue = node.scalar(double(*frameLength), b.getI64Type());
  }
  int64_t signalLength = type.getDimSize(1), frames = ShapedType::kDynamic;
  if (frameLength && constantStep && !ShapedType::isDynamic(signalLength))
    frames = signalLength >= *frameLength ? (signalLength - *frameLength) / *constantStep + 1 : 0;
  auto framesType = RankedTensorType::get(
      {type.getDimSize(0), frames, frameLength.value_or(ShapedType::kDynamic), type.getDimSize(2)},
      type.getElementType());
  Value framed = llm::FrameOp::create(b, node.loc, framesType, node.input(0), *step, lengthValue,
                                      b.getI64IntegerAttr(1));
  // A constant window folds into the twiddle matrix.
  std::vector<double> windowValues;
  DenseFPElementsAttr windowConstant;
  if (window && frameLength && matchPattern(window, m_Constant(&windowConstant)))
    for (const APFloat &value : windowConstant.getValues<APFloat>())
      windowValues.push_back(value.convertToDouble());
  if (frameLength && !windowValues.empty()) {
    FailureOr<Value> product =
        dftByMatmul(node, framed, 2, *frameLength, false, onesided, windowValues);
    if (succeeded(product)) {
      node.setOutput(0, *product);
      return success();
    }
  }
  if (window) {
    FailureOr<Value> column = node.reshape(window, {node.inputType(2).getDimSize(0), int64_t(1)});
    if (failed(column))
      return failure();
    FailureOr<Value> weighted = node.create<llm::MulOp>(framed, *column);
    if (failed(weighted))
      return failure();
    framed = *weighted;
  }
  if (frameLength) {
    FailureOr<Value> product = dftByMatmul(node, framed, 2, *frameLength, false, onesided);
    if (succeeded(product)) {
      node.setOutput(0, *product);
      return success();
    }
  }
  node.setOutput(0, dftOp(node, framed, 2, Value(), frameLength, false, onesided));
  return success();
}

/// The output element type of a window or filter bank (`output_datatype`, float by default).
FailureOr<Type> outputTypeOf(NodeContext &node) {
  std::string error;
  FailureOr<Type> type =
      elementTypeOf(int32_t(node.intAttr("output_datatype", 1)), node.builder, error);
  if (failed(type))
    node.error() << "output_datatype: " << error;
  else if (type->isInteger(1)) {
    node.error() << "output_datatype bool is not supported";
    return failure();
  }
  return type;
}

/// The values computed in f64 as a constant of `element` (integers truncate toward zero).
Value constantOf(NodeContext &node, ArrayRef<int64_t> shape, Type element,
                 ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, element);
  if (isa<FloatType>(element))
    return node.constant(floatConstant(type, values));
  SmallVector<APInt> integers;
  for (double value : values)
    integers.push_back(APInt(element.getIntOrFloatBitWidth(), uint64_t(int64_t(value)), true));
  return node.constant(DenseElementsAttr::get(type, integers));
}

/// A float result computed by an llm op, cast to an integer `element` where one is asked for.
FailureOr<Value> castTo(NodeContext &node, Value value, Type element) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == element)
    return value;
  return Value(llm::CastOp::create(node.builder, node.loc, type.clone(element), value));
}

template <int Window> LogicalResult cosineWindow(NodeContext &node) {
  static const std::vector<double> coefficients[] = {
      {0.5, -0.5}, {25.0 / 46.0, -21.0 / 46.0}, {0.42, -0.5, 0.08}};
  const std::vector<double> &a = coefficients[Window];
  FailureOr<Type> element = outputTypeOf(node);
  if (failed(element))
    return failure();
  FailureOr<Value> size = scalarInput(node, 0, "size", false);
  if (failed(size))
    return failure();
  bool periodic = node.intAttr("periodic", 1) != 0;
  if (std::optional<int64_t> count = constantInt(node, 0)) {
    if (*count < 0 || *count > kMaxTwiddleElements) {
      node.error() << "window size " << *count << " is negative or too large";
      return failure();
    }
    int64_t period = std::max<int64_t>(periodic ? *count : *count - 1, 1);
    std::vector<double> values;
    for (int64_t n = 0; n < *count; ++n) {
      double value = 0.0;
      for (size_t k = 0; k < a.size(); ++k)
        value += a[k] * std::cos(2 * kPi * double((int64_t(k) * n) % period) / double(period));
      values.push_back(value);
    }
    node.setOutput(0, constantOf(node, {*count}, *element, values));
    return success();
  }
  Type floatType = isa<FloatType>(*element) ? *element : node.builder.getF32Type();
  Value window = llm::CosineWindowOp::create(
      node.builder, node.loc, RankedTensorType::get({ShapedType::kDynamic}, floatType), *size,
      node.builder.getDenseF64ArrayAttr(a), node.builder.getBoolAttr(periodic));
  FailureOr<Value> result = castTo(node, window, *element);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult melWeightMatrix(NodeContext &node) {
  FailureOr<Type> element = outputTypeOf(node);
  if (failed(element))
    return failure();
  SmallVector<Value> operands;
  const char *names[] = {"num_mel_bins", "dft_length", "sample_rate", "lower_edge_hertz",
                         "upper_edge_hertz"};
  for (int index = 0; index < 5; ++index) {
    FailureOr<Value> scalar = scalarInput(node, index, names[index], index >= 3);
    if (failed(scalar))
      return failure();
    operands.push_back(*scalar);
  }
  std::optional<int64_t> bins = constantInt(node, 0), dftLength = constantInt(node, 1);
  std::optional<int64_t> sampleRate = constantInt(node, 2);
  std::optional<double> low = constantFloat(node, 3), high = constantFloat(node, 4);
  if ((bins && *bins < 0) || (dftLength && *dftLength < 0) || (sampleRate && *sampleRate < 1)) {
    node.error() << "num_mel_bins and dft_length must not be negative and sample_rate must be "
                    "positive";
    return failure();
  }
  int64_t spectrumBins = dftLength ? *dftLength / 2 + 1 : ShapedType::kDynamic;
  if (bins && dftLength && sampleRate && low && high) {
    if (spectrumBins * *bins > kMaxTwiddleElements) {
      node.error() << "the filter bank of " << spectrumBins << "x" << *bins << " is too large";
      return failure();
    }
    // As ONNX's reference: the mel range is divided by the number of points.
    auto toMel = [](double hertz) { return 2595.0 * std::log10(1.0 + hertz / 700.0); };
    double lowMel = toMel(float(*low)), highMel = toMel(float(*high));
    double step = (highMel - lowMel) / double(*bins + 2);
    std::vector<int64_t> points;
    for (int64_t i = 0; i < *bins + 2; ++i) {
      double hertz = 700.0 * (std::pow(10.0, (double(i) * step + lowMel) / 2595.0) - 1.0);
      points.push_back(int64_t(std::floor(double(*dftLength + 1) * hertz / double(*sampleRate))));
    }
    std::vector<double> values(spectrumBins * *bins, 0.0);
    for (int64_t m = 0; m < *bins; ++m) {
      int64_t left = points[m], center = points[m + 1], right = points[m + 2];
      auto set = [&](int64_t j, double value) {
        if (j >= 0 && j < spectrumBins)
          values[j * *bins + m] = value;
      };
      if (center == left)
        set(center, 1.0);
      else
        for (int64_t j = left; j <= center; ++j)
          set(j, double(j - left) / double(center - left));
      for (int64_t j = center; j < right; ++j)
        set(j, double(right - j) / double(right - center));
    }
    node.setOutput(0, constantOf(node, {spectrumBins, *bins}, *element, values));
    return success();
  }
  Type floatType = isa<FloatType>(*element) ? *element : node.builder.getF32Type();
  auto type = RankedTensorType::get({spectrumBins, bins.value_or(ShapedType::kDynamic)}, floatType);
  Value matrix = llm::MelWeightMatrixOp::create(node.builder, node.loc, type, operands[0],
                                                operands[1], operands[2], operands[3], operands[4]);
  FailureOr<Value> result = castTo(node, matrix, *element);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerSignalOps(OpRegistry &registry) {
  registry.add({"DFT", 17, 1, 3, 1, 1, dft});
  registry.add({"STFT", 17, 2, 4, 1, 1, stft});
  registry.add({"HannWindow", 17, 1, 1, 1, 1, cosineWindow<0>});
  registry.add({"HammingWindow", 17, 1, 1, 1, 1, cosineWindow<1>});
  registry.add({"BlackmanWindow", 17, 1, 1, 1, 1, cosineWindow<2>});
  registry.add({"MelWeightMatrix", 17, 5, 5, 1, 1, melWeightMatrix});
}

} // namespace llmc::onnx_frontend
