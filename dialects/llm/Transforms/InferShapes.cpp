//===- InferShapes.cpp - Refine llm result types from their operands --------===//
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace llmc::llm {
#define GEN_PASS_DEF_LLMINFERSHAPESPASS
#include "dialects/llm/Transforms/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;
using namespace llmc::llm;

namespace {

/// The more static of two compatible types, keeping the written type's encoding.
RankedTensorType meet(RankedTensorType written, RankedTensorType inferred) {
  SmallVector<int64_t> shape;
  for (auto [have, want] : llvm::zip_equal(written.getShape(), inferred.getShape()))
    shape.push_back(ShapedType::isDynamic(have) ? want : have);
  return RankedTensorType::get(shape, written.getElementType(), written.getEncoding());
}

/// llm ops take refined operands (their verifiers check compatibility, not equality), and
/// returns are handled with the function signature. Anything else keeps its old type.
bool acceptsRefinedOperand(Operation *user) {
  return isa<LLMDialect>(user->getDialect()) || isa<func::ReturnOp>(user);
}

/// The result types `op`'s own rule gives for its current operands; failure (with the rule's
/// error emitted) when an earlier refinement made the operands contradict each other.
FailureOr<SmallVector<Type>> inferResultTypes(Operation *op) {
  SmallVector<Type> inferred;
  if (auto shaped = dyn_cast<InferShapedTypeOpInterface>(op)) {
    SmallVector<ShapedTypeComponents> components;
    if (failed(shaped.inferReturnTypeComponents(op->getContext(), op->getLoc(), op->getOperands(),
                                                op->getAttrDictionary(), op->getPropertiesStorage(),
                                                op->getRegions(), components)))
      return failure();
    for (const ShapedTypeComponents &component : components)
      inferred.push_back(component.hasRank() ? Type(RankedTensorType::get(
                                                   component.getDims(), component.getElementType()))
                                             : Type());
    return inferred;
  }
  if (auto typed = dyn_cast<InferTypeOpInterface>(op)) {
    if (failed(typed.inferReturnTypes(op->getContext(), op->getLoc(), op->getOperands(),
                                      op->getAttrDictionary(), op->getPropertiesStorage(),
                                      op->getRegions(), inferred)))
      return failure();
    return inferred;
  }
  return inferred;
}

/// Re-infers `op`'s results and narrows them; fails on a contradiction.
LogicalResult refineResults(Operation *op) {
  FailureOr<SmallVector<Type>> inferred = inferResultTypes(op);
  if (failed(inferred))
    return failure();
  for (auto [result, inferredType] : llvm::zip(op->getResults(), *inferred)) {
    auto written = dyn_cast<RankedTensorType>(result.getType());
    auto want = dyn_cast_or_null<RankedTensorType>(inferredType);
    if (!written || !want)
      continue;
    if (!areRefinableTypes(want, written))
      return op->emitOpError() << "result type " << written
                               << " conflicts with the type inferred from its operands, " << want;
    RankedTensorType refined = meet(written, want);
    if (refined == written)
      continue;
    SmallVector<OpOperand *> keepOldType;
    for (OpOperand &use : result.getUses())
      if (!acceptsRefinedOperand(use.getOwner()))
        keepOldType.push_back(&use);
    result.setType(refined);
    if (keepOldType.empty())
      continue;
    OpBuilder builder(op->getContext());
    builder.setInsertionPointAfter(op);
    Value cast = tensor::CastOp::create(builder, op->getLoc(), written, result);
    for (OpOperand *use : keepOldType)
      use->set(cast);
  }
  return success();
}

/// Makes a function's results follow its refined returns, or casts back where callers rely on
/// the old signature.
void updateSignature(func::FuncOp function, ModuleOp module) {
  if (function.isExternal())
    return;
  bool signatureIsFree = SymbolTable::symbolKnownUseEmpty(function, module);
  SmallVector<Type> results(function.getResultTypes());
  function.walk([&](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      Type returned = operand.get().getType();
      Type &declared = results[operand.getOperandNumber()];
      if (returned == declared)
        continue;
      if (signatureIsFree) {
        declared = returned;
        continue;
      }
      OpBuilder builder(ret);
      operand.set(tensor::CastOp::create(builder, ret.getLoc(), declared, operand.get()));
    }
  });
  if (signatureIsFree)
    function.setFunctionType(
        FunctionType::get(function.getContext(), function.getArgumentTypes(), results));
}

struct LLMInferShapesPass : llmc::llm::impl::LLMInferShapesPassBase<LLMInferShapesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Pre-order visits definitions before their uses within each block.
    WalkResult walk = module.walk<WalkOrder::PreOrder>([](Operation *op) {
      if (!isa<LLMDialect>(op->getDialect()))
        return WalkResult::advance();
      return failed(refineResults(op)) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    for (auto function : module.getOps<func::FuncOp>())
      updateSignature(function, module);
  }
};

} // namespace
