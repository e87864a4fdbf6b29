//===- LLMShapes.cpp - Shape rules of the llm ops ---------------------------===//
#include "dialects/llm/IR/LLMShapes.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <string>

using llvm::ArrayRef;

namespace llmc::llm::shapes {
namespace {

constexpr int64_t kDynamic = mlir::ShapedType::kDynamic;

bool isDynamic(int64_t size) { return size == kDynamic; }

std::string formatList(ArrayRef<int64_t> values) {
  std::string text = "[";
  for (auto [index, value] : llvm::enumerate(values)) {
    if (index)
      text += ", ";
    text += std::to_string(value);
  }
  return text + "]";
}

std::string formatSize(int64_t size) { return isDynamic(size) ? "?" : std::to_string(size); }

/// Bounds shared by conv and pooling attributes. Sizes beyond 2^31 are no real model's, and the
/// bound keeps the output-size arithmetic far from overflow.
constexpr int64_t kMaxWindowValue = int64_t(1) << 31;

std::string checkWindowParams(size_t spatialRank, ArrayRef<int64_t> kernel,
                              ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                              ArrayRef<int64_t> pads) {
  auto checkList = [&](ArrayRef<int64_t> values, size_t expected, const char *name,
                       int64_t minimum) -> std::string {
    if (values.size() != expected)
      return std::string("expected ") + std::to_string(expected) + " " + name + " (" +
             (expected == 2 * spatialRank ? "begin and end for each spatial dimension"
                                          : "one per spatial dimension") +
             "), got " + std::to_string(values.size());
    for (int64_t value : values)
      if (value < minimum || value > kMaxWindowValue)
        return std::string(name) + " must be in [" + std::to_string(minimum) + ", 2^31], got " +
               formatList(values);
    return "";
  };
  for (const std::string &error : {checkList(kernel, spatialRank, "kernel sizes", 1),
                                   checkList(strides, spatialRank, "strides", 1),
                                   checkList(dilations, spatialRank, "dilations", 1),
                                   checkList(pads, 2 * spatialRank, "pads", 0)})
    if (!error.empty())
      return error;
  return "";
}

} // namespace

std::string formatShape(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (auto [index, size] : llvm::enumerate(shape)) {
    if (index)
      text += "x";
    text += formatSize(size);
  }
  return text;
}

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t size : shape) {
    if (isDynamic(size))
      return kDynamic;
    std::optional<int64_t> product = llvm::checkedMul(count, size);
    if (!product)
      return kDynamic;
    count = *product;
  }
  return count;
}

ShapeOrError broadcast(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Align at the trailing dimension; missing leading dimensions act as 1.
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == 1) {
      result[i] = b;
    } else if (b == 1) {
      result[i] = a;
    } else if (isDynamic(a) || isDynamic(b)) {
      // A dynamic size against a static one must equal it at run time, or be 1 and stretch.
      result[i] = isDynamic(a) ? b : a;
    } else if (a == b) {
      result[i] = a;
    } else {
      return "shapes " + formatShape(lhs) + " and " + formatShape(rhs) +
             " do not broadcast: dimension " + std::to_string(i) + " is " + std::to_string(a) +
             " against " + std::to_string(b);
    }
  }
  return result;
}

ShapeOrError matmul(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  if (lhs.size() < 2 || rhs.size() < 2)
    return "expected operands of rank 2 or more, got " + formatShape(lhs) + " and " +
           formatShape(rhs);
  int64_t k1 = lhs[lhs.size() - 1], k2 = rhs[rhs.size() - 2];
  if (!isDynamic(k1) && !isDynamic(k2) && k1 != k2)
    return "contraction dimensions differ: lhs " + formatShape(lhs) +
           " has K = " + std::to_string(k1) + ", rhs " + formatShape(rhs) +
           " has K = " + std::to_string(k2);
  ShapeOrError batch = broadcast(lhs.drop_back(2), rhs.drop_back(2));
  if (!batch.ok())
    return "batch dimensions: " + batch.error();
  Shape result = batch.shape();
  result.push_back(lhs[lhs.size() - 2]);
  result.push_back(rhs[rhs.size() - 1]);
  return result;
}

int64_t windowOutputSize(int64_t inputSize, int64_t kernel, int64_t stride, int64_t dilation,
                         int64_t padBegin, int64_t padEnd, bool ceilMode) {
  if (isDynamic(inputSize))
    return kDynamic;
  // The window terms are bounded by the callers, but the input size is not: use 128 bits.
  __int128 padded = __int128(inputSize) + padBegin + padEnd;
  __int128 window = __int128(dilation) * (kernel - 1) + 1;
  if (padded < window)
    return 0;
  __int128 span = padded - window;
  __int128 count = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // A last window that would start inside the end padding covers no input: drop it.
  if (ceilMode && (count - 1) * stride >= __int128(inputSize) + padBegin)
    --count;
  return count > INT64_MAX ? -1 : int64_t(count);
}

