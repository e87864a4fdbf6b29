//===- LanguageModelToLinalg.cpp - linear, embedding, rope, KV cache ops ----===//
//
// The dense layers, embedding lookups, rotary embeddings and cached attention of language
// models become `llm.microkernel` calls of the hand-written kernels the CPU backend links into
// every code object (backends/cpu/kernels): they decode block-quantized weights inside the
// dot products, which linalg cannot express on ggml's byte layout. f32 matrix products of any
// model call the packed GEMM kernel, which LLVM's vectorization of linalg loops cannot match.
// Writing into the KV cache is a plain `tensor.insert_slice`, which bufferization places into the
// cache's own buffer.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

/// The kernel-name suffix of a weight element type: f32, f16, bf16, q4_0, ...
std::string formatSuffix(Type element) {
  if (auto block = dyn_cast<GGMLBlockType>(element))
    return block.getFormatName().str();
  if (element.isF16())
    return "f16";
  if (element.isBF16())
    return "bf16";
  return "f32";
}

Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

/// The value of a 0-d i64 tensor.
Value scalarOf(OpBuilder &b, Location loc, Value tensor) {
  return tensor::ExtractOp::create(b, loc, tensor, ValueRange{});
}

struct LinearToKernel : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput(), weight = op.getWeight();
    int64_t rank = op.getInput().getType().getRank();
    auto weightType = op.getWeight().getType();
    if (!weightType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "the kernels need a weight of static shape");
    SmallVector<Value> scalars = {productI64(rewriter, loc, input, 0, rank - 1),
                                  i64Constant(rewriter, loc, weightType.getDimSize(0)),
                                  dimI64(rewriter, loc, input, rank - 1)};
    // The result's leading dims are the input's; its last is the weight's rows (static).
    replaceWithKernel(rewriter, op, "llmc_mk_linear_" + formatSuffix(weightType.getElementType()),
                      input, ValueRange{input, weight}, scalars);
    return success();
  }
};

/// f32 matrix products of two rank-2 operands call the packed, register-blocked GEMM kernel
/// (backends/cpu/kernels/gemm.c), which every architecture's kernel library has; below this many
/// multiply-adds (m * n * k, known statically) the linalg loops are as fast and stay.
constexpr int64_t kMatmulKernelMinWork = 32 * 32 * 32;

struct MatmulToKernel : OpRewritePattern<MatmulOp> {
  MatmulToKernel(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {} // before the generic linalg lowering

  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    RankedTensorType resultType = op.getType();
    // [..., M, K] x [K, N]: the leading dims of the left operand are more rows (a
    // transformer's projections of [batch, tokens, width] activations).
    int64_t rank = lhsType.getRank();
    if (rank < 2 || rhsType.getRank() != 2 || resultType.getRank() != rank)
      return rewriter.notifyMatchFailure(
          op, "the kernel multiplies a [..., M, K] operand by a rank-2 one");
    for (RankedTensorType type : {lhsType, rhsType, resultType})
      if (!type.getElementType().isF32() || type.getEncoding())
        return rewriter.notifyMatchFailure(op, "the kernel multiplies dense f32 operands");
    if (lhsType.hasStaticShape() && rhsType.hasStaticShape() &&
        lhsType.getNumElements() / lhsType.getDimSize(rank - 1) * rhsType.getDimSize(1) *
                lhsType.getDimSize(rank - 1) <
            kMatmulKernelMinWork)
      return rewriter.notifyMatchFailure(op, "too small for the kernel to pay off");
    Location loc = op.getLoc();
    Value lhs = op.getLhs(), rhs = op.getRhs();
    SmallVector<Value> sizes;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (resultType.isDynamicDim(dim))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, dim + 1 < rank ? lhs : rhs,
                                              dim + 1 < rank ? dim : 1));
    SmallVector<Value> scalars = {productI64(rewriter, loc, lhs, 0, rank - 1),
                                  dimI64(rewriter, loc, rhs, 1),
                                  dimI64(rewriter, loc, lhs, rank - 1)};
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType(), sizes);
    rewriter.replaceOpWithNewOp<MicrokernelOp>(op, TypeRange{resultType},
                                               rewriter.getStringAttr("llmc_mk_matmul_f32"),
                                               ValueRange{lhs, rhs}, ValueRange{init}, scalars);
    return success();
  }
};

