//===- LLMFolders.cpp - Folders and canonicalization patterns of llm ops ----===//
#include "dialects/llm/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace llmc::llm;

namespace {

/// True when `value` is a constant splat equal to `number` (float or integer).
bool isSplatOf(Value value, double number) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return false;
  auto splat = dyn_cast<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type element = splat.getElementType();
  if (isa<FloatType>(element))
    return splat.getSplatValue<APFloat>().isExactlyValue(number);
  if (isa<IntegerType>(element)) {
    if (double(int64_t(number)) != number)
      return false;
    APInt value = splat.getSplatValue<APInt>();
    if (element.isUnsignedInteger())
      return number >= 0 && value.getActiveBits() <= 64 && value.getZExtValue() == uint64_t(number);
    return value.getSignificantBits() <= 64 && value.getSExtValue() == int64_t(number);
  }
  return false;
}

/// Evaluates `function` in double precision and rounds back to the operand's format. Used only
/// for operations that are correctly rounded in double (sqrt, division), so the result matches
/// what the compiled code computes in the operand's own precision.
APFloat applyInDouble(const APFloat &value, double (*function)(double)) {
  bool losesInfo = false;
  APFloat wide = value;
  wide.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
  APFloat result(function(wide.convertToDouble()));
  result.convert(value.getSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
  return result;
}

/// Folds a binary op whose operands are constants of the result's type; broadcasting folds are
/// left to the lowering, which sees the same data without a copy.
template <typename OpTy, typename Compute>
OpFoldResult foldBinaryConstants(OpTy op, typename OpTy::FoldAdaptor adaptor, Compute compute) {
  Type resultType = op.getType();
  if (op.getLhs().getType() != resultType || op.getRhs().getType() != resultType)
    return {};
  return constFoldBinaryOp<FloatAttr, APFloat, void>(adaptor.getOperands(), compute);
}

/// The same for small integer constants, with broadcasting: the shape arithmetic exporters
/// leave in graphs (`rank - axis`, ...), folded so that the shapes become constants.
/// Applies `compute` to every pair of elements of two small constants (APInt or APFloat
/// elements, `Element`), broadcast with NumPy rules to `resultType`'s shape; `compute` gives
/// the result's elements as `Result` (APInt, or bool for comparisons).
template <typename AttrTy, typename Element, typename Result, typename Compute>
OpFoldResult foldBroadcastPairs(RankedTensorType resultType, AttrTy lhs, AttrTy rhs,
                                Compute compute) {
  auto left = llvm::to_vector(lhs.template getValues<Element>());
  auto right = llvm::to_vector(rhs.template getValues<Element>());
  ArrayRef<int64_t> shape = resultType.getShape();
  // Reads an operand at a result position with NumPy broadcasting.
  auto at = [&](AttrTy attr, ArrayRef<Element> values, ArrayRef<int64_t> index) {
    ArrayRef<int64_t> operandShape = cast<ShapedType>(attr.getType()).getShape();
    int64_t linear = 0, offset = int64_t(shape.size() - operandShape.size());
    for (size_t d = 0; d < operandShape.size(); ++d)
      linear = linear * operandShape[d] + (operandShape[d] == 1 ? 0 : index[d + offset]);
    return values[linear];
  };
  SmallVector<Result> results;
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < resultType.getNumElements(); ++n) {
    results.push_back(compute(at(lhs, left, index), at(rhs, right, index)));
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0 && ++index[d] == shape[d]; --d)
      index[d] = 0;
  }
  return DenseElementsAttr::get(resultType, results);
}

/// True when `type` is static and small enough for folding element by element.
bool isFoldableSize(RankedTensorType type) {
  return type && type.hasStaticShape() && type.getNumElements() <= 4096;
}

/// A constant of `type` whose element at each index is the element of `input` at the linear
/// position `source(index)` gives: the data movement of slices and transposes.
DenseElementsAttr gatherElements(DenseElementsAttr input, RankedTensorType type,
                                 function_ref<int64_t(ArrayRef<int64_t>)> source) {
  SmallVector<Attribute> values(input.getValues<Attribute>());
  SmallVector<Attribute> elements;
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < type.getNumElements(); ++n) {
    elements.push_back(values[source(index)]);
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0 && ++index[d] == shape[d]; --d)
      index[d] = 0;
  }
  return DenseElementsAttr::get(type, elements);
}

template <typename OpTy, typename Compute>
OpFoldResult foldIntegerConstants(OpTy op, typename OpTy::FoldAdaptor adaptor, Compute compute) {
  auto resultType = dyn_cast<RankedTensorType>(op.getType());
  auto lhs = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getLhs());
  auto rhs = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getRhs());
  if (!isFoldableSize(resultType) || !lhs || !rhs ||
      !isa<IntegerType>(resultType.getElementType()) ||
      lhs.getElementType() != resultType.getElementType() ||
      rhs.getElementType() != resultType.getElementType())
    return {};
  return foldBroadcastPairs<DenseIntElementsAttr, APInt, APInt>(resultType, lhs, rhs, compute);
}

