//===- ParallelizeLoops.cpp - linalg loops on the runtime's threads ---------===//
//
// llmc-parallelize-loops: each linalg op on buffers in an entry point is outlined into a body
// over a chunk [begin, end) of one parallel loop dimension and replaced by a call of
// llmc_mk_parallel_loop (backends/cpu/kernels/parallel.c), which runs the chunks on the
// services' parallel_for. The body is a function of three i64 (the context's address, begin,
// end), so that the kernel calls it with the C ABI; the context holds each operand buffer's
// descriptor as words (aligned address, offset, sizes, strides), which the body turns back into
// descriptors of the same memref types.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCPARALLELIZELOOPSPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kLoopKernel = "llmc_mk_parallel_loop";

/// The loop dimension to split: the largest parallel one (dynamic counts as largest) that every
/// operand indexes plainly, if at all, and every output indexes; -1 if none.
int64_t splitDimension(linalg::LinalgOp op, ArrayRef<int64_t> sizes) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t best = -1;
  for (int64_t dim = 0; dim < int64_t(iterators.size()); ++dim) {
    if (iterators[dim] != utils::IteratorType::parallel)
      continue;
    bool usable = true;
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      bool plain = false;
      for (AffineExpr result : map.getResults()) {
        if (!result.isFunctionOfDim(dim))
          continue;
        auto dimExpr = dyn_cast<AffineDimExpr>(result);
        if (!dimExpr || plain) // a window (d0 + d1), or the dim twice
          usable = false;
        plain = true;
      }
      if (!plain && op.isDpsInit(&operand))
        usable = false;
    }
    if (!usable || sizes[dim] == 1)
      continue;
    auto size = [&](int64_t d) { return ShapedType::isDynamic(sizes[d]) ? INT64_MAX : sizes[d]; };
    if (best < 0 || size(dim) > size(best))
      best = dim;
  }
  return best;
}

/// The LLVM struct of a memref descriptor of `type`.
LLVM::LLVMStructType descriptorType(MLIRContext *context, MemRefType type) {
  auto pointer = LLVM::LLVMPointerType::get(context);
  auto i64 = IntegerType::get(context, 64);
  SmallVector<Type> fields = {pointer, pointer, i64};
  if (type.getRank() > 0) {
    auto array = LLVM::LLVMArrayType::get(i64, unsigned(type.getRank()));
    fields.append({array, array});
  }
  return LLVM::LLVMStructType::getLiteral(context, fields);
}

/// Words of an operand in the context: a buffer's descriptor (aligned address, offset, sizes,
/// strides), or a scalar's bits.
int64_t descriptorWords(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return 2 + 2 * memref.getRank();
  return 1;
}

/// Whether the context can carry an operand of `type`.
bool isPassable(Type type) {
  if (isa<MemRefType>(type) || type.isIndex())
    return true;
  return (isa<IntegerType>(type) || isa<FloatType>(type)) && type.getIntOrFloatBitWidth() <= 64;
}

/// A scalar's bits as an i64 word, and back.
Value toWord(OpBuilder &b, Location loc, Value value) {
  Type type = value.getType();
  auto i64 = b.getI64Type();
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, i64, value);
  unsigned width = type.getIntOrFloatBitWidth();
  if (isa<FloatType>(type))
    value = arith::BitcastOp::create(b, loc, b.getIntegerType(width), value);
  return width == 64 ? value : arith::ExtUIOp::create(b, loc, i64, value).getResult();
}

Value fromWord(OpBuilder &b, Location loc, Value word, Type type) {
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, type, word);
  unsigned width = type.getIntOrFloatBitWidth();
  Value bits = width == 64
                   ? word
                   : arith::TruncIOp::create(b, loc, b.getIntegerType(width), word).getResult();
  if (isa<FloatType>(type))
    return arith::BitcastOp::create(b, loc, type, bits);
  return bits;
}

