//===- FuseGelu.cpp - GELU from the primitives exporters emit ---------------===//
//
// Exporters of PyTorch models write GELU out as primitives: BERT's exact form as
// `x * 0.5 * (1 + erf(x / sqrt(2)))` and GPT-2's tanh form as `0.5 * x * (1 + tanh(sqrt(2 / pi)
// * (x + 0.044715 * pow(x, 3))))`, with the products in any order. Recomposed as one `llm.gelu`,
// it is one pass over the activations instead of seven, and the CPU backend applies it in the
// epilogue of the dense layer that produces x, while the block of the product is in the caches.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Matchers.h"
#include "dialects/llm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <functional>

namespace llmc::llm {
#define GEN_PASS_DEF_LLMFUSEGELUPASS
#include "dialects/llm/Transforms/Passes.h.inc"
} // namespace llmc::llm

using namespace mlir;
using namespace llmc::llm;

namespace {

/// Whether a constant is `expected` up to the rounding of an exporter's f32 constant.
bool near(std::optional<double> value, double expected) {
  return value && std::fabs(*value - expected) <= 1e-6 * std::fabs(expected);
}

/// The factors of the product `value`: its operands, and recursively those of each operand that
/// is itself an `llm.mul` of `value`'s type used only there (a product of scalar constants and
/// tensors of one shape, in any order and association). A value that is not such a product is its
/// own only factor.
SmallVector<Value> factors(Value value) {
  SmallVector<Value> result;
  auto type = value.getType();
  std::function<void(Value, bool)> walk = [&](Value v, bool root) {
    auto product = v.getDefiningOp<MulOp>();
    if (product && product.getType() == type && (root || v.hasOneUse())) {
      walk(product.getLhs(), false);
      walk(product.getRhs(), false);
      return;
    }
    result.push_back(v);
  };
  walk(value, true);
  return result;
}

/// Whether `values` are, in some order, one scalar constant near `constant` and then exactly the
/// values of `rest` (compared as a multiset).
bool isConstantTimes(ArrayRef<Value> values, double constant, ArrayRef<Value> rest) {
  if (values.size() != rest.size() + 1)
    return false;
  SmallVector<Value> remaining(values);
  auto it =
      llvm::find_if(remaining, [&](Value v) { return near(matchScalarConstant(v), constant); });
  if (it == remaining.end())
    return false;
  remaining.erase(it);
  for (Value expected : rest) {
    auto match = llvm::find(remaining, expected);
    if (match == remaining.end())
      return false;
    remaining.erase(match);
  }
  return true;
}

/// `1 + v` (either order), used once: v, else null.
Value onePlus(Value value) {
  auto add = value.getDefiningOp<AddOp>();
  if (!add || !value.hasOneUse())
    return {};
  if (near(matchScalarConstant(add.getLhs()), 1.0) && add.getRhs().getType() == add.getType())
    return add.getRhs();
  if (near(matchScalarConstant(add.getRhs()), 1.0) && add.getLhs().getType() == add.getType())
    return add.getLhs();
  return {};
}

/// Whether `value` is `x / sqrt(2)` or `x * (1 / sqrt(2))`, used once.
bool isScaledForErf(Value value, Value x) {
  if (!value.hasOneUse())
    return false;
  if (auto divide = value.getDefiningOp<DivOp>())
    return divide.getLhs() == x && near(matchScalarConstant(divide.getRhs()), std::sqrt(2.0));
  return isConstantTimes(factors(value), 1.0 / std::sqrt(2.0), {x});
}

/// `x^3` as `pow(x, 3)` used once: whether `value` is that.
bool isCube(Value value, Value x) {
  auto power = value.getDefiningOp<PowOp>();
  return power && value.hasOneUse() && power.getLhs() == x &&
         near(matchScalarConstant(power.getRhs()), 3.0);
}

/// Whether `value` is the argument of GPT-2's tanh: `sqrt(2 / pi) * (x + 0.044715 * x^3)`, or
/// the same factored as `sqrt(2 / pi) * x * (1 + 0.044715 * x^2)`, products in any order, every
/// intermediate used once.
bool isTanhArgument(Value value, Value x) {
  if (!value.hasOneUse())
    return false;
  const double scale = std::sqrt(2.0 / M_PI), cubic = 0.044715;
  SmallVector<Value> outer = factors(value);
  for (Value sum : outer) {
    auto add = sum.getDefiningOp<AddOp>();
    if (!add || !sum.hasOneUse())
      continue;
    if (isConstantTimes(outer, scale, {sum})) {
      // sqrt(2 / pi) * (x + 0.044715 * x^3)
      for (auto [first, second] :
           {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())}) {
        if (first != x || !second.hasOneUse())
          continue;
        SmallVector<Value> term = factors(second);
        if (isConstantTimes(term, cubic, {x, x, x}))
          return true;
        if (term.size() == 2 && llvm::any_of(term, [&](Value v) { return isCube(v, x); }) &&
            llvm::any_of(term, [&](Value v) { return near(matchScalarConstant(v), cubic); }))
          return true;
      }
    } else if (isConstantTimes(outer, scale, {x, sum})) {
      // sqrt(2 / pi) * x * (1 + 0.044715 * x^2)
      Value term = onePlus(sum);
      if (term && isConstantTimes(factors(term), cubic, {x, x}))
        return true;
    }
  }
  return false;
}

