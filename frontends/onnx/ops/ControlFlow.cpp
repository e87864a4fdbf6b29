//===- ControlFlow.cpp - ONNX If, Loop and Scan -----------------------------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/ScopeExit.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// `value` cast to `type` where it is more static.
Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  return value.getType() == type ? value : Value(tensor::CastOp::create(b, loc, type, value));
}

/// Imports one branch at the end of `block` and returns its outputs. `malformed` is set when
/// the branch's outputs, rather than its nodes, are wrong.
FailureOr<SmallVector<Value>> importBranch(NodeContext &node, const onnx::GraphProto &graph,
                                           Block &block, bool &malformed) {
  OpBuilder::InsertionGuard guard(node.builder);
  node.builder.setInsertionPointToEnd(&block);
  llvm::StringMap<Value> scope = node.scope();
  if (failed(node.importSubgraph(graph, scope)))
    return failure();
  SmallVector<Value> outputs;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = scope.lookup(output.name());
    if (!value && node.importTimeValues &&
        (node.importTimeValues->sequences.count(output.name()) ||
         node.importTimeValues->emptyOptionals.contains(output.name()))) {
      node.error() << "branch '" << graph.name() << "' returns '" << output.name()
                   << "', a sequence or an optional; If branches return tensors only";
      malformed = true;
      return failure();
    }
    if (!value) {
      node.error() << "branch '" << graph.name() << "' does not produce its output '"
                   << output.name() << "'";
      malformed = true;
      return failure();
    }
    outputs.push_back(value);
  }
  return outputs;
}

/// True when the branches' values have the same element type but different ranks.
bool ranksDiffer(Type thenType, Type elseType) {
  auto a = dyn_cast<RankedTensorType>(thenType), b = dyn_cast<RankedTensorType>(elseType);
  return a && b && a.getElementType() == b.getElementType() && a.getRank() != b.getRank();
}

