//===- LanguageModelToLinalg.cpp - linear, embedding, rope, KV cache ops ----===//
//
// The dense layers, embedding lookups, rotary embeddings and cached attention of language
// models become `llm.microkernel` calls of the hand-written kernels the CPU backend links into
// every code object (backends/cpu/kernels): they decode block-quantized weights inside the
// dot products, which linalg cannot express on ggml's byte layout. f32 and bf16 matrix products
// of any model call the packed GEMM kernels, which LLVM's vectorization of linalg loops cannot
// match (constant f32 weights are packed into the kernel's layout here, at compile time), and
// attention
// over whole sequences (llm.attention) calls the flash-style kernel.
// Writing into the KV cache is a plain `tensor.insert_slice`, which bufferization places into the
// cache's own buffer.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

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

/// f32 and bf16 matrix products of two rank-2 operands call the packed, register-blocked GEMM
/// kernels (backends/cpu/kernels/gemm.c, gemm_bf16.c), which every architecture's kernel library
/// has; below this many
/// multiply-adds (m * n * k, known statically) the linalg loops are as fast and stay.
constexpr int64_t kMatmulKernelMinWork = 32 * 32 * 32;

struct MatmulToKernel : OpRewritePattern<MatmulOp> {
  MatmulToKernel(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {} // before the generic linalg lowering

  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    return lowerToKernel(op, rewriter);
  }

