//===- LLMToLinalg.cpp - The convert-llm-to-linalg pass and shared helpers --===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"
#include "dialects/llm/Conversion/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace llmc::llm {
#define GEN_PASS_DEF_CONVERTLLMTOLINALGPASS
#include "dialects/llm/Conversion/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;

namespace llmc::llm::lowering {

SmallVector<Value> dynamicSizesOf(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<Value> sizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      sizes.push_back(tensor::DimOp::create(b, loc, value, dim));
  return sizes;
}

SmallVector<Value> broadcastDynamicSizes(OpBuilder &b, Location loc, RankedTensorType resultType,
                                         ValueRange operands) {
  SmallVector<Value> sizes;
  int64_t rank = resultType.getRank();
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (!resultType.isDynamicDim(dim))
      continue;
    Value size;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t aligned = dim - (rank - type.getRank());
      if (aligned < 0 || type.getDimSize(aligned) == 1)
        continue;
      size = tensor::DimOp::create(b, loc, operand, aligned);
      break;
    }
    // Every operand has size 1 there: the result does too.
    if (!size)
      size = arith::ConstantIndexOp::create(b, loc, 1);
    sizes.push_back(size);
  }
  return sizes;
}

Value createInit(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes,
                 Value fill) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamicSizes);
  if (!fill)
    return empty;
  return linalg::FillOp::create(b, loc, ValueRange{fill}, ValueRange{empty}).getResult(0);
}

AffineMap broadcastMap(MLIRContext *context, RankedTensorType operandType, int64_t resultRank) {
  SmallVector<AffineExpr> exprs;
  int64_t offset = resultRank - operandType.getRank();
  for (int64_t dim = 0; dim < operandType.getRank(); ++dim)
    exprs.push_back(operandType.getDimSize(dim) == 1 ? getAffineConstantExpr(0, context)
                                                     : getAffineDimExpr(dim + offset, context));
  return AffineMap::get(resultRank, 0, exprs, context);
}

SmallVector<utils::IteratorType> parallelIterators(int64_t count) {
  return SmallVector<utils::IteratorType>(count, utils::IteratorType::parallel);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  // Through 64 bits, so that unsigned values above the signed range and negative values of
  // unsigned types (which wrap) never meet APInt's range checks.
  uint64_t bits = value < 0 ? uint64_t(int64_t(std::max(value, -0x1p63)))
                            : (value >= 0x1p64 ? ~uint64_t(0) : uint64_t(value));
  APInt number(64, bits);
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, width < 64 ? number.trunc(width) : number));
}

Value lowestValue(OpBuilder &b, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(), true)));
  unsigned width = type.getIntOrFloatBitWidth();
  bool isUnsigned = width == 1 || type.isUnsignedInteger();
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(type, isUnsigned ? APInt::getZero(width) : APInt::getSignedMinValue(width)));
}

Value highestValue(OpBuilder &b, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics())));
  unsigned width = type.getIntOrFloatBitWidth();
  bool isUnsigned = width == 1 || type.isUnsignedInteger();
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(type, isUnsigned
                                                              ? APInt::getAllOnes(width)
                                                              : APInt::getSignedMaxValue(width)));
}

arith::CmpIPredicate integerPredicate(arith::CmpIPredicate predicate, Type type) {
  if (!type.isUnsignedInteger())
    return predicate;
  switch (predicate) {
  case arith::CmpIPredicate::slt:
    return arith::CmpIPredicate::ult;
  case arith::CmpIPredicate::sle:
    return arith::CmpIPredicate::ule;
  case arith::CmpIPredicate::sgt:
    return arith::CmpIPredicate::ugt;
  case arith::CmpIPredicate::sge:
    return arith::CmpIPredicate::uge;
  default:
    return predicate;
  }
}

namespace {

/// Float to integer with saturation: NaN gives 0 and values beyond the integer range give its
/// bound, so that no input reaches the poison of fptosi/fptoui.
Value saturatingFloatToInteger(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  unsigned width = to.getIntOrFloatBitWidth();
  bool isUnsigned = to.isUnsignedInteger();
  Value converted = isUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, value))
                               : Value(arith::FPToSIOp::create(b, loc, to, value));
  // The bounds are powers of two, exact in every float type wide enough to hold them (and
  // infinity in the others, which then only an infinite input reaches).
  double lowest = isUnsigned ? 0.0 : -std::ldexp(1.0, int(width) - 1);
  double pastHighest = std::ldexp(1.0, int(width) - (isUnsigned ? 0 : 1));
  Value tooLow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, value,
                                       scalarConstant(b, loc, from, lowest));
  Value tooHigh = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, value,
                                        scalarConstant(b, loc, from, pastHighest));
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
  Value result = arith::SelectOp::create(b, loc, tooLow, lowestValue(b, loc, to), converted);
  result = arith::SelectOp::create(b, loc, tooHigh, highestValue(b, loc, to), result);
  return arith::SelectOp::create(b, loc, isNaN, scalarConstant(b, loc, to, 0.0), result);
}

} // namespace

