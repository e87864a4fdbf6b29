//===- LLMLanguageModelOps.cpp - Verifiers of the language model ops --------===//
#include "dialects/llm/IR/LLMOps.h"

#include "dialects/llm/IR/LLMOpsSupport.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

bool sizesMatch(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// A weight or table element type: f32, f16, bf16 or a ggml block format.
bool isWeightElement(Type type) {
  return type.isF32() || type.isF16() || type.isBF16() || isa<GGMLBlockType>(type);
}

/// Checks a rank-2 weight `type` whose rows hold `rowElements` values, named `what`.
LogicalResult verifyWeight(Operation *op, RankedTensorType type, const char *what) {
  if (type.getRank() != 2 || !isWeightElement(type.getElementType()))
    return op->emitOpError() << "expected a rank-2 " << what
                             << " of f32, f16, bf16 or !llm.ggml<...>, got " << type;
  if (auto block = dyn_cast<GGMLBlockType>(type.getElementType())) {
    if (!type.hasStaticShape())
      return op->emitOpError() << "a block-quantized " << what << " needs a static shape, got "
                               << type;
    if (type.getDimSize(1) % block.getBlockElements() != 0)
      return op->emitOpError() << "the rows of the " << what << " (" << type.getDimSize(1)
                               << " values) are not a whole number of " << block.getFormatName()
                               << " blocks of " << block.getBlockElements();
  }
  return success();
}

LogicalResult verifyStart(Operation *op, Value start) {
  auto type = dyn_cast<RankedTensorType>(start.getType());
  if (!type || type.getRank() != 0 || !type.getElementType().isInteger(64))
    return op->emitOpError() << "expected a 0-d i64 start position, got " << start.getType();
  return success();
}

/// Checks that `type` is a rank-3 f32 tensor, naming it `what`.
LogicalResult verifyRank3F32(Operation *op, Type value, const char *what) {
  auto type = dyn_cast<RankedTensorType>(value);
  if (!type || type.getRank() != 3 || !type.getElementType().isF32())
    return op->emitOpError() << "expected a rank-3 f32 " << what << ", got " << value;
  return success();
}

} // namespace

LogicalResult LinearOp::verify() {
  RankedTensorType input = getInput().getType(), weight = getWeight().getType(), result = getType();
  if (failed(verifyWeight(*this, weight, "weight")))
    return failure();
  if (input.getRank() < 1 || !input.getElementType().isF32())
    return emitOpError() << "expected an f32 input of rank 1 or more, got " << input;
  int64_t rank = input.getRank();
  if (!sizesMatch(input.getDimSize(rank - 1), weight.getDimSize(1)))
    return emitOpError() << "the input has " << input.getDimSize(rank - 1)
                         << " features but the weight rows have " << weight.getDimSize(1);
  if (result.getRank() != rank || !result.getElementType().isF32() ||
      !sizesMatch(result.getDimSize(rank - 1), weight.getDimSize(0)))
    return emitOpError() << "expected an f32 result of rank " << rank << " ending in "
                         << weight.getDimSize(0) << ", got " << result;
  for (int64_t dim = 0; dim + 1 < rank; ++dim)
    if (!sizesMatch(input.getDimSize(dim), result.getDimSize(dim)))
      return emitOpError() << "result dimension " << dim << " differs from the input's";
  return success();
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType table = getTable().getType(), ids = getIds().getType(), result = getType();
  if (failed(verifyWeight(*this, table, "table")))
    return failure();
  if (!isa<IntegerType>(ids.getElementType()))
    return emitOpError() << "expected integer ids, got " << ids;
  if (result.getRank() != ids.getRank() + 1 || !result.getElementType().isF32() ||
      !sizesMatch(result.getDimSize(ids.getRank()), table.getDimSize(1)))
    return emitOpError() << "expected an f32 result of shape ids.shape + [" << table.getDimSize(1)
                         << "], got " << result;
  for (int64_t dim = 0; dim < ids.getRank(); ++dim)
    if (!sizesMatch(ids.getDimSize(dim), result.getDimSize(dim)))
      return emitOpError() << "result dimension " << dim << " differs from the ids'";
  return success();
}

