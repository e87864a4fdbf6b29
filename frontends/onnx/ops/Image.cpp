//===- Image.cpp - ONNX Resize, Upsample, GridSample and RoiAlign -----------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// The values of a constant float input.
std::optional<std::vector<double>> constantFloats(NodeContext &node, int index) {
  Value value = node.input(index);
  DenseFPElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  std::vector<double> result;
  for (const APFloat &element : attr.getValues<APFloat>())
    result.push_back(element.convertToDouble());
  return result;
}

/// An optional input that is given and not empty (ONNX marks unused Resize inputs either by
/// leaving them out or by passing an empty tensor).
bool hasNonEmptyInput(NodeContext &node, int index) {
  if (!node.hasInput(index))
    return false;
  RankedTensorType type = node.inputType(index);
  return !type.hasStaticShape() || type.getNumElements() != 0;
}

bool isOneOf(llvm::StringRef value, std::initializer_list<llvm::StringRef> choices) {
  return llvm::is_contained(choices, value);
}

/// What a Resize or Upsample node asks for, after its opset's defaults.
struct ResizeRequest {
  std::string mode, coordinateMode, nearestMode, aspectPolicy = "stretch";
  double cubicA = -0.75, extrapolation = 0.0;
  bool excludeOutside = false;
  std::vector<int64_t> axes;
  Value scales, sizes, roi;
  std::optional<std::vector<double>> constantScales;
  std::optional<std::vector<int64_t>> constantSizes;
};