/// The type both branches' values fit: dims that differ become dynamic.
FailureOr<Type> joinTypes(NodeContext &node, Type thenType, Type elseType, int index,
                          llvm::StringRef what = "output") {
  auto a = dyn_cast<RankedTensorType>(thenType), b = dyn_cast<RankedTensorType>(elseType);
  if (!a || !b || a.getElementType() != b.getElementType() || a.getRank() != b.getRank()) {
    node.error() << what << " " << index << " is " << thenType << " in the then branch but "
                 << elseType << " in the else branch";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return Type(RankedTensorType::get(shape, a.getElementType()));
}

/// The value of a condition known at import time.
std::optional<bool> constantCondition(Value condition) {
  DenseIntElementsAttr value;
  if (!matchPattern(condition, m_Constant(&value)) || value.getNumElements() != 1)
    return std::nullopt;
  return !(*value.getValues<APInt>().begin()).isZero();
}

/// Imports the branch a constant condition takes in place of the If. Exporters guard code
/// written for one rank with Ifs on shapes (`if x.dim() == 2: x = x.unsqueeze(0)`), so the
/// branch not taken need not even fit the shapes this graph has. Its outputs may be sequences
/// and optionals, since nothing crosses a region.
LogicalResult inlineBranch(NodeContext &node, const onnx::GraphProto &graph) {
  llvm::StringMap<Value> scope = node.scope();
  if (failed(node.importSubgraph(graph, scope)))
    return failure();
  if (graph.output_size() != node.node.output_size()) {
    node.error() << "branch '" << graph.name() << "' has " << graph.output_size()
                 << " outputs, the node " << node.node.output_size();
    return failure();
  }
  for (auto [index, output] : llvm::enumerate(graph.output())) {
    const std::string &name = output.name();
    if (Value value = scope.lookup(name)) {
      node.setOutput(int(index), value);
    } else if (node.importTimeValues && node.importTimeValues->sequences.count(name)) {
      SmallVector<Value> elements = node.importTimeValues->sequences.lookup(name);
      node.setSequenceOutput(int(index), std::move(elements));
    } else if (node.importTimeValues && node.importTimeValues->emptyOptionals.contains(name)) {
      node.setEmptyOptionalOutput(int(index));
    } else {
      node.error() << "branch '" << graph.name() << "' does not produce its output '" << name
                   << "'";
      return failure();
    }
  }
  return success();
}

/// What importing one path of an If gave (a branch, or the rest of the graph after one): its
/// outputs, or its first error and whether that error rejects the model wherever it occurs (a
/// node llmc does not import, a malformed branch) rather than only on this path, whose shapes a
/// run may never have.
struct PathImport {
  FailureOr<SmallVector<Value>> outputs = failure();
  std::string message;
  bool rejectsModel = false;
};

/// Runs `import` with its errors captured into the result.
PathImport importPath(NodeContext &node, function_ref<FailureOr<SmallVector<Value>>()> import) {
  PathImport path;
  int rejectionsBefore = node.importTimeValues ? node.importTimeValues->rejections : 0;
  {
    ScopedDiagnosticHandler capture(node.builder.getContext(), [&](Diagnostic &diagnostic) {
      if (diagnostic.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      if (path.message.empty())
        path.message = diagnostic.str();
      return success();
    });
    path.outputs = import();
  }
  if (failed(path.outputs) && node.importTimeValues &&
      node.importTimeValues->rejections != rejectionsBefore)
    path.rejectsModel = true;
  return path;
}

/// Decides what failed paths mean: when both failed, or one failed for a reason that rejects
/// the model, its error is reported and the result is failure. When only one path failed, it
/// becomes a run-time failure: a warning now, and `message` (naming the node, `what` went wrong
/// and the path's own error) for the run that takes it. `paths` are the then and else paths.
LogicalResult decideFailedPaths(NodeContext &node, PathImport (&paths)[2], llvm::StringRef what) {
  bool thenFailed = failed(paths[0].outputs), elseFailed = failed(paths[1].outputs);
  if (!thenFailed && !elseFailed)
    return success();
  for (PathImport &path : paths)
    if (failed(path.outputs) && path.rejectsModel) {
      emitError(node.loc) << path.message;
      return failure();
    }
  if (thenFailed && elseFailed) {
    node.error() << what << "neither branch can run with these shapes: the then branch, "
                 << paths[0].message << "; the else branch, " << paths[1].message;
    return failure();
  }
  const char *which = thenFailed ? "then" : "else";
  PathImport &broken = paths[thenFailed ? 0 : 1];
  broken.message = "node " + node.displayName() + " (" + node.node.op_type() + ", opset " +
                   std::to_string(node.opset) + "): " + what.str() + "the " + which +
                   " branch cannot run with these shapes: " + broken.message;
  emitWarning(node.loc) << broken.message << "; a run that takes the " << which
                        << " branch fails with this message";
  return success();
}

/// Ends `block` of an If with `outputs`, cast to `types`; for a failed path, with a run-time
/// failure and values that only type-check (the runtime abandons the call at the check, see
/// RouteChecks).
void finishPath(NodeContext &node, Block &block, const PathImport &path, TypeRange types) {
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&block);
  SmallVector<Value> yielded;
  if (succeeded(path.outputs)) {
    for (auto [value, type] : llvm::zip(*path.outputs, types))
      yielded.push_back(castTo(b, loc, value, type));
  } else {
    Value never = arith::ConstantIntOp::create(b, loc, 0, 1);
    cf::AssertOp::create(b, loc, never, path.message);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    for (Type type : types) {
      auto tensor = cast<RankedTensorType>(type);
      SmallVector<Value> sizes(tensor.getNumDynamicDims(), zero);
      yielded.push_back(
          tensor::EmptyOp::create(b, loc, tensor.getShape(), tensor.getElementType(), sizes));
    }
  }
  scf::YieldOp::create(b, loc, yielded);
}

/// Removes what a failed import left in `block`.
void clearBlock(Block &block) {
  block.dropAllDefinedValueUses();
  block.dropAllReferences();
  block.getOperations().clear();
}

/// The types both paths' outputs fit, or those of the path that succeeded.
FailureOr<SmallVector<Type>> pathTypes(NodeContext &node, PathImport (&paths)[2],
                                       llvm::StringRef what) {
  SmallVector<Type> types;
  if (failed(paths[0].outputs) || failed(paths[1].outputs)) {
    for (Value value : succeeded(paths[0].outputs) ? *paths[0].outputs : *paths[1].outputs)
      types.push_back(value.getType());
    return types;
  }
  for (auto [index, pair] : llvm::enumerate(llvm::zip(*paths[0].outputs, *paths[1].outputs))) {
    FailureOr<Type> joined =
        joinTypes(node, std::get<0>(pair).getType(), std::get<1>(pair).getType(), int(index), what);
    if (failed(joined))
      return failure();
    types.push_back(*joined);
  }
  return types;
}

/// How many Ifs whose branches return different ranks a model may have, counting each copy.
constexpr int kMaxRankSplits = 16;

/// An If whose branches return the same output with different ranks: no one type holds both,
/// so the rest of the graph is imported once after each branch, with the ranks that branch
/// gives (its later Ifs on those ranks then fold), and this If yields the graph's outputs. A
/// continuation that does not import, because its ranks break a later node as they would in
/// ONNX Runtime, becomes a run-time failure of that branch, with a warning; when neither
/// imports, or the graph's outputs still differ in rank, the model is rejected.
LogicalResult continuePerBranch(NodeContext &node, scf::IfOp probe, Value condition,
                                ArrayRef<Value> thenOutputs, ArrayRef<Value> elseOutputs) {
  int output = 0;
  while (!ranksDiffer(thenOutputs[output].getType(), elseOutputs[output].getType()))
    ++output;
  auto rank = [](Value value) { return cast<RankedTensorType>(value.getType()).getRank(); };
  std::string mismatch = "output " + std::to_string(output) + " has rank " +
                         std::to_string(rank(thenOutputs[output])) + " in the then branch but " +
                         std::to_string(rank(elseOutputs[output])) + " in the else branch; ";
  if (!node.importRestOfGraph || !node.endGraph) {
    node.error() << mismatch << "the graph after it cannot be imported once per branch";
    return failure();
  }
  // Each split doubles what follows it; a bound keeps a model of many such Ifs from taking
  // exponential time.
  if (node.importTimeValues && ++node.importTimeValues->rankSplits > kMaxRankSplits) {
    ++node.importTimeValues->rejections;
    node.error() << mismatch << "the model has more than " << kMaxRankSplits
                 << " such Ifs to import the rest of the graph after";
    return failure();
  }
  // Each continuation goes into a block of its own, spliced into the branch once it imports.
  std::unique_ptr<Block> rest[2] = {std::make_unique<Block>(), std::make_unique<Block>()};
  PathImport paths[2] = {
      importPath(node, [&] { return node.importRestOfGraph(*rest[0], thenOutputs); }),
      importPath(node, [&] { return node.importRestOfGraph(*rest[1], elseOutputs); })};
  llvm::scope_exit dropRest([&] {
    for (std::unique_ptr<Block> &block : rest)
      clearBlock(*block);
  });
  if (failed(decideFailedPaths(node, paths, mismatch)))
    return failure();
  FailureOr<SmallVector<Type>> types = pathTypes(node, paths, "graph output");
  if (failed(types))
    return failure();
  Block *blocks[2] = {&probe.getThenRegion().front(), &probe.getElseRegion().front()};
  for (int i = 0; i < 2; ++i) {
    if (succeeded(paths[i].outputs))
      blocks[i]->getOperations().splice(blocks[i]->end(), rest[i]->getOperations());
    finishPath(node, *blocks[i], paths[i], *types);
  }
  auto result = scf::IfOp::create(node.builder, node.loc, *types, condition,
                                  /*addThenBlock=*/false, /*addElseBlock=*/false);
  result.getThenRegion().takeBody(probe.getThenRegion());
  result.getElseRegion().takeBody(probe.getElseRegion());
  probe.erase();
  node.endGraph(SmallVector<Value>(result.getResults()));
  return success();
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
  if (std::optional<bool> known = constantCondition(node.input(0)))
    return inlineBranch(node, *known ? thenBranch->g() : elseBranch->g());
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
  // A branch that does not import with the shapes it sees (exporters keep code for other
  // input sizes) fails only the runs that take it, as in ONNX Runtime.
  const onnx::GraphProto *graphs[2] = {&thenBranch->g(), &elseBranch->g()};
  Block *blocks[2] = {&probe.getThenRegion().front(), &probe.getElseRegion().front()};
  PathImport paths[2];
  for (int i = 0; i < 2; ++i) {
    bool malformed = false;
    paths[i] =
        importPath(node, [&] { return importBranch(node, *graphs[i], *blocks[i], malformed); });
    paths[i].rejectsModel |= malformed;
    if (failed(paths[i].outputs))
      clearBlock(*blocks[i]);
  }
  // A probe left behind on failure is harmless: the import stops and the module is dropped.
  if (failed(decideFailedPaths(node, paths, "")))
    return failure();
  for (PathImport &path : paths)
    if (succeeded(path.outputs) && int(path.outputs->size()) != node.node.output_size()) {
      node.error() << "a branch has " << path.outputs->size() << " outputs, the node "
                   << node.node.output_size();
      return failure();
    }
  if (succeeded(paths[0].outputs) && succeeded(paths[1].outputs))
    for (auto [thenOutput, elseOutput] : llvm::zip(*paths[0].outputs, *paths[1].outputs))
      if (ranksDiffer(thenOutput.getType(), elseOutput.getType()))
        return continuePerBranch(node, probe, condition, *paths[0].outputs, *paths[1].outputs);
  FailureOr<SmallVector<Type>> types = pathTypes(node, paths, "output");
  if (failed(types))
    return failure();
  for (int i = 0; i < 2; ++i)
    finishPath(node, *blocks[i], paths[i], *types);
  auto result = scf::IfOp::create(b, node.loc, *types, condition, /*addThenBlock=*/false,
                                  /*addElseBlock=*/false);
  result.getThenRegion().takeBody(probe.getThenRegion());
  result.getElseRegion().takeBody(probe.getElseRegion());
  probe.erase();
  for (auto [index, value] : llvm::enumerate(result.getResults()))
    node.setOutput(int(index), value);
  return success();
}

//===----------------------------------------------------------------------===//
// Loop and Scan
//===----------------------------------------------------------------------===//

/// Imports a loop body at the end of `block`, its inputs bound to `inputs`, and returns its
/// outputs.
FailureOr<SmallVector<Value>> importBody(NodeContext &node, const onnx::GraphProto &graph,
                                         Block &block, ArrayRef<Value> inputs) {
  OpBuilder::InsertionGuard guard(node.builder);
  node.builder.setInsertionPointToEnd(&block);
  llvm::StringMap<Value> scope = node.scope();
  for (auto [info, value] : llvm::zip(graph.input(), inputs))
    scope[info.name()] = value;
  if (failed(node.importSubgraph(graph, scope)))
    return failure();
  SmallVector<Value> outputs;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = scope.lookup(output.name());
    if (!value) {
      node.error() << "the body does not produce its output '" << output.name() << "' as a tensor";
      return failure();
    }
    outputs.push_back(value);
  }
  return outputs;
}