/// Folds a comparison of two small constants of the same element type: the conditions that
/// exporters compute from shapes (`rank == 2`, `dim == 1`), so that the Ifs on them fold.
template <typename OpTy>
OpFoldResult
foldComparison(OpTy op, typename OpTy::FoldAdaptor adaptor, arith::CmpIPredicate signedPredicate,
               arith::CmpIPredicate unsignedPredicate, arith::CmpFPredicate floatPredicate) {
  auto resultType = dyn_cast<RankedTensorType>(op.getType());
  auto lhs = dyn_cast_or_null<DenseElementsAttr>(adaptor.getLhs());
  auto rhs = dyn_cast_or_null<DenseElementsAttr>(adaptor.getRhs());
  if (!isFoldableSize(resultType) || !resultType.getElementType().isInteger(1) || !lhs || !rhs ||
      lhs.getElementType() != rhs.getElementType())
    return {};
  Type element = lhs.getElementType();
  if (auto integer = dyn_cast<IntegerType>(element)) {
    // Bools compare as 0 and 1.
    arith::CmpIPredicate predicate =
        integer.isUnsigned() || integer.getWidth() == 1 ? unsignedPredicate : signedPredicate;
    return foldBroadcastPairs<DenseIntElementsAttr, APInt, bool>(
        resultType, cast<DenseIntElementsAttr>(lhs), cast<DenseIntElementsAttr>(rhs),
        [&](const APInt &a, const APInt &b) { return arith::applyCmpPredicate(predicate, a, b); });
  }
  if (isa<FloatType>(element))
    return foldBroadcastPairs<DenseFPElementsAttr, APFloat, bool>(
        resultType, cast<DenseFPElementsAttr>(lhs), cast<DenseFPElementsAttr>(rhs),
        [&](const APFloat &a, const APFloat &b) {
          return arith::applyCmpPredicate(floatPredicate, a, b);
        });
  return {};
}

/// Integer arithmetic as the lowering computes it: unsigned element types divide and compare
/// as unsigned, division by zero gives 0 and signed overflow wraps.
enum class IntegerKind { Add, Mul, Div, Max, Min };

APInt combineIntegers(IntegerKind kind, const APInt &a, const APInt &b, bool isUnsigned) {
  switch (kind) {
  case IntegerKind::Add:
    return a + b;
  case IntegerKind::Mul:
    return a * b;
  case IntegerKind::Div:
    if (b.isZero())
      return APInt::getZero(a.getBitWidth());
    if (isUnsigned)
      return a.udiv(b);
    return b.isAllOnes() ? -a : a.sdiv(b);
  case IntegerKind::Max:
    return (isUnsigned ? a.uge(b) : a.sge(b)) ? a : b;
  case IntegerKind::Min:
    return (isUnsigned ? a.ule(b) : a.sle(b)) ? a : b;
  }
  llvm_unreachable("unknown integer combine");
}

template <typename OpTy>
OpFoldResult foldIntegers(OpTy op, typename OpTy::FoldAdaptor adaptor, IntegerKind kind) {
  bool isUnsigned = getElementTypeOrSelf(op.getType()).isUnsignedInteger();
  return foldIntegerConstants(op, adaptor, [&](const APInt &a, const APInt &b) {
    return combineIntegers(kind, a, b, isUnsigned);
  });
}