/// Builds llm.resize for `request`: constant scales or sizes give static output sizes, and
/// axes that constants show to be copied unchanged are left out of the op.
LogicalResult buildResize(NodeContext &node, ResizeRequest &request) {
  Value input = node.input(0);
  RankedTensorType type = node.inputType(0);
  int64_t count = int64_t(request.axes.size());
  Type element = type.getElementType();
  if (request.mode != "nearest" && !isa<FloatType>(element)) {
    node.error() << request.mode << " interpolation of " << element
                 << " tensors is not supported; it needs floats";
    return failure();
  }
  if (!request.scales && !request.sizes) {
    node.error() << "one of the scales and sizes inputs is required";
    return failure();
  }
  if (request.scales && request.sizes) {
    node.error() << "only one of the scales and sizes inputs may be given";
    return failure();
  }
  auto checkVector = [&](Value value, const char *name, int64_t length, bool wantFloat) {
    auto vectorType = cast<RankedTensorType>(value.getType());
    if (vectorType.getRank() != 1 || vectorType.isDynamicDim(0) ||
        vectorType.getDimSize(0) != length ||
        (wantFloat ? !isa<FloatType>(vectorType.getElementType())
                   : !isa<IntegerType>(vectorType.getElementType()))) {
      node.error() << "expected " << name << " to be a 1-D " << (wantFloat ? "float" : "integer")
                   << " tensor of " << length << " element(s), got " << vectorType;
      return false;
    }
    return true;
  };
  if ((request.scales && !checkVector(request.scales, "scales", count, true)) ||
      (request.sizes && !checkVector(request.sizes, "sizes", count, false)))
    return failure();
  bool crop = request.coordinateMode == "tf_crop_and_resize";
  if (crop) {
    if (!request.roi) {
      node.error() << "tf_crop_and_resize needs the roi input";
      return failure();
    }
    if (!checkVector(request.roi, "roi", 2 * count, true))
      return failure();
  } else {
    request.roi = Value();
  }
  if (request.constantScales)
    for (double scale : *request.constantScales)
      if (!(scale > 0) || !std::isfinite(scale)) {
        node.error() << "scales must be positive and finite, got " << scale;
        return failure();
      }
  if (request.constantSizes)
    for (int64_t size : *request.constantSizes)
      if (size < 0) {
        node.error() << "sizes must not be negative, got " << size;
        return failure();
      }

  // keep_aspect_ratio_policy: one scale for all axes, from the sizes (opset 18).
  if (request.aspectPolicy != "stretch") {
    if (!request.constantSizes) {
      node.error() << "keep_aspect_ratio_policy " << request.aspectPolicy
                   << " needs constant sizes";
      return failure();
    }
    double scale = request.aspectPolicy == "not_larger" ? INFINITY : 0.0;
    for (auto [index, dim] : llvm::enumerate(request.axes)) {
      int64_t in = type.getDimSize(dim);
      if (ShapedType::isDynamic(in) || in == 0) {
        node.error() << "keep_aspect_ratio_policy needs static, non-empty resized dimensions";
        return failure();
      }
      double ratio = double((*request.constantSizes)[index]) / double(in);
      scale =
          request.aspectPolicy == "not_larger" ? std::min(scale, ratio) : std::max(scale, ratio);
    }
    for (auto [index, dim] : llvm::enumerate(request.axes))
      (*request.constantSizes)[index] =
          int64_t(std::nearbyint(scale * double(type.getDimSize(dim))));
    request.constantScales = std::vector<double>(count, scale);
  }

  // Output sizes, where constants tell them; axes that stay unchanged under a coordinate
  // mode that maps a unit scale to the identity are copied rather than resampled.
  bool identityAtUnitScale =
      isOneOf(request.coordinateMode, {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                                       "align_corners", "asymmetric"});
  SmallVector<int64_t> shape(type.getShape());
  std::vector<int64_t> keptAxes, keptPositions;
  for (auto [index, dim] : llvm::enumerate(request.axes)) {
    int64_t in = type.getDimSize(dim), out = ShapedType::kDynamic;
    if (request.constantSizes)
      out = (*request.constantSizes)[index];
    else if (request.constantScales && !ShapedType::isDynamic(in))
      out = int64_t(std::floor(double(in) * (*request.constantScales)[index]));
    if (in == 0)
      out = 0;
    bool unitScale =
        request.constantScales ? (*request.constantScales)[index] == 1.0 : bool(request.sizes);
    if (identityAtUnitScale && !ShapedType::isDynamic(in) && out == in && unitScale &&
        (request.constantScales || request.constantSizes))
      continue;
    shape[dim] = out;
    keptAxes.push_back(dim);
    keptPositions.push_back(int64_t(index));
  }
  if (keptAxes.empty()) {
    node.setOutput(0, input);
    return success();
  }
  // Constant operands shrink to the kept axes; run-time ones keep every axis.
  OpBuilder &b = node.builder;
  auto vectorType = [&](Type elementType) {
    return RankedTensorType::get({int64_t(keptAxes.size())}, elementType);
  };
  Value scales = request.scales, sizes = request.sizes;
  if (request.constantScales && keptAxes.size() != size_t(count)) {
    SmallVector<float> kept;
    for (int64_t position : keptPositions)
      kept.push_back(float((*request.constantScales)[position]));
    scales = node.constant(DenseElementsAttr::get(vectorType(b.getF32Type()), ArrayRef(kept)));
  }
  if (request.constantSizes && (keptAxes.size() != size_t(count) || !sizes)) {
    SmallVector<int64_t> kept;
    for (int64_t position : keptPositions)
      kept.push_back((*request.constantSizes)[position]);
    sizes = node.constant(DenseElementsAttr::get(vectorType(b.getI64Type()), ArrayRef(kept)));
  }
  if (request.aspectPolicy != "stretch") {
    SmallVector<float> kept(keptAxes.size(), float((*request.constantScales)[0]));
    scales = node.constant(DenseElementsAttr::get(vectorType(b.getF32Type()), ArrayRef(kept)));
  }
  auto resultType = RankedTensorType::get(shape, element);
  Value result = llm::ResizeOp::create(
      b, node.loc, resultType, input, scales, sizes, request.roi, b.getDenseI64ArrayAttr(keptAxes),
      b.getStringAttr(request.mode), b.getStringAttr(request.coordinateMode),
      b.getStringAttr(request.nearestMode), b.getF64FloatAttr(request.cubicA),
      b.getBoolAttr(request.excludeOutside), b.getF64FloatAttr(request.extrapolation));
  node.setOutput(0, result);
  return success();
}