Value convertScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() == toFloat.getWidth()) // f16 <-> bf16, through f32
      return arith::TruncFOp::create(b, loc, to,
                                     arith::ExtFOp::create(b, loc, b.getF32Type(), value));
    return fromFloat.getWidth() < toFloat.getWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, value))
               : Value(arith::TruncFOp::create(b, loc, to, value));
  }
  if (fromFloat) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   scalarConstant(b, loc, from, 0.0));
    return saturatingFloatToInteger(b, loc, value, to);
  }
  // Bools and unsigned integers extend with zeros, signless (signed) integers with the sign.
  bool fromUnsigned = from.isInteger(1) || from.isUnsignedInteger();
  if (toFloat)
    return fromUnsigned ? Value(arith::UIToFPOp::create(b, loc, to, value))
                        : Value(arith::SIToFPOp::create(b, loc, to, value));
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (toWidth == 1)
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalarConstant(b, loc, from, 0.0));
  if (fromWidth < toWidth)
    return fromUnsigned ? Value(arith::ExtUIOp::create(b, loc, to, value))
                        : Value(arith::ExtSIOp::create(b, loc, to, value));
  if (fromWidth == toWidth) // only the signedness changes: the bits stay
    return arith::BitcastOp::create(b, loc, to, value);
  return arith::TruncIOp::create(b, loc, to, value);
}

Value combineScalars(OpBuilder &b, Location loc, Combine kind, Value lhs, Value rhs) {
  Type type = lhs.getType();
  if (isa<FloatType>(type)) {
    switch (kind) {
    case Combine::Add:
      return arith::AddFOp::create(b, loc, lhs, rhs);
    case Combine::Sub:
      return arith::SubFOp::create(b, loc, lhs, rhs);
    case Combine::Mul:
      return arith::MulFOp::create(b, loc, lhs, rhs);
    case Combine::Div:
      return arith::DivFOp::create(b, loc, lhs, rhs);
    case Combine::Max:
      return arith::MaximumFOp::create(b, loc, lhs, rhs);
    case Combine::Min:
      return arith::MinimumFOp::create(b, loc, lhs, rhs);
    case Combine::Pow:
      return math::PowFOp::create(b, loc, lhs, rhs);
    default:
      llvm_unreachable("logical combines take integers");
    }
  }
  switch (kind) {
  case Combine::Add:
    return arith::AddIOp::create(b, loc, lhs, rhs);
  case Combine::Sub:
    return arith::SubIOp::create(b, loc, lhs, rhs);
  case Combine::Mul:
    return arith::MulIOp::create(b, loc, lhs, rhs);
  case Combine::Div: {
    if (type.isUnsignedInteger()) {
      // x / 0 -> 0; unsigned division has no other trapping case.
      Value zero = scalarConstant(b, loc, type, 0.0);
      Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, zero);
      Value safeDivisor =
          arith::SelectOp::create(b, loc, isZero, scalarConstant(b, loc, type, 1.0), rhs);
      return arith::SelectOp::create(b, loc, isZero, zero,
                                     arith::DivUIOp::create(b, loc, lhs, safeDivisor));
    }
    // x / 0 -> 0 and x / -1 -> -x (wrapping), so that no input makes the division trap.
    Value zero = scalarConstant(b, loc, type, 0.0), minusOne = scalarConstant(b, loc, type, -1.0);
    Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, zero);
    Value isMinusOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, minusOne);
    Value safeDivisor =
        arith::SelectOp::create(b, loc, arith::OrIOp::create(b, loc, isZero, isMinusOne),
                                scalarConstant(b, loc, type, 1.0), rhs);
    Value quotient = arith::DivSIOp::create(b, loc, lhs, safeDivisor);
    Value negated = arith::SubIOp::create(b, loc, zero, lhs);
    return arith::SelectOp::create(b, loc, isZero, zero,
                                   arith::SelectOp::create(b, loc, isMinusOne, negated, quotient));
  }
  case Combine::Max:
    if (type.isUnsignedInteger())
      return arith::MaxUIOp::create(b, loc, lhs, rhs);
    return arith::MaxSIOp::create(b, loc, lhs, rhs);
  case Combine::Min:
    if (type.isUnsignedInteger())
      return arith::MinUIOp::create(b, loc, lhs, rhs);
    return arith::MinSIOp::create(b, loc, lhs, rhs);
  case Combine::Pow:
    return math::IPowIOp::create(b, loc, lhs, rhs);
  case Combine::And:
    return arith::AndIOp::create(b, loc, lhs, rhs);
  case Combine::Or:
    return arith::OrIOp::create(b, loc, lhs, rhs);
  case Combine::Xor:
    return arith::XOrIOp::create(b, loc, lhs, rhs);
  }
  llvm_unreachable("unknown combine kind");
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Combine kind) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type element = inputType.getElementType();
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  SmallVector<AffineExpr> outputExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (llvm::is_contained(axes, dim)) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    shape.push_back(inputType.getDimSize(dim));
    if (inputType.isDynamicDim(dim))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, dim));
    outputExprs.push_back(b.getAffineDimExpr(dim));
  }
  Value identity;
  switch (kind) {
  case Combine::Add:
    identity = scalarConstant(b, loc, element, 0.0);
    break;
  case Combine::Mul:
    identity = scalarConstant(b, loc, element, 1.0);
    break;
  case Combine::Max:
    identity = lowestValue(b, loc, element);
    break;
  default:
    identity = highestValue(b, loc, element);
    break;
  }
  auto resultType = RankedTensorType::get(shape, element);
  Value init = createInit(b, loc, resultType, dynamicSizes, identity);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, outputExprs, b.getContext())};
  return linalg::GenericOp::create(b, loc, resultType, input, init, maps, iterators,
                                   [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                                     linalg::YieldOp::create(
                                         nested, nestedLoc,
                                         combineScalars(nested, nestedLoc, kind, args[1], args[0]));
                                   })
      .getResult(0);
}

