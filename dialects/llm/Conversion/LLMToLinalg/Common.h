//===- Common.h - Helpers shared by the llm-to-linalg patterns --------------===//
#ifndef LLMC_DIALECTS_LLM_CONVERSION_LLMTOLINALG_COMMON_H
#define LLMC_DIALECTS_LLM_CONVERSION_LLMTOLINALG_COMMON_H

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace llmc::llm::lowering {

/// The sizes of `value`'s dynamic dimensions, as `tensor.dim` results.
llvm::SmallVector<mlir::Value> dynamicSizesOf(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::Value value);

/// The dynamic sizes of `resultType`, the broadcast of `operands`: each comes from an operand
/// whose aligned dimension is not statically 1.
llvm::SmallVector<mlir::Value> broadcastDynamicSizes(mlir::OpBuilder &b, mlir::Location loc,
                                                     mlir::RankedTensorType resultType,
                                                     mlir::ValueRange operands);

/// `tensor.empty` of `type`, optionally filled with `fill`.
mlir::Value createInit(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                       mlir::ValueRange dynamicSizes, mlir::Value fill = {});

/// The indexing map that reads an operand of `operandType` broadcast into `resultRank` dims:
/// aligned at the trailing dimension, with static size-1 dimensions read at 0.
mlir::AffineMap broadcastMap(mlir::MLIRContext *context, mlir::RankedTensorType operandType,
                             int64_t resultRank);

/// Only plain integer and float tensors are computed on directly; quantized and index element
/// types are not. Unsigned integer types reach the scalar code unchanged (a `ui8` tensor gives
/// `ui8` block arguments), so the helpers below choose unsigned arithmetic from the type; the
/// pass rewrites them into signless integers as its last step.
inline bool isPlainNumber(mlir::Type type) {
  return mlir::isa<mlir::FloatType, mlir::IntegerType>(type);
}

/// `count` parallel iterators.
llvm::SmallVector<mlir::utils::IteratorType> parallelIterators(int64_t count);

/// A scalar constant of `type` (float or integer) holding `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type, double value);

/// The identity of max (lowest value: -inf or the minimum integer) and of min (highest value).
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type);
mlir::Value highestValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type);

/// The variant of `predicate` (written for signed integers) that compares integers of `type`:
/// the unsigned one for unsigned integer types.
mlir::arith::CmpIPredicate integerPredicate(mlir::arith::CmpIPredicate predicate, mlir::Type type);

/// Converts a scalar between integer (signless read as signed; i1 and unsigned types as
/// unsigned) and float types. Float to integer saturates, and NaN gives 0.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, mlir::Type to);

/// The kinds of elementwise combination the patterns share.
enum class Combine { Add, Sub, Mul, Div, Max, Min, Pow, And, Or, Xor };

/// `lhs combine rhs` on scalars of one type; unsigned integer types divide and compare as
/// unsigned. Integer division by zero yields 0 and `INT_MIN / -1` wraps, so that no input makes
/// compiled code trap.
mlir::Value combineScalars(mlir::OpBuilder &b, mlir::Location loc, Combine kind, mlir::Value lhs,
                           mlir::Value rhs);

/// Lowers a reduction of `input` over `axes` with `kind` (Add, Mul, Max or Min) into a
/// `linalg.generic` whose result drops the reduced dimensions.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                   llvm::ArrayRef<int64_t> axes, Combine kind);

/// Inserts unit dimensions at `axes` (sorted) of `value`, giving `resultType`.
mlir::Value expandUnitDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                           mlir::RankedTensorType resultType, llvm::ArrayRef<int64_t> axes);

/// Elementwise `fn` over `inputs` (each broadcast into `resultType`) producing `resultType`.
mlir::Value elementwise(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType resultType,
    mlir::ValueRange inputs,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> fn);

/// Scalar constants of index and f32 type, and an index converted to f32.
mlir::Value indexConstant(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
mlir::Value f32Constant(mlir::OpBuilder &b, mlir::Location loc, double value);
mlir::Value indexToF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value index);