LogicalResult RopeOp::verify() {
  if (failed(verifyRank3F32(*this, getInput().getType(), "input")) ||
      failed(verifyStart(*this, getStart())))
    return failure();
  auto input = cast<RankedTensorType>(getInput().getType());
  int64_t rotary = int64_t(getRotaryDims()), headDim = input.getDimSize(2);
  if (rotary <= 0 || rotary % 2 != 0 || (!ShapedType::isDynamic(headDim) && rotary > headDim))
    return emitOpError() << "rotary_dims " << rotary
                         << " must be even, positive and at most the head size " << headDim;
  if (getMode() != "normal" && getMode() != "neox")
    return emitOpError() << "unknown mode '" << getMode() << "' (expected normal or neox)";
  if (!(getFreqBase().convertToDouble() > 0.0))
    return emitOpError() << "freq_base must be positive";
  if (!areRefinableTypes(input, getType()))
    return emitOpError() << "expected the result type to match the input's, got " << getType();
  return success();
}

LogicalResult CacheWriteOp::verify() {
  if (failed(verifyRank3F32(*this, getCache().getType(), "cache")) ||
      failed(verifyRank3F32(*this, getUpdate().getType(), "update")) ||
      failed(verifyStart(*this, getStart())))
    return failure();
  auto cache = cast<RankedTensorType>(getCache().getType());
  auto update = cast<RankedTensorType>(getUpdate().getType());
  for (int64_t dim = 1; dim < 3; ++dim)
    if (!sizesMatch(cache.getDimSize(dim), update.getDimSize(dim)))
      return emitOpError() << "update " << update << " does not fit the rows of cache " << cache;
  if (getType() != cache)
    return emitOpError() << "expected the result type to be the cache's, got " << getType();
  return success();
}

LogicalResult CachedAttentionOp::verify() {
  if (failed(verifyRank3F32(*this, getQuery().getType(), "query")) ||
      failed(verifyRank3F32(*this, getKeys().getType(), "key cache")) ||
      failed(verifyRank3F32(*this, getValues().getType(), "value cache")) ||
      failed(verifyStart(*this, getStart())))
    return failure();
  auto query = cast<RankedTensorType>(getQuery().getType());
  auto keys = cast<RankedTensorType>(getKeys().getType());
  auto values = cast<RankedTensorType>(getValues().getType());
  for (int64_t dim = 0; dim < 3; ++dim)
    if (!sizesMatch(keys.getDimSize(dim), values.getDimSize(dim)))
      return emitOpError() << "the key cache " << keys << " and the value cache " << values
                           << " differ";
  if (!sizesMatch(query.getDimSize(2), keys.getDimSize(2)))
    return emitOpError() << "query heads of size " << query.getDimSize(2)
                         << " do not match cached heads of size " << keys.getDimSize(2);
  int64_t heads = query.getDimSize(1), kvHeads = keys.getDimSize(1);
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(kvHeads) &&
      (kvHeads == 0 || heads % kvHeads != 0))
    return emitOpError() << heads << " query heads cannot share " << kvHeads << " kv heads";
  if (!areRefinableTypes(query, getType()))
    return emitOpError() << "expected the result type to match the query's, got " << getType();
  return success();
}

namespace {

/// Checks that `value` is a rank-4 f32 tensor, naming it `what`.
LogicalResult verifyRank4F32(Operation *op, Type value, const char *what) {
  auto type = dyn_cast<RankedTensorType>(value);
  if (!type || type.getRank() != 4 || !type.getElementType().isF32())
    return op->emitOpError() << "expected a rank-4 f32 " << what << " (B x T x H x D), got "
                             << value;
  return success();
}

/// Two sizes that broadcast: equal, one of them 1, or one unknown.
bool sizesBroadcast(int64_t a, int64_t b) { return sizesMatch(a, b) || a == 1 || b == 1; }

} // namespace