/// Imports the body once into a detached block, to learn its output types, and drops it.
/// `bind` builds the body's inputs from the block's arguments (of `argumentTypes`).
FailureOr<SmallVector<Type>> probeBody(NodeContext &node, const onnx::GraphProto &graph,
                                       TypeRange argumentTypes,
                                       function_ref<SmallVector<Value>(Block &)> bind) {
  auto block = std::make_unique<Block>();
  for (Type type : argumentTypes)
    block->addArgument(type, node.loc);
  SmallVector<Value> inputs;
  {
    OpBuilder::InsertionGuard guard(node.builder);
    node.builder.setInsertionPointToEnd(block.get());
    inputs = bind(*block);
  }
  FailureOr<SmallVector<Value>> outputs = importBody(node, graph, *block, inputs);
  FailureOr<SmallVector<Type>> types = failure();
  if (succeeded(outputs))
    types = llvm::to_vector(llvm::map_range(*outputs, [](Value v) { return v.getType(); }));
  block->dropAllReferences();
  block->dropAllDefinedValueUses();
  return types;
}

/// A loop-carried type that holds both `carried` and `next`: dims that differ become dynamic.
FailureOr<RankedTensorType> generalize(NodeContext &node, RankedTensorType carried, Type next,
                                       int index) {
  auto nextType = dyn_cast<RankedTensorType>(next);
  if (!nextType || nextType.getElementType() != carried.getElementType() ||
      nextType.getRank() != carried.getRank()) {
    node.error() << "loop-carried value " << index << " enters as " << carried
                 << " but the body returns " << next;
    return failure();
  }
  SmallVector<int64_t> shape;
  for (auto [a, b] : llvm::zip(carried.getShape(), nextType.getShape()))
    shape.push_back(a == b ? a : ShapedType::kDynamic);
  return RankedTensorType::get(shape, carried.getElementType());
}