/// The mode of a Resize or Upsample node, with the legacy "bilinear" spelling.
FailureOr<std::string> resizeModeOf(NodeContext &node, bool allowCubic) {
  std::string mode = node.stringAttr("mode").value_or("nearest");
  if (mode == "bilinear")
    mode = "linear";
  if (mode == "nearest" || mode == "linear" || (allowCubic && mode == "cubic"))
    return mode;
  node.error() << "mode '" << mode << "' is not one of nearest, linear"
               << (allowCubic ? ", cubic" : "");
  return failure();
}

LogicalResult resize(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  bool legacy = node.opset < 11;
  FailureOr<std::string> mode = resizeModeOf(node, !legacy);
  if (failed(mode))
    return failure();
  ResizeRequest request;
  request.mode = *mode;
  if (legacy) {
    // Resize-10 maps coordinates asymmetrically and rounds like Upsample.
    request.coordinateMode = "asymmetric";
    request.nearestMode = "simple";
  } else {
    request.coordinateMode =
        node.stringAttr("coordinate_transformation_mode").value_or("half_pixel");
    if (request.coordinateMode == "tf_half_pixel_for_nn" && node.opset >= 19) {
      node.error() << "coordinate_transformation_mode tf_half_pixel_for_nn was removed in opset 19";
      return failure();
    }
    if (!isOneOf(request.coordinateMode,
                 {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                  "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"})) {
      node.error() << "coordinate_transformation_mode '" << request.coordinateMode
                   << "' is not supported";
      return failure();
    }
    request.nearestMode = node.stringAttr("nearest_mode").value_or("round_prefer_floor");
    if (!isOneOf(request.nearestMode,
                 {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})) {
      node.error() << "nearest_mode '" << request.nearestMode << "' is not one of "
                   << "round_prefer_floor, round_prefer_ceil, floor, ceil";
      return failure();
    }
    request.cubicA = node.floatAttr("cubic_coeff_a", -0.75f);
    request.excludeOutside = node.intAttr("exclude_outside", 0) != 0;
    request.extrapolation = node.floatAttr("extrapolation_value", 0.0f);
  }
  if (node.intAttr("antialias", 0) != 0) {
    node.error() << "antialias is not supported";
    return failure();
  }
  request.aspectPolicy = node.stringAttr("keep_aspect_ratio_policy").value_or("stretch");
  if (!isOneOf(request.aspectPolicy, {"stretch", "not_larger", "not_smaller"})) {
    node.error() << "keep_aspect_ratio_policy '" << request.aspectPolicy
                 << "' is not one of stretch, not_larger, not_smaller";
    return failure();
  }
  if (std::optional<std::vector<int64_t>> axes = node.intsAttr("axes")) {
    for (int64_t axis : *axes) {
      FailureOr<int64_t> normalized = node.normalizeAxis(axis, rank);
      if (failed(normalized))
        return failure();
      request.axes.push_back(*normalized);
    }
    std::vector<int64_t> sorted = request.axes;
    llvm::sort(sorted);
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      node.error() << "axes repeat a dimension";
      return failure();
    }
    if (sorted != request.axes) {
      node.error() << "axes in an order other than increasing are not supported";
      return failure();
    }
  } else {
    for (int64_t dim = 0; dim < rank; ++dim)
      request.axes.push_back(dim);
  }
  int scalesIndex = legacy ? 1 : 2;
  if (hasNonEmptyInput(node, scalesIndex)) {
    request.scales = node.input(scalesIndex);
    request.constantScales = constantFloats(node, scalesIndex);
  }
  if (!legacy && hasNonEmptyInput(node, 3)) {
    request.sizes = node.input(3);
    request.constantSizes = node.constantInts(3);
  }
  if (!legacy && hasNonEmptyInput(node, 1))
    request.roi = node.input(1);
  if (request.aspectPolicy != "stretch" && !request.sizes)
    request.aspectPolicy = "stretch";
  return buildResize(node, request);
}