  static LogicalResult lowerToKernel(MatmulOp op, PatternRewriter &rewriter) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    RankedTensorType resultType = op.getType();
    // [..., M, K] x [K, N]: the leading dims of the left operand are more rows (a
    // transformer's projections of [batch, tokens, width] activations).
    int64_t rank = lhsType.getRank();
    if (rank < 2 || rhsType.getRank() != 2 || resultType.getRank() != rank)
      return rewriter.notifyMatchFailure(
          op, "the kernel multiplies a [..., M, K] operand by a rank-2 one");
    // f32 operands call the f32 kernel; bf16 ones the bf16 kernel, which sums in f32.
    Type element = resultType.getElementType();
    for (RankedTensorType type : {lhsType, rhsType, resultType})
      if (type.getElementType() != element || !(element.isF32() || element.isBF16()) ||
          type.getEncoding())
        return rewriter.notifyMatchFailure(op, "the kernels multiply dense f32 or bf16 operands");
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
    if (element.isBF16()) {
      // No pre-packed form or epilogue: the kernel packs B as it goes.
      auto call = MicrokernelOp::create(rewriter, loc, TypeRange{resultType},
                                        rewriter.getStringAttr("llmc_mk_matmul_bf16"),
                                        ValueRange{lhs, rhs}, ValueRange{init}, scalars);
      rewriter.replaceOp(op, call.getResults());
      return success();
    }
    std::string kernel = "llmc_mk_matmul_f32";
    SmallVector<Value> inputs = {lhs, rhs};
    if (Value packed = packedWeights(rewriter, loc, rhs)) {
      kernel += "_packed";
      inputs[1] = packed;
    }
    // A dense layer's bias added by the only user, and a ReLU after it, become the kernel's
    // epilogue (LLMC_GEMM_EPILOGUE_* in backends/cpu/kernels/llmc_kernels.h).
    SmallVector<Operation *> replaced = {op};
    int64_t epilogue = 0;
    auto [add, bias] = biasEpilogue(&rewriter, op);
    if (add) {
      epilogue |= kGemmEpilogueBiasColumns;
      replaced.push_back(add);
    }
    if (ActivationEpilogue activation = activationEpilogue(replaced.back()); activation.op) {
      epilogue |= activation.flag;
      replaced.push_back(activation.op);
    }
    if (epilogue) {
      kernel += "_epilogue";
      inputs.push_back(bias ? bias : lhs); // read only with a bias flag
      scalars.push_back(i64Constant(rewriter, loc, epilogue));
    }
    auto call =
        MicrokernelOp::create(rewriter, loc, TypeRange{resultType}, rewriter.getStringAttr(kernel),
                              inputs, ValueRange{init}, scalars);
    rewriter.replaceOp(replaced.back(), call.getResults());
    for (Operation *fused : llvm::reverse(ArrayRef(replaced).drop_back()))
      rewriter.eraseOp(fused);
    return success();
  }

  /// When the product's only user adds a bias of N values ([N], or [1, ..., N]) without
  /// changing the shape, that add and the bias as an [N] tensor (built with `rewriter`; without
  /// one, the check alone); else nothing.
  static std::pair<Operation *, Value> biasEpilogue(PatternRewriter *rewriter, MatmulOp op) {
    if (!op->hasOneUse())
      return {};
    auto add = dyn_cast<AddOp>(*op->user_begin());
    if (!add || add.getType() != op.getType())
      return {};
    Value bias = add.getLhs() == op.getResult() ? add.getRhs() : add.getLhs();
    auto biasType = cast<RankedTensorType>(bias.getType());
    int64_t n = op.getType().getDimSize(op.getType().getRank() - 1);
    if (bias == op.getResult() || ShapedType::isDynamic(n) || !biasType.getElementType().isF32() ||
        biasType.getEncoding() || biasType.getRank() < 1 ||
        biasType.getRank() > op.getType().getRank() ||
        biasType.getDimSize(biasType.getRank() - 1) != n ||
        llvm::any_of(biasType.getShape().drop_back(), [](int64_t size) { return size != 1; }))
      return {};
    // The kernel call replaces the product, so the bias must be there already.
    if (Operation *def = bias.getDefiningOp();
        def && def->getBlock() == op->getBlock() && !def->isBeforeInBlock(op))
      return {};
    if (rewriter && biasType.getRank() > 1) {
      SmallVector<ReassociationIndices> groups = {
          llvm::to_vector(llvm::seq<int64_t>(0, biasType.getRank()))};
      bias = tensor::CollapseShapeOp::create(*rewriter, add.getLoc(),
                                             RankedTensorType::get({n}, biasType.getElementType()),
                                             bias, groups);
    }
    return {add, bias};
  }

  /// A constant [K, N] right operand packed at compile time into the kernel's panel layout
  /// (LLMC_GEMM_PANEL in backends/cpu/kernels/llmc_kernels.h: panels of 32 columns, each K rows
  /// of 32 floats, the columns past N zero), or null when `rhs` is not a constant.
  static Value packedWeights(PatternRewriter &rewriter, Location loc, Value rhs) {
    constexpr int64_t kPanel = 32;
    ElementsAttr constant;
    if (!matchPattern(rhs, m_Constant(&constant)))
      return {};
    auto type = cast<RankedTensorType>(constant.getType());
    if (!type.hasStaticShape() || type.getRank() != 2)
      return {};
    int64_t k = type.getDimSize(0), n = type.getDimSize(1);
    // The weights as row-major floats: a resource blob's bytes, or a dense attribute's values.
    std::vector<float> values;
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob || int64_t(blob->getData().size()) != k * n * 4)
        return {};
      values.resize(size_t(k * n));
      std::memcpy(values.data(), blob->getData().data(), size_t(k * n) * 4);
    } else if (auto dense = dyn_cast<DenseElementsAttr>(constant)) {
      auto range = dense.tryGetValues<float>();
      if (failed(range))
        return {};
      values.assign(range->begin(), range->end());
    } else {
      return {};
    }
    int64_t panels = (n + kPanel - 1) / kPanel;
    std::vector<float> packed(size_t(panels * k * kPanel), 0.0f);
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j)
        packed[size_t((j / kPanel * k + p) * kPanel + j % kPanel)] = values[size_t(p * n + j)];
    auto packedType = RankedTensorType::get({panels * k * kPanel}, rewriter.getF32Type());
    std::string name = "packed";
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant))
      name = resource.getRawHandle().getKey().str() + "_packed";
    ArrayRef<char> bytes(reinterpret_cast<const char *>(packed.data()), packed.size() * 4);
    auto attr = DenseResourceElementsAttr::get(
        packedType, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64));
    return arith::ConstantOp::create(rewriter, loc, attr);
  }
};