/// Generalizes `carried` until the body's outputs (from index `offset` on) fit it; a value
/// whose shape changes every iteration ends with `?` where it changes.
LogicalResult fixCarriedTypes(NodeContext &node, SmallVectorImpl<RankedTensorType> &carried,
                              function_ref<FailureOr<SmallVector<Type>>()> probe, int offset,
                              SmallVectorImpl<Type> &outputTypes) {
  for (int round = 0; round < 4; ++round) {
    FailureOr<SmallVector<Type>> outputs = probe();
    if (failed(outputs))
      return failure();
    outputTypes.assign(outputs->begin(), outputs->end());
    bool changed = false;
    for (auto [index, type] : llvm::enumerate(carried)) {
      FailureOr<RankedTensorType> general =
          generalize(node, type, (*outputs)[offset + index], int(index));
      if (failed(general))
        return failure();
      changed |= *general != type;
      type = *general;
    }
    if (!changed)
      return success();
  }
  // Ranks are fixed, so making every dim dynamic is a fixed point.
  for (RankedTensorType &type : carried)
    type = RankedTensorType::get(SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic),
                                 type.getElementType());
  FailureOr<SmallVector<Type>> outputs = probe();
  if (failed(outputs))
    return failure();
  outputTypes.assign(outputs->begin(), outputs->end());
  return success();
}

/// The single element of input `index`, which must be a one-element tensor of `want` (any
/// integer when `want` is null).
FailureOr<Value> scalarInput(NodeContext &node, int index, llvm::StringRef what, bool isBool) {
  RankedTensorType type = node.inputType(index);
  Type element = type ? type.getElementType() : Type();
  bool fits = type && llvm::all_of(type.getShape(), [](int64_t d) { return d == 1; }) &&
              (isBool ? element.isInteger(1) : element.isInteger(64) || element.isInteger(32));
  if (!fits) {
    node.error() << what << " must be a single " << (isBool ? "bool" : "integer") << ", got "
                 << (type ? Type(type) : Type());
    return failure();
  }
  OpBuilder &b = node.builder;
  SmallVector<Value> zeros(type.getRank(), arith::ConstantIndexOp::create(b, node.loc, 0));
  Value scalar = tensor::ExtractOp::create(b, node.loc, node.input(index), zeros);
  if (!isBool && !element.isInteger(64))
    scalar = arith::ExtSIOp::create(b, node.loc, b.getI64Type(), scalar);
  return scalar;
}

/// The sizes of `value`'s dims as fold results: attributes where static.
SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(type.isDynamicDim(d)
                        ? OpFoldResult(tensor::DimOp::create(b, loc, value, d).getResult())
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  return sizes;
}

/// The smaller of two sizes, folded when both are static.
OpFoldResult minSize(OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> a = getConstantIntValue(x), c = getConstantIntValue(y);
  if (a && c)
    return b.getIndexAttr(std::min(*a, *c));
  return arith::MinSIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, x),
                                getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

/// Writes `value` into `buffer` at index `position` of dim `axis`, as a rank-reduced slice.
/// Dynamic dims take the smaller of the two sizes, so that a value whose shape changes from
/// one iteration to the next never writes outside the buffer.
Value insertAt(OpBuilder &b, Location loc, Value buffer, Value value, Value position,
               int64_t axis) {
  auto type = cast<RankedTensorType>(buffer.getType());
  SmallVector<OpFoldResult> bufferSizes = sizesOf(b, loc, buffer);
  SmallVector<OpFoldResult> valueSizes = sizesOf(b, loc, value);
  SmallVector<OpFoldResult> sizes;
  for (auto [index, size] : llvm::enumerate(valueSizes))
    sizes.push_back(minSize(b, loc, size, bufferSizes[int64_t(index) < axis ? index : index + 1]));
  if (sizes != valueSizes)
    value = tensor::ExtractSliceOp::create(
        b, loc, value, SmallVector<OpFoldResult>(sizes.size(), b.getIndexAttr(0)), sizes,
        SmallVector<OpFoldResult>(sizes.size(), b.getIndexAttr(1)));
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[axis] = position;
  sizes.insert(sizes.begin() + axis, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(
      b, loc, value, buffer, offsets, sizes,
      SmallVector<OpFoldResult>(type.getRank(), b.getIndexAttr(1)));
}

/// The rank-reduced slice of `value` at `position` of dim `axis`.
Value sliceAt(OpBuilder &b, Location loc, Value value, Value position, int64_t axis) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[axis] = position;
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, value);
  sizes[axis] = b.getIndexAttr(1);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value, offsets, sizes,
      SmallVector<OpFoldResult>(type.getRank(), b.getIndexAttr(1)));
}