Value expandUnitDims(OpBuilder &b, Location loc, Value value, RankedTensorType resultType,
                     ArrayRef<int64_t> axes) {
  if (axes.empty())
    return value;
  // Group every inserted unit dim with the kept dim after it (or before it, at the end).
  int64_t rank = resultType.getRank();
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t dim = 0; dim < rank; ++dim) {
    pending.push_back(dim);
    if (!llvm::is_contained(axes, dim)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) {
    if (groups.empty())
      // Every dim is a unit dim: a rank-0 value expands with no groups.
      return tensor::ExpandShapeOp::create(b, loc, resultType, value,
                                           ArrayRef<ReassociationIndices>{});
    groups.back().append(pending.begin(), pending.end());
  }
  return tensor::ExpandShapeOp::create(b, loc, resultType, value, groups);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(b.getContext(), cast<RankedTensorType>(input.getType()), rank));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = createInit(b, loc, resultType, broadcastDynamicSizes(b, loc, resultType, inputs));
  return linalg::GenericOp::create(
             b, loc, resultType, inputs, init, maps, parallelIterators(rank),
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(nested, nestedLoc, fn(nested, nestedLoc, args.drop_back()));
             })
      .getResult(0);
}

Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

SmallVector<Value> unfoldScalars(OpBuilder &b, Location loc, int64_t channels, int64_t h, int64_t w,
                                 int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                 ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                                 ArrayRef<int64_t> pads) {
  SmallVector<Value> scalars;
  for (int64_t value : {channels, h, w, kh, kw, oh, ow, strides[0], strides[1], dilations[0],
                        dilations[1], pads[0], pads[1]})
    scalars.push_back(i64Constant(b, loc, value));
  return scalars;
}

Value dimI64(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(type.getDimSize(dim)));
  return arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                    tensor::DimOp::create(b, loc, tensor, dim));
}

Value productI64(OpBuilder &b, Location loc, Value tensor, int64_t begin, int64_t end) {
  Value product = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1));
  for (int64_t dim = begin; dim < end; ++dim)
    product = arith::MulIOp::create(b, loc, product, dimI64(b, loc, tensor, dim));
  return product;
}

void replaceWithKernel(PatternRewriter &rewriter, Operation *op, StringRef kernel, Value sizedLike,
                       ValueRange inputs, ValueRange scalars) {
  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> sizes;
  for (int64_t dim = 0; dim < resultType.getRank(); ++dim)
    if (resultType.isDynamicDim(dim))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, sizedLike, dim));
  Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                       resultType.getElementType(), sizes);
  auto call =
      MicrokernelOp::create(rewriter, loc, TypeRange{resultType}, rewriter.getStringAttr(kernel),
                            inputs, ValueRange{init}, scalars);
  rewriter.replaceOp(op, call.getResults());
}

ActivationEpilogue activationEpilogue(Operation *op) {
  if (!op->hasOneUse())
    return {};
  Operation *user = *op->user_begin();
  if (!isa<ReluOp, GeluOp>(user) || user->getResult(0).getType() != op->getResult(0).getType() ||
      !getElementTypeOrSelf(user->getResult(0).getType()).isF32())
    return {};
  if (isa<ReluOp>(user))
    return {user, kGemmEpilogueRelu};
  return {user,
          cast<GeluOp>(user).getTanhApproximation() ? kGemmEpilogueGeluTanh : kGemmEpilogueGelu};
}

} // namespace llmc::llm::lowering

