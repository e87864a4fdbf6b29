//===- Elementwise.cpp - ONNX elementwise ops -------------------------------===//
#include "frontends/onnx/Importer.h"

#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

template <typename OpTy> LogicalResult binary(NodeContext &node) {
  FailureOr<Value> result = node.create<OpTy>(node.input(0), node.input(1));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

template <typename OpTy> LogicalResult unary(NodeContext &node) {
  Value result = OpTy::create(node.builder, node.loc, node.input(0));
  node.setOutput(0, result);
  return success();
}

/// Max, Min and Sum take any number of inputs.
template <typename OpTy> LogicalResult variadic(NodeContext &node) {
  Value result = node.input(0);
  for (int i = 1; i < node.numInputs(); ++i) {
    FailureOr<Value> next = node.create<OpTy>(result, node.input(i));
    if (failed(next))
      return failure();
    result = *next;
  }
  node.setOutput(0, result);
  return success();
}

LogicalResult identity(NodeContext &node) {
  node.setOutput(0, node.input(0));
  return success();
}

/// Clip before opset 11 has min/max attributes; since then, optional scalar inputs.
LogicalResult clip(NodeContext &node) {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  if (node.opset < 11) {
    min = node.floatAttr("min", -std::numeric_limits<float>::infinity());
    max = node.floatAttr("max", std::numeric_limits<float>::infinity());
  } else {
    for (int i : {1, 2}) {
      if (!node.hasInput(i))
        continue;
      DenseElementsAttr bound;
      if (!matchPattern(node.input(i), m_Constant(&bound)) || bound.getNumElements() != 1) {
        node.error() << (i == 1 ? "min" : "max") << " must be a constant scalar";
        return failure();
      }
      double value = isa<FloatType>(bound.getElementType())
                         ? (*bound.getValues<APFloat>().begin()).convertToDouble()
                         : double((*bound.getValues<APInt>().begin()).getSExtValue());
      (i == 1 ? min : max) = value;
    }
  }
  if (min > max) {
    node.error() << "min " << min << " is greater than max " << max;
    return failure();
  }
  Value input = node.input(0);
  node.setOutput(0, llm::ClampOp::create(node.builder, node.loc, input,
                                         node.builder.getF64FloatAttr(min),
                                         node.builder.getF64FloatAttr(max)));
  return success();
}

LogicalResult cast(NodeContext &node) {
  std::optional<int64_t> to = node.intAttr("to");
  if (!to) {
    node.error() << "the 'to' attribute is required";
    return failure();
  }
  std::string error;
  FailureOr<Type> element = elementTypeOf(int32_t(*to), node.builder, error);
  if (failed(element)) {
    node.error() << error;
    return failure();
  }
  RankedTensorType type = node.inputType(0);
  if (!isa<FloatType, IntegerType>(type.getElementType())) {
    node.error() << "cannot cast from " << type.getElementType();
    return failure();
  }
  node.setOutput(0,
                 llm::CastOp::create(node.builder, node.loc, type.clone(*element), node.input(0)));
  return success();
}

/// LeakyRelu(x) = max(x, alpha * x) for alpha <= 1, min for alpha > 1.
LogicalResult leakyRelu(NodeContext &node) {
  Value input = node.input(0);
  Type element = node.inputType(0).getElementType();
  float alpha = node.floatAttr("alpha", 0.01f);
  FailureOr<Value> scaled = node.create<llm::MulOp>(input, node.scalar(alpha, element));
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = alpha <= 1 ? node.create<llm::MaxOp>(input, *scaled)
                                       : node.create<llm::MinOp>(input, *scaled);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerElementwiseOps(OpRegistry &registry) {
  registry.add({"Add", 7, 2, 2, 1, 1, binary<llm::AddOp>});
  registry.add({"Sub", 7, 2, 2, 1, 1, binary<llm::SubOp>});
  registry.add({"Mul", 7, 2, 2, 1, 1, binary<llm::MulOp>});
  registry.add({"Div", 7, 2, 2, 1, 1, binary<llm::DivOp>});
  registry.add({"Pow", 7, 2, 2, 1, 1, binary<llm::PowOp>});
  registry.add({"Max", 8, 1, 64, 1, 1, variadic<llm::MaxOp>});
  registry.add({"Min", 8, 1, 64, 1, 1, variadic<llm::MinOp>});
  registry.add({"Sum", 8, 1, 64, 1, 1, variadic<llm::AddOp>});
  registry.add({"Neg", 6, 1, 1, 1, 1, unary<llm::NegOp>});
  registry.add({"Abs", 6, 1, 1, 1, 1, unary<llm::AbsOp>});
  registry.add({"Exp", 6, 1, 1, 1, 1, unary<llm::ExpOp>});
  registry.add({"Log", 6, 1, 1, 1, 1, unary<llm::LogOp>});
  registry.add({"Sqrt", 6, 1, 1, 1, 1, unary<llm::SqrtOp>});
  registry.add({"Reciprocal", 6, 1, 1, 1, 1, unary<llm::ReciprocalOp>});
  registry.add({"Relu", 6, 1, 1, 1, 1, unary<llm::ReluOp>});
  registry.add({"Sigmoid", 6, 1, 1, 1, 1, unary<llm::SigmoidOp>});
  registry.add({"Tanh", 6, 1, 1, 1, 1, unary<llm::TanhOp>});
  registry.add({"Erf", 9, 1, 1, 1, 1, unary<llm::ErfOp>});
  registry.add({"Identity", 1, 1, 1, 1, 1, identity});
  registry.add({"Clip", 6, 1, 3, 1, 1, clip});
  registry.add({"Cast", 6, 1, 1, 1, 1, cast});
  registry.add({"LeakyRelu", 6, 1, 1, 1, 1, leakyRelu});
}

} // namespace llmc::onnx_frontend