ShapeOrError conv(ArrayRef<int64_t> input, ArrayRef<int64_t> weight,
                  std::optional<ArrayRef<int64_t>> bias, const ConvParams &params) {
  if (input.size() < 3)
    return "expected input of rank 3 or more (N x C x spatial...), got " + formatShape(input);
  if (weight.size() != input.size())
    return "expected weight of rank " + std::to_string(input.size()) +
           " (F x C/groups x kernel...), got " + formatShape(weight);
  size_t spatialRank = input.size() - 2;
  // A dynamic kernel size is checked at run time; stand 1 in for it here.
  Shape kernel(weight.drop_front(2));
  for (int64_t &size : kernel)
    if (isDynamic(size))
      size = 1;
  if (std::string error =
          checkWindowParams(spatialRank, kernel, params.strides, params.dilations, params.pads);
      !error.empty())
    return error;
  int64_t groups = params.groups;
  if (groups < 1)
    return "expected groups >= 1, got " + std::to_string(groups);
  int64_t channels = input[1], filters = weight[0], channelsPerGroup = weight[1];
  if (!isDynamic(channels) && channels % groups != 0)
    return "input channels (" + std::to_string(channels) + ") are not divisible by groups (" +
           std::to_string(groups) + ")";
  if (!isDynamic(filters) && filters % groups != 0)
    return "weight filters (" + std::to_string(filters) + ") are not divisible by groups (" +
           std::to_string(groups) + ")";
  if (!isDynamic(channels) && !isDynamic(channelsPerGroup) && channelsPerGroup * groups != channels)
    return "weight has " + std::to_string(channelsPerGroup) + " channels per group, but input " +
           formatShape(input) + " with " + std::to_string(groups) + " group(s) needs " +
           std::to_string(channels / groups);
  if (bias) {
    if (bias->size() != 1)
      return "expected bias of rank 1, got " + formatShape(*bias);
    if (!isDynamic((*bias)[0]) && !isDynamic(filters) && (*bias)[0] != filters)
      return "bias has " + std::to_string((*bias)[0]) + " elements, expected one per filter (" +
             std::to_string(filters) + ")";
  }
  Shape result = {input[0], filters};
  for (size_t i = 0; i < spatialRank; ++i) {
    if (isDynamic(weight[i + 2])) {
      result.push_back(kDynamic);
      continue;
    }
    int64_t size =
        windowOutputSize(input[i + 2], kernel[i], params.strides[i], params.dilations[i],
                         params.pads[i], params.pads[i + spatialRank], /*ceilMode=*/false);
    if (size == -1)
      return "output dimension " + std::to_string(i + 2) + " does not fit in int64";
    if (size == 0)
      return "spatial dimension " + std::to_string(i) + " (size " + formatSize(input[i + 2]) +
             ", padded by " + std::to_string(params.pads[i] + params.pads[i + spatialRank]) +
             ") is smaller than the dilated kernel (" +
             std::to_string(params.dilations[i] * (kernel[i] - 1) + 1) + ")";
    result.push_back(size);
  }
  return result;
}

ShapeOrError pool(ArrayRef<int64_t> input, const PoolParams &params) {
  if (input.size() < 3)
    return "expected input of rank 3 or more (N x C x spatial...), got " + formatShape(input);
  size_t spatialRank = input.size() - 2;
  if (std::string error = checkWindowParams(spatialRank, params.kernel, params.strides,
                                            params.dilations, params.pads);
      !error.empty())
    return error;
  Shape result = {input[0], input[1]};
  for (size_t i = 0; i < spatialRank; ++i) {
    int64_t kernel = params.kernel[i];
    int64_t size = windowOutputSize(input[i + 2], kernel, params.strides[i], params.dilations[i],
                                    params.pads[i], params.pads[i + spatialRank], params.ceilMode);
    if (size == -1)
      return "output dimension " + std::to_string(i + 2) + " does not fit in int64";
    if (size == 0)
      return "spatial dimension " + std::to_string(i) + " (size " + formatSize(input[i + 2]) +
             ") is smaller than the dilated window (" +
             std::to_string(params.dilations[i] * (kernel - 1) + 1) + ")";
    result.push_back(size);
  }
  return result;
}

std::string checkAxis(int64_t axis, int64_t rank, const char *what) {
  if (axis < 0 || axis >= rank)
    return std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
           std::to_string(rank) + " (expected 0 to " + std::to_string(rank - 1) + ")";
  return "";
}

ShapeOrError reduce(ArrayRef<int64_t> input, ArrayRef<int64_t> axes, bool keepDims) {
  int64_t rank = input.size();
  for (auto [index, axis] : llvm::enumerate(axes)) {
    if (std::string error = checkAxis(axis, rank); !error.empty())
      return error;
    if (index && axes[index - 1] >= axis)
      return "axes " + formatList(axes) + " must be strictly increasing";
  }
  Shape result;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (!llvm::is_contained(axes, dim))
      result.push_back(input[dim]);
    else if (keepDims)
      result.push_back(1);
  }
  return result;
}

