// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>) -> (tensor<2x1x4xf32>, tensor<3xf32>, tensor<2x3xf32>, tensor<1x1x1xf32>, tensor<2x3x4xf32>) {
  // CHECK: llm.reduce_sum %{{.*}} {axes = array<i64: 1>, keep_dims = true} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  %0 = llm.reduce_sum %x {axes = array<i64: 1>, keep_dims = true} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  // CHECK: llm.reduce_mean %{{.*}} {axes = array<i64: 0, 2>} : tensor<2x3x4xf32> -> tensor<3xf32>
  %1 = llm.reduce_mean %x {axes = array<i64: 0, 2>} : tensor<2x3x4xf32> -> tensor<3xf32>
  // CHECK: llm.reduce_max
  %2 = llm.reduce_max %x {axes = array<i64: 2>} : tensor<2x3x4xf32> -> tensor<2x3xf32>
  // CHECK: llm.reduce_min
  %3 = llm.reduce_min %x {axes = array<i64: 0, 1, 2>, keep_dims = true} : tensor<2x3x4xf32> -> tensor<1x1x1xf32>
  // CHECK: llm.reduce_prod %{{.*}} {axes = array<i64>}
  %4 = llm.reduce_prod %x {axes = array<i64>} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return %0, %1, %2, %3, %4 : tensor<2x1x4xf32>, tensor<3xf32>, tensor<2x3xf32>, tensor<1x1x1xf32>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @softmax
func.func @softmax(%x: tensor<8x?xf32>) -> (tensor<8x?xf32>, tensor<8x?xf32>) {
  // CHECK: llm.softmax %{{.*}} {axis = 1 : i64} : tensor<8x?xf32>
  %0 = llm.softmax %x {axis = 1 : i64} : tensor<8x?xf32>
  // CHECK: llm.log_softmax %{{.*}} {axis = 0 : i64} : tensor<8x?xf32>
  %1 = llm.log_softmax %x {axis = 0 : i64} : tensor<8x?xf32>
  return %0, %1 : tensor<8x?xf32>, tensor<8x?xf32>
}

// CHECK-LABEL: func.func @arg_extremes
func.func @arg_extremes(%x: tensor<3x4xf32>) -> (tensor<3x1xi64>, tensor<4xi64>) {
  // CHECK: llm.argmax %{{.*}} {axis = 1 : i64, keep_dims = true} : tensor<3x4xf32> -> tensor<3x1xi64>
  %0 = llm.argmax %x {axis = 1 : i64, keep_dims = true} : tensor<3x4xf32> -> tensor<3x1xi64>
  // CHECK: llm.argmin %{{.*}} {axis = 0 : i64, select_last_index = true} : tensor<3x4xf32> -> tensor<4xi64>
  %1 = llm.argmin %x {axis = 0 : i64, select_last_index = true} : tensor<3x4xf32> -> tensor<4xi64>
  return %0, %1 : tensor<3x1xi64>, tensor<4xi64>
}
