//===- LLMImageOps.cpp - Verifiers and shape rules of the resampling ops ----===//
#include "dialects/llm/IR/LLMOps.h"

#include "dialects/llm/IR/LLMOpsSupport.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

/// Checks a 1-D operand of static `length` whose elements are floats (or integers).
std::string checkVector(Value value, const char *name, int64_t length, bool wantFloat) {
  RankedTensorType type = tensorOf(value);
  if (!type || type.getRank() != 1 || type.isDynamicDim(0) || type.getDimSize(0) != length ||
      (wantFloat ? !isa<FloatType>(type.getElementType())
                 : !isa<IntegerType>(type.getElementType())))
    return std::string("expected ") + name + " to be a 1-D " + (wantFloat ? "float" : "integer") +
           " tensor of " + std::to_string(length) + " element(s), got " +
           (type ? "'" + describe(type) + "'" : std::string("a non-tensor"));
  return "";
}

std::string checkChoice(StringRef name, StringRef value, ArrayRef<StringRef> allowed) {
  if (llvm::is_contained(allowed, value))
    return "";
  std::string message = name.str() + " '" + value.str() + "' is not one of ";
  for (auto [index, choice] : llvm::enumerate(allowed))
    message += (index ? ", " : "") + choice.str();
  return message;
}

template <typename OpTy>
FailureOr<Type> inferGridSample(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput()), grid = tensorOf(adaptor.getGrid());
  if (!input || !grid)
    return inferenceError<OpTy>(location, "input and grid must be ranked tensors");
  for (std::string error :
       {checkChoice("mode", adaptor.getMode(), {"nearest", "linear", "cubic"}),
        checkChoice("padding_mode", adaptor.getPaddingMode(), {"zeros", "border", "reflection"})})
    if (!error.empty())
      return inferenceError<OpTy>(location, error);
  int64_t rank = input.getRank(), spatial = rank - 2;
  if (rank < 3)
    return inferenceError<OpTy>(location,
                                "expected an input of rank 3 or more (N x C x ...), got " +
                                    shapes::formatShape(input.getShape()));
  if (grid.getRank() != rank)
    return inferenceError<OpTy>(location, "expected a grid of rank " + std::to_string(rank) +
                                              " (N x spatial... x " + std::to_string(spatial) +
                                              "), got " + shapes::formatShape(grid.getShape()));
  if (!grid.isDynamicDim(rank - 1) && grid.getDimSize(rank - 1) != spatial)
    return inferenceError<OpTy>(location, "expected the grid's last dimension to be " +
                                              std::to_string(spatial) + ", got " +
                                              shapes::formatShape(grid.getShape()));
  if (!isa<FloatType>(input.getElementType()) || !isa<FloatType>(grid.getElementType()))
    return inferenceError<OpTy>(location, "expected float input and grid, got '" +
                                              describe(input.getElementType()) + "' and '" +
                                              describe(grid.getElementType()) + "'");
  int64_t batch = input.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && !grid.isDynamicDim(0) && grid.getDimSize(0) != batch)
    return inferenceError<OpTy>(location, "grid batch " + shapes::formatShape(grid.getShape()) +
                                              " does not match input " +
                                              shapes::formatShape(input.getShape()));
  if (ShapedType::isDynamic(batch))
    batch = grid.getDimSize(0);
  shapes::Shape shape = {batch, input.getDimSize(1)};
  for (int64_t dim = 1; dim <= spatial; ++dim)
    shape.push_back(grid.getDimSize(dim));
  return Type(RankedTensorType::get(shape, input.getElementType()));
}