ShapeOrError transpose(ArrayRef<int64_t> input, ArrayRef<int64_t> permutation) {
  if (permutation.size() != input.size())
    return "permutation " + formatList(permutation) + " has " + std::to_string(permutation.size()) +
           " entries, expected one per dimension of " + formatShape(input);
  llvm::SmallVector<bool, 6> seen(input.size(), false);
  Shape result;
  for (int64_t dim : permutation) {
    if (dim < 0 || dim >= int64_t(input.size()) || seen[dim])
      return "permutation " + formatList(permutation) + " is not a permutation of [0, " +
             std::to_string(input.size()) + ")";
    seen[dim] = true;
    result.push_back(input[dim]);
  }
  return result;
}

ShapeOrError concat(ArrayRef<ArrayRef<int64_t>> inputs, int64_t axis) {
  if (inputs.empty())
    return std::string("expected at least one input");
  int64_t rank = inputs.front().size();
  if (std::string error = checkAxis(axis, rank); !error.empty())
    return error;
  Shape result(inputs.front());
  for (auto [index, shape] : llvm::enumerate(inputs.drop_front())) {
    if (int64_t(shape.size()) != rank)
      return "input " + std::to_string(index + 1) + " has shape " + formatShape(shape) +
             ", expected rank " + std::to_string(rank) + " like input 0";
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (dim == axis) {
        if (isDynamic(result[dim]) || isDynamic(shape[dim])) {
          result[dim] = kDynamic;
          continue;
        }
        std::optional<int64_t> sum = llvm::checkedAdd(result[dim], shape[dim]);
        if (!sum)
          return "the joined size of axis " + std::to_string(axis) + " overflows int64";
        result[dim] = *sum;
        continue;
      }
      if (isDynamic(result[dim])) {
        result[dim] = shape[dim];
      } else if (!isDynamic(shape[dim]) && shape[dim] != result[dim]) {
        return "input " + std::to_string(index + 1) + " has shape " + formatShape(shape) +
               ", which differs from " + formatShape(inputs.front()) + " in dimension " +
               std::to_string(dim) + " (only axis " + std::to_string(axis) + " may differ)";
      }
    }
  }
  return result;
}

ShapeOrError gather(ArrayRef<int64_t> data, ArrayRef<int64_t> indices, int64_t axis) {
  if (std::string error = checkAxis(axis, data.size()); !error.empty())
    return error;
  Shape result(data.take_front(axis));
  result.append(indices.begin(), indices.end());
  result.append(data.begin() + axis + 1, data.end());
  return result;
}

ShapeOrError slice(ArrayRef<int64_t> input, ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                   ArrayRef<int64_t> steps) {
  size_t rank = input.size();
  if (starts.size() != rank || ends.size() != rank || steps.size() != rank)
    return "expected one start, end and step per dimension (" + std::to_string(rank) + "), got " +
           std::to_string(starts.size()) + ", " + std::to_string(ends.size()) + " and " +
           std::to_string(steps.size());
  Shape result;
  for (size_t i = 0; i < rank; ++i) {
    int64_t start = starts[i], end = ends[i], step = steps[i], size = input[i];
    if (step == 0)
      return "step of dimension " + std::to_string(i) + " is 0";
    bool inRange = step > 0 ? start >= 0 && start <= end && (isDynamic(size) || end <= size)
                            : end >= -1 && end <= start &&
                                  (isDynamic(size) || start <= size - 1 || start == end);
    if (!inRange)
      return "range [" + std::to_string(start) + ", " + std::to_string(end) + ") with step " +
             std::to_string(step) + " is outside dimension " + std::to_string(i) + " of size " +
             formatSize(size);
    // Both differences are bounded by the size, so they cannot overflow.
    int64_t span = step > 0 ? end - start : start - end;
    int64_t stride = step > 0 ? step : -step;
    result.push_back((span + stride - 1) / stride);
  }
  return result;
}

std::string checkTrailingParam(ArrayRef<int64_t> input, int64_t axis, ArrayRef<int64_t> param,
                               const char *name) {
  if (std::string error = checkAxis(axis, input.size()); !error.empty())
    return error;
  ArrayRef<int64_t> expected = input.drop_front(axis);
  bool matches = param.size() == expected.size();
  for (size_t i = 0; matches && i < param.size(); ++i)
    matches = isDynamic(param[i]) || isDynamic(expected[i]) || param[i] == expected[i];
  if (!matches)
    return std::string(name) + " has shape " + formatShape(param) + ", expected " +
           formatShape(expected) + " (the input's dimensions from axis " + std::to_string(axis) +
           ")";
  return "";
}

} // namespace llmc::llm::shapes