/// `buffer` (rows of `value`'s shape) with `value` at `row`, after doubling its capacity when
/// it is full. The rows already written are copied over.
Value appendRow(OpBuilder &b, Location loc, Value buffer, Value row, Value value) {
  auto type = cast<RankedTensorType>(buffer.getType());
  Value capacity = tensor::DimOp::create(b, loc, buffer, 0);
  Value full = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, row, capacity);
  auto grow = scf::IfOp::create(
      b, loc, full,
      [&](OpBuilder &b, Location loc) {
        Value doubled = arith::AddIOp::create(
            b, loc,
            arith::MulIOp::create(b, loc, capacity, arith::ConstantIndexOp::create(b, loc, 2)),
            arith::ConstantIndexOp::create(b, loc, 1));
        SmallVector<Value> sizes = {doubled};
        for (int64_t d = 1; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            sizes.push_back(tensor::DimOp::create(b, loc, value, d - 1));
        Value fresh =
            tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), sizes);
        SmallVector<OpFoldResult> oldSizes = sizesOf(b, loc, buffer),
                                  freshSizes = sizesOf(b, loc, fresh);
        SmallVector<OpFoldResult> copySizes = {row};
        for (int64_t d = 1; d < type.getRank(); ++d)
          copySizes.push_back(minSize(b, loc, oldSizes[d], freshSizes[d]));
        SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0)),
            ones(type.getRank(), b.getIndexAttr(1));
        Value written = tensor::ExtractSliceOp::create(b, loc, buffer, zeros, copySizes, ones);
        scf::YieldOp::create(
            b, loc,
            Value(tensor::InsertSliceOp::create(b, loc, written, fresh, zeros, copySizes, ones)));
      },
      [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, buffer); });
  return insertAt(b, loc, grow.getResult(0), value, row, 0);
}

const onnx::GraphProto *bodyOf(NodeContext &node) {
  const onnx::AttributeProto *body = node.attribute("body");
  if (!body || body->type() != onnx::AttributeProto::GRAPH) {
    node.error() << "the body graph is required";
    return nullptr;
  }
  return &body->g();
}

/// Loop: `for (i = 0; i < M && cond; ++i) { cond, v... = body(i, cond, v...) }` as scf.while.
/// Each scan output collects one value per iteration in a buffer that doubles when full, so
/// that neither the trip count nor an early exit has to be known in advance.
LogicalResult loopNode(NodeContext &node) {
  const onnx::GraphProto *body = bodyOf(node);
  if (!body)
    return failure();
  int numCarried = node.numInputs() - 2;
  int numScans = body->output_size() - 1 - numCarried;
  if (body->input_size() != 2 + numCarried || numScans < 0 ||
      node.node.output_size() != numCarried + numScans) {
    node.error() << "the body has " << body->input_size() << " inputs and " << body->output_size()
                 << " outputs, but the node carries " << numCarried << " value(s) and has "
                 << node.node.output_size() << " outputs";
    return failure();
  }
  if (!node.hasInput(0) && !node.hasInput(1)) {
    node.error() << "a loop with neither a trip count nor a condition never ends";
    return failure();
  }
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  Value tripCount, initialCondition;
  if (node.hasInput(0)) {
    FailureOr<Value> m = scalarInput(node, 0, "the trip count", false);
    if (failed(m))
      return failure();
    tripCount = *m;
  }
  if (node.hasInput(1)) {
    FailureOr<Value> c = scalarInput(node, 1, "the condition", true);
    if (failed(c))
      return failure();
    initialCondition = *c;
  } else {
    initialCondition = arith::ConstantIntOp::create(b, loc, 1, 1);
  }
  SmallVector<RankedTensorType> carried;
  for (int i = 0; i < numCarried; ++i) {
    if (!node.input(2 + i)) {
      node.error() << "loop-carried value " << i << " must be a tensor";
      return failure();
    }
    carried.push_back(node.inputType(2 + i));
  }

  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  auto bodyInputs = [&](Block &block) {
    OpBuilder &b = node.builder;
    SmallVector<Value> inputs = {tensor::FromElementsOp::create(
                                     b, loc, RankedTensorType::get({}, i64), block.getArgument(0)),
                                 tensor::FromElementsOp::create(
                                     b, loc, RankedTensorType::get({}, i1), block.getArgument(1))};
    for (int i = 0; i < numCarried; ++i)
      inputs.push_back(block.getArgument(2 + i));
    return inputs;
  };
  SmallVector<Type> outputTypes;
  auto probe = [&]() {
    SmallVector<Type> arguments = {i64, i1};
    arguments.append(carried.begin(), carried.end());
    return probeBody(node, *body, arguments, bodyInputs);
  };
  if (failed(fixCarriedTypes(node, carried, probe, 1, outputTypes)))
    return failure();
  auto conditionType = dyn_cast<RankedTensorType>(outputTypes[0]);
  if (!conditionType || !conditionType.getElementType().isInteger(1) ||
      !llvm::all_of(conditionType.getShape(), [](int64_t d) { return d == 1; })) {
    node.error() << "the body's condition output must be a single bool, got " << outputTypes[0];
    return failure();
  }
  // Scan buffers: [capacity, element dims...].
  SmallVector<RankedTensorType> scanTypes, bufferTypes;
  for (int k = 0; k < numScans; ++k) {
    auto type = dyn_cast<RankedTensorType>(outputTypes[1 + numCarried + k]);
    if (!type) {
      node.error() << "scan output " << k << " must be a tensor";
      return failure();
    }
    scanTypes.push_back(type);
    SmallVector<int64_t> shape = {ShapedType::kDynamic};
    shape.append(type.getShape().begin(), type.getShape().end());
    bufferTypes.push_back(RankedTensorType::get(shape, type.getElementType()));
  }

  SmallVector<Value> inits = {arith::ConstantIntOp::create(b, loc, 0, 64), initialCondition};
  SmallVector<Type> types = {i64, i1};
  for (int i = 0; i < numCarried; ++i) {
    inits.push_back(castTo(b, loc, node.input(2 + i), carried[i]));
    types.push_back(carried[i]);
  }
  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  for (RankedTensorType type : bufferTypes) {
    SmallVector<Value> sizes(llvm::count(type.getShape(), ShapedType::kDynamic), zeroIndex);
    inits.push_back(tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), sizes));
    types.push_back(type);
  }
  SmallVector<Location> locations(types.size(), loc);
  auto whileOp = scf::WhileOp::create(b, loc, types, inits);
  Block *before = b.createBlock(&whileOp.getBefore(), {}, types, locations);
  Block *after = b.createBlock(&whileOp.getAfter(), {}, types, locations);
  b.setInsertionPointAfter(whileOp);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(before);
    Value go = before->getArgument(1);
    if (tripCount)
      go = arith::AndIOp::create(b, loc, go,
                                 arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                                       before->getArgument(0), tripCount));
    scf::ConditionOp::create(b, loc, go, before->getArguments());
  }
  SmallVector<Value> inputs;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(after);
    inputs = bodyInputs(*after);
  }
  FailureOr<SmallVector<Value>> outputs = importBody(node, *body, *after, inputs);
  if (failed(outputs))
    return failure();
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(after);
    Value iteration = after->getArgument(0);
    SmallVector<Value> yielded = {
        arith::AddIOp::create(b, loc, iteration, arith::ConstantIntOp::create(b, loc, 1, 64))};
    if (node.hasInput(1)) {
      SmallVector<Value> zeros(conditionType.getRank(), arith::ConstantIndexOp::create(b, loc, 0));
      yielded.push_back(tensor::ExtractOp::create(b, loc, (*outputs)[0], zeros));
    } else {
      yielded.push_back(after->getArgument(1));
    }
    for (int i = 0; i < numCarried; ++i) {
      Value next = (*outputs)[1 + i];
      if (!tensor::CastOp::areCastCompatible(next.getType(), carried[i])) {
        node.error() << "loop-carried value " << i << " returns as " << next.getType() << ", not "
                     << carried[i];
        return failure();
      }
      yielded.push_back(castTo(b, loc, next, carried[i]));
    }
    Value row = arith::IndexCastOp::create(b, loc, b.getIndexType(), iteration);
    for (int k = 0; k < numScans; ++k) {
      Value value = castTo(b, loc, (*outputs)[1 + numCarried + k], scanTypes[k]);
      yielded.push_back(appendRow(b, loc, after->getArgument(2 + numCarried + k), row, value));
    }
    scf::YieldOp::create(b, loc, yielded);
  }
  for (int i = 0; i < numCarried; ++i)
    node.setOutput(i, whileOp.getResult(2 + i));
  Value count = arith::IndexCastOp::create(b, loc, b.getIndexType(), whileOp.getResult(0));
  std::optional<std::vector<int64_t>> knownTrips =
      node.hasInput(1) ? std::nullopt : node.constantInts(0);
  for (int k = 0; k < numScans; ++k) {
    Value buffer = whileOp.getResult(2 + numCarried + k);
    RankedTensorType type = bufferTypes[k];
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
        strides(type.getRank(), b.getIndexAttr(1));
    sizes.push_back(count);
    for (int64_t d = 1; d < type.getRank(); ++d)
      sizes.push_back(type.isDynamicDim(d)
                          ? OpFoldResult(tensor::DimOp::create(b, loc, buffer, d).getResult())
                          : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
    Value result = tensor::ExtractSliceOp::create(b, loc, type, buffer, offsets, sizes, strides);
    if (knownTrips && knownTrips->size() == 1 && knownTrips->front() >= 0) {
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = knownTrips->front();
      result = tensor::CastOp::create(b, loc, type.clone(shape), result);
    }
    node.setOutput(numCarried + k, result);
  }
  return success();
}

