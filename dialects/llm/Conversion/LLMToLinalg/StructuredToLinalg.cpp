//===- StructuredToLinalg.cpp - matmul, conv and pooling to linalg ----------===//
#include "dialects/llm/Conversion/LLMToLinalg/Common.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::llm::lowering {
namespace {

/// The batch part of a matmul operand's map: its leading dims aligned to the result's batch
/// dims, size-1 dims read at 0.
SmallVector<AffineExpr> batchExprs(MLIRContext *context, RankedTensorType type, int64_t batchRank) {
  SmallVector<AffineExpr> exprs;
  int64_t operandBatch = type.getRank() - 2;
  for (int64_t dim = 0; dim < operandBatch; ++dim)
    exprs.push_back(type.getDimSize(dim) == 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(batchRank - operandBatch + dim, context));
  return exprs;
}

struct MatmulToGeneric : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    Type element = resultType.getElementType();
    if (!isPlainNumber(element) || lhsType.getElementType() != element ||
        rhsType.getElementType() != element || lhsType.getEncoding() || rhsType.getEncoding())
      return rewriter.notifyMatchFailure(op, "operands are not dense plain numbers of one type");
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    int64_t rank = resultType.getRank(), batchRank = rank - 2;
    // Loops: batch..., m, n, k.
    AffineExpr m = getAffineDimExpr(batchRank, context),
               n = getAffineDimExpr(batchRank + 1, context),
               k = getAffineDimExpr(batchRank + 2, context);
    SmallVector<AffineExpr> lhsExprs = batchExprs(context, lhsType, batchRank);
    lhsExprs.append({m, k});
    SmallVector<AffineExpr> rhsExprs = batchExprs(context, rhsType, batchRank);
    rhsExprs.append({k, n});
    SmallVector<AffineExpr> outExprs;
    for (int64_t dim = 0; dim < rank; ++dim)
      outExprs.push_back(getAffineDimExpr(dim, context));
    SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, lhsExprs, context),
                                   AffineMap::get(rank + 1, 0, rhsExprs, context),
                                   AffineMap::get(rank + 1, 0, outExprs, context)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);

    // Dynamic result sizes: batch dims from the broadcast, M from lhs, N from rhs.
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim))
        continue;
      Value source = dim == rank - 1 ? op.getRhs() : op.getLhs();
      RankedTensorType sourceType = dim == rank - 1 ? rhsType : lhsType;
      int64_t aligned = dim == rank - 1   ? sourceType.getRank() - 1
                        : dim == rank - 2 ? sourceType.getRank() - 2
                                          : dim - (batchRank - (sourceType.getRank() - 2));
      if (dim < batchRank && (aligned < 0 || sourceType.getDimSize(aligned) == 1)) {
        source = op.getRhs();
        aligned = dim - (batchRank - (rhsType.getRank() - 2));
      }
      dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, source, aligned));
    }
    // Half-precision products are summed in f32, as frameworks do, and rounded once at the end:
    // a sum kept in f16 or bf16 loses its low bits at every step.
    Type accumulator = isa<Float16Type, BFloat16Type>(element) ? rewriter.getF32Type() : element;
    auto accumulatorType = RankedTensorType::get(resultType.getShape(), accumulator);
    Value init = createInit(rewriter, loc, accumulatorType, dynamicSizes,
                            scalarConstant(rewriter, loc, accumulator, 0.0));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, accumulatorType, ValueRange{op.getLhs(), op.getRhs()}, init, maps,
            iterators,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value product = combineScalars(b, nestedLoc, Combine::Mul,
                                             convertScalar(b, nestedLoc, args[0], accumulator),
                                             convertScalar(b, nestedLoc, args[1], accumulator));
              linalg::YieldOp::create(b, nestedLoc,
                                      combineScalars(b, nestedLoc, Combine::Add, args[2], product));
            })
            .getResult(0);
    if (accumulator != element)
      result = elementwise(rewriter, loc, resultType, ValueRange{result},
                           [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
                             return convertScalar(b, nestedLoc, args[0], element);
                           });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Pads the spatial dimensions (2..) of `input` with `padValue`.
Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> high, Value padValue) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> lowSizes(2, b.getIndexAttr(0)), highSizes(2, b.getIndexAttr(0));
  SmallVector<int64_t> shape(type.getShape().take_front(2));
  for (auto [index, pair] : llvm::enumerate(llvm::zip(low, high))) {
    auto [begin, end] = pair;
    lowSizes.push_back(b.getIndexAttr(begin));
    highSizes.push_back(b.getIndexAttr(end));
    int64_t size = type.getDimSize(index + 2);
    shape.push_back(ShapedType::isDynamic(size) ? size : size + begin + end);
  }
  auto paddedType = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, paddedType, input, lowSizes, highSizes, padValue);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The number of windows along spatial dim `dim` of `input`, computed at run time with the
