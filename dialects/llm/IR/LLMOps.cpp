//===- LLMOps.cpp - Verifiers and result-type inference of the llm ops ------===//
#include "dialects/llm/IR/LLMOps.h"

#include "dialects/llm/IR/LLMOpsSupport.h"
#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;
namespace shapes = llmc::llm::shapes;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

bool llmc::llm::areRefinableTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [want, have] : llvm::zip_equal(inferred, actual)) {
    auto wantTensor = dyn_cast<RankedTensorType>(want);
    auto haveTensor = dyn_cast<RankedTensorType>(have);
    if (!wantTensor || !haveTensor)
      return want == have;
    if (wantTensor.getElementType() != haveTensor.getElementType() ||
        failed(verifyCompatibleShape(wantTensor.getShape(), haveTensor.getShape())))
      return false;
  }
  return true;
}

Type llmc::llm::getComputeElementType(Type elementType) {
  if (auto quantized = dyn_cast<quant::QuantizedType>(elementType))
    return quantized.getExpressedType();
  return elementType;
}

namespace {

//===----------------------------------------------------------------------===//
// The shape rules, one per op family
//===----------------------------------------------------------------------===//

template <typename OpTy>
FailureOr<Type> inferBinary(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType lhs = tensorOf(adaptor.getLhs()), rhs = tensorOf(adaptor.getRhs());
  FailureOr<Type> element = commonComputeType<OpTy>(location, {{"lhs", lhs}, {"rhs", rhs}});
  if (failed(element))
    return failure();
  return resultOf<OpTy>(location, shapes::broadcast(lhs.getShape(), rhs.getShape()), *element);
}

template <typename OpTy>
FailureOr<Type> inferDequantize(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  auto quantized = dyn_cast<quant::QuantizedType>(input.getElementType());
  if (!quantized)
    return inferenceError<OpTy>(location, "expected a quantized input element type, got '" +
                                              describe(input.getElementType()) + "'");
  return Type(input.clone(quantized.getExpressedType()));
}

template <typename OpTy>
FailureOr<Type> inferMatmul(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType lhs = tensorOf(adaptor.getLhs()), rhs = tensorOf(adaptor.getRhs());
  FailureOr<Type> element = commonComputeType<OpTy>(location, {{"lhs", lhs}, {"rhs", rhs}});
  if (failed(element))
    return failure();
  return resultOf<OpTy>(location, shapes::matmul(lhs.getShape(), rhs.getShape()), *element);
}

template <typename OpTy>
FailureOr<Type> inferConv(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput()), weight = tensorOf(adaptor.getWeight());
  RankedTensorType bias = tensorOf(adaptor.getBias());
  SmallVector<std::pair<const char *, RankedTensorType>> operands = {{"input", input},
                                                                     {"weight", weight}};
  if (adaptor.getBias())
    operands.push_back({"bias", bias});
  FailureOr<Type> element = commonComputeType<OpTy>(location, operands);
  if (failed(element))
    return failure();
  shapes::ConvParams params;
  params.strides = adaptor.getStrides();
  params.dilations = adaptor.getDilations();
  params.pads = adaptor.getPads();
  params.groups = int64_t(adaptor.getGroups());
  std::optional<ArrayRef<int64_t>> biasShape;
  if (bias)
    biasShape = bias.getShape();
  return resultOf<OpTy>(
      location, shapes::conv(input.getShape(), weight.getShape(), biasShape, params), *element);
}

template <typename OpTy>
FailureOr<Type> inferPool(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  shapes::PoolParams params;
  params.kernel = adaptor.getKernel();
  params.strides = adaptor.getStrides();
  params.dilations = adaptor.getDilations();
  params.pads = adaptor.getPads();
  params.ceilMode = adaptor.getCeilMode();
  return resultOf<OpTy>(location, shapes::pool(input.getShape(), params), input.getElementType());
}

