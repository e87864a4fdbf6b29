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
  OpTy op = OpTy::create(node.builder, node.loc, node.input(0));
  // Fold constants at once (`Neg` of an axis), so that shape chains stay constants.
  Value result = op;
  SmallVector<Value, 1> folded;
  if (succeeded(node.builder.tryFold(op, folded)) && folded.size() == 1 &&
      folded.front() != result) {
    op->erase();
    result = folded.front();
  }
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
      if (!matchPattern(node.input(i), m_Constant(&bound))) {
        // A bound known only at run time: max and min with the scalar tensor.
        Value input = node.input(0);
        FailureOr<Value> bounded = i == 1 ? node.create<llm::MaxOp>(input, node.input(1))
                                          : node.create<llm::MinOp>(input, node.input(2));
        if (failed(bounded))
          return failure();
        node.setOutput(0, *bounded);
        // The other bound, if any, applies to that result.
        if (i == 1 && node.hasInput(2)) {
          FailureOr<Value> both = node.create<llm::MinOp>(*bounded, node.input(2));
          if (failed(both))
            return failure();
          node.setOutput(0, *both);
        }
        return success();
      }
      if (bound.getNumElements() != 1) {
        node.error() << (i == 1 ? "min" : "max") << " must be a scalar";
        return failure();
      }
      (i == 1 ? min : max) = firstElementAsDouble(bound);
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

/// ONNX's reference implementation (up to 1.14) made bfloat16 from float32 by dropping the low
/// 16 bits, that is rounding toward zero, and the node tests expect exactly those bits. The
/// truncation is built from llm ops on the bits; NaN stays NaN even when its payload lived only
/// in the dropped bits.
FailureOr<Value> truncateToBfloat16(NodeContext &node, Value input) {
  RankedTensorType type = cast<RankedTensorType>(input.getType());
  Builder &b = node.builder;
  Value wide = input;
  if (!type.getElementType().isF32())
    wide = llm::CastOp::create(node.builder, node.loc, type.clone(b.getF32Type()), input);
  Type u32 = b.getIntegerType(32, /*isSigned=*/false), u16 = b.getIntegerType(16, false);
  Value bits = llm::BitcastOp::create(node.builder, node.loc, type.clone(u32), wide);
  FailureOr<Value> high = node.create<llm::ShiftRightOp>(bits, node.scalar(16, u32));
  if (failed(high))
    return failure();
  Value narrow = llm::CastOp::create(node.builder, node.loc, type.clone(u16), *high);
  Value truncated =
      llm::BitcastOp::create(node.builder, node.loc, type.clone(b.getBF16Type()), narrow);
  FailureOr<Value> isNaN = node.create<llm::NotEqualOp>(wide, wide);
  if (failed(isNaN))
    return failure();
  return node.create<llm::SelectOp>(
      *isNaN, node.scalar(std::numeric_limits<double>::quiet_NaN(), b.getBF16Type()), truncated);
}