/// The integer values of a constant integer tensor, row-major, read as its type's signedness
/// (signless as signed); none for anything else.
std::optional<std::vector<int64_t>> integerValues(ElementsAttr constant) {
  auto type = cast<RankedTensorType>(constant.getType());
  auto element = dyn_cast<IntegerType>(type.getElementType());
  if (!element || !type.hasStaticShape() || element.getWidth() > 32)
    return std::nullopt;
  const bool isUnsigned = element.isUnsigned();
  const unsigned width = element.getWidth();
  std::vector<int64_t> values;
  values.reserve(size_t(type.getNumElements()));
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    const int64_t bytes = width <= 8 ? 1 : width <= 16 ? 2 : 4;
    if (!blob || int64_t(blob->getData().size()) != type.getNumElements() * bytes)
      return std::nullopt;
    const char *data = blob->getData().data();
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      uint32_t raw = 0;
      std::memcpy(&raw, data + i * bytes, size_t(bytes)); // little-endian host, as the writer
      APInt value = APInt(unsigned(bytes * 8), raw).trunc(width);
      values.push_back(isUnsigned ? int64_t(value.getZExtValue()) : value.getSExtValue());
    }
    return values;
  }
  auto dense = dyn_cast<DenseIntElementsAttr>(constant);
  if (!dense)
    return std::nullopt;
  for (const APInt &value : dense.getValues<APInt>())
    values.push_back(isUnsigned ? int64_t(value.getZExtValue()) : value.getSExtValue());
  return values;
}

/// The values of `value`, a static i32 tensor, row-major: a constant, an llm.cast of an integer
/// constant, or either minus a constant zero point that broadcasts against it (one value, or one
/// per column of a weight matrix, or one per filter of a convolution's weight).
std::optional<std::vector<int64_t>> constantIntegers(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.hasStaticShape())
    return std::nullopt;
  if (auto sub = value.getDefiningOp<SubOp>()) {
    auto values = constantIntegers(sub.getLhs());
    ElementsAttr zeroPoint;
    if (!values || !matchPattern(sub.getRhs(), m_Constant(&zeroPoint)))
      return std::nullopt;
    auto zeroType = cast<RankedTensorType>(zeroPoint.getType());
    auto zeros = integerValues(zeroPoint);
    int64_t rank = type.getRank(), zeroRank = zeroType.getRank();
    if (!zeros || zeroRank > rank || sub.getType() != type)
      return std::nullopt;
    for (int64_t d = 0; d < zeroRank; ++d) {
      int64_t size = zeroType.getDimSize(d);
      if (size != 1 && size != type.getDimSize(rank - zeroRank + d))
        return std::nullopt;
    }
    // Numpy broadcasting: each element's index, reduced to the zero point's.
    SmallVector<int64_t> index(size_t(rank), 0);
    for (size_t i = 0; i < values->size(); ++i) {
      int64_t zeroIndex = 0;
      for (int64_t d = 0; d < zeroRank; ++d) {
        int64_t size = zeroType.getDimSize(d);
        zeroIndex = zeroIndex * size + (size == 1 ? 0 : index[size_t(rank - zeroRank + d)]);
      }
      (*values)[i] -= (*zeros)[size_t(zeroIndex)];
      for (int64_t d = rank - 1; d >= 0 && ++index[size_t(d)] == type.getDimSize(d); --d)
        index[size_t(d)] = 0;
    }
    return values;
  }
  if (auto castOp = value.getDefiningOp<CastOp>())
    if (isa<IntegerType>(castOp.getInput().getType().getElementType()))
      value = castOp.getInput();
  ElementsAttr constant;
  if (!matchPattern(value, m_Constant(&constant)))
    return std::nullopt;
  auto values = integerValues(constant);
  if (!values || int64_t(values->size()) != type.getNumElements())
    return std::nullopt;
  return values;
}

/// An 8-bit tensor widened to i32, minus a zero point of one value (or none): what the importer
/// makes of MatMulInteger's and ConvInteger's activations.
struct WidenedBytes {
  Value bytes;     // the 8-bit tensor
  Value zeroPoint; // a one-element i32 tensor, or null
  bool isSigned;
};

std::optional<WidenedBytes> widenedBytes(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Value zeroPoint;
  if (auto sub = value.getDefiningOp<SubOp>()) {
    auto zeroType = cast<RankedTensorType>(sub.getRhs().getType());
    if (sub.getType() != type || !zeroType.hasStaticShape() || zeroType.getNumElements() != 1 ||
        zeroType.getRank() > type.getRank())
      return std::nullopt;
    zeroPoint = sub.getRhs();
    value = sub.getLhs();
  }
  auto widen = value.getDefiningOp<CastOp>();
  if (!widen)
    return std::nullopt;
  auto narrowType = cast<RankedTensorType>(widen.getInput().getType());
  if (!narrowType.getElementType().isInteger(8) || narrowType.getEncoding())
    return std::nullopt;
  return WidenedBytes{widen.getInput(), zeroPoint,
                      !narrowType.getElementType().isUnsignedInteger()};
}

/// The zero point as an i64 scalar (0 without one).
Value zeroPointScalar(PatternRewriter &rewriter, Location loc, Value zeroPoint) {
  if (!zeroPoint)
    return i64Constant(rewriter, loc, 0);
  auto zeroType = cast<RankedTensorType>(zeroPoint.getType());
  SmallVector<Value> origin(size_t(zeroType.getRank()),
                            arith::ConstantIndexOp::create(rewriter, loc, 0));
  Value scalar = tensor::ExtractOp::create(rewriter, loc, zeroPoint, origin);
  return convertScalar(rewriter, loc, scalar, rewriter.getI64Type());
}

/// A constant integer weight w [k, n] (row-major values) as the packed integer GEMM takes it:
/// each column as int8 values plus an offset (none when it fits int8), packed in the
/// LLMC_QGEMM_PANEL layout (backends/cpu/kernels/llmc_kernels.h: panels of 32 columns, k rounded
/// up to 64, groups of four k per column), with each column's offset and correction (the sum
/// of its int8 values plus k times the offset). Fails when a column spans more than 256
/// values.
FailureOr<std::array<Value, 3>> packIntegerWeights(PatternRewriter &rewriter, Location loc,
                                                   std::vector<int64_t> weights, int64_t k,
                                                   int64_t n, StringRef name) {
  std::vector<int32_t> offsets(static_cast<size_t>(n)), corrections(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    int64_t low = INT64_MAX, high = INT64_MIN;
    for (int64_t p = 0; p < k; ++p) {
      low = std::min(low, weights[size_t(p * n + j)]);
      high = std::max(high, weights[size_t(p * n + j)]);
    }
    if (k > 0 && high - low > 255)
      return failure();
    const int64_t offset = k == 0 || (low >= -128 && high <= 127) ? 0 : low + 128;
    uint32_t correction = uint32_t(k) * uint32_t(offset);
    for (int64_t p = 0; p < k; ++p) {
      int64_t &value = weights[size_t(p * n + j)];
      value -= offset;
      correction += uint32_t(int32_t(value));
    }
    offsets[size_t(j)] = int32_t(offset);
    corrections[size_t(j)] = int32_t(correction);
  }
  constexpr int64_t kPanel = 32, kDepth = 64;
  const int64_t kp = (k + kDepth - 1) / kDepth * kDepth, panels = (n + kPanel - 1) / kPanel;
  std::vector<int8_t> packed(size_t(std::max<int64_t>(panels * kp * kPanel, 1)), 0);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      packed[size_t(((j / kPanel * kp / 4 + p / 4) * kPanel + j % kPanel) * 4 + p % 4)] =
          int8_t(weights[size_t(p * n + j)]);
  auto blob = [&](StringRef suffix, Type element, int64_t count, const void *data,
                  size_t bytes) -> Value {
    auto type = RankedTensorType::get({count}, element);
    auto attr = DenseResourceElementsAttr::get(
        type, (name + suffix).str(),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            ArrayRef<char>(static_cast<const char *>(data), bytes), 64));
    return arith::ConstantOp::create(rewriter, loc, attr);
  };
  return std::array<Value, 3>{
      blob("", rewriter.getIntegerType(8), int64_t(packed.size()), packed.data(), packed.size()),
      blob("_offsets", rewriter.getI32Type(), n, offsets.data(), offsets.size() * 4),
      blob("_corrections", rewriter.getI32Type(), n, corrections.data(), corrections.size() * 4)};
}

/// The name for a packed weight: its resource's with a suffix, or a fixed one.
std::string packedName(Value weight) {
  while (Operation *def = weight.getDefiningOp()) {
    ElementsAttr source;
    if (matchPattern(weight, m_Constant(&source))) {
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(source))
        return resource.getRawHandle().getKey().str() + "_qpacked";
      break;
    }
    if (def->getNumOperands() == 0)
      break;
    weight = def->getOperand(0);
  }
  return "qgemm_weights";
}

/// The integer GEMM on a [m, k] 8-bit operand and packed weights: an i32 [m, n] tensor of
/// `resultType` (whose dynamic sizes are `sizes`).
Value integerGemm(PatternRewriter &rewriter, Location loc, RankedTensorType resultType,
                  ValueRange sizes, const WidenedBytes &a, Value m, int64_t n, int64_t k,
                  const std::array<Value, 3> &weights) {
  Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                       resultType.getElementType(), sizes);
  SmallVector<Value> scalars = {m, i64Constant(rewriter, loc, n), i64Constant(rewriter, loc, k),
                                zeroPointScalar(rewriter, loc, a.zeroPoint),
                                i64Constant(rewriter, loc, a.isSigned ? 1 : 0)};
  return MicrokernelOp::create(rewriter, loc, TypeRange{resultType},
                               rewriter.getStringAttr("llmc_mk_matmul_u8s8_packed"),
                               ValueRange{a.bytes, weights[0], weights[1], weights[2]},
                               ValueRange{init}, scalars)
      .getResult(0);
}

/// An i32 product `matmul(cast(A) [- a_zero], W)` of an 8-bit A ([..., M, K]) and a constant W
/// ([K, N], an 8-bit weight minus its zero points, as MatMulInteger and QLinearMatMul import)
/// calls the packed integer GEMM (backends/cpu/kernels/qgemm.c), with AVX512-VNNI or AMX where
/// the target has them. W is packed at compile time (packIntegerWeights). Anything else keeps
/// the i32 linalg lowering.
struct IntegerMatmulToKernel : OpRewritePattern<MatmulOp> {
  IntegerMatmulToKernel(MLIRContext *context) : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    RankedTensorType resultType = op.getType();
    int64_t rank = lhsType.getRank();
    if (!resultType.getElementType().isInteger(32) || rank < 2 || rhsType.getRank() != 2 ||
        resultType.getRank() != rank || !rhsType.hasStaticShape() || resultType.getEncoding())
      return rewriter.notifyMatchFailure(op, "not an i32 product of [..., M, K] by [K, N]");
    std::optional<WidenedBytes> a = widenedBytes(op.getLhs());
    if (!a)
      return rewriter.notifyMatchFailure(op, "A is not an 8-bit tensor widened to i32, minus a "
                                             "zero point of one value");
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    if (lhsType.hasStaticShape() &&
        lhsType.getNumElements() / lhsType.getDimSize(rank - 1) * n * k < kMatmulKernelMinWork)
      return rewriter.notifyMatchFailure(op, "too small for the kernel to pay off");
    auto values = constantIntegers(op.getRhs());
    if (!values)
      return rewriter.notifyMatchFailure(op, "B is not a constant 8-bit weight");
    Location loc = op.getLoc();
    auto weights =
        packIntegerWeights(rewriter, loc, std::move(*values), k, n, packedName(op.getRhs()));
    if (failed(weights))
      return rewriter.notifyMatchFailure(op, "a column of B spans more than 256 values");
    SmallVector<Value> sizes;
    for (int64_t dim = 0; dim < rank; ++dim)
      if (resultType.isDynamicDim(dim))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, a->bytes, dim));
    rewriter.replaceOp(op, integerGemm(rewriter, loc, resultType, sizes, *a,
                                       productI64(rewriter, loc, a->bytes, 0, rank - 1), n, k,
                                       *weights));
    return success();
  }
};