/// The `x` of `0.5 * x * (1 + f)` where `gate` is `1 + f` and f the erf or tanh of GELU's
/// argument for x; sets `tanh` to the form found.
Value geluInput(Value gate, Value x, bool &tanh) {
  Value inner = onePlus(gate);
  if (!inner || !inner.hasOneUse() || x.getType() != gate.getType())
    return {};
  if (auto erf = inner.getDefiningOp<ErfOp>(); erf && isScaledForErf(erf.getInput(), x)) {
    tanh = false;
    return x;
  }
  if (auto tanhOp = inner.getDefiningOp<TanhOp>(); tanhOp && isTanhArgument(tanhOp.getInput(), x)) {
    tanh = true;
    return x;
  }
  return {};
}

/// `0.5 * x * (1 + f)` (the products in any order) or `x * (1 + f) / 2`, rooted at the outermost
/// product or the division.
template <typename RootOp> struct FuseGelu : OpRewritePattern<RootOp> {
  using OpRewritePattern<RootOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(RootOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a float tensor");
    SmallVector<Value> terms;
    if constexpr (std::is_same_v<RootOp, DivOp>) {
      if (!near(matchScalarConstant(op.getRhs()), 2.0) || op.getLhs().getType() != type ||
          !op.getLhs().hasOneUse())
        return rewriter.notifyMatchFailure(op, "not a division by 2");
      terms = factors(op.getLhs());
      terms.push_back(op.getRhs()); // stands for the 1/2 below
    } else {
      terms = factors(op.getResult());
    }
    if (terms.size() != 3)
      return rewriter.notifyMatchFailure(op, "not a product of three factors");
    for (Value gate : terms)
      for (Value x : terms) {
        if (gate == x || !gate.getDefiningOp<AddOp>())
          continue;
        double half = std::is_same_v<RootOp, DivOp> ? 2.0 : 0.5;
        if (!isConstantTimes(terms, half, {gate, x}))
          continue;
        bool tanh = false;
        if (!geluInput(gate, x, tanh))
          continue;
        auto gelu = rewriter.replaceOpWithNewOp<GeluOp>(op, type, x);
        if (tanh)
          gelu.setTanhApproximation(true);
        return success();
      }
    return rewriter.notifyMatchFailure(op, "not GELU's product");
  }
};

struct LLMFuseGeluPass : llmc::llm::impl::LLMFuseGeluPassBase<LLMFuseGeluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGelu<MulOp>, FuseGelu<DivOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
