//===- LLMToLinalg.cpp - The convert-llm-to-linalg pass and shared helpers --===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"
#include "dialects/llm/Conversion/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, int64_t(value)));
}

Value lowestValue(OpBuilder &b, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(), true)));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, width == 1 ? APInt(1, 0) : APInt::getSignedMinValue(width)));
}

Value highestValue(OpBuilder &b, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics())));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, width == 1 ? APInt(1, 1) : APInt::getSignedMaxValue(width)));
}

Value convertScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, value))
               : Value(arith::TruncFOp::create(b, loc, to, value));
  if (fromFloat) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   scalarConstant(b, loc, from, 0.0));
    return arith::FPToSIOp::create(b, loc, to, value);
  }
  if (toFloat)
    return from.isInteger(1) ? Value(arith::UIToFPOp::create(b, loc, to, value))
                             : Value(arith::SIToFPOp::create(b, loc, to, value));
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (toWidth == 1)
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalarConstant(b, loc, from, 0.0));
  if (fromWidth < toWidth)
    return fromWidth == 1 ? Value(arith::ExtUIOp::create(b, loc, to, value))
                          : Value(arith::ExtSIOp::create(b, loc, to, value));
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
    return arith::MaxSIOp::create(b, loc, lhs, rhs);
  case Combine::Min:
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

} // namespace llmc::llm::lowering

void llmc::llm::populateLLMToLinalgPatterns(RewritePatternSet &patterns) {
  lowering::populateElementwisePatterns(patterns);
  lowering::populateStructuredPatterns(patterns);
  lowering::populateReductionPatterns(patterns);
  lowering::populateDataMovementPatterns(patterns);
  lowering::populateImagePatterns(patterns);
  lowering::populateSignalPatterns(patterns);
}

namespace {

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
      if (!isa<llmc::llm::LLMDialect>(op->getDialect()))
        return;
      op->emitOpError() << "cannot be lowered to linalg: no lowering for operand types "
                        << op->getOperandTypes() << " and result types " << op->getResultTypes();
      leftOver = true;
    });
    if (leftOver)
      signalPassFailure();
  }
};

} // namespace