/// One scan over `scanInputs` along their axes, carrying `states`: the final states, then the
/// scan outputs, each stacked along its axis.
FailureOr<SmallVector<Value>> scanCore(NodeContext &node, const onnx::GraphProto &body,
                                       ArrayRef<Value> states, ArrayRef<Value> scanInputs,
                                       ArrayRef<int64_t> inputAxes, ArrayRef<bool> inputReversed,
                                       ArrayRef<int64_t> outputAxes,
                                       ArrayRef<bool> outputReversed) {
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  int numStates = states.size(), numInputs = scanInputs.size();
  int numOutputs = body.output_size() - numStates;
  if (body.input_size() != numStates + numInputs || numOutputs < 0) {
    node.error() << "the body has " << body.input_size() << " inputs and " << body.output_size()
                 << " outputs, but the node has " << numStates << " state(s) and " << numInputs
                 << " scan input(s)";
    return failure();
  }
  if (int64_t(outputAxes.size()) < numOutputs || int64_t(outputReversed.size()) < numOutputs) {
    node.error() << "scan_output_axes and scan_output_directions need " << numOutputs << " entries";
    return failure();
  }
  // The scan length: the smallest of the inputs' lengths, so that no input is read past its
  // end when they disagree at run time.
  Value length;
  std::optional<int64_t> staticLength;
  SmallVector<Type> elementTypes;
  for (auto [j, input] : llvm::enumerate(scanInputs)) {
    auto type = cast<RankedTensorType>(input.getType());
    int64_t size = type.getDimSize(inputAxes[j]);
    if (!ShapedType::isDynamic(size)) {
      if (staticLength && *staticLength != size) {
        node.error() << "scan inputs have lengths " << *staticLength << " and " << size;
        return failure();
      }
      staticLength = size;
    }
    Value dim = tensor::DimOp::create(b, loc, input, inputAxes[j]);
    length = length ? Value(arith::MinSIOp::create(b, loc, length, dim)) : dim;
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + inputAxes[j]);
    elementTypes.push_back(RankedTensorType::get(shape, type.getElementType()));
  }
  if (staticLength)
    length = arith::ConstantIndexOp::create(b, loc, *staticLength);

  SmallVector<RankedTensorType> carried;
  for (Value state : states)
    carried.push_back(cast<RankedTensorType>(state.getType()));
  SmallVector<Type> outputTypes;
  auto probe = [&]() {
    SmallVector<Type> arguments(carried.begin(), carried.end());
    arguments.append(elementTypes);
    return probeBody(node, body, arguments,
                     [](Block &block) { return SmallVector<Value>(block.getArguments()); });
  };
  if (failed(fixCarriedTypes(node, carried, probe, 0, outputTypes)))
    return failure();

  SmallVector<Value> inits;
  for (auto [state, type] : llvm::zip(states, carried))
    inits.push_back(castTo(b, loc, state, type));
  SmallVector<int64_t> axes;
  for (int k = 0; k < numOutputs; ++k) {
    auto type = dyn_cast<RankedTensorType>(outputTypes[numStates + k]);
    if (!type || !type.hasStaticShape()) {
      node.error() << "scan output " << k << " must have a static shape, got "
                   << outputTypes[numStates + k];
      return failure();
    }
    int64_t axis = outputAxes[k] < 0 ? outputAxes[k] + type.getRank() + 1 : outputAxes[k];
    if (axis < 0 || axis > type.getRank()) {
      node.error() << "scan output axis " << outputAxes[k] << " is out of range for rank "
                   << type.getRank() + 1;
      return failure();
    }
    axes.push_back(axis);
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + axis, staticLength.value_or(ShapedType::kDynamic));
    SmallVector<Value> sizes;
    if (!staticLength)
      sizes.push_back(length);
    inits.push_back(tensor::EmptyOp::create(b, loc, shape, type.getElementType(), sizes));
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto forOp = scf::ForOp::create(b, loc, zero, length, one, inits);
  Block *loopBody = forOp.getBody();
  OpBuilder::InsertionGuard guard(b);
  if (loopBody->mightHaveTerminator())
    b.setInsertionPoint(loopBody->getTerminator());
  else
    b.setInsertionPointToEnd(loopBody);
  Value i = forOp.getInductionVar();
  Value last = arith::SubIOp::create(b, loc, length, one);
  Value reversed = arith::SubIOp::create(b, loc, last, i);
  SmallVector<Value> bodyInputs(forOp.getRegionIterArgs().take_front(numStates));
  for (auto [j, input] : llvm::enumerate(scanInputs))
    bodyInputs.push_back(sliceAt(b, loc, input, inputReversed[j] ? reversed : i, inputAxes[j]));
  Block *insertion = b.getInsertionBlock();
  FailureOr<SmallVector<Value>> outputs = importBody(node, body, *insertion, bodyInputs);
  if (failed(outputs))
    return failure();
  // importBody appends at the end of the block; a terminator already there must stay last.
  if (loopBody->mightHaveTerminator())
    loopBody->getTerminator()->erase();
  b.setInsertionPointToEnd(loopBody);
  SmallVector<Value> yielded;
  for (int n = 0; n < numStates; ++n) {
    Value next = (*outputs)[n];
    if (!tensor::CastOp::areCastCompatible(next.getType(), carried[n])) {
      node.error() << "state " << n << " returns as " << next.getType() << ", not " << carried[n];
      return failure();
    }
    yielded.push_back(castTo(b, loc, next, carried[n]));
  }
  for (int k = 0; k < numOutputs; ++k)
    yielded.push_back(insertAt(b, loc, forOp.getRegionIterArgs()[numStates + k],
                               (*outputs)[numStates + k], outputReversed[k] ? reversed : i,
                               axes[k]));
  scf::YieldOp::create(b, loc, yielded);
  return SmallVector<Value>(forOp.getResults());
}

