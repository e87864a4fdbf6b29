//===- LLMOpsTest.cpp - Building llm ops from C++, as frontends do ----------===//
#include "dialects/llm/IR/LLMOps.h"
#include "passes/Registration.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace llmc::llm;

namespace {

class LLMOpsTest : public ::testing::Test {
protected:
  LLMOpsTest() : context(makeRegistry()), builder(&context) {
    context.loadAllAvailableDialects();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    llmc::registerDialects(registry);
    return registry;
  }

  /// A placeholder value of `type`, as a frontend's graph input would be.
  Value input(RankedTensorType type) {
    auto zeros = DenseElementsAttr::get(type, builder.getZeroAttr(type.getElementType()));
    return arith::ConstantOp::create(builder, builder.getUnknownLoc(), zeros);
  }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(LLMOpsTest, BinaryOpsInferTheBroadcastType) {
  Value a = input(f32({2, 3})), b = input(f32({3}));
  FailureOr<AddOp> add = createInferred<AddOp>(builder, builder.getUnknownLoc(), a, b);
  ASSERT_TRUE(succeeded(add));
  EXPECT_EQ(add->getType(), f32({2, 3}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(LLMOpsTest, CreateInferredReportsTheRuleAndCreatesNothing) {
  Value a = input(f32({2, 3})), b = input(f32({4}));
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    message = diagnostic.str();
    return success();
  });
  size_t opsBefore = module->getBody()->getOperations().size();
  EXPECT_TRUE(failed(createInferred<AddOp>(builder, builder.getUnknownLoc(), a, b)));
  EXPECT_EQ(message, "'llm.add' op shapes 2x3 and 4 do not broadcast: dimension 1 is 3 against 4");
  EXPECT_EQ(module->getBody()->getOperations().size(), opsBefore);
}

// Builders reach the rules before the ODS type constraints do, so the rules check operand kinds.
TEST_F(LLMOpsTest, RulesRejectOperandsThatAreNotRankedTensors) {
  Value scalar =
      arith::ConstantOp::create(builder, builder.getUnknownLoc(), builder.getF32FloatAttr(1.0));
  Value tensor = input(f32({4}));
  std::vector<std::string> messages;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    messages.push_back(diagnostic.str());
    return success();
  });
  Location loc = builder.getUnknownLoc();
  EXPECT_TRUE(failed(createInferred<MulOp>(builder, loc, scalar, tensor)));
  EXPECT_TRUE(failed(
      createInferred<ReduceSumOp>(builder, loc, scalar, builder.getDenseI64ArrayAttr({}), false)));
  EXPECT_TRUE(failed(createInferred<ConcatOp>(builder, loc, ValueRange{tensor, scalar},
                                              builder.getI64IntegerAttr(0))));
  EXPECT_TRUE(
      failed(createInferred<GatherOp>(builder, loc, tensor, scalar, builder.getI64IntegerAttr(0))));
  EXPECT_TRUE(
      failed(createInferred<TransposeOp>(builder, loc, scalar, builder.getDenseI64ArrayAttr({}))));
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "'llm.mul' op lhs must be a ranked tensor",
                          "'llm.reduce_sum' op input must be a ranked tensor",
                          "'llm.concat' op inputs must be ranked tensors",
                          "'llm.gather' op data and indices must be ranked tensors",
                          "'llm.transpose' op input must be a ranked tensor",
                      }));
}

TEST_F(LLMOpsTest, MatmulReadsQuantizedWeightsAsTheirExpressedType) {
  Type i8 = builder.getIntegerType(8);
  auto quantized = quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, i8,
                                                    builder.getF32Type(), 0.5, -3, -128, 127);
  auto weightType = RankedTensorType::get({32, 8}, quantized);
  Value weight =
      QuantizeOp::create(builder, builder.getUnknownLoc(), weightType, input(f32({32, 8})));
  Value activation = input(f32({4, 16, 32}));
  FailureOr<MatmulOp> matmul =
      createInferred<MatmulOp>(builder, builder.getUnknownLoc(), activation, weight);
  ASSERT_TRUE(succeeded(matmul));
  EXPECT_EQ(matmul->getType(), f32({4, 16, 8}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(LLMOpsTest, ConvInfersOutputSize) {
  Value x = input(f32({1, 3, 224, 224})), w = input(f32({64, 3, 7, 7}));
  Value bias = input(f32({64}));
  FailureOr<ConvOp> conv = createInferred<ConvOp>(
      builder, builder.getUnknownLoc(), x, w, bias, builder.getDenseI64ArrayAttr({2, 2}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getDenseI64ArrayAttr({3, 3, 3, 3}),
      builder.getI64IntegerAttr(1));
  ASSERT_TRUE(succeeded(conv));
  EXPECT_EQ(conv->getType(), f32({1, 64, 112, 112}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(LLMOpsTest, WrittenResultTypesMayRefineButNotContradict) {
  int64_t dyn = ShapedType::kDynamic;
  Value a = input(f32({dyn, 3})), b = input(f32({3}));
  // A frontend that knows the batch size may write it.
  AddOp::create(builder, builder.getUnknownLoc(), TypeRange{f32({8, 3})}, ValueRange{a, b});
  EXPECT_TRUE(succeeded(verify(*module)));
  AddOp::create(builder, builder.getUnknownLoc(), TypeRange{f32({8, 4})}, ValueRange{a, b});
  ScopedDiagnosticHandler silence(&context, [](Diagnostic &) { return success(); });
  EXPECT_TRUE(failed(verify(*module)));
}

} // namespace