/// Cast and CastLike: `input` converted to `to`.
FailureOr<Value> castTo(NodeContext &node, Value input, Type to) {
  RankedTensorType type = cast<RankedTensorType>(input.getType());
  if (to.isBF16() && !type.getElementType().isBF16())
    return truncateToBfloat16(node, input);
  auto op = llm::CastOp::create(node.builder, node.loc, type.clone(to), input);
  // Fold constants at once: exporters cast shape conditions to bool before an If.
  SmallVector<Value, 1> folded;
  if (succeeded(node.builder.tryFold(op, folded)) && folded.size() == 1 &&
      folded.front() != op.getResult()) {
    op->erase();
    return folded.front();
  }
  return Value(op);
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
  FailureOr<Value> result = castTo(node, node.input(0), *element);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
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

/// Elementwise activations written with the llm ops, with `alpha`, `beta` and friends.
template <typename Fn> LogicalResult composite(NodeContext &node, Fn fn) {
  FailureOr<Value> result = fn(node.input(0), node.inputType(0).getElementType());
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// min(0, alpha * (exp(x / divisor) - 1)) + max(0, x): the shared shape of Elu, Selu and Celu.
FailureOr<Value> exponentialLinear(NodeContext &node, Value x, Type element, double alpha,
                                   double divisor) {
  Value scaledInput = x;
  if (divisor != 1.0) {
    FailureOr<Value> divided = node.create<llm::DivOp>(x, node.scalar(divisor, element));
    if (failed(divided))
      return failure();
    scaledInput = *divided;
  }
  Value exp = llm::ExpOp::create(node.builder, node.loc, scaledInput);
  FailureOr<Value> shifted = node.create<llm::SubOp>(exp, node.scalar(1.0, element));
  if (failed(shifted))
    return failure();
  FailureOr<Value> scaled = node.create<llm::MulOp>(*shifted, node.scalar(alpha, element));
  if (failed(scaled))
    return failure();
  FailureOr<Value> negativePart = node.create<llm::MinOp>(*scaled, node.scalar(0.0, element));
  FailureOr<Value> positivePart = node.create<llm::MaxOp>(x, node.scalar(0.0, element));
  if (failed(negativePart) || failed(positivePart))
    return failure();
  return node.create<llm::AddOp>(*positivePart, *negativePart);
}

LogicalResult elu(NodeContext &node) {
  return composite(node, [&](Value x, Type element) {
    return exponentialLinear(node, x, element, node.floatAttr("alpha", 1.0f), 1.0);
  });
}

LogicalResult celu(NodeContext &node) {
  float alpha = node.floatAttr("alpha", 1.0f);
  return composite(node, [&](Value x, Type element) {
    return exponentialLinear(node, x, element, alpha, alpha);
  });
}

LogicalResult selu(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    FailureOr<Value> inner = exponentialLinear(
        node, x, element, node.floatAttr("alpha", 1.67326319217681884765625f), 1.0);
    if (failed(inner))
      return failure();
    return node.create<llm::MulOp>(
        *inner, node.scalar(node.floatAttr("gamma", 1.05070102214813232421875f), element));
  });
}

LogicalResult softplus(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    Value exp = llm::ExpOp::create(node.builder, node.loc, x);
    FailureOr<Value> sum = node.create<llm::AddOp>(exp, node.scalar(1.0, element));
    if (failed(sum))
      return failure();
    return Value(llm::LogOp::create(node.builder, node.loc, *sum));
  });
}

LogicalResult softsign(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    Value abs = llm::AbsOp::create(node.builder, node.loc, x);
    FailureOr<Value> sum = node.create<llm::AddOp>(abs, node.scalar(1.0, element));
    if (failed(sum))
      return failure();
    return node.create<llm::DivOp>(x, *sum);
  });
}

/// clamp(alpha * x + beta, 0, 1), and x times that for HardSwish.
FailureOr<Value> hardSigmoidOf(NodeContext &node, Value x, Type element, double alpha,
                               double beta) {
  FailureOr<Value> scaled = node.create<llm::MulOp>(x, node.scalar(alpha, element));
  if (failed(scaled))
    return failure();
  FailureOr<Value> shifted = node.create<llm::AddOp>(*scaled, node.scalar(beta, element));
  if (failed(shifted))
    return failure();
  return Value(llm::ClampOp::create(node.builder, node.loc, *shifted,
                                    node.builder.getF64FloatAttr(0.0),
                                    node.builder.getF64FloatAttr(1.0)));
}

LogicalResult hardSigmoid(NodeContext &node) {
  return composite(node, [&](Value x, Type element) {
    return hardSigmoidOf(node, x, element, node.floatAttr("alpha", 0.2f),
                         node.floatAttr("beta", 0.5f));
  });
}

LogicalResult hardSwish(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    FailureOr<Value> gate = hardSigmoidOf(node, x, element, 1.0 / 6.0, 0.5);
    if (failed(gate))
      return failure();
    return node.create<llm::MulOp>(x, *gate);
  });
}

LogicalResult thresholdedRelu(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    FailureOr<Value> above =
        node.create<llm::GreaterOp>(x, node.scalar(node.floatAttr("alpha", 1.0f), element));
    if (failed(above))
      return failure();
    return node.create<llm::SelectOp>(*above, x, node.scalar(0.0, element));
  });
}