/// shape rule's formula: 0 when the padded input is shorter than the dilated window; in ceil
/// mode a last window that would start inside the end padding is dropped.
Value windowCountAtRunTime(OpBuilder &b, Location loc, Value input, int64_t dim, int64_t kernel,
                           int64_t stride, int64_t dilation, int64_t padBegin, int64_t padEnd,
                           bool ceilMode) {
  Value size = tensor::DimOp::create(b, loc, input, dim);
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value strideValue = indexConstant(b, loc, stride);
  Value span = arith::AddIOp::create(
      b, loc, size, indexConstant(b, loc, padBegin + padEnd - dilation * (kernel - 1) - 1));
  Value tooShort = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, span, zero);
  Value safeSpan = arith::MaxSIOp::create(b, loc, span, zero);
  if (ceilMode)
    safeSpan = arith::AddIOp::create(b, loc, safeSpan, indexConstant(b, loc, stride - 1));
  Value count =
      arith::AddIOp::create(b, loc, arith::DivUIOp::create(b, loc, safeSpan, strideValue), one);
  if (ceilMode) {
    Value lastStart =
        arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, count, one), strideValue);
    Value inputEnd = arith::AddIOp::create(b, loc, size, indexConstant(b, loc, padBegin));
    Value startsInPadding =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, lastStart, inputEnd);
    count = arith::SelectOp::create(b, loc, startsInPadding,
                                    arith::SubIOp::create(b, loc, count, one), count);
  }
  return arith::SelectOp::create(b, loc, tooShort, zero, count);
}

/// The dynamic sizes of a conv or pool result [N, C or F, O...]: N from the input, the channel
/// dim from `filters` dim 0 (a conv weight) or input dim 1, spatial sizes from the window formula.
SmallVector<Value> windowResultSizes(OpBuilder &b, Location loc, RankedTensorType resultType,
                                     Value input, Value filters, ArrayRef<int64_t> kernel,
                                     ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                                     ArrayRef<int64_t> pads, bool ceilMode) {
  int64_t spatialRank = resultType.getRank() - 2;
  SmallVector<Value> sizes;
  if (resultType.isDynamicDim(0))
    sizes.push_back(tensor::DimOp::create(b, loc, input, 0));
  if (resultType.isDynamicDim(1))
    sizes.push_back(filters ? tensor::DimOp::create(b, loc, filters, 0)
                            : tensor::DimOp::create(b, loc, input, 1));
  for (int64_t i = 0; i < spatialRank; ++i)
    if (resultType.isDynamicDim(i + 2))
      sizes.push_back(windowCountAtRunTime(b, loc, input, i + 2, kernel[i], strides[i],
                                           dilations[i], pads[i], pads[i + spatialRank], ceilMode));
  return sizes;
}

