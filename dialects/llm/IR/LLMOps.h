//===- LLMOps.h - Operations of the llm dialect -----------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMOPS_H
#define LLMC_DIALECTS_LLM_IR_LLMOPS_H

#include "dialects/llm/IR/LLMDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace llmc::llm {

/// True when every `actual` type is a ranked tensor that refines the matching `inferred` one:
/// same element type and a compatible shape (a static dim may stand for an inferred `?`).
/// Encodings (such as sparse layouts) on `actual` are allowed.
bool areRefinableTypes(mlir::TypeRange inferred, mlir::TypeRange actual);

/// The type an op computes in for values of `elementType`: the expressed type of a quantized
/// type, the type itself otherwise.
mlir::Type getComputeElementType(mlir::Type elementType);

} // namespace llmc::llm

#include "dialects/llm/IR/LLMTypes.h"

#define GET_OP_CLASSES
#include "dialects/llm/IR/LLMOps.h.inc"

namespace llmc::llm {

/// Creates an `OpTy` whose result type comes from its shape rule, as frontends and rewrites
/// build ops. `args` are the op's build arguments after the result type. When the operands do
/// not fit the op, the rule's error is emitted at `location` and nothing is created.
template <typename OpTy, typename... Args>
mlir::FailureOr<OpTy> createInferred(mlir::OpBuilder &builder, mlir::Location location,
                                     Args &&...args) {
  mlir::OperationState state(location, OpTy::getOperationName());
  OpTy::build(builder, state, mlir::Type(), std::forward<Args>(args)...);
  mlir::MLIRContext *context = builder.getContext();
  llvm::SmallVector<mlir::ShapedTypeComponents, 1> components;
  if (mlir::failed(OpTy::inferReturnTypeComponents(
          context, location, mlir::ValueShapeRange(state.operands),
          state.attributes.getDictionary(context), state.getRawProperties(), mlir::RegionRange(),
          components)))
    return mlir::failure();
  state.types.assign({mlir::RankedTensorType::get(components.front().getDims(),
                                                  components.front().getElementType())});
  return mlir::cast<OpTy>(builder.create(state));
}

} // namespace llmc::llm

#endif // LLMC_DIALECTS_LLM_IR_LLMOPS_H