/// Shrink: x - bias where x > lambd, x + bias where x < -lambd, 0 elsewhere.
LogicalResult shrink(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    double lambd = node.floatAttr("lambd", 0.5f), bias = node.floatAttr("bias", 0.0f);
    FailureOr<Value> above = node.create<llm::GreaterOp>(x, node.scalar(lambd, element));
    FailureOr<Value> below = node.create<llm::LessOp>(x, node.scalar(-lambd, element));
    FailureOr<Value> minus = node.create<llm::SubOp>(x, node.scalar(bias, element));
    FailureOr<Value> plus = node.create<llm::AddOp>(x, node.scalar(bias, element));
    if (failed(above) || failed(below) || failed(minus) || failed(plus))
      return failure();
    FailureOr<Value> low = node.create<llm::SelectOp>(*below, *plus, node.scalar(0.0, element));
    if (failed(low))
      return failure();
    return node.create<llm::SelectOp>(*above, *minus, *low);
  });
}

/// PRelu: max(0, x) + slope * min(0, x).
LogicalResult prelu(NodeContext &node) {
  return composite(node, [&](Value x, Type element) -> FailureOr<Value> {
    FailureOr<Value> positive = node.create<llm::MaxOp>(x, node.scalar(0.0, element));
    FailureOr<Value> negative = node.create<llm::MinOp>(x, node.scalar(0.0, element));
    if (failed(positive) || failed(negative))
      return failure();
    FailureOr<Value> scaled = node.create<llm::MulOp>(*negative, node.input(1));
    if (failed(scaled))
      return failure();
    return node.create<llm::AddOp>(*positive, *scaled);
  });
}

