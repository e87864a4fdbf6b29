//===- LLMIndexingOps.cpp - Shape rules of the scan, scatter/gather and det ops ===//
#include "dialects/llm/IR/LLMOpsSupport.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

bool isIntegerTensor(RankedTensorType type) {
  return type && isa<IntegerType, IndexType>(type.getElementType()) &&
         !type.getElementType().isInteger(1);
}

bool isNumber(Type type) {
  return isa<FloatType>(type) || (isa<IntegerType>(type) && !type.isInteger(1));
}

std::string rankText(RankedTensorType type) { return std::to_string(type.getRank()); }

/// Two sizes that may still agree at run time.
bool compatible(int64_t lhs, int64_t rhs) {
  return ShapedType::isDynamic(lhs) || ShapedType::isDynamic(rhs) || lhs == rhs;
}

template <typename OpTy>
FailureOr<Type> inferCumSum(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  if (!isNumber(input.getElementType()))
    return inferenceError<OpTy>(location, "expected integer or float elements, got '" +
                                              describe(input.getElementType()) + "'");
  if (std::string error = shapes::checkAxis(int64_t(adaptor.getAxis()), input.getRank());
      !error.empty())
    return inferenceError<OpTy>(location, error);
  return Type(input);
}

template <typename OpTy>
FailureOr<Type> inferTopK(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput()), k = tensorOf(adaptor.getK());
  if (!input || !k)
    return inferenceError<OpTy>(location, "input and k must be ranked tensors");
  if (!isNumber(input.getElementType()))
    return inferenceError<OpTy>(location, "expected integer or float elements, got '" +
                                              describe(input.getElementType()) + "'");
  if (!isIntegerTensor(k) || k.getRank() > 1 || shapes::numElements(k.getShape()) != 1)
    return inferenceError<OpTy>(location, "expected k to be one integer (a tensor of rank 0 or "
                                          "shape 1), got " +
                                              describe(k));
  int64_t axis = int64_t(adaptor.getAxis());
  if (std::string error = shapes::checkAxis(axis, input.getRank()); !error.empty())
    return inferenceError<OpTy>(location, error);
  SmallVector<int64_t> shape(input.getShape());
  shape[axis] = ShapedType::kDynamic;
  return Type(RankedTensorType::get(shape, IntegerType::get(input.getContext(), 64)));
}

template <typename OpTy>
FailureOr<Type> inferGatherNd(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  if (!data || !indices)
    return inferenceError<OpTy>(location, "data and indices must be ranked tensors");
  if (!isIntegerTensor(indices))
    return inferenceError<OpTy>(location, "expected integer indices, got '" +
                                              describe(indices.getElementType()) + "'");
  int64_t batchDims = int64_t(adaptor.getBatchDims());
  int64_t rank = data.getRank(), indexRank = indices.getRank();
  if (rank < 1 || indexRank < 1)
    return inferenceError<OpTy>(location, "data and indices must have rank 1 or more");
  if (batchDims < 0 || batchDims >= std::min(rank, indexRank))
    return inferenceError<OpTy>(
        location, "batch_dims " + std::to_string(batchDims) + " must be in [0, " +
                      std::to_string(std::min(rank, indexRank)) + ") for data of rank " +
                      rankText(data) + " and indices of rank " + rankText(indices));
  int64_t depth = indices.getDimSize(indexRank - 1);
  if (ShapedType::isDynamic(depth) || depth < 1 || depth > rank - batchDims)
    return inferenceError<OpTy>(
        location, "the last dimension of indices (" + shapes::formatShape({depth}) +
                      ") must be static and in [1, " + std::to_string(rank - batchDims) + "]");
  for (int64_t dim = 0; dim < batchDims; ++dim)
    if (!compatible(data.getDimSize(dim), indices.getDimSize(dim)))
      return inferenceError<OpTy>(location,
                                  "batch dimension " + std::to_string(dim) + " differs: data " +
                                      shapes::formatShape(data.getShape()) + ", indices " +
                                      shapes::formatShape(indices.getShape()));
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(batchDims + depth));
  return Type(RankedTensorType::get(shape, data.getElementType()));
}

/// The checks the two scatters share: element types and the reduction.
template <typename OpTy>
LogicalResult checkScatterOperands(std::optional<Location> location, RankedTensorType data,
                                   RankedTensorType indices, RankedTensorType updates,
                                   StringRef reduction) {
  if (!data || !indices || !updates)
    return inferenceError<OpTy>(location, "data, indices and updates must be ranked tensors");
  if (!isIntegerTensor(indices))
    return inferenceError<OpTy>(location, "expected integer indices, got '" +
                                              describe(indices.getElementType()) + "'");
  if (updates.getElementType() != data.getElementType())
    return inferenceError<OpTy>(location, "updates have element type '" +
                                              describe(updates.getElementType()) + "', expected '" +
                                              describe(data.getElementType()) + "' like data");
  if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction))
    return inferenceError<OpTy>(location, "reduction '" + reduction.str() +
                                              "' is not one of none, add, mul, max, min");
  if (reduction != "none" && !isNumber(data.getElementType()))
    return inferenceError<OpTy>(location, "reduction '" + reduction.str() +
                                              "' needs integer or float elements, got '" +
                                              describe(data.getElementType()) + "'");
  return success();
}