struct ConvToGeneric : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    Type element = resultType.getElementType();
    if (!isPlainNumber(element) || inputType.getElementType() != element ||
        weightType.getElementType() != element)
      return rewriter.notifyMatchFailure(op, "operands are not plain numbers of one type");
    int64_t spatialRank = inputType.getRank() - 2;
    int64_t groups = int64_t(op.getGroups());
    if (groups > 1 && (inputType.isDynamicDim(1) || weightType.isDynamicDim(0)))
      return rewriter.notifyMatchFailure(op, "grouped conv needs static channel counts");
    if (llvm::any_of(weightType.getShape().drop_front(1), ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "dynamic kernel sizes are not lowered");

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(), pads = op.getPads();
    Value input =
        padSpatial(rewriter, loc, op.getInput(), pads.take_front(spatialRank),
                   pads.drop_front(spatialRank), scalarConstant(rewriter, loc, element, 0.0));

    // The accumulator starts as the bias broadcast over [N, F, O...], or zero. Dynamic output
    // sizes follow the shape rule at run time.
    SmallVector<int64_t> kernel(weightType.getShape().drop_front(2));
    SmallVector<Value> dynamicSizes =
        windowResultSizes(rewriter, loc, resultType, op.getInput(), op.getWeight(), kernel, strides,
                          dilations, pads, /*ceilMode=*/false);
    Value init;
    if (Value bias = op.getBias()) {
      int64_t rank = resultType.getRank();
      Value empty = createInit(rewriter, loc, resultType, dynamicSizes);
      SmallVector<AffineMap> maps = {
          AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context),
          rewriter.getMultiDimIdentityMap(rank)};
      init = linalg::GenericOp::create(rewriter, loc, resultType, bias, empty, maps,
                                       parallelIterators(rank),
                                       [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                                         linalg::YieldOp::create(b, nestedLoc, args[0]);
                                       })
                 .getResult(0);
    } else {
      init = createInit(rewriter, loc, resultType, dynamicSizes,
                        scalarConstant(rewriter, loc, element, 0.0));
    }

    // Groups become their own dimension: input [N, G, C/G, D...], weight [G, F/G, C/G, K...],
    // result [N, G, F/G, O...]. With one group the maps simply have no g.
    Value weight = op.getWeight();
    RankedTensorType accumulatorType = resultType;
    if (groups > 1) {
      int64_t channels = inputType.getDimSize(1), filters = weightType.getDimSize(0);
      auto paddedType = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> inputShape = {paddedType.getDimSize(0), groups, channels / groups};
      inputShape.append(paddedType.getShape().begin() + 2, paddedType.getShape().end());
      SmallVector<ReassociationIndices> inputGroups = {{0}, {1, 2}};
      for (int64_t i = 0; i < spatialRank; ++i)
        inputGroups.push_back({i + 3});
      input = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(inputShape, element), input, inputGroups);
      SmallVector<int64_t> weightShape = {groups, filters / groups};
      weightShape.append(weightType.getShape().begin() + 1, weightType.getShape().end());
      SmallVector<ReassociationIndices> weightGroups = {{0, 1}};
      for (int64_t i = 0; i < spatialRank + 1; ++i)
        weightGroups.push_back({i + 2});
      weight = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(weightShape, element), weight, weightGroups);
      SmallVector<int64_t> resultShape = {resultType.getDimSize(0), groups, filters / groups};
      resultShape.append(resultType.getShape().begin() + 2, resultType.getShape().end());
      accumulatorType = RankedTensorType::get(resultShape, element);
      init = tensor::ExpandShapeOp::create(rewriter, loc, accumulatorType, init, inputGroups);
    }

    // Loops: n, [g], f, o..., c, k...
    int64_t g = groups > 1 ? 1 : -1;
    int64_t f = groups > 1 ? 2 : 1;
    int64_t firstOutput = f + 1, c = firstOutput + spatialRank, firstKernel = c + 1;
    int64_t numLoops = firstKernel + spatialRank;
    auto dim = [&](int64_t index) { return getAffineDimExpr(index, context); };
    SmallVector<AffineExpr> inputExprs = {dim(0)}, weightExprs, outputExprs = {dim(0)};
    if (groups > 1) {
      inputExprs.push_back(dim(g));
      weightExprs.push_back(dim(g));
      outputExprs.push_back(dim(g));
    }
    inputExprs.push_back(dim(c));
    weightExprs.append({dim(f), dim(c)});
    outputExprs.push_back(dim(f));
    for (int64_t i = 0; i < spatialRank; ++i) {
      inputExprs.push_back(dim(firstOutput + i) * strides[i] + dim(firstKernel + i) * dilations[i]);
      weightExprs.push_back(dim(firstKernel + i));
      outputExprs.push_back(dim(firstOutput + i));
    }
    SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inputExprs, context),
                                   AffineMap::get(numLoops, 0, weightExprs, context),
                                   AffineMap::get(numLoops, 0, outputExprs, context)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(firstOutput + spatialRank);
    iterators.append(spatialRank + 1, utils::IteratorType::reduction);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, accumulatorType, ValueRange{input, weight}, init, maps, iterators,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value product = combineScalars(b, nestedLoc, Combine::Mul, args[0], args[1]);
              linalg::YieldOp::create(b, nestedLoc,
                                      combineScalars(b, nestedLoc, Combine::Add, args[2], product));
            })
            .getResult(0);
    if (groups > 1) {
      SmallVector<ReassociationIndices> resultGroups = {{0}, {1, 2}};
      for (int64_t i = 0; i < spatialRank; ++i)
        resultGroups.push_back({i + 3});
      result = tensor::CollapseShapeOp::create(rewriter, loc, resultType, result, resultGroups);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A 2-D f32 convolution of one image with one group, static shapes, and enough work becomes a
/// matrix product for the GEMM kernel: W [F, C*KH*KW] times the image's columns [C*KH*KW, OH*OW]
/// (written by the im2col kernel) is the result [F, OH*OW], which is NCHW already. A 1x1 kernel
/// with unit strides and no padding reads the image itself as the columns. The bias is added
/// afterwards.
struct ConvToGemm : OpRewritePattern<ConvOp> {
  ConvToGemm(MLIRContext *context) : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    return lower(op, rewriter);
  }

  static LogicalResult lower(ConvOp op, PatternRewriter &rewriter) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    RankedTensorType resultType = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    if (inputType.getRank() != 4 || op.getGroups() != 1 || !inputType.hasStaticShape() ||
        !weightType.hasStaticShape() || !resultType.hasStaticShape() ||
        inputType.getDimSize(0) != 1)
      return rewriter.notifyMatchFailure(op, "not a static 2-D convolution of one image");
    for (RankedTensorType type : {inputType, weightType, resultType})
      if (!type.getElementType().isF32() || type.getEncoding())
        return rewriter.notifyMatchFailure(op, "not dense f32");
    int64_t filters = weightType.getDimSize(0), channels = weightType.getDimSize(1);
    int64_t kh = weightType.getDimSize(2), kw = weightType.getDimSize(3);
    int64_t oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
    int64_t depth = channels * kh * kw, pixels = oh * ow;
    if (filters * depth * pixels < 32 * 32 * 32 || pixels == 0 || depth == 0)
      return rewriter.notifyMatchFailure(op, "too small for the kernel to pay off");
    if (Value bias = op.getBias()) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      if (biasType.getRank() != 1 || biasType.getDimSize(0) != filters ||
          !biasType.getElementType().isF32())
        return rewriter.notifyMatchFailure(op, "the bias is not f32 [F]");
    }

    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(), pads = op.getPads();
    bool direct = kh == 1 && kw == 1 && llvm::all_of(strides, [](int64_t v) { return v == 1; }) &&
                  llvm::all_of(pads, [](int64_t v) { return v == 0; });
    auto columnsType = RankedTensorType::get({depth, pixels}, f32);
    Value columns;
    if (direct) {
      columns = tensor::CollapseShapeOp::create(rewriter, loc, columnsType, op.getInput(),
                                                ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    } else {
      // The im2col kernel (backends/cpu/kernels/im2col.c) reads the image in place, padding
      // included, and fills the columns on the threads.
      SmallVector<Value> scalars =
          unfoldScalars(rewriter, loc, channels, inputType.getDimSize(2), inputType.getDimSize(3),
                        kh, kw, oh, ow, strides, dilations, pads);
      columns = MicrokernelOp::create(
                    rewriter, loc, TypeRange{columnsType},
                    rewriter.getStringAttr("llmc_mk_im2col_f32"), ValueRange{op.getInput()},
                    ValueRange{createInit(rewriter, loc, columnsType, {})}, scalars)
                    .getResult(0);
    }
    Value weight = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({filters, depth}, f32), op.getWeight(),
        ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    // The GEMM kernel's epilogue adds the bias per filter (a row of the product) and applies a
    // ReLU or GELU that is the convolution's only user.
    ActivationEpilogue activation = activationEpilogue(op);
    int64_t epilogue = (op.getBias() ? kGemmEpilogueBiasRows : 0) | activation.flag;
    auto productType = RankedTensorType::get({filters, pixels}, f32);
    SmallVector<Value> inputs = {weight, columns};
    SmallVector<Value> scalars = {i64Constant(rewriter, loc, filters),
                                  i64Constant(rewriter, loc, pixels),
                                  i64Constant(rewriter, loc, depth)};
    std::string kernel = "llmc_mk_matmul_f32";
    if (epilogue) {
      kernel += "_epilogue";
      inputs.push_back(op.getBias() ? op.getBias() : weight); // read only with a bias flag
      scalars.push_back(i64Constant(rewriter, loc, epilogue));
    }
    Value product = MicrokernelOp::create(
                        rewriter, loc, TypeRange{productType}, rewriter.getStringAttr(kernel),
                        inputs, ValueRange{createInit(rewriter, loc, productType, {})}, scalars)
                        .getResult(0);
    Value result = tensor::ExpandShapeOp::create(rewriter, loc, resultType, product,
                                                 ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    rewriter.replaceOp(activation.op ? activation.op : op.getOperation(), result);
    if (activation.op)
      rewriter.eraseOp(op);
    return success();
  }
};