/// An integer scalar as an index (i1 read as unsigned, wider types as signed).
mlir::Value toIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// Entry `position` of a 1-D integer tensor, as an index.
mlir::Value extractIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vector,
                         int64_t position);

/// Stops the call with a run-time error carrying `message` when `condition` is false
/// (`cf.assert`; the CPU backend routes it to the runtime). Code after it must stay memory-safe
/// on its own, since a target may continue past a failed check.
void checkAtRunTime(mlir::OpBuilder &b, mlir::Location loc, mlir::Value condition,
                    const llvm::Twine &message);

/// Sizes computed from run-time values, checked to be non-negative and allocatable together;
/// when they are not, the check fails and every size reads as 0.
llvm::SmallVector<mlir::Value> guardSizes(mlir::OpBuilder &b, mlir::Location loc,
                                          llvm::ArrayRef<mlir::Value> sizes,
                                          llvm::StringRef opName);

/// An i64 constant (a microkernel's size or flag argument).
mlir::Value i64Constant(mlir::OpBuilder &b, mlir::Location loc, int64_t value);

/// The geometry arguments of the unfolding kernels (llmc_mk_im2col_f32, llmc_mk_im2row_u8) for
/// a 2-D convolution of an image of `channels` x `h` x `w` by `kh` x `kw` into `oh` x `ow`:
/// channels, h, w, kh, kw, oh, ow, the strides, the dilations and the top and left pads.
llvm::SmallVector<mlir::Value>
unfoldScalars(mlir::OpBuilder &b, mlir::Location loc, int64_t channels, int64_t h, int64_t w,
              int64_t kh, int64_t kw, int64_t oh, int64_t ow, llvm::ArrayRef<int64_t> strides,
              llvm::ArrayRef<int64_t> dilations, llvm::ArrayRef<int64_t> pads);

/// Dimension `dim` of a tensor as an i64 scalar (a microkernel's size argument).
mlir::Value dimI64(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor, int64_t dim);

/// The product of dimensions [begin, end) of a tensor as an i64 scalar.
mlir::Value productI64(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor, int64_t begin,
                       int64_t end);

/// Replaces `op` by an `llm.microkernel` call of `kernel` that writes a fresh tensor of the op's
/// result type; the result's dynamic dims are those of `sizedLike` at the same positions.
void replaceWithKernel(mlir::PatternRewriter &rewriter, mlir::Operation *op, llvm::StringRef kernel,
                       mlir::Value sizedLike, mlir::ValueRange inputs, mlir::ValueRange scalars);

/// The epilogue flags of the GEMM kernels (LLMC_GEMM_EPILOGUE_* in
/// backends/cpu/kernels/llmc_kernels.h): a bias per column, a bias per row, then one activation.
constexpr int64_t kGemmEpilogueBiasColumns = 1, kGemmEpilogueBiasRows = 2, kGemmEpilogueRelu = 4,
                  kGemmEpilogueGelu = 8, kGemmEpilogueGeluTanh = 16;

/// An activation that a GEMM epilogue applies: the op and its epilogue flag.
struct ActivationEpilogue {
  mlir::Operation *op = nullptr;
  int64_t flag = 0;
};

/// The only user of `op`'s result when it is an f32 llm.relu or llm.gelu of the same type, which
/// a GEMM epilogue can apply; else none.
ActivationEpilogue activationEpilogue(mlir::Operation *op);

void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateStructuredPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementPatterns(mlir::RewritePatternSet &patterns);
void populateDataDependentPatterns(mlir::RewritePatternSet &patterns);
void populateIntegerPatterns(mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(mlir::RewritePatternSet &patterns);
void populateDynamicShapePatterns(mlir::RewritePatternSet &patterns);
void populateImagePatterns(mlir::RewritePatternSet &patterns);
void populateSignalPatterns(mlir::RewritePatternSet &patterns);
void populateLanguageModelPatterns(mlir::RewritePatternSet &patterns);

} // namespace llmc::llm::lowering

#endif // LLMC_DIALECTS_LLM_CONVERSION_LLMTOLINALG_COMMON_H
