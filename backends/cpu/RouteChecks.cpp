//===- RouteChecks.cpp - Failed run-time checks go to the runtime -----------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCROUTECHECKSPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

/// Byte offsets in llmc_services_t (runtime/include/llmc/abi.h, version 3): `size` follows the
/// 4-byte version; `fail` follows allocate (32), and a table that has it is 48 bytes or more.
constexpr int64_t kSizeOffset = 4;
constexpr int64_t kFailOffset = 40;
constexpr int64_t kSizeWithFail = 48;

struct LLMCRouteChecksPass : llmc::cpu::impl::LLMCRouteChecksPassBase<LLMCRouteChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto pointer = LLVM::LLVMPointerType::get(context);
    auto i8 = IntegerType::get(context, 8);
    auto i32 = IntegerType::get(context, 32);
    auto failType =
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), {pointer, pointer});
    SmallVector<cf::AssertOp> checks;
    module.walk([&](cf::AssertOp check) { checks.push_back(check); });
    unsigned counter = 0;
    for (cf::AssertOp check : checks) {
      auto function = check->getParentOfType<func::FuncOp>();
      Value services;
      if (function && function.getNumArguments() > 0 &&
          isa<LLVM::LLVMPointerType>(function.getArgumentTypes().back()) &&
          function->hasAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName()))
        services = function.getArguments().back();
      if (!services) {
        check.erase();
        continue;
      }
      Location loc = check.getLoc();
      Value condition = check.getArg();
      std::string message = check.getMsg().str();
      message.push_back('\0');
      Block *current = check->getBlock();
      Block *continuation = current->splitBlock(check);
      check.erase();

      OpBuilder builder(context);
      Block *failing = builder.createBlock(continuation);
      Block *calling = builder.createBlock(continuation);
      builder.setInsertionPointToEnd(current);
      cf::CondBranchOp::create(builder, loc, condition, continuation, ValueRange{}, failing,
                               ValueRange{});

      // Older runtimes have no `fail`: the code after the check is safe without it.
      builder.setInsertionPointToStart(failing);
      Value sizeField = LLVM::GEPOp::create(builder, loc, pointer, i8, services,
                                            ArrayRef<LLVM::GEPArg>{kSizeOffset});
      Value size = LLVM::LoadOp::create(builder, loc, i32, sizeField);
      Value hasFail =
          LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::uge, size,
                               LLVM::ConstantOp::create(builder, loc, i32, kSizeWithFail));
      cf::CondBranchOp::create(builder, loc, hasFail, calling, ValueRange{}, continuation,
                               ValueRange{});

      builder.setInsertionPointToStart(calling);
      Value field = LLVM::GEPOp::create(builder, loc, pointer, i8, services,
                                        ArrayRef<LLVM::GEPArg>{kFailOffset});
      Value fail = LLVM::LoadOp::create(builder, loc, pointer, field);
      Value text =
          LLVM::createGlobalString(loc, builder, "llmc_check_message_" + std::to_string(counter++),
                                   message, LLVM::Linkage::Internal);
      LLVM::CallOp::create(builder, loc, failType, ValueRange{fail, services, text});
      cf::BranchOp::create(builder, loc, continuation);
    }
  }
};

} // namespace
