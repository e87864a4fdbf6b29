//===- PlanMemory.cpp - One scratch arena, planned from liveness ------------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCPLANMEMORYPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes = 0;
  int64_t begin = 0, end = 0; // program positions, inclusive
  int64_t offset = 0;
};

int64_t alignTo(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// Bytes of one element as the LLVM lowering stores it (index is 64-bit on every target llmc
/// supports; i1 takes a byte).
int64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  return std::max<int64_t>(1, (type.getIntOrFloatBitWidth() + 7) / 8);
}

struct LLMCPlanMemoryPass : llmc::cpu::impl::LLMCPlanMemoryPassBase<LLMCPlanMemoryPass> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function.isPrivate() && !function.isExternal() && failed(plan(function)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp function) {
    MLIRContext *context = &getContext();
    // Copies become linalg.copy, so they lower to loops rather than calls to a libc memcpy.
    function.walk([](memref::CopyOp copy) {
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    });
    // The runtime calls the function through MLIR's C interface.
    function->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(context));
    // Program positions: pre-order, and for each op the last position nested inside it.
    llvm::DenseMap<Operation *, int64_t> position, lastNested;
    int64_t counter = 0;
    function.walk<WalkOrder::PreOrder>([&](Operation *op) { position[op] = counter++; });
    function.walk<WalkOrder::PostOrder>([&](Operation *op) {
      int64_t last = position[op];
      for (Region &region : op->getRegions())
        for (Operation &nested : region.getOps())
          last = std::max(last, lastNested[&nested]);
      lastNested[op] = last;
    });

    SmallVector<Buffer> buffers;
    WalkResult walk = function.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      // Sized at run time: left to the runtime's allocator (llmc-route-allocations).
      if (!type.hasStaticShape() || !type.getLayout().isIdentity())
        return WalkResult::advance();
      Buffer buffer;
      buffer.alloc = alloc;
      buffer.bytes =
          alignTo(std::max<int64_t>(1, type.getNumElements() * elementBytes(type.getElementType())),
                  kAlignment);
      buffer.begin = position[alloc];
      buffer.end = buffer.begin;
      Block *home = alloc->getBlock();
      // Follow the buffer through every view of it; a use nested deeper than the allocation
      // (inside a loop) keeps the buffer alive to the end of that loop.
      SmallVector<Value> worklist = {alloc.getResult()};
      bool escapes = false;
      while (!worklist.empty()) {
        Value value = worklist.pop_back_val();
        for (Operation *user : value.getUsers()) {
          // A buffer that a region yields (an scf.if branch, a loop iteration) or that enters a
          // loop as its carried value lives on in op results this walk does not follow: the
          // runtime's allocator serves it instead of the arena.
          if (isa<RegionBranchTerminatorOpInterface, RegionBranchOpInterface>(user) &&
              !isa<func::ReturnOp>(user))
            escapes = true;
          // A result comes from the runtime's allocator too: the runtime hands that buffer to
          // the caller as the output tensor's data, where a buffer in the arena would be copied
          // out after every call.
          if (isa<func::ReturnOp>(user))
            escapes = true;
          Operation *ancestor = home->findAncestorOpInBlock(*user);
          buffer.end = std::max(buffer.end, ancestor ? lastNested[ancestor] : position[user]);
          if (auto view = dyn_cast<ViewLikeOpInterface>(user))
            if (view.getViewSource() == value)
              llvm::append_range(worklist, user->getResults());
          if (isa<memref::CastOp>(user))
            llvm::append_range(worklist, user->getResults());
        }
      }
      if (!escapes)
        buffers.push_back(buffer);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    // First fit, largest buffers first.
    SmallVector<Buffer *> order;
    for (Buffer &buffer : buffers)
      order.push_back(&buffer);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) { return a->bytes > b->bytes; });
    SmallVector<Buffer *> placed;
    int64_t arenaBytes = 0;
    for (Buffer *buffer : order) {
      SmallVector<std::pair<int64_t, int64_t>> busy;
      for (Buffer *other : placed)
        if (other->begin <= buffer->end && buffer->begin <= other->end)
          busy.push_back({other->offset, other->offset + other->bytes});
      llvm::sort(busy);
      int64_t offset = 0;
      for (auto [start, stop] : busy) {
        if (offset + buffer->bytes <= start)
          break;
        offset = std::max(offset, stop);
      }
      buffer->offset = offset;
      arenaBytes = std::max(arenaBytes, offset + buffer->bytes);
      placed.push_back(buffer);
    }

    // Trailing arguments: the scratch arena, then the runtime's services table.
    unsigned scratchIndex = function.getNumArguments();
    auto scratchType = MemRefType::get({ShapedType::kDynamic}, IntegerType::get(context, 8));
    if (failed(function.insertArgument(scratchIndex, scratchType, {}, function.getLoc())) ||
        failed(function.insertArgument(scratchIndex + 1, LLVM::LLVMPointerType::get(context), {},
                                       function.getLoc())))
      return failure();
    Value scratch = function.getArgument(scratchIndex);
    for (Buffer &buffer : buffers) {
      OpBuilder builder(buffer.alloc);
      Value offset = arith::ConstantIndexOp::create(builder, buffer.alloc.getLoc(), buffer.offset);
      Value view = memref::ViewOp::create(builder, buffer.alloc.getLoc(), buffer.alloc.getType(),
                                          scratch, offset, ValueRange{});
      for (Operation *user : llvm::make_early_inc_range(buffer.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    function->setAttr(llmc::cpu::kScratchBytesAttr,
                      IntegerAttr::get(IntegerType::get(context, 64), arenaBytes));
    for (unsigned index = 0; index < function.getNumArguments(); ++index)
      function.removeArgAttr(index, llmc::cpu::kConstantAttr);
    return success();
  }
};

} // namespace