/// An i32 convolution of one 8-bit image (minus a zero point of one value) by a constant 8-bit
/// weight (minus its zero points), as ConvInteger and QLinearConv import, static, 2-D, one
/// group: the image unfolded into rows (llmc_mk_im2row_u8, padding with the zero point, so that
/// it contributes nothing), the integer GEMM by the packed transposed weight ([pixels, filters]),
/// then one loop that transposes the product into NCHW and adds the bias.
struct IntegerConvToGemm : OpRewritePattern<ConvOp> {
  IntegerConvToGemm(MLIRContext *context) : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    if (inputType.getRank() != 4 || op.getGroups() != 1 || !inputType.hasStaticShape() ||
        !weightType.hasStaticShape() || !resultType.hasStaticShape() ||
        inputType.getDimSize(0) != 1 || !resultType.getElementType().isInteger(32))
      return rewriter.notifyMatchFailure(op, "not a static i32 2-D convolution of one image");
    std::optional<WidenedBytes> x = widenedBytes(op.getInput());
    if (!x)
      return rewriter.notifyMatchFailure(op, "the input is not 8-bit widened to i32, minus a "
                                             "zero point of one value");
    int64_t filters = weightType.getDimSize(0), channels = weightType.getDimSize(1);
    int64_t kh = weightType.getDimSize(2), kw = weightType.getDimSize(3);
    int64_t oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
    int64_t depth = channels * kh * kw, pixels = oh * ow;
    if (filters * depth * pixels < kMatmulKernelMinWork || pixels == 0 || depth == 0)
      return rewriter.notifyMatchFailure(op, "too small for the kernel to pay off");
    if (Value bias = op.getBias()) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      if (biasType.getRank() != 1 || biasType.getDimSize(0) != filters ||
          !biasType.getElementType().isInteger(32))
        return rewriter.notifyMatchFailure(op, "the bias is not i32 [F]");
    }
    auto values = constantIntegers(op.getWeight());
    if (!values)
      return rewriter.notifyMatchFailure(op, "the weight is not a constant 8-bit tensor");
    // The GEMM's right operand is the weight transposed, its rows in im2row's order (kernel
    // row, kernel column, channel): [(i * kw + j) * channels + c, filters].
    std::vector<int64_t> transposed(values->size());
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j)
            transposed[size_t(((i * kw + j) * channels + c) * filters + f)] =
                (*values)[size_t(((f * channels + c) * kh + i) * kw + j)];
    Location loc = op.getLoc();
    auto weights = packIntegerWeights(rewriter, loc, std::move(transposed), depth, filters,
                                      packedName(op.getWeight()));
    if (failed(weights))
      return rewriter.notifyMatchFailure(op, "a filter spans more than 256 values");

    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(), pads = op.getPads();
    auto bytesType = cast<RankedTensorType>(x->bytes.getType());
    int64_t h = inputType.getDimSize(2), w = inputType.getDimSize(3);
    MLIRContext *context = rewriter.getContext();
    // The image channels-last ([h, w, channels]), so that a window row is contiguous.
    auto lastType = RankedTensorType::get({h, w, channels}, bytesType.getElementType());
    AffineExpr d0 = getAffineDimExpr(0, context), d1 = getAffineDimExpr(1, context),
               d2 = getAffineDimExpr(2, context);
    Value channelsLast =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{lastType}, ValueRange{x->bytes},
            ValueRange{createInit(rewriter, loc, lastType, {})},
            SmallVector<AffineMap>{
                AffineMap::get(3, 0, {getAffineConstantExpr(0, context), d2, d0, d1}, context),
                AffineMap::get(3, 0, {d0, d1, d2}, context)},
            SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, args[0]);
            })
            .getResult(0);
    auto rowsType = RankedTensorType::get({pixels, depth}, bytesType.getElementType());
    SmallVector<Value> scalars =
        unfoldScalars(rewriter, loc, channels, h, w, kh, kw, oh, ow, strides, dilations, pads);
    scalars.push_back(zeroPointScalar(rewriter, loc, x->zeroPoint));
    Value rows =
        MicrokernelOp::create(rewriter, loc, TypeRange{rowsType},
                              rewriter.getStringAttr("llmc_mk_im2row_u8"), ValueRange{channelsLast},
                              ValueRange{createInit(rewriter, loc, rowsType, {})}, scalars)
            .getResult(0);
    auto productType = RankedTensorType::get({pixels, filters}, rewriter.getI32Type());
    WidenedBytes a{rows, x->zeroPoint, x->isSigned};
    Value product = integerGemm(rewriter, loc, productType, {}, a,
                                i64Constant(rewriter, loc, pixels), filters, depth, *weights);
    // [pixels, filters] to [filters, pixels], plus the bias per filter.
    auto planeType = RankedTensorType::get({filters, pixels}, rewriter.getI32Type());
    AffineExpr f = getAffineDimExpr(0, context), p = getAffineDimExpr(1, context);
    SmallVector<Value> inputs = {product};
    SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {p, f}, context)};
    if (op.getBias()) {
      inputs.push_back(op.getBias());
      maps.push_back(AffineMap::get(2, 0, {f}, context));
    }
    maps.push_back(AffineMap::get(2, 0, {f, p}, context));
    Value plane = linalg::GenericOp::create(
                      rewriter, loc, TypeRange{planeType}, inputs,
                      ValueRange{createInit(rewriter, loc, planeType, {})}, maps,
                      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        Value sum = args.size() == 3 ? arith::AddIOp::create(b, l, args[0], args[1])
                                                     : args[0];
                        linalg::YieldOp::create(b, l, sum);
                      })
                      .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, resultType, plane, ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    return success();
  }
};

