//===- ReductionToLinalg.cpp - Reductions, softmax and norms to linalg ------===//
//
// f32 softmax over the last axis and f32 LayerNorm/RMSNorm whose parameters have the normalized
// dims' shape call the row kernels of backends/cpu/kernels/norm.c (`llm.microkernel`); every
// other case becomes linalg here.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

/// The number of elements in `input`'s dims `axes`, as a scalar of `element` type.
Value elementCount(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Type element) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t axis : axes) {
    if (!type.isDynamicDim(axis)) {
      staticCount *= type.getDimSize(axis);
      continue;
    }
    Value size = tensor::DimOp::create(b, loc, input, axis);
    dynamicCount = dynamicCount ? Value(arith::MulIOp::create(b, loc, dynamicCount, size)) : size;
  }
  if (!dynamicCount)
    return scalarConstant(b, loc, element, double(staticCount));
  Value count = arith::MulIOp::create(b, loc, dynamicCount,
                                      arith::ConstantIndexOp::create(b, loc, staticCount));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return convertScalar(b, loc, asInt, element);
}

/// `input`'s type with size 1 at `axes`.
RankedTensorType keepDimsType(Value input, ArrayRef<int64_t> axes) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t axis : axes)
    shape[axis] = 1;
  return RankedTensorType::get(shape, type.getElementType());
}

/// Reduces `input` over `axes` and keeps them as unit dims, so it broadcasts against `input`.
Value reduceKeepDims(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                     Combine kind) {
  return expandUnitDims(b, loc, reduce(b, loc, input, axes, kind), keepDimsType(input, axes), axes);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  return value.getType() == type ? value : Value(tensor::CastOp::create(b, loc, type, value));
}

template <typename OpTy, Combine kind, bool mean = false>
struct ReduceToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Location loc = op.getLoc();
    ArrayRef<int64_t> axes = op.getAxes();
    Value result = reduce(rewriter, loc, op.getInput(), axes, kind);
    if (mean) {
      Value count = elementCount(rewriter, loc, op.getInput(), axes, element);
      result = elementwise(rewriter, loc, cast<RankedTensorType>(result.getType()), {result},
                           [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
                             return combineScalars(b, nestedLoc, Combine::Div, args[0], count);
                           });
    }
    if (op.getKeepDims())
      result = expandUnitDims(rewriter, loc, result, keepDimsType(op.getInput(), axes), axes);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, resultType));
    return success();
  }
};

template <typename OpTy, bool logarithm> struct SoftmaxToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "softmax needs floats");
    Location loc = op.getLoc();
    int64_t axis = int64_t(op.getAxis());
    Value input = op.getInput();
    // Subtracting the maximum keeps exp from overflowing.
    Value maximum = reduceKeepDims(rewriter, loc, input, axis, Combine::Max);
    Value shifted = elementwise(rewriter, loc, type, {input, maximum},
                                [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                                  return arith::SubFOp::create(b, nestedLoc, args[0], args[1]);
                                });
    Value exponent = elementwise(rewriter, loc, type, {shifted},
                                 [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                                   return math::ExpOp::create(b, nestedLoc, args[0]);
                                 });
    Value sum = reduceKeepDims(rewriter, loc, exponent, axis, Combine::Add);
    Value result =
        logarithm
            ? elementwise(rewriter, loc, type, {shifted, sum},
                          [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                            return arith::SubFOp::create(
                                b, nestedLoc, args[0], math::LogOp::create(b, nestedLoc, args[1]));
                          })
            : elementwise(rewriter, loc, type, {exponent, sum},
                          [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                            return arith::DivFOp::create(b, nestedLoc, args[0], args[1]);
                          });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// x * rsqrt(mean(x^2) + eps) for RMSNorm, and the centered variant for LayerNorm.
