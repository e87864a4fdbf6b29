//===- Training.cpp - ONNX optimizer update rules (ai.onnx.preview.training) -===//
//
// Adagrad, Adam and Momentum compute one optimizer step for any number of tensors: elementwise
// formulas of llm ops, with the step count T read at run time.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

/// Elementwise arithmetic that stops at the first failing shape rule (already reported).
class Formula {
public:
  explicit Formula(NodeContext &node) : node(node) {}

  Value add(Value lhs, Value rhs) { return apply<llm::AddOp>(lhs, rhs); }
  Value sub(Value lhs, Value rhs) { return apply<llm::SubOp>(lhs, rhs); }
  Value mul(Value lhs, Value rhs) { return apply<llm::MulOp>(lhs, rhs); }
  Value div(Value lhs, Value rhs) { return apply<llm::DivOp>(lhs, rhs); }
  Value pow(Value lhs, Value rhs) { return apply<llm::PowOp>(lhs, rhs); }
  Value sqrt(Value value) {
    return value ? Value(llm::SqrtOp::create(node.builder, node.loc, value)) : Value();
  }
  Value select(Value condition, Value onTrue, Value onFalse) {
    if (!condition || !onTrue || !onFalse)
      return Value();
    FailureOr<Value> result = node.create<llm::SelectOp>(condition, onTrue, onFalse);
    return succeeded(result) ? *result : Value();
  }
  Value greater(Value lhs, Value rhs) { return apply<llm::GreaterOp>(lhs, rhs); }
  /// `value` with `element` elements.
  Value convert(Value value, Type element) {
    if (!value)
      return Value();
    auto type = mlir::cast<RankedTensorType>(value.getType());
    if (type.getElementType() == element)
      return value;
    return llm::CastOp::create(node.builder, node.loc, type.clone(element), value);
  }

private:
  template <typename OpTy> Value apply(Value lhs, Value rhs) {
    if (!lhs || !rhs)
      return Value();
    FailureOr<Value> result = node.create<OpTy>(lhs, rhs);
    return succeeded(result) ? *result : Value();
  }

  NodeContext &node;
};

/// Checks the common layout: R (a float scalar), T (an int64 scalar), then `groups` lists of
/// n tensors, and `outputGroups` lists of n outputs. Returns n.
FailureOr<int> tensorCount(NodeContext &node, int groups, int outputGroups) {
  int rest = node.numInputs() - 2;
  if (rest < groups || rest % groups != 0 ||
      node.node.output_size() != rest / groups * outputGroups) {
    node.error() << "expected R, T and " << groups << " equally long lists of tensors, with "
                 << outputGroups << " outputs per tensor; got " << node.numInputs()
                 << " inputs and " << node.node.output_size() << " outputs";
    return failure();
  }
  RankedTensorType rate = node.inputType(0), step = node.inputType(1);
  if (!isa<FloatType>(rate.getElementType()) || rate.getNumElements() != 1 ||
      !step.getElementType().isInteger(64) || step.getNumElements() != 1) {
    node.error() << "expected a float learning rate R and an int64 step count T, got " << rate
                 << " and " << step;
    return failure();
  }
  for (int i = 2; i < node.numInputs(); ++i)
    if (!isa<FloatType>(node.inputType(i).getElementType())) {
      node.error() << "input " << i << " must hold floats, got " << node.inputType(i);
      return failure();
    }
  return rest / groups;
}

/// The rate R and the step count T as scalars of `element`.
std::pair<Value, Value> rateAndStep(NodeContext &node, Formula &f, Type element) {
  FailureOr<Value> rate = node.reshape(node.input(0), {});
  FailureOr<Value> step = node.reshape(node.input(1), {});
  if (failed(rate) || failed(step))
    return {Value(), Value()};
  return {f.convert(*rate, element), f.convert(*step, element)};
}

/// Adagrad: r = R / (1 + T * decay_factor), g = norm_coefficient * X + G, H' = H + g^2,
/// X' = X - r * g / (sqrt(H') + epsilon).
LogicalResult adagrad(NodeContext &node) {
  FailureOr<int> count = tensorCount(node, 3, 2);
  if (failed(count))
    return failure();
  int n = *count;
  Formula f(node);
  for (int i = 0; i < n; ++i) {
    Value x = node.input(2 + i), gradient = node.input(2 + n + i), h = node.input(2 + 2 * n + i);
    Type element = node.inputType(2 + i).getElementType();
    auto constant = [&](double value) { return node.scalar(value, element); };
    auto [rate, step] = rateAndStep(node, f, element);
    Value decayed = f.div(
        rate, f.add(constant(1), f.mul(step, constant(node.floatAttr("decay_factor", 0.0f)))));
    Value g = f.add(f.mul(constant(node.floatAttr("norm_coefficient", 0.0f)), x), gradient);
    Value hNew = f.add(h, f.mul(g, g));
    Value adaptive = f.add(f.sqrt(hNew), constant(node.floatAttr("epsilon", 1e-6f)));
    Value xNew = f.sub(x, f.div(f.mul(decayed, g), adaptive));
    if (!xNew || !hNew)
      return failure();
    node.setOutput(i, xNew);
    node.setOutput(n + i, hNew);
  }
  return success();
}