template <typename OpTy>
FailureOr<Type> inferScatterElements(std::optional<Location> location,
                                     typename OpTy::Adaptor adaptor) {
  RankedTensorType data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  RankedTensorType updates = tensorOf(adaptor.getUpdates());
  if (failed(checkScatterOperands<OpTy>(location, data, indices, updates, adaptor.getReduction())))
    return failure();
  if (indices.getRank() != data.getRank() || updates.getRank() != data.getRank())
    return inferenceError<OpTy>(location, "data, indices and updates must have the same rank, "
                                          "got " +
                                              rankText(data) + ", " + rankText(indices) + " and " +
                                              rankText(updates));
  if (failed(verifyCompatibleShape(indices.getShape(), updates.getShape())))
    return inferenceError<OpTy>(
        location, "indices " + shapes::formatShape(indices.getShape()) + " and updates " +
                      shapes::formatShape(updates.getShape()) + " must have the same shape");
  if (std::string error = shapes::checkAxis(int64_t(adaptor.getAxis()), data.getRank());
      !error.empty())
    return inferenceError<OpTy>(location, error);
  return Type(data);
}

template <typename OpTy>
FailureOr<Type> inferScatterNd(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  RankedTensorType updates = tensorOf(adaptor.getUpdates());
  if (failed(checkScatterOperands<OpTy>(location, data, indices, updates, adaptor.getReduction())))
    return failure();
  int64_t indexRank = indices.getRank(), rank = data.getRank();
  int64_t depth = indexRank ? indices.getDimSize(indexRank - 1) : ShapedType::kDynamic;
  if (indexRank < 1 || ShapedType::isDynamic(depth) || depth < 1 || depth > rank)
    return inferenceError<OpTy>(location, "indices " + shapes::formatShape(indices.getShape()) +
                                              " must end in a static dimension in [1, " +
                                              std::to_string(rank) + "]");
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(depth));
  if (failed(verifyCompatibleShape(expected, updates.getShape())))
    return inferenceError<OpTy>(location, "updates have shape " +
                                              shapes::formatShape(updates.getShape()) +
                                              ", expected " + shapes::formatShape(expected));
  return Type(data);
}

template <typename OpTy>
FailureOr<Type> inferMaxPoolArgmax(std::optional<Location> location,
                                   typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  if (!isNumber(input.getElementType()))
    return inferenceError<OpTy>(location, "expected integer or float elements, got '" +
                                              describe(input.getElementType()) + "'");
  shapes::PoolParams params;
  params.kernel = adaptor.getKernel();
  params.strides = adaptor.getStrides();
  params.dilations = adaptor.getDilations();
  params.pads = adaptor.getPads();
  params.ceilMode = adaptor.getCeilMode();
  return resultOf<OpTy>(location, shapes::pool(input.getShape(), params),
                        IntegerType::get(input.getContext(), 64));
}

template <typename OpTy>
FailureOr<Type> inferDet(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (!input)
    return inferenceError<OpTy>(location, "input must be a ranked tensor");
  if (!isa<FloatType>(input.getElementType()))
    return inferenceError<OpTy>(location, "expected float elements, got '" +
                                              describe(input.getElementType()) + "'");
  int64_t rank = input.getRank();
  if (rank < 2 || !compatible(input.getDimSize(rank - 1), input.getDimSize(rank - 2)))
    return inferenceError<OpTy>(location, "expected square matrices [..., N, N], got " +
                                              shapes::formatShape(input.getShape()));
  return Type(RankedTensorType::get(input.getShape().drop_back(2), input.getElementType()));
}

} // namespace

LLMC_INFERRED_OP(CumSumOp, inferCumSum)
LLMC_INFERRED_OP(TopKOp, inferTopK)
LLMC_INFERRED_OP(GatherNdOp, inferGatherNd)
LLMC_INFERRED_OP(ScatterElementsOp, inferScatterElements)
LLMC_INFERRED_OP(ScatterNdOp, inferScatterNd)
LLMC_INFERRED_OP(MaxPoolArgmaxOp, inferMaxPoolArgmax)
LLMC_INFERRED_OP(DetOp, inferDet)