template <typename OpTy>
FailureOr<Type> inferReduce(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  return resultOf<OpTy>(location,
                        shapes::reduce(input.getShape(), adaptor.getAxes(), adaptor.getKeepDims()),
                        input.getElementType());
}

template <typename OpTy>
FailureOr<Type> inferTranspose(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  return resultOf<OpTy>(location, shapes::transpose(input.getShape(), adaptor.getPermutation()),
                        input.getElementType());
}

template <typename OpTy>
FailureOr<Type> inferConcat(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  SmallVector<ArrayRef<int64_t>> inputShapes;
  Type element;
  for (auto [index, value] : llvm::enumerate(adaptor.getInputs())) {
    RankedTensorType type = tensorOf(value);
    if (!type)
      return inferenceError<OpTy>(location, "inputs must be ranked tensors");
    if (!element)
      element = type.getElementType();
    else if (type.getElementType() != element)
      return inferenceError<OpTy>(location, "input " + std::to_string(index) +
                                                " has element type '" +
                                                describe(type.getElementType()) + "', expected '" +
                                                describe(element) + "' like input 0");
    inputShapes.push_back(type.getShape());
  }
  return resultOf<OpTy>(location, shapes::concat(inputShapes, int64_t(adaptor.getAxis())), element);
}

template <typename OpTy>
FailureOr<Type> inferGather(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  if (!data || !indices)
    return inferenceError<OpTy>(location, "data and indices must be ranked tensors");
  if (!isa<IntegerType, IndexType>(indices.getElementType()))
    return inferenceError<OpTy>(location, "expected integer indices, got '" +
                                              describe(indices.getElementType()) + "'");
  return resultOf<OpTy>(
      location, shapes::gather(data.getShape(), indices.getShape(), int64_t(adaptor.getAxis())),
      data.getElementType());
}

template <typename OpTy>
FailureOr<Type> inferBatchNorm(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  std::pair<const char *, RankedTensorType> params[] = {
      {"scale", tensorOf(adaptor.getScale())},
      {"bias", tensorOf(adaptor.getBias())},
      {"mean", tensorOf(adaptor.getMean())},
      {"variance", tensorOf(adaptor.getVariance())}};
  SmallVector<std::pair<const char *, RankedTensorType>> all = {{"input", input}};
  all.append(std::begin(params), std::end(params));
  FailureOr<Type> element = commonComputeType<OpTy>(location, all);
  if (failed(element))
    return failure();
  if (input.getRank() < 2)
    return inferenceError<OpTy>(location, "expected input of rank 2 or more (N x C x ...), got " +
                                              shapes::formatShape(input.getShape()));
  int64_t channels = input.getDimSize(1);
  for (auto [name, type] : params) {
    bool matches = type.getRank() == 1 && (ShapedType::isDynamic(channels) ||
                                           type.isDynamicDim(0) || type.getDimSize(0) == channels);
    if (!matches)
      return inferenceError<OpTy>(location, std::string(name) + " has shape " +
                                                shapes::formatShape(type.getShape()) +
                                                ", expected one value per channel (" +
                                                shapes::formatShape({channels}) + ")");
  }
  return Type(input.clone(*element));
}

template <typename OpTy>
FailureOr<Type> inferCompare(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType lhs = tensorOf(adaptor.getLhs()), rhs = tensorOf(adaptor.getRhs());
  FailureOr<Type> element = commonComputeType<OpTy>(location, {{"lhs", lhs}, {"rhs", rhs}});
  if (failed(element))
    return failure();
  return resultOf<OpTy>(location, shapes::broadcast(lhs.getShape(), rhs.getShape()),
                        IntegerType::get(lhs.getContext(), 1));
}

template <typename OpTy>
FailureOr<Type> inferSelect(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType condition = tensorOf(adaptor.getCondition());
  RankedTensorType onTrue = tensorOf(adaptor.getOnTrue()), onFalse = tensorOf(adaptor.getOnFalse());
  if (!condition)
    return inferenceError<OpTy>(location, "condition must be a ranked tensor");
  if (!condition.getElementType().isInteger(1))
    return inferenceError<OpTy>(location, "expected an i1 condition, got '" +
                                              describe(condition.getElementType()) + "'");
  FailureOr<Type> element =
      commonComputeType<OpTy>(location, {{"on_true", onTrue}, {"on_false", onFalse}});
  if (failed(element))
    return failure();
  shapes::ShapeOrError values = shapes::broadcast(onTrue.getShape(), onFalse.getShape());
  if (!values.ok())
    return inferenceError<OpTy>(location, values.error());
  return resultOf<OpTy>(location, shapes::broadcast(condition.getShape(), values.shape()),
                        *element);
}

template <typename OpTy>
FailureOr<Type> inferArg(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  int64_t axis = int64_t(adaptor.getAxis());
  return resultOf<OpTy>(location, shapes::reduce(input.getShape(), {axis}, adaptor.getKeepDims()),
                        IntegerType::get(input.getContext(), 64));
}

template <typename OpTy>
FailureOr<Type> inferGatherElements(std::optional<Location> location,
                                    typename OpTy::Adaptor adaptor) {
  RankedTensorType data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  if (!data || !indices)
    return inferenceError<OpTy>(location, "data and indices must be ranked tensors");
  if (!isa<IntegerType, IndexType>(indices.getElementType()))
    return inferenceError<OpTy>(location, "expected integer indices, got '" +
                                              describe(indices.getElementType()) + "'");
  if (data.getRank() != indices.getRank())
    return inferenceError<OpTy>(location, "indices have rank " + std::to_string(indices.getRank()) +
                                              ", expected the rank of data (" +
                                              std::to_string(data.getRank()) + ")");
  if (std::string error = shapes::checkAxis(int64_t(adaptor.getAxis()), data.getRank());
      !error.empty())
    return inferenceError<OpTy>(location, error);
  return Type(indices.clone(data.getElementType()));
}

template <typename OpTy>
FailureOr<Type> inferSlice(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  return resultOf<OpTy>(
      location,
      shapes::slice(input.getShape(), adaptor.getStarts(), adaptor.getEnds(), adaptor.getSteps()),
      input.getElementType());
}

template <typename OpTy>
FailureOr<Type> inferNorm(std::optional<Location> location, typename OpTy::Adaptor adaptor,
                          Value bias) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  SmallVector<std::pair<const char *, RankedTensorType>> operands = {
      {"input", input}, {"scale", tensorOf(adaptor.getScale())}};
  if (bias)
    operands.push_back({"bias", tensorOf(bias)});
  FailureOr<Type> element = commonComputeType<OpTy>(location, operands);
  if (failed(element))
    return failure();
  int64_t axis = int64_t(adaptor.getAxis());
  for (auto [name, type] : ArrayRef(operands).drop_front())
    if (std::string error =
            shapes::checkTrailingParam(input.getShape(), axis, type.getShape(), name);
        !error.empty())
      return inferenceError<OpTy>(location, error);
  return Type(input.clone(*element));
}

template <typename OpTy>
FailureOr<Type> inferLayerNorm(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  return inferNorm<OpTy>(location, adaptor, adaptor.getBias());
}

template <typename OpTy>
FailureOr<Type> inferRmsNorm(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  return inferNorm<OpTy>(location, adaptor, Value());
}

} // namespace