template <typename OpTy, bool centered> struct NormToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    if (!isa<FloatType>(element) || getElementTypeOrSelf(op.getScale().getType()) != element)
      return rewriter.notifyMatchFailure(op, "normalization needs floats of one type");
    Location loc = op.getLoc();
    Value input = op.getInput();
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(int64_t(op.getAxis()), type.getRank()));
    Value count = elementCount(rewriter, loc, input, axes, element);
    auto divideByCount = [&](Value sum) {
      return elementwise(rewriter, loc, cast<RankedTensorType>(sum.getType()), {sum},
                         [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
                           return arith::DivFOp::create(b, nestedLoc, args[0], count);
                         });
    };
    Value centeredInput = input;
    if (centered) {
      Value mean = divideByCount(reduceKeepDims(rewriter, loc, input, axes, Combine::Add));
      centeredInput = elementwise(rewriter, loc, type, {input, mean},
                                  [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                                    return arith::SubFOp::create(b, nestedLoc, args[0], args[1]);
                                  });
    }
    Value squares = elementwise(rewriter, loc, type, {centeredInput},
                                [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                                  return arith::MulFOp::create(b, nestedLoc, args[0], args[0]);
                                });
    Value meanSquare = divideByCount(reduceKeepDims(rewriter, loc, squares, axes, Combine::Add));
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<Value> inputs = {centeredInput, meanSquare, op.getScale()};
    Value bias;
    if constexpr (centered)
      bias = op.getBias();
    if (bias)
      inputs.push_back(bias);
    Value result = elementwise(
        rewriter, loc, type, inputs, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value variance = arith::AddFOp::create(b, nestedLoc, args[1],
                                                 scalarConstant(b, nestedLoc, element, epsilon));
          Value normalized = arith::MulFOp::create(b, nestedLoc, args[0],
                                                   math::RsqrtOp::create(b, nestedLoc, variance));
          Value scaled = arith::MulFOp::create(b, nestedLoc, normalized, args[2]);
          return args.size() > 3 ? Value(arith::AddFOp::create(b, nestedLoc, scaled, args[3]))
                                 : scaled;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Whether `type` is a dense f32 tensor, which the row kernels take.
bool isDenseF32(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getElementType().isF32() && !tensor.getEncoding();
}

/// Whether `parameter` (a scale or a bias) has exactly the static shape of `input`'s dims from
/// `axis` on, so the kernel reads it once per row without broadcasting.
bool coversTrailingDims(Value parameter, Value input, int64_t axis) {
  auto parameterType = cast<RankedTensorType>(parameter.getType());
  auto inputType = cast<RankedTensorType>(input.getType());
  return isDenseF32(parameterType) && parameterType.hasStaticShape() &&
         parameterType.getShape() == inputType.getShape().drop_front(axis);
}

/// f32 LayerNorm and RMSNorm over trailing dims whose parameters have those dims' shape call
/// the row kernels of backends/cpu/kernels/norm.c: rows are the leading dims, a row the
/// normalized ones. Each row stays in L1 between the kernel's passes, where the generic
/// lowering reads the whole tensor once per primitive.
template <typename OpTy> struct NormToKernel : OpRewritePattern<OpTy> {
  NormToKernel(MLIRContext *context)
      : OpRewritePattern<OpTy>(context, /*benefit=*/2) {} // before the generic lowering

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    int64_t rank = op.getType().getRank(), axis = int64_t(op.getAxis());
    if (!isDenseF32(input.getType()) || !isDenseF32(op.getType()))
      return rewriter.notifyMatchFailure(op, "the kernels normalize dense f32 tensors");
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "the axis is outside the input");
    Value bias;
    if constexpr (std::is_same_v<OpTy, LayerNormOp>)
      bias = op.getBias();
    if (!coversTrailingDims(op.getScale(), input, axis) ||
        (bias && !coversTrailingDims(bias, input, axis)))
      return rewriter.notifyMatchFailure(
          op, "the scale or bias does not have the static shape of the normalized dims");
    Location loc = op.getLoc();
    SmallVector<Value> scalars = {productI64(rewriter, loc, input, 0, axis),
                                  productI64(rewriter, loc, input, axis, rank),
                                  f32Constant(rewriter, loc, op.getEpsilon().convertToDouble())};
    SmallVector<Value> inputs = {input, op.getScale()};
    StringRef kernel = "llmc_mk_rms_norm_f32";
    if constexpr (std::is_same_v<OpTy, LayerNormOp>) {
      kernel = bias ? "llmc_mk_layer_norm_f32" : "llmc_mk_layer_norm_nobias_f32";
      if (bias)
        inputs.push_back(bias);
    }
    replaceWithKernel(rewriter, op, kernel, input, inputs, scalars);
    return success();
  }
};

