//===- LLMShapesTest.cpp - Unit tests of the llm shape rules ----------------===//
#include "dialects/llm/IR/LLMShapes.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

#include <gtest/gtest.h>

using namespace llmc::llm::shapes;

namespace {

constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

Shape shapeOf(const ShapeOrError &result) {
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  return result.ok() ? result.shape() : Shape();
}

TEST(BroadcastTest, NumPyRules) {
  EXPECT_EQ(shapeOf(broadcast({2, 3}, {3})), Shape({2, 3}));
  EXPECT_EQ(shapeOf(broadcast({4, 1, 5}, {3, 1})), Shape({4, 3, 5}));
  EXPECT_EQ(shapeOf(broadcast({}, {7})), Shape({7}));
  EXPECT_EQ(shapeOf(broadcast({kDyn, 3}, {1, 3})), Shape({kDyn, 3}));
  EXPECT_EQ(shapeOf(broadcast({kDyn}, {4})), Shape({4}));
  ShapeOrError bad = broadcast({2, 3}, {4});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "shapes 2x3 and 4 do not broadcast: dimension 1 is 3 against 4");
}

TEST(MatmulTest, BatchBroadcastAndContraction) {
  EXPECT_EQ(shapeOf(matmul({4, 16, 32}, {32, 8})), Shape({4, 16, 8}));
  EXPECT_EQ(shapeOf(matmul({2, 1, 3, 4}, {5, 4, 6})), Shape({2, 5, 3, 6}));
  EXPECT_EQ(shapeOf(matmul({kDyn, 4}, {kDyn, 6})), Shape({kDyn, 6}));
  EXPECT_FALSE(matmul({3, 4}, {5, 6}).ok());
  EXPECT_FALSE(matmul({4}, {4, 6}).ok());
}

TEST(WindowTest, OutputSizes) {
  // ResNet stem: 224 -> 112 with a 7x7 kernel, stride 2, pads 3.
  EXPECT_EQ(windowOutputSize(224, 7, 2, 1, 3, 3, false), 112);
  // Ceil mode keeps a partial last window unless it starts in the end padding.
  EXPECT_EQ(windowOutputSize(5, 2, 2, 1, 0, 0, false), 2);
  EXPECT_EQ(windowOutputSize(5, 2, 2, 1, 0, 0, true), 3);
  EXPECT_EQ(windowOutputSize(4, 2, 2, 1, 1, 1, true), 3);
  EXPECT_EQ(windowOutputSize(kDyn, 3, 1, 1, 1, 1, false), kDyn);
  // Sizes near the int64 limit neither overflow nor wrap.
  EXPECT_EQ(windowOutputSize(INT64_MAX - 1, 1, 1, 1, 0, 0, false), INT64_MAX - 1);
  EXPECT_EQ(windowOutputSize(INT64_MAX - 1, 1, 1, 1, 1 << 30, 1 << 30, false), -1);
}

TEST(ConvTest, ShapesAndGroups) {
  int64_t strides[] = {2, 2}, dilations[] = {1, 1}, pads[] = {3, 3, 3, 3};
  ConvParams params{strides, dilations, pads, 1};
  EXPECT_EQ(shapeOf(conv({1, 3, 224, 224}, {64, 3, 7, 7}, std::nullopt, params)),
            Shape({1, 64, 112, 112}));
  int64_t bias[] = {64};
  EXPECT_TRUE(conv({1, 3, 224, 224}, {64, 3, 7, 7}, llvm::ArrayRef<int64_t>(bias), params).ok());
  // Depthwise: 32 groups of one channel.
  int64_t unitStrides[] = {1, 1}, samePads[] = {1, 1, 1, 1};
  ConvParams depthwise{unitStrides, dilations, samePads, 32};
  EXPECT_EQ(shapeOf(conv({1, 32, 56, 56}, {32, 1, 3, 3}, std::nullopt, depthwise)),
            Shape({1, 32, 56, 56}));
  ConvParams badGroups{unitStrides, dilations, samePads, 5};
  EXPECT_FALSE(conv({1, 32, 56, 56}, {32, 1, 3, 3}, std::nullopt, badGroups).ok());
  int64_t zeroStride[] = {0, 1};
  ConvParams badStride{zeroStride, dilations, samePads, 1};
  EXPECT_FALSE(conv({1, 3, 8, 8}, {4, 3, 3, 3}, std::nullopt, badStride).ok());
}

TEST(PoolTest, Shapes) {
  int64_t kernel[] = {3, 3}, strides[] = {2, 2}, dilations[] = {1, 1}, pads[] = {1, 1, 1, 1};
  PoolParams params{kernel, strides, dilations, pads, false};
  EXPECT_EQ(shapeOf(pool({1, 64, 112, 112}, params)), Shape({1, 64, 56, 56}));
  int64_t shortPads[] = {1, 1};
  PoolParams bad{kernel, strides, dilations, shortPads, false};
  ShapeOrError error = pool({1, 64, 112, 112}, bad);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error(), "expected 4 pads (begin and end for each spatial dimension), got 2");
}

TEST(ReduceTest, KeepAndDropDims) {
  EXPECT_EQ(shapeOf(reduce({2, 3, 4}, {1}, true)), Shape({2, 1, 4}));
  EXPECT_EQ(shapeOf(reduce({2, 3, 4}, {0, 2}, false)), Shape({3}));
  EXPECT_EQ(shapeOf(reduce({2, 3}, {}, false)), Shape({2, 3}));
  EXPECT_FALSE(reduce({2, 3}, {1, 0}, false).ok());
  EXPECT_FALSE(reduce({2, 3}, {2}, false).ok());
}

TEST(DataMovementTest, TransposeConcatGather) {
  EXPECT_EQ(shapeOf(transpose({2, 3, 4}, {0, 2, 1})), Shape({2, 4, 3}));
  EXPECT_FALSE(transpose({2, 3}, {0, 0}).ok());
  int64_t a[] = {2, 3}, b[] = {4, 3};
  llvm::ArrayRef<int64_t> inputs[] = {a, b};
  EXPECT_EQ(shapeOf(concat(inputs, 0)), Shape({6, 3}));
  EXPECT_FALSE(concat(inputs, 1).ok());
  EXPECT_EQ(shapeOf(gather({3, 2}, {2, 2}, 0)), Shape({2, 2, 2}));
  EXPECT_EQ(shapeOf(gather({32000, 4096}, {1, 7}, 0)), Shape({1, 7, 4096}));
  EXPECT_FALSE(gather({3, 2}, {2}, 2).ok());
}

TEST(NumElementsTest, OverflowAndDynamic) {
  EXPECT_EQ(numElements({2, 3, 4}), 24);
  EXPECT_EQ(numElements({}), 1);
  EXPECT_EQ(numElements({2, kDyn}), kDyn);
  EXPECT_EQ(numElements({INT64_MAX / 2, 3}), kDyn);
}

} // namespace
