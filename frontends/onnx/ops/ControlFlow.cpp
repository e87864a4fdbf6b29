//===- ControlFlow.cpp - ONNX If --------------------------------------------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// Imports one branch at the end of `block` and returns its outputs.
FailureOr<SmallVector<Value>> importBranch(NodeContext &node, const onnx::GraphProto &graph,
                                           Block &block) {
  OpBuilder::InsertionGuard guard(node.builder);
  node.builder.setInsertionPointToEnd(&block);
  llvm::StringMap<Value> scope = node.scope();
  if (failed(node.importSubgraph(graph, scope)))
    return failure();
  SmallVector<Value> outputs;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = scope.lookup(output.name());
    if (!value) {
      node.error() << "branch '" << graph.name() << "' does not produce its output '"
                   << output.name() << "'";
      return failure();
    }
    outputs.push_back(value);
  }
  return outputs;
}

/// The type both branches' values fit: dims that differ become dynamic.
FailureOr<Type> joinTypes(NodeContext &node, Type thenType, Type elseType, int index) {
  auto a = dyn_cast<RankedTensorType>(thenType), b = dyn_cast<RankedTensorType>(elseType);
  if (!a || !b || a.getElementType() != b.getElementType() || a.getRank() != b.getRank()) {
    node.error() << "output " << index << " is " << thenType << " in the then branch but "
                 << elseType << " in the else branch";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return Type(RankedTensorType::get(shape, a.getElementType()));
}

LogicalResult ifNode(NodeContext &node) {
  const onnx::AttributeProto *thenBranch = node.attribute("then_branch");
  const onnx::AttributeProto *elseBranch = node.attribute("else_branch");
  if (!thenBranch || !elseBranch || thenBranch->type() != onnx::AttributeProto::GRAPH ||
      elseBranch->type() != onnx::AttributeProto::GRAPH) {
    node.error() << "then_branch and else_branch graphs are required";
    return failure();
  }
  RankedTensorType conditionType = node.inputType(0);
  if (!conditionType.getElementType().isInteger(1) || !conditionType.hasStaticShape() ||
      conditionType.getNumElements() != 1) {
    node.error() << "the condition must be a single bool, got " << conditionType;
    return failure();
  }
  OpBuilder &b = node.builder;
  SmallVector<Value> zeros(conditionType.getRank(), arith::ConstantIndexOp::create(b, node.loc, 0));
  Value condition = tensor::ExtractOp::create(b, node.loc, node.input(0), zeros);

  // Import both branches into a result-less probe first: their outputs decide the types.
  auto probe = scf::IfOp::create(b, node.loc, TypeRange{}, condition, /*addThenBlock=*/false,
                                 /*addElseBlock=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&probe.getThenRegion());
    b.createBlock(&probe.getElseRegion());
  }
  FailureOr<SmallVector<Value>> thenOutputs =
      importBranch(node, thenBranch->g(), probe.getThenRegion().front());
  FailureOr<SmallVector<Value>> elseOutputs = failure();
  if (succeeded(thenOutputs))
    elseOutputs = importBranch(node, elseBranch->g(), probe.getElseRegion().front());
  // A probe left behind on failure is harmless: the import stops and the module is dropped.
  if (failed(thenOutputs) || failed(elseOutputs))
    return failure();
  if (thenOutputs->size() != elseOutputs->size() ||
      int(thenOutputs->size()) != node.node.output_size()) {
    node.error() << "the branches have " << thenOutputs->size() << " and " << elseOutputs->size()
                 << " outputs, the node " << node.node.output_size();
    return failure();
  }
  SmallVector<Type> types;
  for (auto [index, pair] : llvm::enumerate(llvm::zip(*thenOutputs, *elseOutputs))) {
    FailureOr<Type> joined =
        joinTypes(node, std::get<0>(pair).getType(), std::get<1>(pair).getType(), int(index));
    if (failed(joined))
      return failure();
    types.push_back(*joined);
  }
  // Each branch yields its outputs, cast to the joined types where they are more static.
  auto finishBranch = [&](Block &block, ArrayRef<Value> outputs) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&block);
    SmallVector<Value> yielded;
    for (auto [value, type] : llvm::zip(outputs, types))
      yielded.push_back(value.getType() == type
                            ? value
                            : Value(tensor::CastOp::create(b, node.loc, type, value)));
    scf::YieldOp::create(b, node.loc, yielded);
  };
  finishBranch(probe.getThenRegion().front(), *thenOutputs);
  finishBranch(probe.getElseRegion().front(), *elseOutputs);
  auto result = scf::IfOp::create(b, node.loc, types, condition, /*addThenBlock=*/false,
                                  /*addElseBlock=*/false);
  result.getThenRegion().takeBody(probe.getThenRegion());
  result.getElseRegion().takeBody(probe.getElseRegion());
  probe.erase();
  for (auto [index, value] : llvm::enumerate(result.getResults()))
    node.setOutput(int(index), value);
  return success();
}

} // namespace

void registerControlFlowOps(OpRegistry &registry) {
  registry.add({"If", 1, 1, 1, 1, 1024, ifNode});
}

} // namespace llmc::onnx_frontend