LLMC_INFERRED_OP(AddOp, inferBinary)
LLMC_INFERRED_OP(SubOp, inferBinary)
LLMC_INFERRED_OP(MulOp, inferBinary)
LLMC_INFERRED_OP(DivOp, inferBinary)
LLMC_INFERRED_OP(MaxOp, inferBinary)
LLMC_INFERRED_OP(MinOp, inferBinary)
LLMC_INFERRED_OP(PowOp, inferBinary)
LLMC_INFERRED_OP(DequantizeOp, inferDequantize)
LLMC_INFERRED_OP(MatmulOp, inferMatmul)
LLMC_INFERRED_OP(ConvOp, inferConv)
LLMC_INFERRED_OP(MaxPoolOp, inferPool)
LLMC_INFERRED_OP(AvgPoolOp, inferPool)
LLMC_INFERRED_OP(ReduceSumOp, inferReduce)
LLMC_INFERRED_OP(ReduceMeanOp, inferReduce)
LLMC_INFERRED_OP(ReduceMaxOp, inferReduce)
LLMC_INFERRED_OP(ReduceMinOp, inferReduce)
LLMC_INFERRED_OP(ReduceProdOp, inferReduce)
LLMC_INFERRED_OP(TransposeOp, inferTranspose)
LLMC_INFERRED_OP(ConcatOp, inferConcat)
LLMC_INFERRED_OP(GatherOp, inferGather)
LLMC_INFERRED_OP(BatchNormOp, inferBatchNorm)
LLMC_INFERRED_OP(LayerNormOp, inferLayerNorm)
LLMC_INFERRED_OP(RmsNormOp, inferRmsNorm)
LLMC_INFERRED_OP(EqualOp, inferCompare)
LLMC_INFERRED_OP(NotEqualOp, inferCompare)
LLMC_INFERRED_OP(LessOp, inferCompare)
LLMC_INFERRED_OP(LessEqualOp, inferCompare)
LLMC_INFERRED_OP(GreaterOp, inferCompare)
LLMC_INFERRED_OP(GreaterEqualOp, inferCompare)
LLMC_INFERRED_OP(AndOp, inferBinary)
LLMC_INFERRED_OP(OrOp, inferBinary)
LLMC_INFERRED_OP(XorOp, inferBinary)
LLMC_INFERRED_OP(SelectOp, inferSelect)
LLMC_INFERRED_OP(ArgMaxOp, inferArg)
LLMC_INFERRED_OP(ArgMinOp, inferArg)
LLMC_INFERRED_OP(SliceOp, inferSlice)
LLMC_INFERRED_OP(GatherElementsOp, inferGatherElements)

//===----------------------------------------------------------------------===//
// Verifiers of the ops whose result type is their parameter
//===----------------------------------------------------------------------===//

LogicalResult ClampOp::verify() {
  double min = getMin().convertToDouble(), max = getMax().convertToDouble();
  if (!(min <= max))
    return emitOpError() << "expected min <= max, got min = " << min << " and max = " << max;
  return success();
}

LogicalResult GeluOp::verify() {
  if (!isa<FloatType>(getType().getElementType()) || getType().getEncoding())
    return emitOpError() << "expected a dense float tensor, got " << getType();
  return success();
}

template <typename OpTy> static LogicalResult verifySoftmax(OpTy op) {
  if (std::string error = shapes::checkAxis(int64_t(op.getAxis()), op.getType().getRank());
      !error.empty())
    return op.emitOpError() << error;
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifySoftmax(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmax(*this); }

/// Shared by the ops that change element types but never shapes.
template <typename OpTy> static LogicalResult verifySameShape(OpTy op) {
  RankedTensorType input = op.getInput().getType(), result = op.getType();
  if (failed(verifyCompatibleShape(input.getShape(), result.getShape())))
    return op.emitOpError() << "expected the result shape to match the input shape "
                            << shapes::formatShape(input.getShape()) << ", got "
                            << shapes::formatShape(result.getShape());
  return success();
}

LogicalResult CastOp::verify() {
  for (Type type : {getInput().getType().getElementType(), getType().getElementType()})
    if (!isa<IntegerType, IndexType, FloatType>(type))
      return emitOpError() << "expected integer or float element types, got " << type
                           << (isa<quant::QuantizedType>(type)
                                   ? " (use llm.quantize or llm.dequantize)"
                                   : "");
  return verifySameShape(*this);
}

LogicalResult QuantizeOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  auto quantized = dyn_cast<quant::QuantizedType>(result.getElementType());
  if (!quantized)
    return emitOpError() << "expected a quantized result element type, got "
                         << result.getElementType();
  if (quantized.getExpressedType() != input.getElementType())
    return emitOpError() << "expected the input element type to be the expressed type "
                         << quantized.getExpressedType() << ", got " << input.getElementType();
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantized))
    if (perAxis.getQuantizedDimension() >= result.getRank())
      return emitOpError() << "quantized dimension " << perAxis.getQuantizedDimension()
                           << " is out of range for rank " << result.getRank();
  return verifySameShape(*this);
}

LogicalResult BroadcastToOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  auto shapeType = cast<RankedTensorType>(getShape().getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0) ||
      !isa<IntegerType, IndexType>(shapeType.getElementType()))
    return emitOpError() << "expected a 1-D integer shape of static length, got " << shapeType;
  if (input.getElementType() != result.getElementType())
    return emitOpError() << "expected the result element type to be " << input.getElementType()
                         << ", got " << result.getElementType();
  int64_t rank = std::max(input.getRank(), shapeType.getDimSize(0));
  if (result.getRank() != rank)
    return emitOpError() << "expected a result of rank " << rank << ", got "
                         << shapes::formatShape(result.getShape());
  for (int64_t dim = 0; dim < input.getRank(); ++dim) {
    int64_t size = input.getDimSize(dim), target = result.getDimSize(dim + rank - input.getRank());
    if (!ShapedType::isDynamic(size) && size != 1 && !ShapedType::isDynamic(target) &&
        target != size)
      return emitOpError() << "input dim " << dim << " of size " << size << " cannot broadcast to "
                           << target;
  }
  return success();
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  if (input.getElementType() != result.getElementType())
    return emitOpError() << "expected the result element type to be " << input.getElementType()
                         << ", got " << result.getElementType();
  if (getAllowZero() && !getShape())
    return emitOpError() << "allow_zero needs a shape operand";
  if (Value shape = getShape()) {
    auto shapeType = cast<RankedTensorType>(shape.getType());
    if (shapeType.getRank() != 1 || !isa<IntegerType, IndexType>(shapeType.getElementType()))
      return emitOpError() << "expected a 1-D integer shape operand, got " << shapeType;
    if (shapeType.isDynamicDim(0) || shapeType.getDimSize(0) != result.getRank())
      return emitOpError() << "expected a shape operand of length " << result.getRank()
                           << " (the result rank), got " << shapeType;
    return success();
  }
  if (result.getNumDynamicDims() > 1)
    return emitOpError() << "expected at most one dynamic dimension in the result, got "
                         << shapes::formatShape(result.getShape());
  int64_t inputCount = shapes::numElements(input.getShape());
  if (inputCount == ShapedType::kDynamic)
    return success();
  SmallVector<int64_t> staticSizes;
  llvm::copy_if(result.getShape(), std::back_inserter(staticSizes),
                [](int64_t size) { return !ShapedType::isDynamic(size); });
  int64_t staticCount = shapes::numElements(staticSizes);
  // With one dynamic dim, the static ones must divide the element count.
  bool matches = result.hasStaticShape()
                     ? staticCount == inputCount
                     : staticCount != ShapedType::kDynamic &&
                           (staticCount == 0 ? inputCount == 0 : inputCount % staticCount == 0);
  if (!matches)
    return emitOpError() << "cannot reshape " << shapes::formatShape(input.getShape()) << " ("
                         << inputCount << " elements) into "
                         << shapes::formatShape(result.getShape());
  return success();
}

#define GET_OP_CLASSES
#include "dialects/llm/IR/LLMOps.cpp.inc"