/// f32 softmax over the last axis calls the row kernel of backends/cpu/kernels/norm.c.
struct SoftmaxToKernel : OpRewritePattern<SoftmaxOp> {
  SoftmaxToKernel(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {} // before the generic lowering

  LogicalResult matchAndRewrite(SoftmaxOp op, PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    int64_t rank = op.getType().getRank();
    if (!isDenseF32(input.getType()))
      return rewriter.notifyMatchFailure(op, "the kernel takes a dense f32 tensor");
    if (rank == 0 || int64_t(op.getAxis()) != rank - 1)
      return rewriter.notifyMatchFailure(op, "the kernel takes softmax over the last axis");
    Location loc = op.getLoc();
    SmallVector<Value> scalars = {productI64(rewriter, loc, input, 0, rank - 1),
                                  dimI64(rewriter, loc, input, rank - 1)};
    replaceWithKernel(rewriter, op, "llmc_mk_softmax_f32", input, ValueRange{input}, scalars);
    return success();
  }
};

/// argmax/argmin: one reduction carrying the best value and its index.
template <typename OpTy, bool maximum> struct ArgToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Location loc = op.getLoc();
    int64_t axis = int64_t(op.getAxis()), rank = inputType.getRank();
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamicSizes;
    SmallVector<AffineExpr> outputExprs;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t dim = 0; dim < rank; ++dim) {
      iterators.push_back(dim == axis ? utils::IteratorType::reduction
                                      : utils::IteratorType::parallel);
      if (dim == axis)
        continue;
      shape.push_back(inputType.getDimSize(dim));
      if (inputType.isDynamicDim(dim))
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
      outputExprs.push_back(rewriter.getAffineDimExpr(dim));
    }
    Type i64 = rewriter.getI64Type();
    auto valueType = RankedTensorType::get(shape, element);
    auto indexType = RankedTensorType::get(shape, i64);
    Value values = createInit(rewriter, loc, valueType, dynamicSizes,
                              maximum ? lowestValue(rewriter, loc, element)
                                      : highestValue(rewriter, loc, element));
    Value indices =
        createInit(rewriter, loc, indexType, dynamicSizes, scalarConstant(rewriter, loc, i64, 0));
    AffineMap outputMap = AffineMap::get(rank, 0, outputExprs, rewriter.getContext());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank), outputMap, outputMap};
    bool last = op.getSelectLastIndex();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, input, ValueRange{values, indices}, maps,
        iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value candidate = args[0], best = args[1], bestIndex = args[2];
          Value better;
          if (isa<FloatType>(element)) {
            auto predicate = maximum
                                 ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                                 : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, nestedLoc, predicate, candidate, best);
          } else {
            auto predicate = maximum
                                 ? (last ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt)
                                 : (last ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt);
            better = arith::CmpIOp::create(b, nestedLoc, integerPredicate(predicate, element),
                                           candidate, best);
          }
          Value position = arith::IndexCastOp::create(b, nestedLoc, b.getI64Type(),
                                                      linalg::IndexOp::create(b, nestedLoc, axis));
          linalg::YieldOp::create(
              b, nestedLoc,
              ValueRange{arith::SelectOp::create(b, nestedLoc, better, candidate, best),
                         arith::SelectOp::create(b, nestedLoc, better, position, bestIndex)});
        });
    Value result = generic.getResult(1);
    if (op.getKeepDims())
      result = expandUnitDims(rewriter, loc, result,
                              RankedTensorType::get(keepDimsType(input, {axis}).getShape(), i64),
                              {axis});
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void populateReductionPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns
      .add<ReduceToGeneric<ReduceSumOp, Combine::Add>,
           ReduceToGeneric<ReduceMeanOp, Combine::Add, /*mean=*/true>,
           ReduceToGeneric<ReduceMaxOp, Combine::Max>, ReduceToGeneric<ReduceMinOp, Combine::Min>,
           ReduceToGeneric<ReduceProdOp, Combine::Mul>>(context);
  patterns.add<SoftmaxToGeneric<SoftmaxOp, false>, SoftmaxToGeneric<LogSoftmaxOp, true>>(context);
  patterns.add<NormToGeneric<LayerNormOp, true>, NormToGeneric<RmsNormOp, false>>(context);
  patterns.add<NormToKernel<LayerNormOp>, NormToKernel<RmsNormOp>, SoftmaxToKernel>(context);
  patterns.add<ArgToGeneric<ArgMaxOp, true>, ArgToGeneric<ArgMinOp, false>>(context);
}

} // namespace llmc::llm::lowering