/// `x op identity -> x` when no broadcast changes the type.
template <typename OpTy> OpFoldResult foldRightIdentity(OpTy op, double identity) {
  if (op.getLhs().getType() == op.getType() && isSplatOf(op.getRhs(), identity))
    return op.getLhs();
  return {};
}

} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, 0.0))
    return identity;
  if (getRhs().getType() == getType() && isSplatOf(getLhs(), 0.0))
    return getRhs();
  if (OpFoldResult folded = foldIntegers(*this, adaptor, IntegerKind::Add))
    return folded;
  return foldBinaryConstants(*this, adaptor,
                             [](const APFloat &a, const APFloat &b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, 0.0))
    return identity;
  if (OpFoldResult folded = foldIntegerConstants(
          *this, adaptor, [](const APInt &a, const APInt &b) { return a - b; }))
    return folded;
  return foldBinaryConstants(*this, adaptor,
                             [](const APFloat &a, const APFloat &b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, 1.0))
    return identity;
  if (getRhs().getType() == getType() && isSplatOf(getLhs(), 1.0))
    return getRhs();
  if (OpFoldResult folded = foldIntegers(*this, adaptor, IntegerKind::Mul))
    return folded;
  return foldBinaryConstants(*this, adaptor,
                             [](const APFloat &a, const APFloat &b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult identity = foldRightIdentity(*this, 1.0))
    return identity;
  if (OpFoldResult folded = foldIntegers(*this, adaptor, IntegerKind::Div))
    return folded;
  return foldBinaryConstants(*this, adaptor,
                             [](const APFloat &a, const APFloat &b) { return a / b; });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  if (OpFoldResult folded = foldIntegers(*this, adaptor, IntegerKind::Max))
    return folded;
  return foldBinaryConstants(
      *this, adaptor, [](const APFloat &a, const APFloat &b) { return llvm::maximum(a, b); });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  if (OpFoldResult folded = foldIntegers(*this, adaptor, IntegerKind::Min))
    return folded;
  return foldBinaryConstants(
      *this, adaptor, [](const APFloat &a, const APFloat &b) { return llvm::minimum(a, b); });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) { return foldRightIdentity(*this, 1.0); }

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  if (isa<FloatType>(getType().getElementType()))
    return constFoldUnaryOp<FloatAttr, APFloat, void>(adaptor.getOperands(),
                                                      [](const APFloat &a) { return -a; });
  // Exporters negate integer axes and counts (`-axis`); folding them keeps shapes constant.
  if (isa<IntegerType>(getType().getElementType()))
    return constFoldUnaryOp<IntegerAttr, APInt, void>(adaptor.getOperands(),
                                                      [](const APInt &a) { return -a; });
  return {};
}

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  if (!isa<FloatType>(getType().getElementType()))
    return {};
  return constFoldUnaryOp<FloatAttr, APFloat, void>(adaptor.getOperands(), [](const APFloat &a) {
    return applyInDouble(a, [](double x) { return std::sqrt(x); });
  });
}

OpFoldResult RsqrtOp::fold(FoldAdaptor adaptor) {
  if (!isa<FloatType>(getType().getElementType()))
    return {};
  return constFoldUnaryOp<FloatAttr, APFloat, void>(adaptor.getOperands(), [](const APFloat &a) {
    return applyInDouble(a, [](double x) { return 1.0 / std::sqrt(x); });
  });
}

OpFoldResult ReciprocalOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<ReciprocalOp>())
    return inner.getInput();
  // The float folds would misread integer constants.
  if (!isa<FloatType>(getType().getElementType()))
    return {};
  return constFoldUnaryOp<FloatAttr, APFloat, void>(adaptor.getOperands(), [](const APFloat &a) {
    APFloat one(a.getSemantics(), 1);
    one.divide(a, APFloat::rmNearestTiesToEven);
    return one;
  });
}

OpFoldResult ReluOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<ReluOp>())
    return inner.getResult();
  // The float folds would misread integer constants.
  if (!isa<FloatType>(getType().getElementType()))
    return {};
  return constFoldUnaryOp<FloatAttr, APFloat, void>(adaptor.getOperands(), [](const APFloat &a) {
    return a.isNegative() && !a.isNaN() ? APFloat::getZero(a.getSemantics()) : a;
  });
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // Small integer and bool constants convert at compile time, as the lowering converts them:
  // to a bool, any nonzero value is true; wider integers extend by the source's signedness
  // (a bool as 0 or 1), narrower ones keep their low bits.
  auto resultType = dyn_cast<RankedTensorType>(getType());
  auto input = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getInput());
  auto target = resultType ? dyn_cast<IntegerType>(resultType.getElementType()) : IntegerType();
  if (!isFoldableSize(resultType) || !input || !target)
    return {};
  auto source = cast<IntegerType>(input.getElementType());
  bool zeroExtend = source.isUnsigned() || source.getWidth() == 1;
  if (target.getWidth() == 1) {
    SmallVector<bool> bools;
    for (const APInt &value : input.getValues<APInt>())
      bools.push_back(!value.isZero());
    return DenseElementsAttr::get(resultType, bools);
  }
  SmallVector<APInt> results;
  for (const APInt &value : input.getValues<APInt>())
    results.push_back(zeroExtend ? value.zextOrTrunc(target.getWidth())
                                 : value.sextOrTrunc(target.getWidth()));
  return DenseElementsAttr::get(resultType, results);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// A reduction over no axes is the identity.
template <typename OpTy> static OpFoldResult foldEmptyReduction(OpTy op) {
  if (op.getAxes().empty() && op.getInput().getType() == op.getType())
    return op.getInput();
  return {};
}

