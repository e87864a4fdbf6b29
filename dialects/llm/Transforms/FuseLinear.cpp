//===- FuseLinear.cpp - One llm.linear for several that share an input ------===//
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"

namespace llmc::llm {
#define GEN_PASS_DEF_LLMFUSELINEARPASS
#include "dialects/llm/Transforms/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;
using namespace llmc::llm;

namespace {

/// The bytes of a constant weight as the artifact stores them, or nothing when the constant is
/// not a plain row-major buffer this pass can stack (a splat, a bool tensor).
std::optional<ArrayRef<char>> weightBytes(ElementsAttr value) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || dense.isSplat() || dense.getElementType().isInteger(1))
    return std::nullopt;
  return dense.getRawData();
}

/// The bytes of one row of `type`.
int64_t rowBytes(RankedTensorType type) {
  if (auto block = dyn_cast<GGMLBlockType>(type.getElementType()))
    return block.getRowBytes(type.getDimSize(1));
  return type.getDimSize(1) * type.getElementTypeBitWidth() / 8;
}

struct LLMFuseLinearPass : llmc::llm::impl::LLMFuseLinearPassBase<LLMFuseLinearPass> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>())
      fuseIn(function);
  }

  void fuseIn(func::FuncOp function) {
    // The linears of each input, in program order, grouped by weight element type and row
    // length (only those stack).
    llvm::MapVector<std::tuple<Value, Type, int64_t>, SmallVector<LinearOp>> groups;
    function.walk([&](LinearOp op) {
      auto weight = op.getWeight().getDefiningOp<arith::ConstantOp>();
      auto type = op.getWeight().getType();
      if (!weight || !type.hasStaticShape() || !weightBytes(cast<ElementsAttr>(weight.getValue())))
        return;
      groups[{op.getInput(), type.getElementType(), type.getDimSize(1)}].push_back(op);
    });
    for (auto &[key, ops] : groups) {
      if (ops.size() < 2)
        continue;
      // All in one block, so the first one's position dominates every user of the others.
      if (llvm::any_of(ops, [&](LinearOp op) { return op->getBlock() != ops.front()->getBlock(); }))
        continue;
      fuse(ops);
    }
  }

  void fuse(SmallVector<LinearOp> ops) {
    LinearOp first = ops.front();
    for (LinearOp op : ops)
      if (op->isBeforeInBlock(first))
        first = op;
    SmallVector<Attribute> sources;
    int64_t rows = 0;
    for (LinearOp op : ops) {
      sources.push_back(op.getWeight().getDefiningOp<arith::ConstantOp>().getValue());
      rows += op.getWeight().getType().getDimSize(0);
    }
    RankedTensorType weightType = ops.front().getWeight().getType();
    auto stackedType =
        RankedTensorType::get({rows, weightType.getDimSize(1)}, weightType.getElementType());
    TypedAttr &stacked = stackedWeights[ArrayAttr::get(&getContext(), sources)];
    if (!stacked) {
      std::vector<char> bytes;
      bytes.reserve(size_t(rows * rowBytes(weightType)));
      for (Attribute source : sources) {
        ArrayRef<char> data = *weightBytes(cast<ElementsAttr>(source));
        bytes.insert(bytes.end(), data.begin(), data.end());
      }
      std::string name = "stacked";
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(sources.front()))
        name = resource.getRawHandle().getKey().str() + "_stacked";
      stacked = cast<TypedAttr>(DenseResourceElementsAttr::get(
          stackedType, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64)));
    }

    OpBuilder builder(first);
    Location loc = builder.getFusedLoc(
        llvm::to_vector(llvm::map_range(ops, [](LinearOp op) { return op.getLoc(); })));
    Value weight = arith::ConstantOp::create(builder, loc, stacked);
    RankedTensorType resultType = first.getType();
    int64_t rank = resultType.getRank();
    SmallVector<int64_t> shape(resultType.getShape());
    shape.back() = rows;
    Value product =
        LinearOp::create(builder, loc, resultType.clone(shape), first.getInput(), weight);
    auto vectorType = RankedTensorType::get({1}, builder.getI64Type());
    auto constant = [&](int64_t value) -> Value {
      return arith::ConstantOp::create(
          builder, loc,
          DenseElementsAttr::get(vectorType, builder.getI64IntegerAttr(value).getValue()));
    };
    int64_t offset = 0;
    for (LinearOp op : ops) {
      int64_t count = op.getWeight().getType().getDimSize(0);
      Value columns =
          DynamicSliceOp::create(builder, op.getLoc(), op.getType(), product, constant(offset),
                                 constant(offset + count), constant(rank - 1), constant(1));
      op.getResult().replaceAllUsesWith(columns);
      offset += count;
    }
    // Only now: the builder inserts before the first of them.
    for (LinearOp op : ops)
      op->erase();
  }

  /// Stacked weights by their sources, shared by every function of the module.
  llvm::DenseMap<Attribute, TypedAttr> stackedWeights;
};

} // namespace
