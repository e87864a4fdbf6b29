//===- NeuralNetwork.cpp - ONNX matmul, conv, pooling, norms, softmax -------===//
#include "frontends/onnx/Importer.h"
#include "frontends/onnx/ops/RunTimeShapes.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

LogicalResult matmul(NodeContext &node) {
  FailureOr<Value> result = matrixProduct(node, node.input(0), node.input(1));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

FailureOr<Value> transpose2D(NodeContext &node, Value value) {
  if (cast<RankedTensorType>(value.getType()).getRank() != 2) {
    node.error() << "Gemm operands must be matrices";
    return failure();
  }
  return node.create<llm::TransposeOp>(value, node.builder.getDenseI64ArrayAttr({1, 0}));
}

/// Y = alpha * op(A) * op(B) + beta * C.
LogicalResult gemm(NodeContext &node) {
  Value a = node.input(0), b = node.input(1);
  if (node.inputType(0).getRank() != 2 || node.inputType(1).getRank() != 2) {
    node.error() << "Gemm operands A and B must be matrices";
    return failure();
  }
  if (node.intAttr("transA", 0)) {
    FailureOr<Value> t = transpose2D(node, a);
    if (failed(t))
      return failure();
    a = *t;
  }
  if (node.intAttr("transB", 0)) {
    FailureOr<Value> t = transpose2D(node, b);
    if (failed(t))
      return failure();
    b = *t;
  }
  Type element = node.inputType(0).getElementType();
  FailureOr<Value> product = node.create<llm::MatmulOp>(a, b);
  if (failed(product))
    return failure();
  Value result = *product;
  float alpha = node.floatAttr("alpha", 1.0f), beta = node.floatAttr("beta", 1.0f);
  if (alpha != 1.0f) {
    FailureOr<Value> scaled = node.create<llm::MulOp>(result, node.scalar(alpha, element));
    if (failed(scaled))
      return failure();
    result = *scaled;
  }
  if (node.hasInput(2) && beta != 0.0f) {
    Value c = node.input(2);
    if (beta != 1.0f) {
      FailureOr<Value> scaled = node.create<llm::MulOp>(c, node.scalar(beta, element));
      if (failed(scaled))
        return failure();
      c = *scaled;
    }
    FailureOr<Value> sum = node.create<llm::AddOp>(result, c);
    if (failed(sum))
      return failure();
    result = *sum;
  }
  node.setOutput(0, result);
  return success();
}

/// Bound on the window attributes with auto_pad SAME, which keeps the pad arithmetic exact.
constexpr int64_t kMaxSameWindow = int64_t(1) << 20;

/// Kernel, strides, dilations and pads of a conv or pool node, with auto_pad resolved.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
  /// Set for auto_pad SAME_UPPER/SAME_LOWER when a strided spatial size is known only at run
  /// time: the pads depend on it, so `pads` are zero and the caller pads the input at run time
  /// (padSameAtRunTime).
  std::optional<bool> sameUpperAtRunTime;
};

FailureOr<Window> windowOf(NodeContext &node, RankedTensorType input,
                           std::optional<ArrayRef<int64_t>> kernelFromWeight) {
  int64_t spatialRank = input.getRank() - 2;
  if (spatialRank < 1) {
    node.error() << "expected an input of rank 3 or more (N x C x spatial...), got rank "
                 << input.getRank();
    return failure();
  }
  Window window;
  if (std::optional<std::vector<int64_t>> kernel = node.intsAttr("kernel_shape"))
    window.kernel.assign(kernel->begin(), kernel->end());
  else if (kernelFromWeight)
    window.kernel.assign(kernelFromWeight->begin(), kernelFromWeight->end());
  else {
    node.error() << "the 'kernel_shape' attribute is required";
    return failure();
  }
  auto listOr = [&](llvm::StringRef name, int64_t fill, size_t count,
                    SmallVector<int64_t> &out) -> LogicalResult {
    if (std::optional<std::vector<int64_t>> values = node.intsAttr(name)) {
      if (values->size() != count) {
        node.error() << "'" << name << "' has " << values->size() << " values, expected " << count;
        return failure();
      }
      out.assign(values->begin(), values->end());
    } else {
      out.assign(count, fill);
    }
    return success();
  };
  if (window.kernel.size() != size_t(spatialRank)) {
    node.error() << "'kernel_shape' has " << window.kernel.size() << " values, expected "
                 << spatialRank;
    return failure();
  }
  if (failed(listOr("strides", 1, spatialRank, window.strides)) ||
      failed(listOr("dilations", 1, spatialRank, window.dilations)) ||
      failed(listOr("pads", 0, 2 * spatialRank, window.pads)))
    return failure();
  std::string autoPad = node.stringAttr("auto_pad").value_or("NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < spatialRank; ++i) {
      if (window.strides[i] < 1 || window.kernel[i] < 1 || window.dilations[i] < 1 ||
          window.strides[i] > kMaxSameWindow || window.kernel[i] > kMaxSameWindow ||
          window.dilations[i] > kMaxSameWindow) {
        node.error() << "strides, kernel sizes and dilations must be in [1, " << kMaxSameWindow
                     << "] with auto_pad " << autoPad;
        return failure();
      }
      int64_t size = input.getDimSize(i + 2);
      if (ShapedType::isDynamic(size) && window.strides[i] > 1) {
        // The pads depend on the size modulo the stride: computed at run time.
        std::fill(window.pads.begin(), window.pads.end(), 0);
        window.sameUpperAtRunTime = autoPad == "SAME_UPPER";
        break;
      }
      // With stride 1 the total padding is the dilated kernel less one, whatever the size.
      if (ShapedType::isDynamic(size))
        size = 1;
      int64_t output = (size + window.strides[i] - 1) / window.strides[i];
      int64_t total =
          std::max<int64_t>(0, (output - 1) * window.strides[i] +
                                   (window.kernel[i] - 1) * window.dilations[i] + 1 - size);
      int64_t small = total / 2, large = total - small;
      window.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      window.pads[i + spatialRank] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad == "VALID") {
    std::fill(window.pads.begin(), window.pads.end(), 0);
  } else if (autoPad != "NOTSET") {
    node.error() << "auto_pad '" << autoPad << "' is not one of NOTSET, SAME_UPPER, "
                 << "SAME_LOWER, VALID";
    return failure();
  }
  return window;
}

/// Pads `input` for auto_pad SAME when the pads depend on sizes known only at run time: per
/// spatial dim, total = max(0, (ceil(size / stride) - 1) * stride + dilated kernel - size), of
/// which the smaller half goes first with SAME_UPPER and last with SAME_LOWER. `padValue` is a
/// scalar tensor of the input's element type, or null for zeros.
FailureOr<Value> padSameAtRunTime(NodeContext &node, Value input, const Window &window,
                                  Value padValue) {
  OpBuilder &b = node.builder;
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank(), spatial = rank - 2;
  SmallVector<int64_t> strideMinusOne, windowLessStride;
  for (int64_t i = 0; i < spatial; ++i) {
    strideMinusOne.push_back(window.strides[i] - 1);
    windowLessStride.push_back((window.kernel[i] - 1) * window.dilations[i] + 1 -
                               window.strides[i]);
  }
  Value strides = i64Vector(node, window.strides);
  FailureOr<Value> shape = shapeOf(node, input);
  if (failed(shape))
    return failure();
  FailureOr<Value> sizes =
      node.create<llm::SliceOp>(*shape, b.getDenseI64ArrayAttr({2}), b.getDenseI64ArrayAttr({rank}),
                                b.getDenseI64ArrayAttr({1}));
  if (failed(sizes))
    return failure();
  // total = max(0, (ceil(size / stride) - 1) * stride + window - size).
  FailureOr<Value> rounded = node.create<llm::AddOp>(*sizes, i64Vector(node, strideMinusOne));
  if (failed(rounded))
    return failure();
  FailureOr<Value> outputs = node.create<llm::DivOp>(*rounded, strides);
  if (failed(outputs))
    return failure();
  FailureOr<Value> lastStart = node.create<llm::MulOp>(*outputs, strides);
  if (failed(lastStart))
    return failure();
  FailureOr<Value> reach = node.create<llm::AddOp>(*lastStart, i64Vector(node, windowLessStride));
  if (failed(reach))
    return failure();
  FailureOr<Value> total = node.create<llm::SubOp>(*reach, *sizes);
  if (failed(total))
    return failure();
  total = node.create<llm::MaxOp>(*total, i64Vector(node, SmallVector<int64_t>(spatial, 0)));
  if (failed(total))
    return failure();
  FailureOr<Value> small =
      node.create<llm::DivOp>(*total, i64Vector(node, SmallVector<int64_t>(spatial, 2)));
  if (failed(small))
    return failure();
  FailureOr<Value> large = node.create<llm::SubOp>(*total, *small);
  if (failed(large))
    return failure();
  Value begins = *window.sameUpperAtRunTime ? *small : *large;
  Value ends = *window.sameUpperAtRunTime ? *large : *small;
  Value none = i64Vector(node, {0, 0});
  FailureOr<Value> pads =
      node.create<llm::ConcatOp>(ValueRange{none, begins, none, ends}, b.getI64IntegerAttr(0));
  if (failed(pads))
    return failure();
  // Batch and channels are not padded: keep them as static as they are (a grouped conv needs
  // static channels), which refines the rule's `?` for run-time pads.
  FailureOr<Value> padded =
      node.create<llm::PadOp>(input, *pads, padValue, b.getStringAttr("constant"));
  if (failed(padded))
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> refined(cast<RankedTensorType>(padded->getType()).getShape());
  refined[0] = inputType.getDimSize(0);
  refined[1] = inputType.getDimSize(1);
  padded->setType(RankedTensorType::get(refined, inputType.getElementType()));
  return padded;
}

/// Inserts `strides[i] - 1` zeros after every element of spatial dim i of `x` ([N, C, D...] ->
/// [N, C, D * stride...]; the trailing zeros are the caller's to use or crop). Each spatial dim
/// gets a unit dim after it, padded with zeros to the stride, and the pairs are merged: one
/// padding copy, whatever sizes are known only at run time.
FailureOr<Value> insertZeros(NodeContext &node, Value x, ArrayRef<int64_t> strides) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), spatial = rank - 2;
  SmallVector<int64_t> sources = {0, 1};
  for (int64_t i = 0; i < spatial; ++i)
    sources.append({i + 2, kUnitDim});
  FailureOr<Value> unsqueezed = reshapeToSourceDims(node, x, sources);
  if (failed(unsqueezed))
    return failure();
  SmallVector<int64_t> pads(2 * (rank + spatial), 0);
  for (int64_t i = 0; i < spatial; ++i)
    pads[rank + spatial + 3 + 2 * i] = strides[i] - 1;
  FailureOr<Value> spread = node.create<llm::PadOp>(*unsqueezed, i64Vector(node, pads), Value(),
                                                    node.builder.getStringAttr("constant"));
  if (failed(spread))
    return failure();
  SmallVector<int64_t> merged(type.getShape().take_front(2)), factors = {1, 1};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = type.getDimSize(i + 2);
    merged.push_back(ShapedType::isDynamic(size) ? size : size * strides[i]);
    factors.push_back(strides[i]);
  }
  if (llvm::count_if(merged, ShapedType::isDynamic) <= 1)
    return node.reshape(*spread, merged);
  FailureOr<Value> shape = shapeOf(node, x);
  if (failed(shape))
    return failure();
  FailureOr<Value> target = node.create<llm::MulOp>(*shape, i64Vector(node, factors));
  if (failed(target))
    return failure();
  return Value(llm::ReshapeOp::create(node.builder, node.loc,
                                      RankedTensorType::get(merged, type.getElementType()), *spread,
                                      *target, /*allow_zero=*/true));
}

/// ConvTranspose as a stride-1 convolution: zeros are inserted between the input's elements
/// (stride - 1 per gap), the input is padded by dilation * (kernel - 1) less the pads (output
/// padding added at the end; negative amounts crop the output instead), and the weight is
/// flipped spatially with its channel dims swapped per group. Batch and spatial sizes may be
/// known only at run time; the weight is static.
LogicalResult convTranspose(NodeContext &node) {
  RankedTensorType xType = node.inputType(0), wType = node.inputType(1);
  int64_t rank = xType.getRank(), spatial = rank - 2;
  if (rank < 3 || wType.getRank() != rank || !wType.hasStaticShape()) {
    node.error() << "expected an input of rank 3 or more and a static weight of the same rank, "
                 << "got " << xType << " and " << wType;
    return failure();
  }
  int64_t groups = node.intAttr("group", 1);
  int64_t channels = wType.getDimSize(0), filtersPerGroup = wType.getDimSize(1);
  if (groups < 1 || channels % groups != 0 ||
      (!xType.isDynamicDim(1) && xType.getDimSize(1) != channels)) {
    node.error() << "weight " << wType << " does not match " << xType << " in " << groups
                 << " group(s)";
    return failure();
  }
  auto list = [&](llvm::StringRef name, int64_t fill, int64_t count) -> std::vector<int64_t> {
    std::vector<int64_t> values = node.intsAttr(name).value_or(std::vector<int64_t>{});
    if (values.empty())
      values.assign(count, fill);
    return values;
  };
  std::vector<int64_t> strides = list("strides", 1, spatial),
                       dilations = list("dilations", 1, spatial),
                       pads = list("pads", 0, 2 * spatial),
                       outputPadding = list("output_padding", 0, spatial);
  std::vector<int64_t> kernel(wType.getShape().begin() + 2, wType.getShape().end());
  if (int64_t(strides.size()) != spatial || int64_t(dilations.size()) != spatial ||
      int64_t(pads.size()) != 2 * spatial || int64_t(outputPadding.size()) != spatial ||
      llvm::any_of(strides, [](int64_t v) { return v < 1 || v > 64; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v < 1 || v > 65536; }) ||
      llvm::any_of(pads, [](int64_t v) { return v < 0 || v > (int64_t(1) << 31); }) ||
      llvm::any_of(outputPadding, [](int64_t v) { return v < 0 || v > 64; }) ||
      llvm::any_of(kernel, [](int64_t v) { return v < 1 || v > 65536; })) {
    node.error() << "strides, dilations, pads and output_padding must have one entry per spatial "
                    "dim (pads two), with strides and output_padding in [1, 64] and [0, 64], "
                    "dilations and kernel sizes in [1, 65536] and pads in [0, 2^31]";
    return failure();
  }
  std::string autoPad = node.stringAttr("auto_pad").value_or("NOTSET");
  std::optional<std::vector<int64_t>> outputShape = node.intsAttr("output_shape");
  if (outputShape && int64_t(outputShape->size()) < spatial) {
    node.error() << "'output_shape' has " << outputShape->size() << " values, expected " << spatial;
    return failure();
  }
  if (outputShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < spatial; ++i) {
      // The total padding: stride * (in - 1) + output_padding + dilated kernel - target. For
      // SAME the target is in * stride, so the input size cancels out.
      int64_t total = outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - strides[i];
      if (outputShape) {
        int64_t in = xType.getDimSize(i + 2);
        if (ShapedType::isDynamic(in)) {
          node.error() << "'output_shape' needs static spatial input sizes, got " << xType;
          return failure();
        }
        total = strides[i] * (in - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 -
                (*outputShape)[outputShape->size() - spatial + i];
      }
      bool upper = autoPad != "SAME_LOWER";
      pads[i] = upper ? total / 2 : total - total / 2;
      pads[i + spatial] = upper ? total - total / 2 : total / 2;
    }
  } else if (autoPad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  } else if (autoPad != "NOTSET") {
    node.error() << "auto_pad '" << autoPad << "' is not one of NOTSET, SAME_UPPER, "
                 << "SAME_LOWER, VALID";
    return failure();
  }
  OpBuilder &b = node.builder;
  Value x = node.input(0);
  bool strided = llvm::any_of(strides, [](int64_t v) { return v > 1; });
  if (strided) {
    FailureOr<Value> spread = insertZeros(node, x, strides);
    if (failed(spread))
      return failure();
    x = *spread;
  }
  // Weight [C, F/g, k...] -> [F, C/g, k...], flipped along every spatial dim.
  int64_t channelsPerGroup = channels / groups;
  SmallVector<int64_t> grouped = {groups, channelsPerGroup, filtersPerGroup};
  grouped.append(kernel.begin(), kernel.end());
  FailureOr<Value> w = node.reshape(node.input(1), grouped);
  if (failed(w))
    return failure();
  SmallVector<int64_t> permutation = {0, 2, 1};
  for (int64_t i = 0; i < spatial; ++i)
    permutation.push_back(3 + i);
  w = node.create<llm::TransposeOp>(*w, b.getDenseI64ArrayAttr(permutation));
  if (failed(w))
    return failure();
  SmallVector<int64_t> convWeightShape = {groups * filtersPerGroup, channelsPerGroup};
  convWeightShape.append(kernel.begin(), kernel.end());
  w = node.reshape(*w, convWeightShape);
  if (failed(w))
    return failure();
  SmallVector<int64_t> starts = {0, 0}, ends = {convWeightShape[0], convWeightShape[1]},
                       steps = {1, 1};
  for (int64_t k : kernel) {
    starts.push_back(k - 1);
    ends.push_back(-1);
    steps.push_back(-1);
  }
  w = node.create<llm::SliceOp>(*w, b.getDenseI64ArrayAttr(starts), b.getDenseI64ArrayAttr(ends),
                                b.getDenseI64ArrayAttr(steps));
  if (failed(w))
    return failure();
  // Pads of the equivalent convolution; negative ones crop its output. The stride - 1 zeros
  // after the last element are not part of the spread input: they count against the end pad.
  SmallVector<int64_t> convPads(2 * spatial), crop(2 * rank, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t reach = dilations[i] * (kernel[i] - 1);
    int64_t begin = reach - pads[i],
            end = reach - pads[i + spatial] + outputPadding[i] - (strides[i] - 1);
    convPads[i] = std::max<int64_t>(begin, 0);
    convPads[i + spatial] = std::max<int64_t>(end, 0);
    crop[i + 2] = std::min<int64_t>(begin, 0);
    crop[rank + i + 2] = std::min<int64_t>(end, 0);
  }
  FailureOr<Value> result = node.create<llm::ConvOp>(
      x, *w, node.input(2), b.getDenseI64ArrayAttr(SmallVector<int64_t>(spatial, 1)),
      b.getDenseI64ArrayAttr(dilations), b.getDenseI64ArrayAttr(convPads),
      b.getI64IntegerAttr(groups));
  if (failed(result))
    return failure();
  if (llvm::any_of(crop, [](int64_t v) { return v < 0; })) {
    // llm.pad with negative amounts crops, whether the sizes are static or not.
    result = node.create<llm::PadOp>(*result, i64Vector(node, crop), Value(),
                                     b.getStringAttr("constant"));
    if (failed(result))
      return failure();
  }
  node.setOutput(0, *result);
  return success();
}

