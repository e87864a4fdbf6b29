//===- LLMDataDependentOps.cpp - Rules of the ops whose sizes depend on data -===//
#include "dialects/llm/IR/LLMOpsSupport.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

bool isNumberOrBool(Type type) { return isa<FloatType, IntegerType>(type); }

/// True when `type` is a tensor with exactly one element (a scalar or `[1]`), as statically
/// known.
bool isSingleElement(RankedTensorType type) {
  return type && llvm::all_of(type.getShape(), [](int64_t dim) { return dim == 1; });
}

template <typename OpTy>
FailureOr<Type> inferNonZero(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  if (!isNumberOrBool(input.getElementType()))
    return inferenceError<OpTy>(location, "expected an integer, float or bool input, got '" +
                                              describe(input.getElementType()) + "'");
  Builder b(input.getContext());
  return Type(RankedTensorType::get({input.getRank(), ShapedType::kDynamic}, b.getI64Type()));
}

template <typename OpTy>
FailureOr<Type> inferNonMaxSuppression(std::optional<Location> location,
                                       typename OpTy::Adaptor adaptor) {
  RankedTensorType boxes = tensorOf(adaptor.getBoxes()), scores = tensorOf(adaptor.getScores());
  RankedTensorType maxOutput = tensorOf(adaptor.getMaxOutputBoxesPerClass());
  RankedTensorType iou = tensorOf(adaptor.getIouThreshold());
  RankedTensorType score = tensorOf(adaptor.getScoreThreshold());
  if (!boxes || !scores || boxes.getRank() != 3 || scores.getRank() != 3)
    return inferenceError<OpTy>(location, "expected rank-3 boxes and scores, got '" +
                                              describe(adaptor.getBoxes().getType()) + "' and '" +
                                              describe(adaptor.getScores().getType()) + "'");
  if (!isa<FloatType>(boxes.getElementType()) || boxes.getElementType() != scores.getElementType())
    return inferenceError<OpTy>(location, "boxes and scores must have one float element type");
  auto mismatch = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (mismatch(boxes.getDimSize(2), 4))
    return inferenceError<OpTy>(location, "boxes must have 4 coordinates in their last dim, got " +
                                              shapes::formatShape(boxes.getShape()));
  if (mismatch(boxes.getDimSize(0), scores.getDimSize(0)) ||
      mismatch(boxes.getDimSize(1), scores.getDimSize(2)))
    return inferenceError<OpTy>(location, "boxes " + shapes::formatShape(boxes.getShape()) +
                                              " and scores " +
                                              shapes::formatShape(scores.getShape()) +
                                              " disagree on the batch or box count");
  if (!isSingleElement(maxOutput) || !maxOutput.getElementType().isInteger(64))
    return inferenceError<OpTy>(location,
                                "max_output_boxes_per_class must be a single i64 element");
  if (!isSingleElement(iou) || !isSingleElement(score) ||
      iou.getElementType() != boxes.getElementType() ||
      score.getElementType() != boxes.getElementType())
    return inferenceError<OpTy>(
        location, "iou_threshold and score_threshold must be single elements of the boxes' type");
  Builder b(boxes.getContext());
  return Type(RankedTensorType::get({ShapedType::kDynamic, 3}, b.getI64Type()));
}

} // namespace

LLMC_INFERRED_OP(NonZeroOp, inferNonZero)
LLMC_INFERRED_OP(NonMaxSuppressionOp, inferNonMaxSuppression)

LogicalResult UniqueOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() == 0)
    return emitOpError() << "expected an input of rank 1 or more";
  if (std::string error = shapes::checkAxis(getAxis(), input.getRank()); !error.empty())
    return emitOpError() << error;
  if (!isNumberOrBool(input.getElementType()))
    return emitOpError() << "expected an integer, float or bool input, got "
                         << input.getElementType();
  int64_t axis = getAxis();
  SmallVector<int64_t> valuesShape(input.getShape());
  valuesShape[axis] = ShapedType::kDynamic;
  Type i64 = IntegerType::get(getContext(), 64);
  Type dynamic = RankedTensorType::get({ShapedType::kDynamic}, i64);
  SmallVector<Type> inferred = {RankedTensorType::get(valuesShape, input.getElementType()), dynamic,
                                RankedTensorType::get({input.getDimSize(axis)}, i64), dynamic};
  if (!areRefinableTypes(inferred, getResultTypes()))
    return emitOpError() << "result types " << getResultTypes()
                         << " are incompatible with the inferred types " << TypeRange(inferred);
  return success();
}