/// Upsample (opsets 7 and 9): scales for every axis, asymmetric coordinates.
LogicalResult upsample(NodeContext &node) {
  FailureOr<std::string> mode = resizeModeOf(node, false);
  if (failed(mode))
    return failure();
  ResizeRequest request;
  request.mode = *mode;
  request.coordinateMode = "asymmetric";
  request.nearestMode = "simple";
  int64_t rank = node.inputType(0).getRank();
  for (int64_t dim = 0; dim < rank; ++dim)
    request.axes.push_back(dim);
  if (node.opset < 9) {
    const onnx::AttributeProto *scales = node.attribute("scales");
    if (!scales || scales->type() != onnx::AttributeProto::FLOATS) {
      node.error() << "the 'scales' attribute is required";
      return failure();
    }
    std::vector<float> values(scales->floats().begin(), scales->floats().end());
    if (int64_t(values.size()) != rank) {
      node.error() << "'scales' has " << values.size() << " values, expected " << rank;
      return failure();
    }
    request.constantScales = std::vector<double>(values.begin(), values.end());
    request.scales = node.constant(DenseElementsAttr::get(
        RankedTensorType::get({rank}, node.builder.getF32Type()), ArrayRef(values)));
  } else {
    if (!node.hasInput(1)) {
      node.error() << "the scales input is required";
      return failure();
    }
    request.scales = node.input(1);
    request.constantScales = constantFloats(node, 1);
  }
  return buildResize(node, request);
}

LogicalResult gridSample(NodeContext &node) {
  std::string mode = node.stringAttr("mode").value_or(node.opset >= 20 ? "linear" : "bilinear");
  if (mode == "bilinear")
    mode = "linear";
  else if (mode == "bicubic")
    mode = "cubic";
  if (!isOneOf(mode, {"nearest", "linear", "cubic"})) {
    node.error() << "mode '" << mode << "' is not one of bilinear, nearest, bicubic";
    return failure();
  }
  std::string padding = node.stringAttr("padding_mode").value_or("zeros");
  if (!isOneOf(padding, {"zeros", "border", "reflection"})) {
    node.error() << "padding_mode '" << padding << "' is not one of zeros, border, reflection";
    return failure();
  }
  FailureOr<Value> result = node.create<llm::GridSampleOp>(
      node.input(0), node.input(1), node.builder.getStringAttr(mode),
      node.builder.getStringAttr(padding),
      node.builder.getBoolAttr(node.intAttr("align_corners", 0) != 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult roiAlign(NodeContext &node) {
  std::string mode = node.stringAttr("mode").value_or("avg");
  std::string coordinates =
      node.opset >= 16 ? node.stringAttr("coordinate_transformation_mode").value_or("half_pixel")
                       : "output_half_pixel";
  if (!isOneOf(coordinates, {"half_pixel", "output_half_pixel"})) {
    node.error() << "coordinate_transformation_mode '" << coordinates
                 << "' is not one of half_pixel, output_half_pixel";
    return failure();
  }
  OpBuilder &b = node.builder;
  FailureOr<Value> result = node.create<llm::RoiAlignOp>(
      node.input(0), node.input(1), node.input(2), b.getStringAttr(mode),
      b.getI64IntegerAttr(node.intAttr("output_height", 1)),
      b.getI64IntegerAttr(node.intAttr("output_width", 1)),
      b.getI64IntegerAttr(node.intAttr("sampling_ratio", 0)),
      b.getF64FloatAttr(node.floatAttr("spatial_scale", 1.0f)),
      b.getBoolAttr(coordinates == "half_pixel"));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerImageOps(OpRegistry &registry) {
  registry.add({"Resize", 10, 2, 2, 1, 1, resize});
  registry.add({"Resize", 11, 1, 4, 1, 1, resize});
  registry.add({"Upsample", 7, 1, 1, 1, 1, upsample});
  registry.add({"Upsample", 9, 2, 2, 1, 1, upsample});
  registry.add({"GridSample", 16, 2, 2, 1, 1, gridSample});
  registry.add({"RoiAlign", 10, 3, 3, 1, 1, roiAlign});
}

} // namespace llmc::onnx_frontend