LogicalResult AttentionOp::verify() {
  if (failed(verifyRank4F32(*this, getQuery().getType(), "query")) ||
      failed(verifyRank4F32(*this, getKeys().getType(), "keys")) ||
      failed(verifyRank4F32(*this, getValues().getType(), "values")))
    return failure();
  auto query = cast<RankedTensorType>(getQuery().getType());
  auto keys = cast<RankedTensorType>(getKeys().getType());
  auto values = cast<RankedTensorType>(getValues().getType());
  if (!sizesMatch(query.getDimSize(3), keys.getDimSize(3)))
    return emitOpError() << "query heads of size " << query.getDimSize(3)
                         << " do not match key heads of size " << keys.getDimSize(3);
  if (!sizesMatch(keys.getDimSize(1), values.getDimSize(1)))
    return emitOpError() << keys.getDimSize(1) << " keys do not match " << values.getDimSize(1)
                         << " values";
  // Batch (0) and heads (2) broadcast; the result has the larger static size.
  SmallVector<int64_t> shape = {0, query.getDimSize(1), 0, values.getDimSize(3)};
  for (int64_t dim : {0, 2}) {
    int64_t size = query.getDimSize(dim);
    for (RankedTensorType other : {keys, values}) {
      if (!sizesBroadcast(size, other.getDimSize(dim)))
        return emitOpError() << "the " << (dim == 0 ? "batch" : "head") << " dims of " << query
                             << ", " << keys << " and " << values << " do not broadcast";
      if (size == 1 || (ShapedType::isDynamic(size) && other.getDimSize(dim) != 1))
        size = other.getDimSize(dim);
    }
    shape[dim] = size;
  }
  if (Value mask = getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    Type element = maskType.getElementType();
    if (maskType.getRank() > 4 || !(element.isInteger(1) || element.isF32()))
      return emitOpError() << "expected an i1 or f32 mask of rank 4 or less, got " << maskType;
    if (element.isInteger(1) != getMaskFill().has_value())
      return emitOpError() << (element.isInteger(1) ? "an i1 mask needs a mask_fill value"
                                                    : "mask_fill applies to i1 masks only");
    // Scores are B x H x Tq x Tk.
    SmallVector<int64_t> scores = {shape[0], shape[2], shape[1], keys.getDimSize(1)};
    int64_t offset = 4 - maskType.getRank();
    for (int64_t dim = 0; dim < maskType.getRank(); ++dim)
      if (maskType.getDimSize(dim) != 1 &&
          !sizesMatch(maskType.getDimSize(dim), scores[dim + offset]))
        return emitOpError() << "the mask " << maskType << " does not broadcast to the scores ("
                             << "B x H x Tq x Tk)";
  } else if (getMaskFill()) {
    return emitOpError() << "mask_fill without a mask";
  }
  if (!areRefinableTypes(RankedTensorType::get(shape, query.getElementType()), getType()))
    return emitOpError() << "expected a result of shape B x Tq x H x Dv, got " << getType();
  return success();
}

LogicalResult MicrokernelOp::verify() {
  bool onTensors = !getResults().empty();
  if (onTensors && getResults().size() != getOutputs().size())
    return emitOpError() << "expected one result per output, got " << getResults().size() << " for "
                         << getOutputs().size();
  for (auto [index, output] : llvm::enumerate(getOutputs())) {
    if (onTensors != isa<RankedTensorType>(output.getType()))
      return emitOpError() << "output " << index
                           << (onTensors ? " must be a tensor on tensors"
                                         : " must be a memref without results");
    if (onTensors && output.getType() != getResult(index).getType())
      return emitOpError() << "result " << index << " must have the type of its output";
  }
  return success();
}