struct EmbeddingToKernel : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EmbeddingOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value ids = op.getIds();
    auto idsType = op.getIds().getType();
    if (!op.getTable().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "the kernels need a table of static shape");
    if (!idsType.getElementType().isInteger(32)) {
      auto i32Type = idsType.clone(rewriter.getI32Type());
      ids = elementwise(rewriter, loc, i32Type, ValueRange{ids},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return convertScalar(b, l, args[0], b.getI32Type());
                        });
    }
    auto tableType = op.getTable().getType();
    SmallVector<Value> scalars = {productI64(rewriter, loc, ids, 0, idsType.getRank()),
                                  i64Constant(rewriter, loc, tableType.getDimSize(0)),
                                  i64Constant(rewriter, loc, tableType.getDimSize(1))};
    replaceWithKernel(rewriter, op, "llmc_mk_embedding_" + formatSuffix(tableType.getElementType()),
                      ids, ValueRange{ids, op.getTable()}, scalars);
    return success();
  }
};

struct RopeToKernel : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RopeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    SmallVector<Value> scalars = {dimI64(rewriter, loc, input, 0),
                                  dimI64(rewriter, loc, input, 1),
                                  dimI64(rewriter, loc, input, 2),
                                  i64Constant(rewriter, loc, int64_t(op.getRotaryDims())),
                                  f32Constant(rewriter, loc, op.getFreqBase().convertToDouble()),
                                  i64Constant(rewriter, loc, op.getMode() == "neox" ? 2 : 0),
                                  scalarOf(rewriter, loc, op.getStart())};
    replaceWithKernel(rewriter, op, "llmc_mk_rope", input, ValueRange{input}, scalars);
    return success();
  }
};

/// `start + rows <= capacity` and `start >= 0`, checked at run time; returns `start` clamped so
/// that the code after a failed check stays inside the cache.
Value checkedStart(OpBuilder &b, Location loc, Value start, Value rows, Value capacity,
                   StringRef opName) {
  Value zero = i64Constant(b, loc, 0);
  Value end = arith::AddIOp::create(b, loc, start, rows);
  Value fits = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, start, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, end, capacity));
  checkAtRunTime(b, loc, fits,
                 "'" + opName +
                     "': the tokens do not fit in the KV cache (start + count > context)");
  Value last = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, capacity, rows), zero);
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, start, zero), last);
}

struct CacheWriteToInsertSlice : OpRewritePattern<CacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CacheWriteOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value cache = op.getCache(), update = op.getUpdate();
    Value rows = dimI64(rewriter, loc, update, 0);
    Value start = checkedStart(rewriter, loc, scalarOf(rewriter, loc, op.getStart()), rows,
                               dimI64(rewriter, loc, cache, 0), "llm.cache_write");
    auto index = [&](Value v) {
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v).getResult();
    };
    SmallVector<OpFoldResult> offsets = {index(start), rewriter.getIndexAttr(0),
                                         rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, update);
    SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(op, update, cache, offsets, sizes, strides);
    return success();
  }
};

struct CachedAttentionToKernel : OpRewritePattern<CachedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CachedAttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value query = op.getQuery(), keys = op.getKeys();
    Value tokens = dimI64(rewriter, loc, query, 0);
    Value context = dimI64(rewriter, loc, keys, 0);
    Value start = checkedStart(rewriter, loc, scalarOf(rewriter, loc, op.getStart()), tokens,
                               context, "llm.cached_attention");
    SmallVector<Value> scalars = {tokens,
                                  dimI64(rewriter, loc, query, 1),
                                  dimI64(rewriter, loc, keys, 1),
                                  dimI64(rewriter, loc, query, 2),
                                  start,
                                  context,
                                  f32Constant(rewriter, loc, op.getScale().convertToDouble())};
    replaceWithKernel(rewriter, op, "llmc_mk_attention", query,
                      ValueRange{query, keys, op.getValues()}, scalars);
    return success();
  }
};

} // namespace

void populateLanguageModelPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearToKernel, MatmulToKernel, EmbeddingToKernel, RopeToKernel,
               CacheWriteToInsertSlice, CachedAttentionToKernel>(patterns.getContext());
}

} // namespace llmc::llm::lowering