OpFoldResult ReduceSumOp::fold(FoldAdaptor) { return foldEmptyReduction(*this); }
OpFoldResult ReduceMeanOp::fold(FoldAdaptor) { return foldEmptyReduction(*this); }
OpFoldResult ReduceMaxOp::fold(FoldAdaptor) { return foldEmptyReduction(*this); }
OpFoldResult ReduceMinOp::fold(FoldAdaptor) { return foldEmptyReduction(*this); }
OpFoldResult ReduceProdOp::fold(FoldAdaptor) { return foldEmptyReduction(*this); }

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> permutation = getPermutation();
  if (llvm::all_of(llvm::enumerate(permutation),
                   [](auto entry) { return int64_t(entry.index()) == entry.value(); }) &&
      getInput().getType() == getType())
    return getInput();
  // Small constants, such as the pads matrix exporters transpose into ONNX's order.
  auto constant = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  RankedTensorType type = getType();
  if (!constant || !isFoldableSize(type))
    return {};
  ArrayRef<int64_t> inputShape = constant.getType().getShape();
  return gatherElements(constant, type, [&](ArrayRef<int64_t> index) {
    SmallVector<int64_t> source(index.size());
    for (size_t d = 0; d < index.size(); ++d)
      source[permutation[d]] = index[d];
    int64_t linear = 0;
    for (size_t d = 0; d < source.size(); ++d)
      linear = linear * inputShape[d] + source[d];
    return linear;
  });
}

namespace {

/// `transpose(transpose(x, inner), outer) -> transpose(x, inner[outer[i]])`.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "input is not a transpose");
    SmallVector<int64_t> composed;
    for (int64_t dim : op.getPermutation())
      composed.push_back(inner.getPermutation()[dim]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getInput(),
                                             rewriter.getDenseI64ArrayAttr(composed));
    return success();
  }
};

} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<ComposeTransposes>(context);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  // A run-time shape decides the result; only a static reshape folds.
  if (getShape())
    return {};
  if (getInput().getType() == getType())
    return getInput();
  // Only the last reshape of a chain matters.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto constant = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return constant.reshape(getType());
  return {};
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  // Small constant vectors (shapes built by exporters) join into one constant.
  RankedTensorType type = getType();
  if (type.getRank() != 1 || !type.hasStaticShape() || type.getNumElements() > 4096)
    return {};
  SmallVector<Attribute> elements;
  for (Attribute input : adaptor.getInputs()) {
    auto constant = dyn_cast_or_null<DenseElementsAttr>(input);
    if (!constant)
      return {};
    llvm::append_range(elements, constant.getValues<Attribute>());
  }
  return DenseElementsAttr::get(type, elements);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  // Small constants (shapes and pads built by exporters, reversed with negative steps).
  auto constant = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  RankedTensorType type = getType();
  if (!constant || !isFoldableSize(type))
    return {};
  ArrayRef<int64_t> inputShape = constant.getType().getShape();
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  return gatherElements(constant, type, [&](ArrayRef<int64_t> index) {
    int64_t linear = 0;
    for (size_t d = 0; d < index.size(); ++d)
      linear = linear * inputShape[d] + starts[d] + index[d] * steps[d];
    return linear;
  });
}

//===----------------------------------------------------------------------===//
// Logic
//===----------------------------------------------------------------------===//

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() && getLhs().getType() == getType())
    return getLhs();
  return foldIntegerConstants(*this, adaptor, [](const APInt &a, const APInt &b) { return a & b; });
}

OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() && getLhs().getType() == getType())
    return getLhs();
  return foldIntegerConstants(*this, adaptor, [](const APInt &a, const APInt &b) { return a | b; });
}

OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NotOp>())
    return inner.getInput();
  auto input = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getInput());
  if (!input || !isFoldableSize(dyn_cast<RankedTensorType>(getType())))
    return {};
  return input.mapValues(input.getElementType(), [](const APInt &value) { return ~value; });
}

#define LLMC_COMPARISON_FOLDER(OpName, Signed, Unsigned, Float)                                    \
  OpFoldResult OpName::fold(FoldAdaptor adaptor) {                                                 \
    return foldComparison(*this, adaptor, arith::CmpIPredicate::Signed,                            \
                          arith::CmpIPredicate::Unsigned, arith::CmpFPredicate::Float);            \
  }
LLMC_COMPARISON_FOLDER(EqualOp, eq, eq, OEQ)
LLMC_COMPARISON_FOLDER(NotEqualOp, ne, ne, UNE)
LLMC_COMPARISON_FOLDER(LessOp, slt, ult, OLT)
LLMC_COMPARISON_FOLDER(LessEqualOp, sle, ule, OLE)
LLMC_COMPARISON_FOLDER(GreaterOp, sgt, ugt, OGT)
LLMC_COMPARISON_FOLDER(GreaterEqualOp, sge, uge, OGE)
#undef LLMC_COMPARISON_FOLDER

OpFoldResult XorOp::fold(FoldAdaptor) { return foldRightIdentity(*this, 0.0); }