/// Momentum, standard or Nesterov: g = norm_coefficient * X + G, V' = alpha * V + beta' * g
/// (beta' = 1 on the first step), X' = X - R * V' or X - R * (g + alpha * V').
LogicalResult momentum(NodeContext &node) {
  FailureOr<int> count = tensorCount(node, 3, 2);
  if (failed(count))
    return failure();
  std::optional<std::string> mode = node.stringAttr("mode");
  std::optional<float> alpha, beta, normCoefficient;
  for (auto [name, value] : {std::pair<const char *, std::optional<float> *>{"alpha", &alpha},
                             {"beta", &beta},
                             {"norm_coefficient", &normCoefficient}})
    if (const onnx::AttributeProto *attr = node.attribute(name);
        attr && attr->type() == onnx::AttributeProto::FLOAT)
      *value = attr->f();
  if (!mode || (*mode != "standard" && *mode != "nesterov") || !alpha || !beta ||
      !normCoefficient) {
    node.error() << "expected float attributes alpha, beta and norm_coefficient and a mode of "
                    "'standard' or 'nesterov'";
    return failure();
  }
  int n = *count;
  Formula f(node);
  for (int i = 0; i < n; ++i) {
    Value x = node.input(2 + i), gradient = node.input(2 + n + i), v = node.input(2 + 2 * n + i);
    Type element = node.inputType(2 + i).getElementType();
    auto constant = [&](double value) { return node.scalar(value, element); };
    auto [rate, step] = rateAndStep(node, f, element);
    Value g = f.add(f.mul(constant(*normCoefficient), x), gradient);
    Value scale = f.select(f.greater(step, constant(0)), constant(*beta), constant(1));
    Value vNew = f.add(f.mul(constant(*alpha), v), f.mul(scale, g));
    Value direction = *mode == "standard" ? vNew : f.add(g, f.mul(constant(*alpha), vNew));
    Value xNew = f.sub(x, f.mul(rate, direction));
    if (!xNew || !vNew)
      return failure();
    node.setOutput(i, xNew);
    node.setOutput(n + i, vNew);
  }
  return success();
}

/// Adam: g = norm_coefficient * X + G, V' = alpha * V + (1 - alpha) * g,
/// H' = beta * H + (1 - beta) * g^2, r = R * sqrt(1 - beta^T) / (1 - alpha^T) after the first
/// step (R on it), X' = (1 - norm_coefficient_post) * (X - r * V' / (sqrt(H') + epsilon)).
LogicalResult adam(NodeContext &node) {
  FailureOr<int> count = tensorCount(node, 4, 3);
  if (failed(count))
    return failure();
  double alpha = node.floatAttr("alpha", 0.9f), beta = node.floatAttr("beta", 0.999f);
  double epsilon = node.floatAttr("epsilon", 1e-6f);
  double normCoefficient = node.floatAttr("norm_coefficient", 0.0f);
  double normCoefficientPost = node.floatAttr("norm_coefficient_post", 0.0f);
  int n = *count;
  Formula f(node);
  for (int i = 0; i < n; ++i) {
    Value x = node.input(2 + i), gradient = node.input(2 + n + i);
    Value v = node.input(2 + 2 * n + i), h = node.input(2 + 3 * n + i);
    Type element = node.inputType(2 + i).getElementType();
    auto constant = [&](double value) { return node.scalar(value, element); };
    auto [rate, step] = rateAndStep(node, f, element);
    Value g = f.add(f.mul(constant(normCoefficient), x), gradient);
    Value vNew = f.add(f.mul(constant(alpha), v), f.mul(constant(1 - alpha), g));
    Value hNew = f.add(f.mul(constant(beta), h), f.mul(constant(1 - beta), f.mul(g, g)));
    Value corrected = f.div(f.mul(rate, f.sqrt(f.sub(constant(1), f.pow(constant(beta), step)))),
                            f.sub(constant(1), f.pow(constant(alpha), step)));
    Value adjusted = f.select(f.greater(step, constant(0)), corrected, rate);
    Value update = f.div(vNew, f.add(f.sqrt(hNew), constant(epsilon)));
    Value xNew = f.mul(constant(1 - normCoefficientPost), f.sub(x, f.mul(adjusted, update)));
    if (!xNew || !vNew || !hNew)
      return failure();
    node.setOutput(i, xNew);
    node.setOutput(n + i, vNew);
    node.setOutput(2 * n + i, hNew);
  }
  return success();
}

} // namespace

void registerTrainingOps(OpRegistry &registry) {
  registry.add({"ai.onnx.preview.training.Adagrad", 1, 5, 1024, 2, 1024, adagrad});
  registry.add({"ai.onnx.preview.training.Momentum", 1, 5, 1024, 2, 1024, momentum});
  registry.add({"ai.onnx.preview.training.Adam", 1, 6, 1024, 3, 1024, adam});
}

} // namespace llmc::onnx_frontend