/// Reads a per-input attribute list of `count` entries, `fallback` when absent.
FailureOr<SmallVector<int64_t>> listAttr(NodeContext &node, llvm::StringRef name, int count,
                                         int64_t fallback) {
  std::optional<std::vector<int64_t>> values = node.intsAttr(name);
  if (!values)
    return SmallVector<int64_t>(count, fallback);
  if (int64_t(values->size()) != count) {
    node.error() << name << " has " << values->size() << " entries, expected " << count;
    return failure();
  }
  return SmallVector<int64_t>(values->begin(), values->end());
}

FailureOr<SmallVector<bool>> directions(NodeContext &node, llvm::StringRef name, int count) {
  FailureOr<SmallVector<int64_t>> values = listAttr(node, name, count, 0);
  if (failed(values))
    return failure();
  SmallVector<bool> reversed;
  for (int64_t value : *values) {
    if (value != 0 && value != 1) {
      node.error() << name << " entries must be 0 or 1, got " << value;
      return failure();
    }
    reversed.push_back(value == 1);
  }
  return reversed;
}

/// Scan since opset 9: states, then scan inputs, each scanned along its own axis.
LogicalResult scanNode(NodeContext &node) {
  const onnx::GraphProto *body = bodyOf(node);
  if (!body)
    return failure();
  std::optional<int64_t> numScanInputs = node.intAttr("num_scan_inputs");
  int numInputs = node.numInputs();
  if (!numScanInputs || *numScanInputs < 1 || *numScanInputs > numInputs) {
    node.error() << "num_scan_inputs must be between 1 and the number of inputs";
    return failure();
  }
  int numStates = numInputs - int(*numScanInputs);
  int numOutputs = node.node.output_size() - numStates;
  if (numOutputs < 0) {
    node.error() << "the node has fewer outputs than states";
    return failure();
  }
  SmallVector<Value> states, inputs;
  for (int i = 0; i < numInputs; ++i) {
    if (!node.input(i)) {
      node.error() << "input " << i << " must be a tensor";
      return failure();
    }
    (i < numStates ? states : inputs).push_back(node.input(i));
  }
  FailureOr<SmallVector<int64_t>> inputAxes =
      listAttr(node, "scan_input_axes", int(*numScanInputs), 0);
  FailureOr<SmallVector<bool>> inputReversed =
      directions(node, "scan_input_directions", int(*numScanInputs));
  FailureOr<SmallVector<int64_t>> outputAxes = listAttr(node, "scan_output_axes", numOutputs, 0);
  FailureOr<SmallVector<bool>> outputReversed =
      directions(node, "scan_output_directions", numOutputs);
  if (failed(inputAxes) || failed(inputReversed) || failed(outputAxes) || failed(outputReversed))
    return failure();
  for (auto [j, axis] : llvm::enumerate(*inputAxes)) {
    FailureOr<int64_t> normalized = node.normalizeAxis(
        axis, cast<RankedTensorType>(inputs[j].getType()).getRank(), "scan input axis");
    if (failed(normalized))
      return failure();
    axis = *normalized;
  }
  FailureOr<SmallVector<Value>> results = scanCore(node, *body, states, inputs, *inputAxes,
                                                   *inputReversed, *outputAxes, *outputReversed);
  if (failed(results))
    return failure();
  for (auto [index, value] : llvm::enumerate(*results))
    node.setOutput(int(index), value);
  return success();
}

