//===- Reduction.cpp - ONNX reductions --------------------------------------===//
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// True when the axes of a Reduce* node are an input whose values are known only at run time
/// (an input of static length 0 lists no axes, which is known).
bool hasRunTimeAxes(NodeContext &node, int64_t axesInputSince) {
  if (node.opset < axesInputSince || !node.hasInput(1) || node.constantInts(1))
    return false;
  RankedTensorType type = node.inputType(1);
  return !(type.getRank() == 1 && type.getDimSize(0) == 0);
}

/// llm.dynamic_reduce of `input` over the node's run-time axes.
FailureOr<Value> reduceAtRunTime(NodeContext &node, Value input, StringRef kind) {
  RankedTensorType axesType = node.inputType(1);
  if (axesType.getRank() != 1 || !isa<IntegerType>(axesType.getElementType())) {
    node.error() << "axes must be a 1-D integer tensor, got " << axesType;
    return failure();
  }
  return node.create<llm::DynamicReduceOp>(
      input, node.input(1), node.builder.getStringAttr(kind),
      node.builder.getBoolAttr(node.intAttr("keepdims", 1) != 0),
      node.builder.getBoolAttr(node.intAttr("noop_with_empty_axes", 0) != 0));
}

/// The normalized axes of a Reduce* node, or failure with a diagnostic.
FailureOr<SmallVector<int64_t>> reduceAxes(NodeContext &node, int64_t axesInputSince) {
  int64_t rank = node.inputType(0).getRank();
  std::optional<std::vector<int64_t>> axes;
  if (node.opset < axesInputSince)
    axes = node.intsAttr("axes");
  else if (node.hasInput(1))
    axes = node.constantInts(1).value_or(std::vector<int64_t>{});
  SmallVector<int64_t> normalized;
  if (!axes || axes->empty()) {
    if (node.intAttr("noop_with_empty_axes", 0) == 0)
      normalized = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    return normalized;
  }
  for (int64_t axis : *axes) {
    FailureOr<int64_t> n = node.normalizeAxis(axis, rank);
    if (failed(n))
      return failure();
    if (llvm::is_contained(normalized, *n)) {
      node.error() << "axis " << axis << " is listed twice";
      return failure();
    }
    normalized.push_back(*n);
  }
  llvm::sort(normalized);
  return normalized;
}

enum class Pre { None, Abs, Square, Exp };
enum class Post { None, Sqrt, Log };

/// ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp: a sum with an
/// elementwise step before and after.
template <Pre pre, Post post, int64_t axesInputSince>
LogicalResult reduceComposite(NodeContext &node) {
  bool runTime = hasRunTimeAxes(node, axesInputSince);
  FailureOr<SmallVector<int64_t>> axes =
      runTime ? SmallVector<int64_t>() : reduceAxes(node, axesInputSince);
  if (failed(axes))
    return failure();
  Value x = node.input(0);
  if (pre == Pre::Abs)
    x = llm::AbsOp::create(node.builder, node.loc, x);
  else if (pre == Pre::Exp)
    x = llm::ExpOp::create(node.builder, node.loc, x);
  else if (pre == Pre::Square) {
    FailureOr<Value> square = node.create<llm::MulOp>(x, x);
    if (failed(square))
      return failure();
    x = *square;
  }
  FailureOr<Value> sum = runTime ? reduceAtRunTime(node, x, "sum")
                                 : node.create<llm::ReduceSumOp>(
                                       x, node.builder.getDenseI64ArrayAttr(*axes),
                                       node.builder.getBoolAttr(node.intAttr("keepdims", 1) != 0));
  if (failed(sum))
    return failure();
  Value result = *sum;
  if (post == Post::Sqrt)
    result = llm::SqrtOp::create(node.builder, node.loc, result);
  else if (post == Post::Log)
    result = llm::LogOp::create(node.builder, node.loc, result);
  node.setOutput(0, result);
  return success();
}

/// Reduce*: axes are an attribute up to the op's `axesInputSince` opset, an optional input
/// from then on. No axes means all of them, unless noop_with_empty_axes.
template <typename OpTy, int64_t axesInputSince> LogicalResult reduce(NodeContext &node) {
  if (hasRunTimeAxes(node, axesInputSince)) {
    StringRef kind = std::is_same_v<OpTy, llm::ReduceSumOp>    ? "sum"
                     : std::is_same_v<OpTy, llm::ReduceMeanOp> ? "mean"
                     : std::is_same_v<OpTy, llm::ReduceMaxOp>  ? "max"
                     : std::is_same_v<OpTy, llm::ReduceMinOp>  ? "min"
                                                               : "prod";
    FailureOr<Value> result = reduceAtRunTime(node, node.input(0), kind);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  FailureOr<SmallVector<int64_t>> normalized = reduceAxes(node, axesInputSince);
  if (failed(normalized))
    return failure();
  FailureOr<Value> result =
      node.create<OpTy>(node.input(0), node.builder.getDenseI64ArrayAttr(*normalized),
                        node.builder.getBoolAttr(node.intAttr("keepdims", 1) != 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerReductionOps(OpRegistry &registry) {
  registry.add({"ReduceSum", 1, 1, 2, 1, 1, reduce<llm::ReduceSumOp, 13>});
  registry.add({"ReduceMean", 1, 1, 2, 1, 1, reduce<llm::ReduceMeanOp, 18>});
  registry.add({"ReduceMax", 1, 1, 2, 1, 1, reduce<llm::ReduceMaxOp, 18>});
  registry.add({"ReduceMin", 1, 1, 2, 1, 1, reduce<llm::ReduceMinOp, 18>});
  registry.add({"ReduceProd", 1, 1, 2, 1, 1, reduce<llm::ReduceProdOp, 18>});
  registry.add({"ReduceL1", 1, 1, 2, 1, 1, reduceComposite<Pre::Abs, Post::None, 18>});
  registry.add({"ReduceL2", 1, 1, 2, 1, 1, reduceComposite<Pre::Square, Post::Sqrt, 18>});
  registry.add({"ReduceSumSquare", 1, 1, 2, 1, 1, reduceComposite<Pre::Square, Post::None, 18>});
  registry.add({"ReduceLogSum", 1, 1, 2, 1, 1, reduceComposite<Pre::None, Post::Log, 18>});
  registry.add({"ReduceLogSumExp", 1, 1, 2, 1, 1, reduceComposite<Pre::Exp, Post::Log, 18>});
}

} // namespace llmc::onnx_frontend
