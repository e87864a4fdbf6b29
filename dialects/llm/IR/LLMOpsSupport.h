//===- LLMOpsSupport.h - Helpers for writing llm op shape rules ---------*- C++ -*-===//
//
// Internal to dialects/llm/IR: each op family's .cpp writes its shape rules with these and
// declares its ops with LLMC_INFERRED_OP.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMOPSSUPPORT_H
#define LLMC_DIALECTS_LLM_IR_LLMOPSSUPPORT_H

#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include <string>

namespace llmc::llm::detail {
using namespace mlir;
namespace shapes = llmc::llm::shapes;

/// The ranked tensor type of an operand; null when it is something else (the ODS type
/// constraints report that case in verification, and builders reach here before them).
inline RankedTensorType tensorOf(Value value) {
  return value ? dyn_cast<RankedTensorType>(value.getType()) : RankedTensorType();
}

/// A failed shape rule, worded as `emitOpError` words a verifier failure.
template <typename OpTy>
LogicalResult inferenceError(std::optional<Location> location, const std::string &message) {
  return emitOptionalError(location, "'", OpTy::getOperationName(), "' op ", message);
}

/// The rule's shape with `elementType`, or the rule's error.
template <typename OpTy>
FailureOr<Type> resultOf(std::optional<Location> location, const shapes::ShapeOrError &shape,
                         Type elementType) {
  if (!shape.ok())
    return inferenceError<OpTy>(location, shape.error());
  return Type(RankedTensorType::get(shape.shape(), elementType));
}

inline std::string describe(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

/// Checks that `operands` compute in the same element type, and returns it.
template <typename OpTy>
FailureOr<Type> commonComputeType(std::optional<Location> location,
                                  ArrayRef<std::pair<const char *, RankedTensorType>> operands) {
  Type common;
  const char *firstName = nullptr;
  for (auto [name, type] : operands) {
    if (!type)
      return inferenceError<OpTy>(location, std::string(name) + " must be a ranked tensor");
    Type compute = getComputeElementType(type.getElementType());
    if (!common) {
      common = compute;
      firstName = name;
    } else if (compute != common) {
      return inferenceError<OpTy>(location, std::string("element types differ: ") + firstName +
                                                " computes in '" + describe(common) + "', " + name +
                                                " in '" + describe(compute) + "'");
    }
  }
  return common;
}

/// Verifies a written result type against the op's shape rule.
template <typename OpTy> LogicalResult verifyInferred(OpTy op, FailureOr<Type> inferred) {
  if (failed(inferred))
    return failure();
  if (!areRefinableTypes(*inferred, op->getResultTypes()))
    return op.emitOpError() << "result type " << op->getResultTypes()
                            << " is incompatible with the inferred type " << *inferred;
  return success();
}

} // namespace llmc::llm::detail

// Each inferred op gets its InferShapedTypeOpInterface method and its verifier from one rule.
#define LLMC_INFERRED_OP(OpTy, rule)                                                               \
  LogicalResult OpTy::inferReturnTypeComponents(MLIRContext *, std::optional<Location> location,   \
                                                Adaptor adaptor,                                   \
                                                SmallVectorImpl<ShapedTypeComponents> &inferred) { \
    FailureOr<Type> type = rule<OpTy>(location, adaptor);                                          \
    if (failed(type))                                                                              \
      return failure();                                                                            \
    inferred.emplace_back(cast<ShapedType>(*type));                                                \
    return success();                                                                              \
  }                                                                                                \
  LogicalResult OpTy::verify() { return verifyInferred(*this, rule<OpTy>(getLoc(), *this)); }

#endif // LLMC_DIALECTS_LLM_IR_LLMOPSSUPPORT_H