struct LLMCParallelizeLoopsPass
    : llmc::cpu::impl::LLMCParallelizeLoopsPassBase<LLMCParallelizeLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> candidates;
    module.walk([&](linalg::LinalgOp op) {
      auto function = op->getParentOfType<func::FuncOp>();
      if (!function || function.isDeclaration() || function.getNumArguments() == 0 ||
          !isa<LLVM::LLVMPointerType>(function.getArgumentTypes().back()) ||
          !op.hasPureBufferSemantics() || op->getParentOfType<linalg::LinalgOp>())
        return;
      candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    unsigned counter = 0;
    for (linalg::LinalgOp op : candidates)
      if (failed(parallelize(rewriter, op, counter)))
        return signalPassFailure();
  }

  LogicalResult parallelize(IRRewriter &rewriter, linalg::LinalgOp op, unsigned &counter) {
    MLIRContext *context = &getContext();
    SmallVector<int64_t> staticSizes = op.getStaticLoopRanges();
    int64_t dim = splitDimension(op, staticSizes);
    if (dim < 0)
      return success();
    if (llvm::none_of(staticSizes, ShapedType::isDynamic)) {
      int64_t total = 1;
      for (int64_t size : staticSizes)
        if ((total *= size) >= minWork || total == 0)
          break;
      if (total < minWork)
        return success();
    }
    if (!isa<linalg::GenericOp>(op)) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> generic = linalg::generalizeNamedOp(rewriter, op);
      if (failed(generic))
        return success();
      op = *generic;
    }
    // Values the region uses from outside: constants are cloned into the body; anything else
    // keeps the op where it is.
    SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegion(0), above);
    for (Value value : above)
      if (!value.getDefiningOp<arith::ConstantOp>())
        return success();
    for (Value operand : op->getOperands())
      if (!isPassable(operand.getType()))
        return success();

    auto function = op->getParentOfType<func::FuncOp>();
    auto module = function->getParentOfType<ModuleOp>();
    Location loc = op.getLoc();
    auto i64 = rewriter.getI64Type();
    auto pointer = LLVM::LLVMPointerType::get(context);

    // The buffers, each once, and the context's layout.
    SetVector<Value> buffers;
    for (Value operand : op->getOperands())
      buffers.insert(operand);
    SmallVector<int64_t> firstWord;
    int64_t words = 0;
    for (Value buffer : buffers) {
      firstWord.push_back(words);
      words += descriptorWords(buffer.getType());
    }

    // The body: func @<function>_loop<N>(%context: i64, %begin: i64, %end: i64).
    auto bodyType = rewriter.getFunctionType({i64, i64, i64}, {});
    std::string name = (function.getName() + "_loop" + Twine(counter++)).str();
    while (module.lookupSymbol(name))
      name = (function.getName() + "_loop" + Twine(counter++)).str();
    rewriter.setInsertionPoint(function);
    auto body = func::FuncOp::create(rewriter, loc, name, bodyType);
    body.setPrivate();
    Block *entry = body.addEntryBlock();
    rewriter.setInsertionPointToStart(entry);
    Value base = LLVM::IntToPtrOp::create(rewriter, loc, pointer, entry->getArgument(0));
    auto word = [&](int64_t index) -> Value {
      Value address = LLVM::GEPOp::create(rewriter, loc, pointer, i64, base,
                                          ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(int32_t(index))});
      return LLVM::LoadOp::create(rewriter, loc, i64, address);
    };
    IRMapping mapping;
    for (auto [buffer, first] : llvm::zip(buffers, firstWord)) {
      auto type = dyn_cast<MemRefType>(buffer.getType());
      if (!type) {
        mapping.map(buffer, fromWord(rewriter, loc, word(first), buffer.getType()));
        continue;
      }
      LLVM::LLVMStructType structType = descriptorType(context, type);
      Value descriptor = LLVM::UndefOp::create(rewriter, loc, structType);
      Value address = LLVM::IntToPtrOp::create(rewriter, loc, pointer, word(first));
      descriptor =
          LLVM::InsertValueOp::create(rewriter, loc, descriptor, address, ArrayRef<int64_t>{0});
      descriptor =
          LLVM::InsertValueOp::create(rewriter, loc, descriptor, address, ArrayRef<int64_t>{1});
      descriptor = LLVM::InsertValueOp::create(rewriter, loc, descriptor, word(first + 1),
                                               ArrayRef<int64_t>{2});
      for (int64_t d = 0; d < type.getRank(); ++d) {
        descriptor = LLVM::InsertValueOp::create(rewriter, loc, descriptor, word(first + 2 + d),
                                                 ArrayRef<int64_t>{3, d});
        descriptor = LLVM::InsertValueOp::create(rewriter, loc, descriptor,
                                                 word(first + 2 + type.getRank() + d),
                                                 ArrayRef<int64_t>{4, d});
      }
      mapping.map(buffer, UnrealizedConversionCastOp::create(rewriter, loc, TypeRange{type},
                                                             ValueRange{descriptor})
                              .getResult(0));
    }
    auto index = [&](Value value) -> Value {
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), value);
    };
    Value begin = index(entry->getArgument(1));
    Value size = arith::SubIOp::create(rewriter, loc, index(entry->getArgument(2)), begin);
    // Each operand over the chunk: a view where its map has the split dimension.
    SmallVector<Value> views;
    for (OpOperand &operand : op->getOpOperands()) {
      Value buffer = mapping.lookup(operand.get());
      auto type = dyn_cast<MemRefType>(buffer.getType());
      if (!type) {
        views.push_back(buffer);
        continue;
      }
      AffineMap map = op.getMatchingIndexingMap(&operand);
      std::optional<unsigned> position = map.getResultPosition(rewriter.getAffineDimExpr(dim));
      if (!position) {
        views.push_back(buffer);
        continue;
      }
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = memref::getMixedSizes(rewriter, loc, buffer);
      SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
      offsets[*position] = begin;
      sizes[*position] = size;
      views.push_back(memref::SubViewOp::create(rewriter, loc, buffer, offsets, sizes, strides));
    }
    IRMapping opMapping;
    for (Value value : above)
      opMapping.map(value, rewriter.clone(*value.getDefiningOp())->getResult(0));
    for (auto [operand, view] : llvm::zip(op->getOperands(), views))
      opMapping.map(operand, view);
    Operation *clone = rewriter.clone(*op, opMapping);
    // linalg.index of the split dimension counts from the chunk's start.
    SmallVector<linalg::IndexOp> indices;
    clone->walk([&](linalg::IndexOp indexOp) {
      if (int64_t(indexOp.getDim()) == dim)
        indices.push_back(indexOp);
    });
    for (linalg::IndexOp indexOp : indices) {
      rewriter.setInsertionPointAfter(indexOp);
      auto shifted = arith::AddIOp::create(rewriter, loc, indexOp.getResult(), begin);
      rewriter.replaceAllUsesExcept(indexOp.getResult(), shifted.getResult(), shifted);
    }
    rewriter.setInsertionPointToEnd(entry);
    func::ReturnOp::create(rewriter, loc);

    // The call: the context on the stack (allocated once, at the function's start), the count
    // of the split dimension and a grain of at least grainWork iterations.
    rewriter.setInsertionPointToStart(&function.getBody().front());
    auto contextType = MemRefType::get({words}, i64);
    Value contextBuffer = memref::AllocaOp::create(rewriter, loc, contextType);
    rewriter.setInsertionPoint(op);
    auto i64Value = [&](Value value) -> Value {
      return arith::IndexCastOp::create(rewriter, loc, i64, value);
    };
    auto store = [&](Value value, int64_t position) {
      memref::StoreOp::create(rewriter, loc, value, contextBuffer,
                              ValueRange{arith::ConstantIndexOp::create(rewriter, loc, position)});
    };
    for (auto [buffer, first] : llvm::zip(buffers, firstWord)) {
      auto type = dyn_cast<MemRefType>(buffer.getType());
      if (!type) {
        store(toWord(rewriter, loc, buffer), first);
        continue;
      }
      store(i64Value(memref::ExtractAlignedPointerAsIndexOp::create(rewriter, loc, buffer)), first);
      auto metadata = memref::ExtractStridedMetadataOp::create(rewriter, loc, buffer);
      store(i64Value(metadata.getOffset()), first + 1);
      for (int64_t d = 0; d < type.getRank(); ++d) {
        store(i64Value(metadata.getSizes()[d]), first + 2 + d);
        store(i64Value(metadata.getStrides()[d]), first + 2 + type.getRank() + d);
      }
    }
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    Value count = getValueOrCreateConstantIndexOp(rewriter, loc, ranges[dim].size);
    Value inner = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 0; d < int64_t(ranges.size()); ++d)
      if (d != dim)
        inner = arith::MulIOp::create(
            rewriter, loc, inner, getValueOrCreateConstantIndexOp(rewriter, loc, ranges[d].size));
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value grain = arith::CeilDivUIOp::create(
        rewriter, loc, arith::ConstantIndexOp::create(rewriter, loc, grainWork),
        arith::MaxUIOp::create(rewriter, loc, inner, one));
    Value contextAddress =
        i64Value(memref::ExtractAlignedPointerAsIndexOp::create(rewriter, loc, contextBuffer));
    Value bodyPointer = func::ConstantOp::create(rewriter, loc, bodyType,
                                                 SymbolRefAttr::get(body.getSymNameAttr()));
    SmallVector<Value> arguments = {contextAddress, bodyPointer, i64Value(count), i64Value(grain),
                                    function.getArguments().back()};
    auto calleeType = rewriter.getFunctionType(ValueRange(arguments).getTypes(), {});
    auto callee = module.lookupSymbol<func::FuncOp>(kLoopKernel);
    if (!callee) {
      OpBuilder top(module.getBodyRegion());
      top.setInsertionPointToStart(module.getBody());
      callee = func::FuncOp::create(top, loc, kLoopKernel, calleeType);
      callee.setPrivate();
    } else if (callee.getFunctionType() != calleeType) {
      return op->emitOpError() << "calls '" << kLoopKernel << "' with types " << calleeType
                               << " but it was declared as " << callee.getFunctionType();
    }
    func::CallOp::create(rewriter, loc, callee, arguments);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace
