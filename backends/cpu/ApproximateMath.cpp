//===- ApproximateMath.cpp - Freestanding math ------------------------------===//
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCAPPROXIMATEMATHPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;

namespace {

/// The approximations are written for f32. A transcendental function on f64 (which would
/// otherwise call libm) is computed in f32 and widened back: about 7 significant digits.
struct DemoteF64Transcendental : RewritePattern {
  DemoteF64Transcendental(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    static const llvm::StringSet<> functions = {
        "math.exp",   "math.exp2",  "math.expm1", "math.log",   "math.log2",  "math.log10",
        "math.log1p", "math.tanh",  "math.erf",   "math.erfc",  "math.sin",   "math.cos",
        "math.tan",   "math.asin",  "math.acos",  "math.atan",  "math.atan2", "math.sinh",
        "math.cosh",  "math.asinh", "math.acosh", "math.atanh", "math.powf",  "math.cbrt"};
    if (!functions.contains(op->getName().getStringRef()) || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not a transcendental function");
    auto isF64 = [](Type type) { return getElementTypeOrSelf(type).isF64(); };
    if (!llvm::all_of(op->getOperandTypes(), isF64) || !isF64(op->getResult(0).getType()))
      return rewriter.notifyMatchFailure(op, "not on f64");
    auto narrow = [&](Type type) -> Type {
      if (auto shaped = dyn_cast<ShapedType>(type))
        return shaped.clone(rewriter.getF32Type());
      return rewriter.getF32Type();
    };
    SmallVector<Value> operands;
    for (Value operand : op->getOperands())
      operands.push_back(
          arith::TruncFOp::create(rewriter, op->getLoc(), narrow(operand.getType()), operand));
    OperationState state(op->getLoc(), op->getName(), operands,
                         {narrow(op->getResult(0).getType())}, op->getAttrs());
    Operation *narrowOp = rewriter.create(state);
    rewriter.replaceOpWithNewOp<arith::ExtFOp>(op, op->getResult(0).getType(),
                                               narrowOp->getResult(0));
    return success();
  }
};

struct LLMCApproximateMathPass
    : llmc::cpu::impl::LLMCApproximateMathPassBase<LLMCApproximateMathPass> {
  void runOnOperation() override {
    // First reduce compound functions (powf, rsqrt, ...) to exp, log and arithmetic, then
    // approximate what is left.
    RewritePatternSet demotions(&getContext());
    demotions.add<DemoteF64Transcendental>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(demotions))))
      return signalPassFailure();
    RewritePatternSet expansions(&getContext());
    math::populateExpansionPatterns(expansions);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expansions))))
      return signalPassFailure();
    RewritePatternSet approximations(&getContext());
    populateMathPolynomialApproximationPatterns(approximations);
    if (failed(applyPatternsGreedily(getOperation(), std::move(approximations))))
      return signalPassFailure();
  }
};

} // namespace