void llmc::llm::populateLLMToLinalgPatterns(RewritePatternSet &patterns) {
  lowering::populateIntegerPatterns(patterns);
  lowering::populateElementwisePatterns(patterns);
  lowering::populateStructuredPatterns(patterns);
  lowering::populateReductionPatterns(patterns);
  lowering::populateDataMovementPatterns(patterns);
  lowering::populateDataDependentPatterns(patterns);
  lowering::populateIndexingPatterns(patterns);
  lowering::populateDynamicShapePatterns(patterns);
  lowering::populateImagePatterns(patterns);
  lowering::populateSignalPatterns(patterns);
  lowering::populateLanguageModelPatterns(patterns);
}

namespace {

/// The llm dialect keeps unsigned integer types (`ui8`, ...) and quantized types so that its ops
/// know what they compute; the patterns read that from the scalar types they build on. Below
/// the llm dialect, arith and LLVM know only signless integers, so the pass ends by rewriting
/// every unsigned and quantized element type into the signless integer of its width, in
/// function signatures, block arguments, results and constants alike. The casts the patterns
/// put between a quantized tensor and its stored integers become identities and go.
void makeIntegersSignless(Operation *root) {
  AttrTypeReplacer replacer;
  replacer.addReplacement([](IntegerType type) -> std::optional<Type> {
    if (type.isSignless())
      return std::nullopt;
    return IntegerType::get(type.getContext(), type.getWidth());
  });
  replacer.addReplacement([](quant::QuantizedType type) -> std::optional<Type> {
    return IntegerType::get(type.getContext(), type.getStorageTypeIntegralWidth());
  });
  // Dense constants keep their bytes; only their element type loses the sign.
  replacer.addReplacement([](DenseIntOrFPElementsAttr attr) -> std::optional<Attribute> {
    auto integer = dyn_cast<IntegerType>(attr.getElementType());
    if (!integer || integer.isSignless())
      return std::nullopt;
    return attr.bitcast(IntegerType::get(attr.getContext(), integer.getWidth()));
  });
  // Block-quantized tensors become the bytes of their rows: N x K values in a ggml format are
  // N rows of K / block_elements * block_bytes bytes, the layout the kernels read.
  replacer.addReplacement([](RankedTensorType type) -> std::optional<Type> {
    auto block = dyn_cast<llmc::llm::GGMLBlockType>(type.getElementType());
    if (!block || type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1))
      return std::nullopt;
    SmallVector<int64_t> shape(type.getShape());
    shape.back() = block.getRowBytes(shape.back());
    return RankedTensorType::get(shape, IntegerType::get(type.getContext(), 8));
  });
  replacer.addReplacement([&](DenseResourceElementsAttr attr) -> std::optional<Attribute> {
    auto type = dyn_cast<RankedTensorType>(attr.getType());
    if (!type || !isa<llmc::llm::GGMLBlockType>(type.getElementType()))
      return std::nullopt;
    return DenseResourceElementsAttr::get(cast<ShapedType>(replacer.replace(type)),
                                          attr.getRawHandle());
  });
  replacer.recursivelyReplaceElementsIn(root, /*replaceAttrs=*/true, /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  root->walk([](UnrealizedConversionCastOp cast) {
    if (cast->getNumOperands() == 1 && cast->getNumResults() == 1 &&
        cast->getOperand(0).getType() == cast->getResult(0).getType()) {
      cast->getResult(0).replaceAllUsesWith(cast->getOperand(0));
      cast->erase();
    }
  });
  root->walk([](arith::BitcastOp cast) {
    if (cast.getIn().getType() == cast.getType()) {
      cast.getResult().replaceAllUsesWith(cast.getIn());
      cast->erase();
    }
  });
}

struct ConvertLLMToLinalgPass
    : llmc::llm::impl::ConvertLLMToLinalgPassBase<ConvertLLMToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    llmc::llm::populateLLMToLinalgPatterns(patterns);
    // Each pattern replaces its op with ops of other dialects, so a walk over the ops that are
    // left after the driver finds exactly what could not be lowered.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    bool leftOver = false;
    getOperation().walk([&](Operation *op) {
      // Microkernel calls are what some ops lower to; they stay until after bufferization.
      if (!isa<llmc::llm::LLMDialect>(op->getDialect()) || isa<llmc::llm::MicrokernelOp>(op))
        return;
      op->emitOpError() << "cannot be lowered to linalg: no lowering for operand types "
                        << op->getOperandTypes() << " and result types " << op->getResultTypes();
      leftOver = true;
    });
    if (leftOver)
      return signalPassFailure();
    makeIntegersSignless(getOperation());
  }
};

} // namespace
