//===- LLMIntegerOps.cpp - Shape rules, verifiers and folders of the bit-level ops ---===//
#include "dialects/llm/IR/LLMOpsSupport.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace llmc::llm;
using namespace llmc::llm::detail;

namespace {

template <typename OpTy>
FailureOr<Type> inferShift(std::optional<Location> location, typename OpTy::Adaptor adaptor) {
  RankedTensorType lhs = tensorOf(adaptor.getLhs()), rhs = tensorOf(adaptor.getRhs());
  if (!lhs || !rhs)
    return inferenceError<OpTy>(location, "lhs and rhs must be ranked tensors");
  Type element = lhs.getElementType();
  if (!isa<IntegerType>(element) || element.isInteger(1))
    return inferenceError<OpTy>(location,
                                "expected integer operands, got '" + describe(element) + "'");
  if (rhs.getElementType() != element)
    return inferenceError<OpTy>(location, "element types differ: lhs is '" + describe(element) +
                                              "', rhs '" + describe(rhs.getElementType()) + "'");
  return resultOf<OpTy>(location, shapes::broadcast(lhs.getShape(), rhs.getShape()), element);
}

/// `value << amount` or `value >> amount` with the shift semantics of the llm ops: amounts are
/// unsigned, and amounts of the bit width or more shift every bit out.
APInt shiftBits(const APInt &value, const APInt &amount, bool left, bool isUnsigned) {
  unsigned width = value.getBitWidth();
  bool beyond = amount.uge(width);
  unsigned bits = beyond ? width : unsigned(amount.getZExtValue());
  if (left)
    return beyond ? APInt::getZero(width) : value.shl(bits);
  if (isUnsigned)
    return beyond ? APInt::getZero(width) : value.lshr(bits);
  return value.ashr(std::min(bits, width - 1));
}

/// Folds a shift of two constants of the result's type (no broadcasting: the lowering sees the
/// same data without a copy).
template <typename OpTy>
OpFoldResult foldShift(OpTy op, typename OpTy::FoldAdaptor adaptor, bool left) {
  auto type = dyn_cast<RankedTensorType>(op.getType());
  auto lhs = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getLhs());
  auto rhs = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getRhs());
  // x >> 0 and x << 0 are x.
  if (rhs && rhs.isSplat() && rhs.template getSplatValue<APInt>().isZero() &&
      op.getLhs().getType() == op.getType())
    return op.getLhs();
  if (!type || !lhs || !rhs || lhs.getType() != type || rhs.getType() != type ||
      type.getNumElements() > 4096)
    return {};
  bool isUnsigned = type.getElementType().isUnsignedInteger();
  SmallVector<APInt> results;
  for (auto [value, amount] :
       llvm::zip_equal(lhs.template getValues<APInt>(), rhs.template getValues<APInt>()))
    results.push_back(shiftBits(value, amount, left, isUnsigned));
  return DenseElementsAttr::get(type, results);
}

/// The bit width of an element type a bitcast may read or write; 0 for the others.
unsigned bitcastWidth(Type type) {
  if (auto quantized = dyn_cast<quant::QuantizedType>(type))
    return quantized.getStorageTypeIntegralWidth();
  if (isa<IntegerType, FloatType>(type))
    return type.getIntOrFloatBitWidth();
  return 0;
}

/// A quantized element reinterprets only as an integer (its stored value).
bool quantizedPairIsValid(Type from, Type to) {
  bool fromQuantized = isa<quant::QuantizedType>(from), toQuantized = isa<quant::QuantizedType>(to);
  return !(fromQuantized && !isa<IntegerType>(to)) && !(toQuantized && !isa<IntegerType>(from));
}

} // namespace

LLMC_INFERRED_OP(ShiftLeftOp, inferShift)
LLMC_INFERRED_OP(ShiftRightOp, inferShift)

OpFoldResult ShiftLeftOp::fold(FoldAdaptor adaptor) {
  return foldShift(*this, adaptor, /*left=*/true);
}

OpFoldResult ShiftRightOp::fold(FoldAdaptor adaptor) {
  return foldShift(*this, adaptor, /*left=*/false);
}

LogicalResult BitcastOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  Type from = input.getElementType(), to = result.getElementType();
  unsigned fromWidth = bitcastWidth(from), toWidth = bitcastWidth(to);
  if (!fromWidth || !toWidth)
    return emitOpError() << "expected integer, float or quantized element types, got " << from
                         << " and " << to;
  if (fromWidth != toWidth)
    return emitOpError() << "expected element types of one bit width, got " << from << " ("
                         << fromWidth << " bits) and " << to << " (" << toWidth << " bits)";
  if (!quantizedPairIsValid(from, to))
    return emitOpError() << "a quantized element type is reinterpreted only as an integer, got "
                         << from << " and " << to;
  if (failed(verifyCompatibleShape(input.getShape(), result.getShape())))
    return emitOpError() << "expected the result shape to match the input shape "
                         << shapes::formatShape(input.getShape()) << ", got "
                         << shapes::formatShape(result.getShape());
  return success();
}

OpFoldResult BitcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // bitcast(bitcast(x)) reads x's bits directly.
  if (auto inner = getInput().getDefiningOp<BitcastOp>()) {
    if (inner.getInput().getType() == getType())
      return inner.getInput();
    if (quantizedPairIsValid(inner.getInput().getType().getElementType(),
                             getType().getElementType())) {
      getInputMutable().assign(inner.getInput());
      return getResult();
    }
  }
  // Constants of plain numbers keep their bytes under a new type.
  auto constant = dyn_cast_or_null<DenseIntOrFPElementsAttr>(adaptor.getInput());
  RankedTensorType type = getType();
  if (constant && type.hasStaticShape() && isa<IntegerType, FloatType>(type.getElementType()) &&
      !type.getElementType().isInteger(1) && !constant.getElementType().isInteger(1))
    return constant.bitcast(type.getElementType());
  return {};
}
