//===- OutlineConstants.cpp - Large constants become arguments --------------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCOUTLINECONSTANTSPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

struct LLMCOutlineConstantsPass
    : llmc::cpu::impl::LLMCOutlineConstantsPassBase<LLMCOutlineConstantsPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      if (function.isPrivate() || function.isExternal())
        continue;
      SmallVector<arith::ConstantOp> constants;
      function.walk([&](arith::ConstantOp constant) {
        auto type = dyn_cast<RankedTensorType>(constant.getType());
        if (type && type.hasStaticShape() && type.getNumElements() >= minElements &&
            isa<ElementsAttr>(constant.getValue()))
          constants.push_back(constant);
      });
      // Equal values share one argument (and one table entry).
      llvm::DenseMap<Attribute, BlockArgument> arguments;
      Block &entry = function.getBody().front();
      for (arith::ConstantOp constant : constants) {
        BlockArgument &argument = arguments[constant.getValue()];
        if (!argument) {
          unsigned index = function.getNumArguments();
          if (failed(function.insertArgument(index, constant.getType(), {}, constant.getLoc())))
            return signalPassFailure();
          argument = entry.getArgument(index);
          function.setArgAttr(index, llmc::cpu::kConstantAttr, constant.getValue());
        }
        constant.replaceAllUsesWith(Value(argument));
        constant.erase();
      }
    }
  }
};

} // namespace
