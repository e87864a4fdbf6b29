//===- Reduction.cpp - ONNX reductions --------------------------------------===//
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// Reduce*: axes are an attribute up to the op's `axesInputSince` opset, an optional input
/// from then on. No axes means all of them, unless noop_with_empty_axes.
template <typename OpTy, int64_t axesInputSince> LogicalResult reduce(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  std::optional<std::vector<int64_t>> axes;
  if (node.opset < axesInputSince) {
    axes = node.intsAttr("axes");
  } else if (node.hasInput(1)) {
    axes = node.constantInts(1);
    if (!axes) {
      node.error() << "axes computed at run time are not supported";
      return failure();
    }
  }
  SmallVector<int64_t> normalized;
  if (!axes || axes->empty()) {
    if (node.intAttr("noop_with_empty_axes", 0) == 0)
      normalized = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  } else {
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
  }
  FailureOr<Value> result =
      node.create<OpTy>(node.input(0), node.builder.getDenseI64ArrayAttr(normalized),
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
}

} // namespace llmc::onnx_frontend