/// `act(conv(...))` for a ReLU or GELU `act`, seen from the activation (the driver may reach it
/// first): the convolution as a GEMM with the activation in its epilogue, as ConvToGemm makes it.
template <typename OpTy> struct ConvActivationToGemm : OpRewritePattern<OpTy> {
  ConvActivationToGemm(MLIRContext *context) : OpRewritePattern<OpTy>(context, /*benefit=*/3) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto conv = op.getInput().template getDefiningOp<ConvOp>();
    if (!conv || activationEpilogue(conv).op != op.getOperation())
      return rewriter.notifyMatchFailure(op, "not the only user of a convolution");
    return ConvToGemm::lower(conv, rewriter);
  }
};

/// Shared by max and average pooling: a windowed reduction over a padded input.
template <typename OpTy>
FailureOr<Value> lowerPool(OpTy op, PatternRewriter &rewriter, Combine kind, Value padValue,
                           Value identity) {
  RankedTensorType resultType = op.getType();
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  int64_t spatialRank = inputType.getRank() - 2;
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                    dilations = op.getDilations(), pads = op.getPads();
  Location loc = op.getLoc();
  MLIRContext *context = rewriter.getContext();
  // Ceil mode may let the last window run past the end padding: pad that too. Where a size is
  // known only at run time, stride - 1 more positions always suffice, since the last window
  // starts at most stride - 1 positions past the last full one.
  SmallVector<int64_t> endPads(pads.drop_front(spatialRank));
  for (int64_t i = 0; i < spatialRank; ++i) {
    if (inputType.isDynamicDim(i + 2) || resultType.isDynamicDim(i + 2)) {
      endPads[i] += op.getCeilMode() ? strides[i] - 1 : 0;
      continue;
    }
    int64_t reach =
        (resultType.getDimSize(i + 2) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1;
    int64_t available = inputType.getDimSize(i + 2) + pads[i] + endPads[i];
    endPads[i] += std::max<int64_t>(0, reach - available);
  }
  Value input =
      padSpatial(rewriter, loc, op.getInput(), pads.take_front(spatialRank), endPads, padValue);
  SmallVector<Value> dynamicSizes =
      windowResultSizes(rewriter, loc, resultType, op.getInput(), /*filters=*/Value(), kernel,
                        strides, dilations, pads, op.getCeilMode());
  Value init = createInit(rewriter, loc, resultType, dynamicSizes, identity);
  Value window = tensor::EmptyOp::create(rewriter, loc, kernel, resultType.getElementType());
  // Loops: n, c, o..., k...
  int64_t numLoops = 2 + 2 * spatialRank;
  auto dim = [&](int64_t index) { return getAffineDimExpr(index, context); };
  SmallVector<AffineExpr> inputExprs = {dim(0), dim(1)}, windowExprs,
                          outputExprs = {dim(0), dim(1)};
  for (int64_t i = 0; i < spatialRank; ++i) {
    inputExprs.push_back(dim(2 + i) * strides[i] + dim(2 + spatialRank + i) * dilations[i]);
    windowExprs.push_back(dim(2 + spatialRank + i));
    outputExprs.push_back(dim(2 + i));
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inputExprs, context),
                                 AffineMap::get(numLoops, 0, windowExprs, context),
                                 AffineMap::get(numLoops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(2 + spatialRank);
  iterators.append(spatialRank, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             rewriter, loc, resultType, ValueRange{input, window}, init, maps, iterators,
             [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(b, nestedLoc,
                                       combineScalars(b, nestedLoc, kind, args[2], args[0]));
             })
      .getResult(0);
}

bool hasStaticSpatialSizes(RankedTensorType input, RankedTensorType result) {
  return !llvm::any_of(input.getShape().drop_front(2), ShapedType::isDynamic) &&
         !llvm::any_of(result.getShape().drop_front(2), ShapedType::isDynamic);
}

/// Divides window sums by their divisors computed at run time from the output position: per
/// spatial dim, the window taps that fall inside [begin, end) of the padded input, where the
/// range is the input itself or, with count_include_pad, the input and its explicit pads (never
/// the extra end padding of ceil mode). The divisor is the product over dims, at least 1.
Value divideByRunTimeCounts(OpBuilder &b, Location loc, AvgPoolOp op, Value sums,
                            ArrayRef<Value> dynamicSizes) {
  RankedTensorType resultType = op.getType();
  int64_t rank = resultType.getRank(), spatialRank = rank - 2;
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                    dilations = op.getDilations(), pads = op.getPads();
  SmallVector<Value> begins, ends;
  for (int64_t i = 0; i < spatialRank; ++i) {
    Value size = tensor::DimOp::create(b, loc, op.getInput(), i + 2);
    if (op.getCountIncludePad()) {
      begins.push_back(indexConstant(b, loc, 0));
      ends.push_back(arith::AddIOp::create(b, loc, size,
                                           indexConstant(b, loc, pads[i] + pads[i + spatialRank])));
    } else {
      begins.push_back(indexConstant(b, loc, pads[i]));
      ends.push_back(arith::AddIOp::create(b, loc, size, indexConstant(b, loc, pads[i])));
    }
  }
  Value init = createInit(b, loc, resultType, dynamicSizes);
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  return linalg::GenericOp::create(
             b, loc, resultType, sums, init, maps, parallelIterators(rank),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value zero = indexConstant(nb, nl, 0);
               Value count = indexConstant(nb, nl, 1);
               for (int64_t i = 0; i < spatialRank; ++i) {
                 // Taps k in [0, K) with begin <= o * stride + k * dilation < end.
                 Value start = arith::MulIOp::create(nb, nl, linalg::IndexOp::create(nb, nl, i + 2),
                                                     indexConstant(nb, nl, strides[i]));
                 auto tapsBefore = [&](Value bound) {
                   Value distance = arith::MaxSIOp::create(
                       nb, nl, arith::SubIOp::create(nb, nl, bound, start), zero);
                   Value taps = arith::DivUIOp::create(
                       nb, nl,
                       arith::AddIOp::create(nb, nl, distance,
                                             indexConstant(nb, nl, dilations[i] - 1)),
                       indexConstant(nb, nl, dilations[i]));
                   return arith::MinSIOp::create(nb, nl, taps, indexConstant(nb, nl, kernel[i]));
                 };
                 // Two statements: as call arguments, the order of the ops they build would
                 // depend on the C++ compiler (GCC and clang evaluate arguments in opposite orders).
                 Value tapsBeforeBegin = tapsBefore(begins[i]);
                 Value tapsBeforeEnd = tapsBefore(ends[i]);
                 Value inside = arith::MaxSIOp::create(
                     nb, nl, arith::SubIOp::create(nb, nl, tapsBeforeEnd, tapsBeforeBegin), zero);
                 count = arith::MulIOp::create(nb, nl, count, inside);
               }
               count = arith::MaxSIOp::create(nb, nl, count, indexConstant(nb, nl, 1));
               Value asFloat = arith::UIToFPOp::create(
                   nb, nl, args[0].getType(),
                   arith::IndexCastUIOp::create(nb, nl, nb.getI64Type(), count));
               linalg::YieldOp::create(nb, nl,
                                       Value(arith::DivFOp::create(nb, nl, args[0], asFloat)));
             })
      .getResult(0);
}

struct MaxPoolToGeneric : OpRewritePattern<MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MaxPoolOp op, PatternRewriter &rewriter) const override {
    Type element = op.getType().getElementType();
    if (!isPlainNumber(element))
      return rewriter.notifyMatchFailure(op, "needs plain numbers");
    Value lowest = lowestValue(rewriter, op.getLoc(), element);
    FailureOr<Value> result = lowerPool(op, rewriter, Combine::Max, lowest, lowest);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

struct AvgPoolToGeneric : OpRewritePattern<AvgPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AvgPoolOp op, PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    Type element = resultType.getElementType();
    if (!isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "needs floats");
    Location loc = op.getLoc();
    Value zero = scalarConstant(rewriter, loc, element, 0.0);
    FailureOr<Value> sums = lowerPool(op, rewriter, Combine::Add, zero, zero);
    if (failed(sums))
      return failure();
    if (!hasStaticSpatialSizes(inputType, resultType)) {
      SmallVector<Value> dynamicSizes = dynamicSizesOf(rewriter, loc, *sums);
      rewriter.replaceOp(op, divideByRunTimeCounts(rewriter, loc, op, *sums, dynamicSizes));
      return success();
    }