/// `value` with a unit dim in front.
Value prependUnitDim(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape = {1};
  shape.append(type.getShape().begin(), type.getShape().end());
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < type.getRank(); ++d)
    groups.push_back(d == 0 ? ReassociationIndices{0, 1} : ReassociationIndices{d + 1});
  return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()),
                                       value, groups);
}

/// Scan in opset 8: every state and scan input has a batch dim in front, and the scan runs
/// along dim 1 of each batch. A static batch is unrolled into one scan per batch.
LogicalResult scan8Node(NodeContext &node) {
  const onnx::GraphProto *body = bodyOf(node);
  if (!body)
    return failure();
  if (node.hasInput(0)) {
    node.error() << "sequence_lens is not supported; every batch must scan its whole length";
    return failure();
  }
  std::optional<int64_t> numScanInputs = node.intAttr("num_scan_inputs");
  int numInputs = node.numInputs() - 1;
  if (!numScanInputs || *numScanInputs < 1 || *numScanInputs > numInputs) {
    node.error() << "num_scan_inputs must be between 1 and the number of inputs";
    return failure();
  }
  int numStates = numInputs - int(*numScanInputs);
  int numOutputs = node.node.output_size() - numStates;
  FailureOr<SmallVector<bool>> inputReversed = directions(node, "directions", int(*numScanInputs));
  if (failed(inputReversed) || numOutputs < 0)
    return failure();
  int64_t batch = ShapedType::kDynamic;
  for (int i = 1; i <= numInputs; ++i) {
    RankedTensorType type = node.inputType(i);
    int64_t minRank = i <= numStates ? 1 : 2;
    if (!type || type.getRank() < minRank || type.isDynamicDim(0) ||
        (!ShapedType::isDynamic(batch) && type.getDimSize(0) != batch)) {
      node.error() << "input " << i << " must have a static batch dim shared by all inputs"
                   << (i > numStates ? " and a sequence dim" : "");
      return failure();
    }
    batch = type.getDimSize(0);
  }
  OpBuilder &b = node.builder;
  Location loc = node.loc;
  SmallVector<SmallVector<Value>> perBatch;
  for (int64_t n = 0; n < batch; ++n) {
    Value index = arith::ConstantIndexOp::create(b, loc, n);
    SmallVector<Value> states, inputs;
    for (int i = 1; i <= numInputs; ++i)
      (i <= numStates ? states : inputs).push_back(sliceAt(b, loc, node.input(i), index, 0));
    FailureOr<SmallVector<Value>> results = scanCore(
        node, *body, states, inputs, SmallVector<int64_t>(inputs.size(), 0), *inputReversed,
        SmallVector<int64_t>(numOutputs, 0), SmallVector<bool>(numOutputs, false));
    if (failed(results))
      return failure();
    perBatch.push_back(*results);
  }
  for (int k = 0; k < numStates + numOutputs; ++k) {
    SmallVector<Value> parts;
    for (SmallVector<Value> &results : perBatch)
      parts.push_back(prependUnitDim(b, loc, results[k]));
    if (parts.size() == 1) {
      node.setOutput(k, parts.front());
      continue;
    }
    FailureOr<Value> joined = node.create<llm::ConcatOp>(parts, int64_t(0));
    if (failed(joined))
      return failure();
    node.setOutput(k, *joined);
  }
  return success();
}

} // namespace

void registerControlFlowOps(OpRegistry &registry) {
  registry.add({"If", 1, 1, 1, 1, 1024, ifNode});
  registry.add({"Loop", 1, 2, 1024, 1, 1024, loopNode, /*optionalLeadingInputs=*/2});
  registry.add({"Scan", 8, 1, 1024, 1, 1024, scan8Node, /*optionalLeadingInputs=*/1});
  registry.add({"Scan", 9, 1, 1024, 1, 1024, scanNode});
}

} // namespace llmc::onnx_frontend