LogicalResult mean(NodeContext &node) {
  Value sum = node.input(0);
  for (int i = 1; i < node.numInputs(); ++i) {
    FailureOr<Value> next = node.create<llm::AddOp>(sum, node.input(i));
    if (failed(next))
      return failure();
    sum = *next;
  }
  Type element = node.inputType(0).getElementType();
  FailureOr<Value> result = node.create<llm::DivOp>(sum, node.scalar(node.numInputs(), element));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Dropout at inference is the identity; its mask output is all true.
LogicalResult dropout(NodeContext &node) {
  if (node.opset >= 12 && node.hasInput(2)) {
    std::optional<std::vector<int64_t>> training = node.constantInts(2);
    if (!training || (!training->empty() && training->front() != 0)) {
      node.error() << "training mode is not supported";
      return failure();
    }
  }
  node.setOutput(0, node.input(0));
  if (node.node.output_size() > 1 && !node.node.output(1).empty()) {
    RankedTensorType type = node.inputType(0);
    if (!type.hasStaticShape()) {
      node.error() << "the mask output needs a static shape";
      return failure();
    }
    auto maskType = RankedTensorType::get(type.getShape(), node.builder.getI1Type());
    node.setOutput(1, node.constant(DenseElementsAttr::get(maskType, true)));
  }
  return success();
}

LogicalResult castLike(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  Type to = node.inputType(1).getElementType();
  if (!isa<FloatType, IntegerType>(type.getElementType()) || !isa<FloatType, IntegerType>(to)) {
    node.error() << "cannot cast " << type.getElementType() << " to " << to;
    return failure();
  }
  FailureOr<Value> result = castTo(node, node.input(0), to);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult where(NodeContext &node) {
  FailureOr<Value> result = node.create<llm::SelectOp>(node.input(0), node.input(1), node.input(2));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

/// Pow's exponent may have another type than its base; the result has the base's.
LogicalResult pow(NodeContext &node) {
  Value base = node.input(0), exponent = node.input(1);
  RankedTensorType baseType = node.inputType(0), exponentType = node.inputType(1);
  if (baseType.getElementType() != exponentType.getElementType())
    exponent = llm::CastOp::create(node.builder, node.loc,
                                   exponentType.clone(baseType.getElementType()), exponent);
  FailureOr<Value> result = node.create<llm::PowOp>(base, exponent);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Mod: with fmod=1, a - b * trunc(a / b) (C's fmod, the sign of a); with fmod=0 (integers
/// only), the remainder takes the sign of b, as in Python.
LogicalResult mod(NodeContext &node) {
  Value a = node.input(0), b = node.input(1);
  Type element = node.inputType(0).getElementType();
  bool fmod = node.intAttr("fmod", 0) != 0;
  if (isa<FloatType>(element) && !fmod) {
    node.error() << "fmod must be 1 for floating-point inputs";
    return failure();
  }
  FailureOr<Value> quotient = node.create<llm::DivOp>(a, b);
  if (failed(quotient))
    return failure();
  Value truncated = *quotient;
  if (isa<FloatType>(element)) {
    FailureOr<Value> negative = node.create<llm::LessOp>(*quotient, node.scalar(0.0, element));
    if (failed(negative))
      return failure();
    FailureOr<Value> rounded = node.create<llm::SelectOp>(
        *negative, Value(llm::CeilOp::create(node.builder, node.loc, *quotient)),
        Value(llm::FloorOp::create(node.builder, node.loc, *quotient)));
    if (failed(rounded))
      return failure();
    truncated = *rounded;
  }
  FailureOr<Value> product = node.create<llm::MulOp>(b, truncated);
  if (failed(product))
    return failure();
  FailureOr<Value> remainder = node.create<llm::SubOp>(a, *product);
  if (failed(remainder))
    return failure();
  Value result = *remainder;
  if (!fmod) {
    Value zero = node.scalar(0.0, element);
    FailureOr<Value> nonZero = node.create<llm::NotEqualOp>(result, zero);
    FailureOr<Value> remainderNegative = node.create<llm::LessOp>(result, zero);
    FailureOr<Value> divisorNegative = node.create<llm::LessOp>(b, zero);
    if (failed(nonZero) || failed(remainderNegative) || failed(divisorNegative))
      return failure();
    FailureOr<Value> signsDiffer = node.create<llm::XorOp>(*remainderNegative, *divisorNegative);
    if (failed(signsDiffer))
      return failure();
    FailureOr<Value> adjust = node.create<llm::AndOp>(*nonZero, *signsDiffer);
    FailureOr<Value> shifted = node.create<llm::AddOp>(result, b);
    if (failed(adjust) || failed(shifted))
      return failure();
    FailureOr<Value> adjusted = node.create<llm::SelectOp>(*adjust, *shifted, result);
    if (failed(adjusted))
      return failure();
    result = *adjusted;
  }
  node.setOutput(0, result);
  return success();
}

/// BitShift: unsigned integers shifted by the bits of the second input; amounts of the bit
/// width or more give 0.
LogicalResult bitShift(NodeContext &node) {
  std::optional<std::string> direction = node.stringAttr("direction");
  if (!direction || (*direction != "LEFT" && *direction != "RIGHT")) {
    node.error() << "the 'direction' attribute must be \"LEFT\" or \"RIGHT\"";
    return failure();
  }
  Type element = node.inputType(0).getElementType();
  if (!isa<IntegerType>(element) || element.isInteger(1)) {
    node.error() << "expected integer inputs, got " << element;
    return failure();
  }
  FailureOr<Value> result = *direction == "LEFT"
                                ? node.create<llm::ShiftLeftOp>(node.input(0), node.input(1))
                                : node.create<llm::ShiftRightOp>(node.input(0), node.input(1));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// IsNaN is x != x; IsInf compares |x| (or x) with infinity.
LogicalResult isNaN(NodeContext &node) {
  FailureOr<Value> result = node.create<llm::NotEqualOp>(node.input(0), node.input(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult isInf(NodeContext &node) {
  Type element = node.inputType(0).getElementType();
  if (!isa<FloatType>(element)) {
    node.error() << "IsInf takes a floating-point tensor, got " << node.inputType(0);
    return failure();
  }
  bool positive = node.intAttr("detect_positive", 1) != 0;
  bool negative = node.intAttr("detect_negative", 1) != 0;
  double infinity = std::numeric_limits<double>::infinity();
  Value x = node.input(0);
  FailureOr<Value> result;
  if (positive && negative)
    result = node.create<llm::EqualOp>(Value(llm::AbsOp::create(node.builder, node.loc, x)),
                                       node.scalar(infinity, element));
  else
    result = node.create<llm::EqualOp>(x, node.scalar(positive ? infinity : -infinity, element));
  if (failed(result))
    return failure();
  if (!positive && !negative)
    result = node.create<llm::AndOp>(
        *result, node.constant(DenseElementsAttr::get(
                     RankedTensorType::get({}, node.builder.getI1Type()), false)));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

void registerLegacyElementwiseOps(OpRegistry &registry);

void registerElementwiseOps(OpRegistry &registry) {
  registerLegacyElementwiseOps(registry);
  registry.add({"Add", 7, 2, 2, 1, 1, binary<llm::AddOp>});
  registry.add({"Sub", 7, 2, 2, 1, 1, binary<llm::SubOp>});
  registry.add({"Mul", 7, 2, 2, 1, 1, binary<llm::MulOp>});
  registry.add({"Div", 7, 2, 2, 1, 1, binary<llm::DivOp>});
  registry.add({"And", 7, 2, 2, 1, 1, binary<llm::AndOp>});
  registry.add({"Or", 7, 2, 2, 1, 1, binary<llm::OrOp>});
  registry.add({"Xor", 7, 2, 2, 1, 1, binary<llm::XorOp>});
  registry.add({"Equal", 7, 2, 2, 1, 1, binary<llm::EqualOp>});
  registry.add({"Less", 7, 2, 2, 1, 1, binary<llm::LessOp>});
  registry.add({"LessOrEqual", 12, 2, 2, 1, 1, binary<llm::LessEqualOp>});
  registry.add({"Greater", 7, 2, 2, 1, 1, binary<llm::GreaterOp>});
  registry.add({"GreaterOrEqual", 12, 2, 2, 1, 1, binary<llm::GreaterEqualOp>});
  registry.add({"Where", 9, 3, 3, 1, 1, where});
  registry.add({"Not", 1, 1, 1, 1, 1, unary<llm::NotOp>});
  registry.add({"Sin", 7, 1, 1, 1, 1, unary<llm::SinOp>});
  registry.add({"Cos", 7, 1, 1, 1, 1, unary<llm::CosOp>});
  registry.add({"Tan", 7, 1, 1, 1, 1, unary<llm::TanOp>});
  registry.add({"Asin", 7, 1, 1, 1, 1, unary<llm::AsinOp>});
  registry.add({"Acos", 7, 1, 1, 1, 1, unary<llm::AcosOp>});
  registry.add({"Atan", 7, 1, 1, 1, 1, unary<llm::AtanOp>});
  registry.add({"Sinh", 9, 1, 1, 1, 1, unary<llm::SinhOp>});
  registry.add({"Cosh", 9, 1, 1, 1, 1, unary<llm::CoshOp>});
  registry.add({"Asinh", 9, 1, 1, 1, 1, unary<llm::AsinhOp>});
  registry.add({"Acosh", 9, 1, 1, 1, 1, unary<llm::AcoshOp>});
  registry.add({"Atanh", 9, 1, 1, 1, 1, unary<llm::AtanhOp>});
  registry.add({"Floor", 6, 1, 1, 1, 1, unary<llm::FloorOp>});
  registry.add({"Ceil", 6, 1, 1, 1, 1, unary<llm::CeilOp>});
  registry.add({"Round", 11, 1, 1, 1, 1, unary<llm::RoundOp>});
  registry.add({"Sign", 9, 1, 1, 1, 1, unary<llm::SignOp>});
  registry.add({"Elu", 6, 1, 1, 1, 1, elu});
  registry.add({"Celu", 12, 1, 1, 1, 1, celu});
  registry.add({"Selu", 6, 1, 1, 1, 1, selu});
  registry.add({"Softplus", 1, 1, 1, 1, 1, softplus});
  registry.add({"Softsign", 1, 1, 1, 1, 1, softsign});
  registry.add({"HardSigmoid", 6, 1, 1, 1, 1, hardSigmoid});
  registry.add({"HardSwish", 14, 1, 1, 1, 1, hardSwish});
  registry.add({"ThresholdedRelu", 10, 1, 1, 1, 1, thresholdedRelu});
  registry.add({"Shrink", 9, 1, 1, 1, 1, shrink});
  registry.add({"PRelu", 7, 2, 2, 1, 1, prelu});
  registry.add({"Mean", 8, 1, 64, 1, 1, mean});
  registry.add({"Dropout", 1, 1, 3, 1, 2, dropout});
  registry.add({"CastLike", 15, 2, 2, 1, 1, castLike});
  registry.add({"Pow", 7, 2, 2, 1, 1, pow});
  registry.add({"IsNaN", 9, 1, 1, 1, 1, isNaN});
  registry.add({"Mod", 10, 2, 2, 1, 1, mod});
  registry.add({"BitShift", 11, 2, 2, 1, 1, bitShift});
  registry.add({"IsInf", 10, 1, 1, 1, 1, isInf});
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

//===----------------------------------------------------------------------===//
// Versions before opset 7 (8 for the variadic ops)
//===----------------------------------------------------------------------===//

namespace {

/// Before opset 7, binary ops broadcast only with `broadcast = 1`, and then only the second
/// operand, whose shape matches the first's dims from `axis` on (by default its trailing dims).
/// Reshaping it to the first operand's rank, with unit dims around that range, makes NumPy
/// broadcasting compute exactly that.
FailureOr<Value> legacyBroadcastOperand(NodeContext &node) {
  RankedTensorType lhs = node.inputType(0), rhs = node.inputType(1);
  Value operand = node.input(1);
  if (node.intAttr("broadcast", 0) == 0) {
    if (lhs.getShape() != rhs.getShape()) {
      node.error() << "shapes " << lhs << " and " << rhs << " differ, and broadcast is not set";
      return failure();
    }
    return operand;
  }
  int64_t rank = lhs.getRank(), operandRank = rhs.getRank();
  // A scalar or one-element operand is shared by every element.
  if (operandRank == 0 || (rhs.hasStaticShape() && rhs.getNumElements() == 1))
    return operandRank <= rank ? node.reshape(operand, SmallVector<int64_t>(rank, 1))
                               : FailureOr<Value>(operand);
  int64_t axis = node.intAttr("axis", rank - operandRank);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis + operandRank > rank) {
    node.error() << "axis " << node.intAttr("axis", rank - operandRank) << " does not place " << rhs
                 << " inside " << lhs;
    return failure();
  }
  SmallVector<int64_t> shape(rank, 1);
  for (int64_t d = 0; d < operandRank; ++d) {
    int64_t want = lhs.getDimSize(axis + d), have = rhs.getDimSize(d);
    if (!ShapedType::isDynamic(want) && !ShapedType::isDynamic(have) && want != have && have != 1) {
      node.error() << "shape " << rhs << " does not match dims " << axis << " on of " << lhs;
      return failure();
    }
    shape[axis + d] = have;
  }
  if (llvm::count(shape, ShapedType::kDynamic) > 1) {
    node.error() << "broadcasting " << rhs << " with more than one dynamic dim is not supported";
    return failure();
  }
  return node.reshape(operand, shape);
}

template <typename OpTy> LogicalResult legacyBinary(NodeContext &node) {
  FailureOr<Value> rhs = legacyBroadcastOperand(node);
  if (failed(rhs))
    return failure();
  FailureOr<Value> result = node.create<OpTy>(node.input(0), *rhs);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult legacyPow(NodeContext &node) {
  FailureOr<Value> exponent = legacyBroadcastOperand(node);
  if (failed(exponent))
    return failure();
  RankedTensorType baseType = node.inputType(0);
  auto exponentType = mlir::cast<RankedTensorType>(exponent->getType());
  Value converted = *exponent;
  if (exponentType.getElementType() != baseType.getElementType())
    converted = llm::CastOp::create(node.builder, node.loc,
                                    exponentType.clone(baseType.getElementType()), converted);
  FailureOr<Value> result = node.create<llm::PowOp>(node.input(0), converted);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Before opset 8, Max, Min, Sum and Mean take inputs of one shape.
LogicalResult checkSameShapes(NodeContext &node) {
  for (int i = 1; i < node.numInputs(); ++i)
    if (node.inputType(i).getShape() != node.inputType(0).getShape()) {
      node.error() << "inputs 0 and " << i << " have shapes " << node.inputType(0) << " and "
                   << node.inputType(i) << "; this opset does not broadcast";
      return failure();
    }
  return success();
}

template <typename OpTy> LogicalResult legacyVariadic(NodeContext &node) {
  if (failed(checkSameShapes(node)))
    return failure();
  return variadic<OpTy>(node);
}

LogicalResult legacyMean(NodeContext &node) {
  if (failed(checkSameShapes(node)))
    return failure();
  return mean(node);
}

/// Before opset 7, PRelu's slope is one value per channel (dim 1), or one for all.
LogicalResult legacyPrelu(NodeContext &node) {
  RankedTensorType type = node.inputType(0), slopeType = node.inputType(1);
  Value slope = node.input(1);
  if (slopeType.getRank() == 1 && slopeType.getDimSize(0) != 1 && type.getRank() >= 2) {
    if (!ShapedType::isDynamic(type.getDimSize(1)) && !slopeType.isDynamicDim(0) &&
        slopeType.getDimSize(0) != type.getDimSize(1)) {
      node.error() << "slope " << slopeType << " has not one value per channel of " << type;
      return failure();
    }
    SmallVector<int64_t> shape(type.getRank() - 1, 1);
    shape[0] = slopeType.getDimSize(0);
    FailureOr<Value> reshaped = node.reshape(slope, shape);
    if (failed(reshaped))
      return failure();
    slope = *reshaped;
  }
  Value x = node.input(0);
  Type element = type.getElementType();
  FailureOr<Value> positive = node.create<llm::MaxOp>(x, node.scalar(0.0, element));
  FailureOr<Value> negative = node.create<llm::MinOp>(x, node.scalar(0.0, element));
  if (failed(positive) || failed(negative))
    return failure();
  FailureOr<Value> scaled = node.create<llm::MulOp>(*negative, slope);
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = node.create<llm::AddOp>(*positive, *scaled);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void registerLegacyElementwiseOps(OpRegistry &registry) {
  registry.add({"Add", 1, 2, 2, 1, 1, legacyBinary<llm::AddOp>});
  registry.add({"Sub", 1, 2, 2, 1, 1, legacyBinary<llm::SubOp>});
  registry.add({"Mul", 1, 2, 2, 1, 1, legacyBinary<llm::MulOp>});
  registry.add({"Div", 1, 2, 2, 1, 1, legacyBinary<llm::DivOp>});
  registry.add({"And", 1, 2, 2, 1, 1, legacyBinary<llm::AndOp>});
  registry.add({"Or", 1, 2, 2, 1, 1, legacyBinary<llm::OrOp>});
  registry.add({"Xor", 1, 2, 2, 1, 1, legacyBinary<llm::XorOp>});
  registry.add({"Equal", 1, 2, 2, 1, 1, legacyBinary<llm::EqualOp>});
  registry.add({"Less", 1, 2, 2, 1, 1, legacyBinary<llm::LessOp>});
  registry.add({"Greater", 1, 2, 2, 1, 1, legacyBinary<llm::GreaterOp>});
  registry.add({"Pow", 1, 2, 2, 1, 1, legacyPow});
  registry.add({"PRelu", 1, 2, 2, 1, 1, legacyPrelu});
  registry.add({"Max", 1, 1, 64, 1, 1, legacyVariadic<llm::MaxOp>});
  registry.add({"Min", 1, 1, 64, 1, 1, legacyVariadic<llm::MinOp>});
  registry.add({"Sum", 1, 1, 64, 1, 1, legacyVariadic<llm::AddOp>});
  registry.add({"Mean", 1, 1, 64, 1, 1, legacyMean});
}

} // namespace llmc::onnx_frontend
