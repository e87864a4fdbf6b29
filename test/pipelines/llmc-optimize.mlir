// RUN: llmc-opt %s --llmc-optimize | FileCheck %s
// RUN: llmc-opt %s --llmc-optimize=decompose-batch-norm=false | FileCheck %s --check-prefix=KEEP
// `llmc compile` runs exactly the registered pipeline.
// RUN: llmc compile %s --emit=mlir -o %t.compiled.mlir
// RUN: llmc-opt %s --llmc-optimize -o %t.opt.mlir
// RUN: diff %t.compiled.mlir %t.opt.mlir

// CHECK-LABEL: func.func @conv_bn_relu
// CHECK-SAME: -> tensor<1x2x4x4xf32>
// CHECK-DAG: %[[SHIFT:.*]] = arith.constant dense<{{.*}}> : tensor<2x1x1xf32>
// CHECK-DAG: %[[MUL:.*]] = arith.constant dense<{{.*}}> : tensor<2x1x1xf32>
// CHECK: %[[CONV:.*]] = llm.conv {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[SCALED:.*]] = llm.mul %[[CONV]], %[[MUL]]
// CHECK: %[[BN:.*]] = llm.add %[[SCALED]], %[[SHIFT]]
// CHECK: %[[RELU:.*]] = llm.relu %[[BN]] : tensor<1x2x4x4xf32>
// CHECK: return %[[RELU]]
// KEEP-LABEL: func.func @conv_bn_relu
// KEEP: llm.batch_norm {{.*}} -> tensor<1x2x4x4xf32>
func.func @conv_bn_relu(%x: tensor<1x3x4x4xf32>) -> tensor<?x?x?x?xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3x1x1xf32>
  %s = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %0 = llm.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 1 : i64}
      : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<?x?x?x?xf32>
  %1 = llm.batch_norm %0, %s, %b, %m, %v {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x?x?xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x?x?x?xf32>
  // Two identical relus become one (CSE).
  %2 = llm.relu %1 : tensor<?x?x?x?xf32>
  %3 = llm.relu %1 : tensor<?x?x?x?xf32>
  %4 = llm.max %2, %3 : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  return %4 : tensor<?x?x?x?xf32>
}
