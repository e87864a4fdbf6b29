//===- LLMShapes.h - Shape rules of the llm ops, free of any IR -------------===//
//
// Each rule takes static sizes (mlir::ShapedType::kDynamic for `?`) and returns the result
// shape, or an error message naming what is wrong. The op verifiers, the type inference and
// the frontends' own validation all call these, so an op's shape logic lives in one place.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMSHAPES_H
#define LLMC_DIALECTS_LLM_IR_LLMSHAPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace llmc::llm::shapes {

using Shape = llvm::SmallVector<int64_t, 6>;

/// A result shape, or the reason there is none.
class ShapeOrError {
public:
  ShapeOrError(Shape shape) : value(std::move(shape)) {}
  ShapeOrError(std::string error) : value(std::move(error)) {}

  bool ok() const { return std::holds_alternative<Shape>(value); }
  const Shape &shape() const { return std::get<Shape>(value); }
  const std::string &error() const { return std::get<std::string>(value); }

private:
  std::variant<Shape, std::string> value;
};

/// Formats a shape as `2x?x4` (a scalar is `scalar`).
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// NumPy broadcasting of two shapes.
ShapeOrError broadcast(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// `[..., M, K] x [..., K, N] -> [..., M, N]` with broadcast batch dimensions.
ShapeOrError matmul(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Grouped N-d convolution, channels first; `bias` is the bias operand's shape, if any.
struct ConvParams {
  llvm::ArrayRef<int64_t> strides, dilations, pads;
  int64_t groups = 1;
};
ShapeOrError conv(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
                  std::optional<llvm::ArrayRef<int64_t>> bias, const ConvParams &params);

/// N-d pooling window, channels first.
struct PoolParams {
  llvm::ArrayRef<int64_t> kernel, strides, dilations, pads;
  bool ceilMode = false;
};
ShapeOrError pool(llvm::ArrayRef<int64_t> input, const PoolParams &params);

/// The output size of one sliding-window dimension: kDynamic when `inputSize` is, 0 when the
/// window does not fit once, -1 when the size does not fit in int64.
int64_t windowOutputSize(int64_t inputSize, int64_t kernel, int64_t stride, int64_t dilation,
                         int64_t padBegin, int64_t padEnd, bool ceilMode);

/// Reduction over strictly increasing `axes`.
ShapeOrError reduce(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> axes, bool keepDims);

/// Permutation of dimensions.
ShapeOrError transpose(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> permutation);

/// Joining shapes along `axis`.
ShapeOrError concat(llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputs, int64_t axis);

/// `data[:axis] + indices + data[axis+1:]`.
ShapeOrError gather(llvm::ArrayRef<int64_t> data, llvm::ArrayRef<int64_t> indices, int64_t axis);

/// Strided slices with normalized, clamped bounds: one start, end and step per dimension.
ShapeOrError slice(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> starts,
                   llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> steps);

/// Checks that `axis` indexes a dimension of a rank-`rank` tensor.
std::string checkAxis(int64_t axis, int64_t rank, const char *what = "axis");

/// Checks that a normalization parameter matches the input's dimensions `[axis, rank)`.
std::string checkTrailingParam(llvm::ArrayRef<int64_t> input, int64_t axis,
                               llvm::ArrayRef<int64_t> param, const char *name);

/// The product of the dimensions, or kDynamic if one is dynamic or the product overflows int64.
int64_t numElements(llvm::ArrayRef<int64_t> shape);

} // namespace llmc::llm::shapes

#endif // LLMC_DIALECTS_LLM_IR_LLMSHAPES_H