template <typename OpTy>
FailureOr<Type> inferRoiAlign(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput()), rois = tensorOf(adaptor.getRois());
  RankedTensorType batch = tensorOf(adaptor.getBatchIndices());
  if (!input || !rois || !batch)
    return inferenceError<OpTy>(location, "operands must be ranked tensors");
  if (std::string error = checkChoice("mode", adaptor.getMode(), {"avg", "max"}); !error.empty())
    return inferenceError<OpTy>(location, error);
  if (input.getRank() != 4 || !isa<FloatType>(input.getElementType()))
    return inferenceError<OpTy>(location, "expected a 4-D float input (N x C x H x W), got '" +
                                              describe(input) + "'");
  if (rois.getRank() != 2 || (!rois.isDynamicDim(1) && rois.getDimSize(1) != 4) ||
      !isa<FloatType>(rois.getElementType()))
    return inferenceError<OpTy>(location,
                                "expected float rois of shape R x 4, got '" + describe(rois) + "'");
  if (batch.getRank() != 1 || !isa<IntegerType>(batch.getElementType()))
    return inferenceError<OpTy>(location, "expected 1-D integer batch indices, got '" +
                                              describe(batch) + "'");
  int64_t count = rois.getDimSize(0);
  if (!ShapedType::isDynamic(count) && !batch.isDynamicDim(0) && batch.getDimSize(0) != count)
    return inferenceError<OpTy>(location, "expected one batch index per roi, got '" +
                                              describe(batch) + "' for '" + describe(rois) + "'");
  if (ShapedType::isDynamic(count))
    count = batch.getDimSize(0);
  int64_t height = adaptor.getOutputHeight(), width = adaptor.getOutputWidth();
  if (height < 1 || width < 1 || adaptor.getSamplingRatio() < 0)
    return inferenceError<OpTy>(location, "expected a positive output size and a non-negative "
                                          "sampling ratio, got " +
                                              std::to_string(height) + "x" + std::to_string(width) +
                                              " and " + std::to_string(adaptor.getSamplingRatio()));
  return Type(
      RankedTensorType::get({count, input.getDimSize(1), height, width}, input.getElementType()));
}

} // namespace

LLMC_INFERRED_OP(GridSampleOp, inferGridSample)
LLMC_INFERRED_OP(RoiAlignOp, inferRoiAlign)

LogicalResult ResizeOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  int64_t rank = input.getRank();
  if (input.getElementType() != result.getElementType() || result.getRank() != rank)
    return emitOpError() << "expected a result of rank " << rank << " and element type "
                         << input.getElementType() << ", got " << result;
  ArrayRef<int64_t> axes = getAxes();
  for (auto [index, axis] : llvm::enumerate(axes))
    if (axis < 0 || axis >= rank || (index > 0 && axis <= axes[index - 1]))
      return emitOpError() << "expected strictly increasing axes in [0, " << rank << "), got ["
                           << llvm::interleaved(axes) << "]";
  for (int64_t dim = 0; dim < rank; ++dim)
    if (!llvm::is_contained(axes, dim) && !input.isDynamicDim(dim) && !result.isDynamicDim(dim) &&
        input.getDimSize(dim) != result.getDimSize(dim))
      return emitOpError() << "dimension " << dim << " is not resized, but the result has size "
                           << result.getDimSize(dim) << " for input size " << input.getDimSize(dim);
  int64_t count = int64_t(axes.size());
  if (!getScales() && !getSizes())
    return emitOpError() << "expected scales, sizes or both";
  if (getScales())
    if (std::string error = checkVector(getScales(), "scales", count, true); !error.empty())
      return emitOpError() << error;
  if (getSizes())
    if (std::string error = checkVector(getSizes(), "sizes", count, false); !error.empty())
      return emitOpError() << error;
  for (std::string error :
       {checkChoice("mode", getMode(), {"nearest", "linear", "cubic"}),
        checkChoice("coordinate_mode", getCoordinateMode(),
                    {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                     "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"}),
        checkChoice("nearest_mode", getNearestMode(),
                    {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"})})
    if (!error.empty())
      return emitOpError() << error;
  bool crop = getCoordinateMode() == "tf_crop_and_resize";
  if (crop != bool(getRoi()))
    return emitOpError() << (crop ? "tf_crop_and_resize needs a roi operand"
                                  : "a roi operand needs coordinate_mode tf_crop_and_resize");
  if (getRoi())
    if (std::string error = checkVector(getRoi(), "roi", 2 * count, true); !error.empty())
      return emitOpError() << error;
  if (getMode() != "nearest" && !isa<FloatType>(input.getElementType()))
    return emitOpError() << getMode() << " interpolation needs a float element type, got "
                         << input.getElementType();
  return success();
}
