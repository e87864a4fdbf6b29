// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @cumsum
func.func @cumsum(%x: tensor<2x5xf32>, %y: tensor<?x3xi64>) -> (tensor<2x5xf32>, tensor<?x3xi64>) {
  // CHECK: llm.cumsum %{{.*}} {axis = 1 : i64, exclusive = true} : tensor<2x5xf32> -> tensor<2x5xf32>
  %0 = llm.cumsum %x {axis = 1 : i64, exclusive = true} : tensor<2x5xf32> -> tensor<2x5xf32>
  // CHECK: llm.cumsum %{{.*}} {axis = 0 : i64, reverse = true} : tensor<?x3xi64> -> tensor<?x3xi64>
  %1 = llm.cumsum %y {axis = 0 : i64, reverse = true} : tensor<?x3xi64> -> tensor<?x3xi64>
  return %0, %1 : tensor<2x5xf32>, tensor<?x3xi64>
}

// CHECK-LABEL: func.func @topk
func.func @topk(%x: tensor<3x4xf32>, %k: tensor<1xi64>, %s: tensor<i32>) -> (tensor<3x?xi64>, tensor<2x4xi64>) {
  // CHECK: llm.topk %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<3x4xf32>, tensor<1xi64> -> tensor<3x?xi64>
  %0 = llm.topk %x, %k {axis = 1 : i64} : tensor<3x4xf32>, tensor<1xi64> -> tensor<3x?xi64>
  // A result type may state the size k has at run time.
  // CHECK: llm.topk %{{.*}}, %{{.*}} {axis = 0 : i64, largest = false} : tensor<3x4xf32>, tensor<i32> -> tensor<2x4xi64>
  %1 = llm.topk %x, %s {axis = 0 : i64, largest = false} : tensor<3x4xf32>, tensor<i32> -> tensor<2x4xi64>
  return %0, %1 : tensor<3x?xi64>, tensor<2x4xi64>
}

// CHECK-LABEL: func.func @gather_nd
func.func @gather_nd(%d: tensor<2x2x2xi32>, %i: tensor<2x1xi64>, %j: tensor<?x3xi64>) -> (tensor<2x2xi32>, tensor<?xi32>) {
  // CHECK: llm.gather_nd %{{.*}}[%{{.*}}] {batch_dims = 1 : i64} : (tensor<2x2x2xi32>, tensor<2x1xi64>) -> tensor<2x2xi32>
  %0 = llm.gather_nd %d[%i] {batch_dims = 1 : i64} : (tensor<2x2x2xi32>, tensor<2x1xi64>) -> tensor<2x2xi32>
  // CHECK: llm.gather_nd %{{.*}}[%{{.*}}] : (tensor<2x2x2xi32>, tensor<?x3xi64>) -> tensor<?xi32>
  %1 = llm.gather_nd %d[%j] : (tensor<2x2x2xi32>, tensor<?x3xi64>) -> tensor<?xi32>
  return %0, %1 : tensor<2x2xi32>, tensor<?xi32>
}

// CHECK-LABEL: func.func @scatter_elements
func.func @scatter_elements(%d: tensor<1x5xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>) -> (tensor<1x5xf32>, tensor<1x5xf32>) {
  // CHECK: llm.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} {axis = 1 : i64} : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
  %0 = llm.scatter_elements %d[%i], %u {axis = 1 : i64} : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
  // CHECK: llm.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} {axis = 1 : i64, reduction = "add"}
  %1 = llm.scatter_elements %d[%i], %u {axis = 1 : i64, reduction = "add"} : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
  return %0, %1 : tensor<1x5xf32>, tensor<1x5xf32>
}

// CHECK-LABEL: func.func @scatter_nd
func.func @scatter_nd(%d: tensor<4x4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4x4xf32>) -> tensor<4x4x4xf32> {
  // CHECK: llm.scatter_nd %{{.*}}[%{{.*}}], %{{.*}} {reduction = "mul"} : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  %0 = llm.scatter_nd %d[%i], %u {reduction = "mul"} : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  return %0 : tensor<4x4x4xf32>
}

// CHECK-LABEL: func.func @max_pool_argmax
func.func @max_pool_argmax(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x2x2xi64> {
  // CHECK: llm.max_pool_argmax %{{.*}} {column_major = true, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xi64>
  %0 = llm.max_pool_argmax %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, column_major = true} : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xi64>
  return %0 : tensor<1x1x2x2xi64>
}

// CHECK-LABEL: func.func @det
func.func @det(%x: tensor<3x2x2xf32>, %y: tensor<?x?xf64>) -> (tensor<3xf32>, tensor<f64>) {
  // CHECK: llm.det %{{.*}} : tensor<3x2x2xf32> -> tensor<3xf32>
  %0 = llm.det %x : tensor<3x2x2xf32> -> tensor<3xf32>
  // CHECK: llm.det %{{.*}} : tensor<?x?xf64> -> tensor<f64>
  %1 = llm.det %y : tensor<?x?xf64> -> tensor<f64>
  return %0, %1 : tensor<3xf32>, tensor<f64>
}