/// `add(matmul(x, W), bias)` seen from the add (the driver may reach it first): the product
/// and its bias epilogue as one kernel call, as MatmulToKernel makes them.
struct BiasEpilogueToKernel : OpRewritePattern<AddOp> {
  BiasEpilogueToKernel(MLIRContext *context) : OpRewritePattern(context, /*benefit=*/3) {}

  LogicalResult matchAndRewrite(AddOp op, PatternRewriter &rewriter) const override {
    for (Value operand : {op.getLhs(), op.getRhs()}) {
      auto product = operand.getDefiningOp<MatmulOp>();
      if (!product || !operand.hasOneUse())
        continue;
      // Only when the product's lowering would take this add as its epilogue.
      if (MatmulToKernel::biasEpilogue(nullptr, product).first != op.getOperation())
        continue;
      return MatmulToKernel::lowerToKernel(product, rewriter);
    }
    return rewriter.notifyMatchFailure(op, "not the bias of a product");
  }
};

/// `act(matmul(...))` or `act(add(matmul(...), bias))` for a ReLU or GELU `act`, seen from the
/// activation: the product with its epilogue, as MatmulToKernel makes it.
template <typename OpTy> struct ActivationEpilogueToKernel : OpRewritePattern<OpTy> {
  ActivationEpilogueToKernel(MLIRContext *context) : OpRewritePattern<OpTy>(context, 3) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Operation *producer = op.getInput().getDefiningOp();
    if (!producer || activationEpilogue(producer).op != op.getOperation())
      return rewriter.notifyMatchFailure(op, "not an activation a product can apply");
    if (auto product = dyn_cast<MatmulOp>(producer))
      return MatmulToKernel::lowerToKernel(product, rewriter);
    if (auto add = dyn_cast<AddOp>(producer))
      for (Value operand : {add.getLhs(), add.getRhs()})
        if (auto product = operand.getDefiningOp<MatmulOp>();
            product && MatmulToKernel::biasEpilogue(nullptr, product).first == add.getOperation())
          return MatmulToKernel::lowerToKernel(product, rewriter);
    return rewriter.notifyMatchFailure(op, "not the activation of a product");
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

/// llm.attention calls the flash-style kernel (backends/cpu/kernels/attention.c). The operands'
/// batch and head counts broadcast; the mask's dims are turned into element strides, 0 where it
/// broadcasts. Sizes that do not fit together fail the call at run time, and the kernel is then
/// given an empty batch, so that nothing is read out of bounds even without the check.
struct AttentionToKernel : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value query = op.getQuery(), keys = op.getKeys(), values = op.getValues(), mask = op.getMask();
    auto cmp = [&](arith::CmpIPredicate predicate, Value a, Value b) {
      return arith::CmpIOp::create(rewriter, loc, predicate, a, b).getResult();
    };
    auto both = [&](Value a, Value b) { return arith::AndIOp::create(rewriter, loc, a, b); };
    Value one = i64Constant(rewriter, loc, 1), zero = i64Constant(rewriter, loc, 0);
    Value ok = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    // `size` broadcasts to `target`: it is 1 or equal.
    auto fits = [&](Value size, Value target) {
      return arith::OrIOp::create(rewriter, loc, cmp(arith::CmpIPredicate::eq, size, one),
                                  cmp(arith::CmpIPredicate::eq, size, target))
          .getResult();
    };
    // Batch (0) and heads (2) of the result: the largest of the operands'.
    SmallVector<Value> operandDims; // q, k, v batch; q, k, v heads
    Value batch, heads;
    for (int64_t dim : {0, 2}) {
      Value size = one;
      for (Value operand : {query, keys, values}) {
        operandDims.push_back(dimI64(rewriter, loc, operand, dim));
        size = arith::MaxSIOp::create(rewriter, loc, size, operandDims.back());
      }
      for (Value operandDim : ArrayRef(operandDims).take_back(3))
        ok = both(ok, fits(operandDim, size));
      (dim == 0 ? batch : heads) = size;
    }
    Value tq = dimI64(rewriter, loc, query, 1), tk = dimI64(rewriter, loc, keys, 1);
    Value d = dimI64(rewriter, loc, query, 3), dv = dimI64(rewriter, loc, values, 3);
    ok = both(ok, cmp(arith::CmpIPredicate::eq, tk, dimI64(rewriter, loc, values, 1)));
    ok = both(ok, cmp(arith::CmpIPredicate::eq, d, dimI64(rewriter, loc, keys, 3)));

    // The mask's strides over the scores' dims B x H x Tq x Tk.
    SmallVector<Value> maskStrides(4, zero);
    int64_t maskKind = 0;
    if (mask) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      maskKind = maskType.getElementType().isInteger(1) ? 1 : 2;
      SmallVector<Value> targets = {batch, heads, tq, tk};
      Value stride = one;
      int64_t offset = 4 - maskType.getRank();
      for (int64_t dim = maskType.getRank() - 1; dim >= 0; --dim) {
        Value size = dimI64(rewriter, loc, mask, dim);
        ok = both(ok, fits(size, targets[dim + offset]));
        maskStrides[dim + offset] = arith::SelectOp::create(
            rewriter, loc, cmp(arith::CmpIPredicate::eq, size, one), zero, stride);
        stride = arith::MulIOp::create(rewriter, loc, stride, size);
      }
    }
    checkAtRunTime(rewriter, loc, ok,
                   "'llm.attention': the sizes of the query, keys, values and mask do not fit "
                   "together");
    Value safeBatch = arith::SelectOp::create(rewriter, loc, ok, batch, zero);

    RankedTensorType resultType = op.getType();
    SmallVector<Value> sizes;
    Value resultDims[] = {batch, tq, heads, dv};
    for (int64_t dim = 0; dim < 4; ++dim)
      if (resultType.isDynamicDim(dim))
        sizes.push_back(
            arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), resultDims[dim]));
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType(), sizes);
    // operandDims is q, k, v batch then q, k, v heads; the kernel takes them per operand.
    SmallVector<Value> scalars = {safeBatch,
                                  tq,
                                  tk,
                                  heads,
                                  d,
                                  dv,
                                  operandDims[0],
                                  operandDims[3],
                                  operandDims[1],
                                  operandDims[4],
                                  operandDims[2],
                                  operandDims[5],
                                  i64Constant(rewriter, loc, maskKind)};
    scalars.append(maskStrides.begin(), maskStrides.end());
    scalars.push_back(f32Constant(rewriter, loc, op.getScale().convertToDouble()));
    scalars.push_back(
        f32Constant(rewriter, loc, op.getMaskFill() ? op.getMaskFill()->convertToDouble() : 0.0));
    auto call = MicrokernelOp::create(
        rewriter, loc, TypeRange{resultType}, rewriter.getStringAttr("llmc_mk_attention_f32"),
        ValueRange{query, keys, values, mask ? mask : query}, ValueRange{init}, scalars);
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

} // namespace

void populateLanguageModelPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearToKernel, MatmulToKernel, IntegerMatmulToKernel, IntegerConvToGemm,
               BiasEpilogueToKernel, ActivationEpilogueToKernel<ReluOp>,
               ActivationEpilogueToKernel<GeluOp>, EmbeddingToKernel, RopeToKernel,
               CacheWriteToInsertSlice, CachedAttentionToKernel, AttentionToKernel>(
      patterns.getContext());
}

} // namespace llmc::llm::lowering
