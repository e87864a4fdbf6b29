//===- LLMSignalOps.cpp - Verifiers of the signal-processing ops ------------===//
#include "dialects/llm/IR/LLMOps.h"

#include "dialects/llm/IR/LLMOpsSupport.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

/// A scalar operand: a 0-d tensor of integers (or of floats with `wantFloat`).
bool isScalar(Value value, bool wantFloat) {
  RankedTensorType type = tensorOf(value);
  return type && type.getRank() == 0 &&
         (wantFloat ? isa<FloatType>(type.getElementType())
                    : isa<IntegerType>(type.getElementType()));
}

bool sizesMatch(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

} // namespace

LogicalResult DFTOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  int64_t rank = input.getRank(), axis = int64_t(getAxis());
  if (rank < 2 || !isa<FloatType>(input.getElementType()) ||
      (!input.isDynamicDim(rank - 1) && input.getDimSize(rank - 1) != 1 &&
       input.getDimSize(rank - 1) != 2))
    return emitOpError() << "expected a float input of rank 2 or more ending in a dimension of "
                            "size 1 (real) or 2 (complex), got "
                         << input;
  if (axis < 0 || axis >= rank - 1)
    return emitOpError() << "axis " << axis << " is out of range [0, " << rank - 1 << ")";
  if (getLength() && !isScalar(getLength(), false))
    return emitOpError() << "expected a 0-d integer length, got " << getLength().getType();
  if (result.getRank() != rank || result.getElementType() != input.getElementType() ||
      !sizesMatch(result.getDimSize(rank - 1), 2))
    return emitOpError() << "expected a complex result of rank " << rank << " and element type "
                         << input.getElementType() << ", got " << result;
  for (int64_t dim = 0; dim < rank - 1; ++dim)
    if (dim != axis && !sizesMatch(input.getDimSize(dim), result.getDimSize(dim)))
      return emitOpError() << "result dimension " << dim << " differs from the input's: " << result
                           << " for " << input;
  if (!getLength() && !input.isDynamicDim(axis)) {
    int64_t length = input.getDimSize(axis);
    int64_t expected = getOnesided() ? length / 2 + 1 : length;
    if (!sizesMatch(result.getDimSize(axis), expected))
      return emitOpError() << "expected " << expected << " frequencies along axis " << axis
                           << ", got " << result;
  }
  return success();
}

LogicalResult FrameOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  int64_t rank = input.getRank(), axis = int64_t(getAxis());
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for rank " << rank;
  if (!isScalar(getFrameStep(), false) || !isScalar(getFrameLength(), false))
    return emitOpError() << "expected 0-d integer frame_step and frame_length, got "
                         << getFrameStep().getType() << " and " << getFrameLength().getType();
  if (result.getRank() != rank + 1 || result.getElementType() != input.getElementType())
    return emitOpError() << "expected a result of rank " << rank + 1 << " and element type "
                         << input.getElementType() << ", got " << result;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (dim == axis)
      continue;
    int64_t resultDim = dim < axis ? dim : dim + 1;
    if (!sizesMatch(input.getDimSize(dim), result.getDimSize(resultDim)))
      return emitOpError() << "result " << result << " does not keep the dimensions of input "
                           << input << " around axis " << axis;
  }
  return success();
}

LogicalResult CosineWindowOp::verify() {
  RankedTensorType result = getType();
  if (!isScalar(getSize(), false))
    return emitOpError() << "expected a 0-d integer size, got " << getSize().getType();
  if (result.getRank() != 1 || !isa<FloatType>(result.getElementType()))
    return emitOpError() << "expected a 1-D float result, got " << result;
  if (getCoefficients().empty())
    return emitOpError() << "expected at least one coefficient";
  return success();
}

LogicalResult MelWeightMatrixOp::verify() {
  RankedTensorType result = getType();
  if (!isScalar(getNumMelBins(), false) || !isScalar(getDftLength(), false) ||
      !isScalar(getSampleRate(), false))
    return emitOpError() << "expected 0-d integer num_mel_bins, dft_length and sample_rate";
  if (!isScalar(getLowerEdgeHertz(), true) || !isScalar(getUpperEdgeHertz(), true))
    return emitOpError() << "expected 0-d float lower_edge_hertz and upper_edge_hertz";
  if (result.getRank() != 2 || !isa<FloatType>(result.getElementType()))
    return emitOpError() << "expected a 2-D float result, got " << result;
  return success();
}
