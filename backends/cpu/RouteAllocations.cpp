//===- RouteAllocations.cpp - Run-time-sized buffers from the runtime -------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCROUTEALLOCATIONSPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

/// Byte offset of `allocate` in llmc_services_t (runtime/include/llmc/abi.h, version 2):
/// version (4) + size (4) + thread_count (8) + parallel_for (8) + runtime_state (8).
constexpr int64_t kAllocateOffset = 32;
constexpr int64_t kAlignment = 64;

struct LLMCRouteAllocationsPass
    : llmc::cpu::impl::LLMCRouteAllocationsPassBase<LLMCRouteAllocationsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto pointer = LLVM::LLVMPointerType::get(context);
    auto i64 = IntegerType::get(context, 64);
    auto i8 = IntegerType::get(context, 8);
    auto allocateType = LLVM::LLVMFunctionType::get(pointer, {pointer, i64, i64});
    bool failedAny = false;
    module.walk([&](LLVM::CallOp call) {
      std::optional<StringRef> callee = call.getCallee();
      if (!callee || (*callee != "malloc" && *callee != "free"))
        return;
      if (*callee == "free") {
        call.erase();
        return;
      }
      auto function = call->getParentOfType<LLVM::LLVMFuncOp>();
      // The services table is the entry function's last argument.
      if (!function || function.getNumArguments() == 0 ||
          !isa<LLVM::LLVMPointerType>(function.getArgumentTypes().back()) ||
          !function->hasAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName())) {
        call.emitOpError() << "allocates memory outside an entry point, where the runtime's "
                              "services are not available";
        failedAny = true;
        return;
      }
      Value services = function.getArguments().back();
      OpBuilder builder(call);
      Location loc = call.getLoc();
      Value field = LLVM::GEPOp::create(builder, loc, pointer, i8, services,
                                        ArrayRef<LLVM::GEPArg>{kAllocateOffset});
      Value allocate = LLVM::LoadOp::create(builder, loc, pointer, field);
      Value alignment = LLVM::ConstantOp::create(builder, loc, i64, kAlignment);
      Value size = call.getArgOperands().front();
      if (size.getType() != i64)
        size = LLVM::ZExtOp::create(builder, loc, i64, size);
      auto indirect = LLVM::CallOp::create(builder, loc, allocateType,
                                           ValueRange{allocate, services, size, alignment});
      call.getResult().replaceAllUsesWith(indirect.getResult());
      call.erase();
    });
    if (failedAny)
      return signalPassFailure();
    for (StringRef name : {"malloc", "free"})
      if (auto declaration = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
        if (declaration.isExternal() && SymbolTable::symbolKnownUseEmpty(declaration, module))
          declaration.erase();
  }
};

} // namespace