    // The divisor of every output position, known at compile time: the window positions that
    // fall inside the input (or inside input and explicit padding, with count_include_pad).
    int64_t spatialRank = inputType.getRank() - 2;
    ArrayRef<int64_t> outputShape = resultType.getShape().drop_front(2);
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      dilations = op.getDilations(), pads = op.getPads();
    SmallVector<SmallVector<int64_t>> perDim(spatialRank);
    for (int64_t i = 0; i < spatialRank; ++i) {
      int64_t begin = op.getCountIncludePad() ? 0 : pads[i];
      int64_t end = op.getCountIncludePad()
                        ? inputType.getDimSize(i + 2) + pads[i] + pads[i + spatialRank]
                        : pads[i] + inputType.getDimSize(i + 2);
      for (int64_t o = 0; o < outputShape[i]; ++o) {
        int64_t count = 0;
        for (int64_t k = 0; k < kernel[i]; ++k) {
          int64_t position = o * strides[i] + k * dilations[i];
          count += position >= begin && position < end;
        }
        perDim[i].push_back(count);
      }
    }
    int64_t total = 1;
    for (int64_t size : outputShape)
      total *= size;
    SmallVector<APFloat> divisors;
    auto semantics = &cast<FloatType>(element).getFloatSemantics();
    for (int64_t linear = 0; linear < total; ++linear) {
      int64_t rest = linear, count = 1;
      for (int64_t i = spatialRank - 1; i >= 0; --i) {
        count *= perDim[i][rest % outputShape[i]];
        rest /= outputShape[i];
      }
      APFloat value(double(std::max<int64_t>(count, 1)));
      bool losesInfo = false;
      value.convert(*semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      divisors.push_back(value);
    }
    auto divisorType = RankedTensorType::get(outputShape, element);
    Value divisor =
        arith::ConstantOp::create(rewriter, loc, DenseElementsAttr::get(divisorType, divisors));
    Value result = elementwise(rewriter, loc, resultType, {*sums, divisor},
                               [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                                 return arith::DivFOp::create(b, nestedLoc, args[0], args[1]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateStructuredPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToGeneric, ConvToGeneric, ConvToGemm, ConvActivationToGemm<ReluOp>,
               ConvActivationToGemm<GeluOp>, MaxPoolToGeneric, AvgPoolToGeneric>(
      patterns.getContext());
}

} // namespace llmc::llm::lowering