LogicalResult conv(NodeContext &node) {
  FailureOr<Value> result = convolution(node, node.input(0), node.input(1), node.input(2));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

template <typename OpTy> LogicalResult pool(NodeContext &node) {
  int64_t storageOrder = node.intAttr("storage_order", 0);
  if (storageOrder != 0 && storageOrder != 1) {
    node.error() << "storage_order must be 0 (row major) or 1 (column major), got " << storageOrder;
    return failure();
  }
  RankedTensorType input = node.inputType(0);
  FailureOr<Window> window = windowOf(node, input, std::nullopt);
  if (failed(window))
    return failure();
  OpBuilder &b = node.builder;
  bool wantsIndices = node.node.output_size() > 1 && !node.node.output(1).empty();
  Value x = node.input(0);
  if (window->sameUpperAtRunTime) {
    // Padding that never wins a maximum, or zeros that count in an average's divisor.
    Value padValue;
    Type element = input.getElementType();
    if constexpr (std::is_same_v<OpTy, llm::MaxPoolOp>) {
      if (wantsIndices) {
        node.error() << "auto_pad SAME with a stride over a spatial size known only at run time "
                        "cannot give the Indices output";
        return failure();
      }
      auto scalarType = RankedTensorType::get({}, element);
      if (auto floatType = dyn_cast<FloatType>(element))
        padValue = node.constant(DenseElementsAttr::get(
            scalarType, APFloat::getInf(floatType.getFloatSemantics(), /*Negative=*/true)));
      else if (element.isUnsignedInteger())
        padValue = node.constant(
            DenseElementsAttr::get(scalarType, APInt::getZero(element.getIntOrFloatBitWidth())));
      else
        padValue = node.constant(DenseElementsAttr::get(
            scalarType, APInt::getSignedMinValue(element.getIntOrFloatBitWidth())));
    } else if (node.intAttr("count_include_pad", 0) == 0) {
      node.error() << "auto_pad SAME with a stride over a spatial size known only at run time "
                      "needs count_include_pad=1";
      return failure();
    }
    FailureOr<Value> padded = padSameAtRunTime(node, x, *window, padValue);
    if (failed(padded))
      return failure();
    x = *padded;
  }
  FailureOr<Value> result;
  if constexpr (std::is_same_v<OpTy, llm::MaxPoolOp>)
    result = node.create<llm::MaxPoolOp>(
        x, b.getDenseI64ArrayAttr(window->kernel), b.getDenseI64ArrayAttr(window->strides),
        b.getDenseI64ArrayAttr(window->dilations), b.getDenseI64ArrayAttr(window->pads),
        b.getBoolAttr(node.intAttr("ceil_mode", 0) != 0));
  else
    result = node.create<llm::AvgPoolOp>(
        x, b.getDenseI64ArrayAttr(window->kernel), b.getDenseI64ArrayAttr(window->strides),
        b.getDenseI64ArrayAttr(window->dilations), b.getDenseI64ArrayAttr(window->pads),
        b.getBoolAttr(node.intAttr("ceil_mode", 0) != 0),
        b.getBoolAttr(node.intAttr("count_include_pad", 0) != 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  // MaxPool's Indices: where each window's maximum is, flattened over the whole input.
  if (wantsIndices) {
    FailureOr<Value> indices = node.create<llm::MaxPoolArgmaxOp>(
        node.input(0), b.getDenseI64ArrayAttr(window->kernel),
        b.getDenseI64ArrayAttr(window->strides), b.getDenseI64ArrayAttr(window->dilations),
        b.getDenseI64ArrayAttr(window->pads), b.getBoolAttr(node.intAttr("ceil_mode", 0) != 0),
        b.getBoolAttr(storageOrder == 1));
    if (failed(indices))
      return failure();
    node.setOutput(1, *indices);
  }
  return success();
}

/// GlobalAveragePool and GlobalMaxPool reduce every spatial dim and keep it as 1.
template <typename OpTy> LogicalResult globalPool(NodeContext &node) {
  RankedTensorType input = node.inputType(0);
  if (input.getRank() < 3) {
    node.error() << "expected an input of rank 3 or more, got rank " << input.getRank();
    return failure();
  }
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(2, input.getRank()));
  FailureOr<Value> result = node.create<OpTy>(
      node.input(0), node.builder.getDenseI64ArrayAttr(axes), node.builder.getBoolAttr(true));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// BatchNormalization. In training mode (opset 14's training_mode, or earlier opsets asking
/// for the statistics outputs) the input is normalized with its own per-channel mean and
/// (population) variance, and the running statistics are updated with `momentum`.
LogicalResult batchNorm(NodeContext &node) {
  bool extraOutputs = false;
  for (int i = 1; i < node.node.output_size(); ++i)
    extraOutputs |= !node.node.output(i).empty();
  bool training = node.opset >= 14 ? node.intAttr("training_mode", 0) != 0 : extraOutputs;
  if (node.intAttr("spatial", 1) == 0) {
    node.error() << "spatial=0 (per-element statistics) is not supported";
    return failure();
  }
  OpBuilder &b = node.builder;
  auto epsilon = b.getF64FloatAttr(node.floatAttr("epsilon", 1e-5f));
  if (!training) {
    FailureOr<Value> result = node.create<llm::BatchNormOp>(
        node.input(0), node.input(1), node.input(2), node.input(3), node.input(4), epsilon);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || !isa<FloatType>(type.getElementType())) {
    node.error() << "expected a float input of rank 2 or more (N x C x ...), got " << type;
    return failure();
  }
  Type element = type.getElementType();
  SmallVector<int64_t> axes = {0};
  for (int64_t dim = 2; dim < rank; ++dim)
    axes.push_back(dim);
  auto axesAttr = b.getDenseI64ArrayAttr(axes);
  Value x = node.input(0);
  FailureOr<Value> mean = node.create<llm::ReduceMeanOp>(x, axesAttr, b.getBoolAttr(true));
  if (failed(mean))
    return failure();
  FailureOr<Value> centered = node.create<llm::SubOp>(x, *mean);
  if (failed(centered))
    return failure();
  FailureOr<Value> squares = node.create<llm::MulOp>(*centered, *centered);
  if (failed(squares))
    return failure();
  FailureOr<Value> variance =
      node.create<llm::ReduceMeanOp>(*squares, axesAttr, b.getBoolAttr(false));
  FailureOr<Value> channelMean = node.reshape(*mean, {type.getDimSize(1)});
  if (failed(variance) || failed(channelMean))
    return failure();
  FailureOr<Value> result = node.create<llm::BatchNormOp>(x, node.input(1), node.input(2),
                                                          *channelMean, *variance, epsilon);
  if (failed(result))
    return failure();
  // running * momentum + current * (1 - momentum)
  double momentum = node.floatAttr("momentum", 0.9f);
  auto update = [&](Value running, Value current) -> FailureOr<Value> {
    FailureOr<Value> kept = node.create<llm::MulOp>(running, node.scalar(momentum, element));
    FailureOr<Value> added = node.create<llm::MulOp>(current, node.scalar(1 - momentum, element));
    if (failed(kept) || failed(added))
      return failure();
    return node.create<llm::AddOp>(*kept, *added);
  };
  FailureOr<Value> runningMean = update(node.input(3), *channelMean);
  FailureOr<Value> runningVariance = update(node.input(4), *variance);
  if (failed(runningMean) || failed(runningVariance))
    return failure();
  node.setOutput(0, *result);
  node.setOutput(1, *runningMean);
  node.setOutput(2, *runningVariance);
  // Before opset 14, the batch statistics themselves follow as saved_mean and saved_var.
  node.setOutput(3, *channelMean);
  node.setOutput(4, *variance);
  return success();
}

/// Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis` and the
/// softmax runs over the whole trailing block.
template <typename OpTy> LogicalResult softmax(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  if (rank == 0) {
    node.error() << "softmax needs an input of rank 1 or more";
    return failure();
  }
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", node.opset < 13 ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  if (node.opset >= 13 || *axis == rank - 1) {
    Value result =
        OpTy::create(node.builder, node.loc, node.input(0), node.builder.getI64IntegerAttr(*axis));
    node.setOutput(0, result);
    return success();
  }
  if (!type.hasStaticShape()) {
    node.error() << "opset " << node.opset << " softmax over a block of dims needs static shapes";
    return failure();
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < *axis ? outer : inner) *= type.getDimSize(d);
  FailureOr<Value> flat = node.reshape(node.input(0), {outer, inner});
  if (failed(flat))
    return failure();
  Value result = OpTy::create(node.builder, node.loc, *flat, node.builder.getI64IntegerAttr(1));
  FailureOr<Value> restored = node.reshape(result, type.getShape());
  if (failed(restored))
    return failure();
  node.setOutput(0, *restored);
  return success();
}

/// (x - mean) * rsqrt(variance + epsilon) over `axes`, with the mean and 1/stddev kept as unit
/// dims: shared by LayerNormalization's statistics outputs and InstanceNormalization.
struct Normalized {
  Value normalized, mean, inverseStdDev;
};

FailureOr<Normalized> normalizeOver(NodeContext &node, Value x, ArrayRef<int64_t> axes,
                                    double epsilon) {
  Type element = cast<RankedTensorType>(x.getType()).getElementType();
  auto axesAttr = node.builder.getDenseI64ArrayAttr(axes);
  auto keep = node.builder.getBoolAttr(true);
  FailureOr<Value> mean = node.create<llm::ReduceMeanOp>(x, axesAttr, keep);
  if (failed(mean))
    return failure();
  FailureOr<Value> centered = node.create<llm::SubOp>(x, *mean);
  if (failed(centered))
    return failure();
  FailureOr<Value> squares = node.create<llm::MulOp>(*centered, *centered);
  if (failed(squares))
    return failure();
  FailureOr<Value> variance = node.create<llm::ReduceMeanOp>(*squares, axesAttr, keep);
  if (failed(variance))
    return failure();
  FailureOr<Value> shifted = node.create<llm::AddOp>(*variance, node.scalar(epsilon, element));
  if (failed(shifted))
    return failure();
  Value inverse = llm::RsqrtOp::create(node.builder, node.loc, *shifted);
  FailureOr<Value> normalized = node.create<llm::MulOp>(*centered, inverse);
  if (failed(normalized))
    return failure();
  return Normalized{*normalized, *mean, inverse};
}

/// LayerNormalization (opset 17): normalizes over dims [axis, rank).
LogicalResult layerNorm(NodeContext &node) {
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", -1), node.inputType(0).getRank());
  if (failed(axis))
    return failure();
  bool wantsStatistics = false;
  for (int i = 1; i < node.node.output_size(); ++i)
    wantsStatistics |= !node.node.output(i).empty();
  if (wantsStatistics) {
    // Spelled out, so that the mean and 1/stddev (kept dims of size 1) are values too.
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(*axis, node.inputType(0).getRank()));
    FailureOr<Normalized> statistics =
        normalizeOver(node, node.input(0), axes, node.floatAttr("epsilon", 1e-5f));
    if (failed(statistics))
      return failure();
    Value *normalized = &statistics->normalized;
    FailureOr<Value> result = node.create<llm::MulOp>(*normalized, node.input(1));
    if (failed(result))
      return failure();
    if (node.hasInput(2)) {
      result = node.create<llm::AddOp>(*result, node.input(2));
      if (failed(result))
        return failure();
    }
    node.setOutput(0, *result);
    node.setOutput(1, statistics->mean);
    node.setOutput(2, statistics->inverseStdDev);
    return success();
  }
  FailureOr<Value> result = node.create<llm::LayerNormOp>(
      node.input(0), node.input(1), node.input(2), node.builder.getI64IntegerAttr(*axis),
      node.builder.getF64FloatAttr(node.floatAttr("epsilon", 1e-5f)));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// InstanceNormalization: per (n, c), normalize over the spatial dims; then scale and bias by
/// channel.
LogicalResult instanceNorm(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 3) {
    node.error() << "expected an input of rank 3 or more, got rank " << rank;
    return failure();
  }
  SmallVector<int64_t> spatial = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  FailureOr<Normalized> statistics =
      normalizeOver(node, node.input(0), spatial, node.floatAttr("epsilon", 1e-5f));
  if (failed(statistics))
    return failure();
  Value *normalized = &statistics->normalized;
  // [C] -> [C, 1, ..., 1] to broadcast over the spatial dims.
  SmallVector<int64_t> channelShape = {node.inputType(1).getDimSize(0)};
  channelShape.append(rank - 2, 1);
  FailureOr<Value> scale = node.reshape(node.input(1), channelShape);
  FailureOr<Value> bias = node.reshape(node.input(2), channelShape);
  if (failed(scale) || failed(bias))
    return failure();
  FailureOr<Value> scaled = node.create<llm::MulOp>(*normalized, *scale);
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = node.create<llm::AddOp>(*scaled, *bias);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

template <typename OpTy> LogicalResult argExtreme(NodeContext &node) {
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", 0), node.inputType(0).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> result =
      node.create<OpTy>(node.input(0), node.builder.getI64IntegerAttr(*axis),
                        node.builder.getBoolAttr(node.intAttr("keepdims", 1) != 0),
                        node.builder.getBoolAttr(node.intAttr("select_last_index", 0) != 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Hardmax: 1 where the first maximum along `axis` is, 0 elsewhere.
LogicalResult hardmax(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (!type.hasStaticShape()) {
    node.error() << "hardmax needs a static shape";
    return failure();
  }
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", node.opset < 13 ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  if (node.opset < 13 && *axis != rank - 1) {
    node.error() << "opset " << node.opset << " hardmax over a block of dims is not supported";
    return failure();
  }
  FailureOr<Value> best =
      node.create<llm::ArgMaxOp>(node.input(0), node.builder.getI64IntegerAttr(*axis),
                                 node.builder.getBoolAttr(true), node.builder.getBoolAttr(false));
  if (failed(best))
    return failure();
  // Positions along the axis, shaped to broadcast against the argmax.
  int64_t size = type.getDimSize(*axis);
  SmallVector<int64_t> positions = llvm::to_vector(llvm::seq<int64_t>(0, size));
  SmallVector<int64_t> shape(rank, 1);
  shape[*axis] = size;
  Value iota = node.constant(DenseElementsAttr::get(
      RankedTensorType::get(shape, node.builder.getI64Type()), ArrayRef<int64_t>(positions)));
  FailureOr<Value> mask = node.create<llm::EqualOp>(iota, *best);
  if (failed(mask))
    return failure();
  node.setOutput(
      0, llm::CastOp::create(node.builder, node.loc,
                             cast<RankedTensorType>(mask->getType()).clone(type.getElementType()),
                             *mask));
  return success();
}

/// The negative log-likelihood of `logProb` ([N, C, d...]) at `target` ([N, d...]), weighted
/// by `weight` ([C]) if given, with ONNX's `reduction` and `ignore_index`.
FailureOr<Value> negativeLogLikelihood(NodeContext &node, Value logProb, Value target,
                                       Value weight) {
  auto probType = cast<RankedTensorType>(logProb.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  Type element = probType.getElementType();
  if (probType.getRank() < 2 || targetType.getRank() != probType.getRank() - 1 ||
      !targetType.hasStaticShape() || !isa<IntegerType>(targetType.getElementType())) {
    node.error() << "expected input [N, C, d...] and an integer target [N, d...] of static shape";
    return failure();
  }
  std::string reduction = node.stringAttr("reduction").value_or("mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    node.error() << "reduction '" << reduction << "' is not one of none, sum, mean";
    return failure();
  }
  OpBuilder &b = node.builder;
  // input[n, target[n, d...], d...] through a unit class dim.
  SmallVector<int64_t> withClass(targetType.getShape());
  withClass.insert(withClass.begin() + 1, 1);
  FailureOr<Value> index = node.reshape(target, withClass);
  if (failed(index))
    return failure();
  FailureOr<Value> picked =
      node.create<llm::GatherElementsOp>(logProb, *index, b.getI64IntegerAttr(1));
  if (failed(picked))
    return failure();
  FailureOr<Value> flat = node.reshape(*picked, targetType.getShape());
  if (failed(flat))
    return failure();
  Value loss = llm::NegOp::create(b, node.loc, *flat);
  auto lossType = RankedTensorType::get(targetType.getShape(), element);
  Value weights = node.constant(DenseElementsAttr::get(lossType, b.getFloatAttr(element, 1.0)));
  if (weight) {
    FailureOr<Value> gathered = node.create<llm::GatherOp>(weight, target, b.getI64IntegerAttr(0));
    if (failed(gathered))
      return failure();
    weights = *gathered;
    FailureOr<Value> weighted = node.create<llm::MulOp>(loss, weights);
    if (failed(weighted))
      return failure();
    loss = *weighted;
  }
  if (std::optional<int64_t> ignore = node.intAttr("ignore_index")) {
    FailureOr<Value> keep = node.create<llm::NotEqualOp>(
        target, node.scalar(double(*ignore), targetType.getElementType()));
    if (failed(keep))
      return failure();
    FailureOr<Value> kept = node.create<llm::SelectOp>(*keep, loss, node.scalar(0.0, element));
    FailureOr<Value> keptWeights =
        node.create<llm::SelectOp>(*keep, weights, node.scalar(0.0, element));
    if (failed(kept) || failed(keptWeights))
      return failure();
    loss = *kept;
    weights = *keptWeights;
  }
  if (reduction == "none")
    return loss;
  auto all = b.getDenseI64ArrayAttr(llvm::to_vector(llvm::seq<int64_t>(0, targetType.getRank())));
  FailureOr<Value> total = node.create<llm::ReduceSumOp>(loss, all, b.getBoolAttr(false));
  if (failed(total) || reduction == "sum")
    return total;
  FailureOr<Value> weightTotal = node.create<llm::ReduceSumOp>(weights, all, b.getBoolAttr(false));
  if (failed(weightTotal))
    return failure();
  return node.create<llm::DivOp>(*total, *weightTotal);
}

LogicalResult nllLoss(NodeContext &node) {
  FailureOr<Value> loss = negativeLogLikelihood(node, node.input(0), node.input(1), node.input(2));
  if (failed(loss))
    return failure();
  node.setOutput(0, *loss);
  return success();
}

LogicalResult softmaxCrossEntropy(NodeContext &node) {
  Value logProb = llm::LogSoftmaxOp::create(node.builder, node.loc, node.input(0),
                                            node.builder.getI64IntegerAttr(1));
  FailureOr<Value> loss = negativeLogLikelihood(node, logProb, node.input(1), node.input(2));
  if (failed(loss))
    return failure();
  node.setOutput(0, *loss);
  node.setOutput(1, logProb);
  return success();
}

LogicalResult gatherElements(NodeContext &node) {
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", 0), node.inputType(0).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> result = node.create<llm::GatherElementsOp>(
      node.input(0), node.input(1), node.builder.getI64IntegerAttr(*axis));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

FailureOr<Value> matrixProduct(NodeContext &node, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (lhsType.getRank() == 0 || rhsType.getRank() == 0) {
    node.error() << "MatMul operands must have rank 1 or more";
    return failure();
  }
  bool lhsVector = lhsType.getRank() == 1, rhsVector = rhsType.getRank() == 1;
  if (lhsVector) {
    FailureOr<Value> expanded = node.reshape(lhs, {1, lhsType.getDimSize(0)});
    if (failed(expanded))
      return failure();
    lhs = *expanded;
  }
  if (rhsVector) {
    FailureOr<Value> expanded = node.reshape(rhs, {rhsType.getDimSize(0), 1});
    if (failed(expanded))
      return failure();
    rhs = *expanded;
  }
  FailureOr<Value> product = node.create<llm::MatmulOp>(lhs, rhs);
  if (failed(product))
    return failure();
  Value result = *product;
  if (lhsVector || rhsVector) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<int64_t> shape(type.getShape());
    if (rhsVector)
      shape.erase(shape.end() - 1);
    if (lhsVector)
      shape.erase(shape.end() - (rhsVector ? 1 : 2));
    FailureOr<Value> squeezed = node.reshape(result, shape);
    if (failed(squeezed))
      return failure();
    result = *squeezed;
  }
  return result;
}

FailureOr<Value> convolution(NodeContext &node, Value inputValue, Value weightValue, Value bias) {
  auto input = cast<RankedTensorType>(inputValue.getType());
  auto weight = cast<RankedTensorType>(weightValue.getType());
  if (weight.getRank() != input.getRank()) {
    node.error() << "weight has rank " << weight.getRank() << ", expected " << input.getRank();
    return failure();
  }
  FailureOr<Window> window = windowOf(node, input, weight.getShape().drop_front(2));
  if (failed(window))
    return failure();
  if (window->sameUpperAtRunTime) {
    FailureOr<Value> padded = padSameAtRunTime(node, inputValue, *window, Value());
    if (failed(padded))
      return failure();
    inputValue = *padded;
  }
  OpBuilder &b = node.builder;
  return node.create<llm::ConvOp>(
      inputValue, weightValue, bias, b.getDenseI64ArrayAttr(window->strides),
      b.getDenseI64ArrayAttr(window->dilations), b.getDenseI64ArrayAttr(window->pads),
      b.getI64IntegerAttr(node.intAttr("group", 1)));
}

void registerNeuralNetworkOps(OpRegistry &registry) {
  registry.add({"MatMul", 1, 2, 2, 1, 1, matmul});
  registry.add({"Gemm", 1, 2, 3, 1, 1, gemm});
  registry.add({"Conv", 1, 2, 3, 1, 1, conv});
  registry.add({"ConvTranspose", 1, 2, 3, 1, 1, convTranspose});
  registry.add({"MaxPool", 1, 1, 1, 1, 2, pool<llm::MaxPoolOp>});
  registry.add({"AveragePool", 1, 1, 1, 1, 1, pool<llm::AvgPoolOp>});
  registry.add({"GlobalAveragePool", 1, 1, 1, 1, 1, globalPool<llm::ReduceMeanOp>});
  registry.add({"GlobalMaxPool", 1, 1, 1, 1, 1, globalPool<llm::ReduceMaxOp>});
  registry.add({"BatchNormalization", 1, 5, 5, 1, 5, batchNorm});
  registry.add({"LayerNormalization", 17, 2, 3, 1, 3, layerNorm});
  registry.add({"InstanceNormalization", 1, 3, 3, 1, 1, instanceNorm});
  registry.add({"ArgMax", 1, 1, 1, 1, 1, argExtreme<llm::ArgMaxOp>});
  registry.add({"ArgMin", 1, 1, 1, 1, 1, argExtreme<llm::ArgMinOp>});
  registry.add({"Hardmax", 1, 1, 1, 1, 1, hardmax});
  registry.add({"NegativeLogLikelihoodLoss", 12, 2, 3, 1, 1, nllLoss});
  registry.add({"SoftmaxCrossEntropyLoss", 12, 2, 3, 1, 2, softmaxCrossEntropy});
  registry.add({"GatherElements", 11, 2, 2, 1, 1, gatherElements});
  registry.add({"Softmax", 1, 1, 1, 1, 1, softmax<llm::SoftmaxOp>});
  registry.add({"LogSoftmax", 1, 1, 1, 1, 1, softmax<llm::LogSoftmaxOp>});
}

} // namespace llmc::onnx_frontend
