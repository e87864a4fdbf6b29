// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @transpose
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<2x4x3xf32> {
  // CHECK: llm.transpose %{{.*}} {permutation = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %0 = llm.transpose %x {permutation = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// CHECK-LABEL: func.func @reshape
func.func @reshape(%x: tensor<2x3x4xf32>, %y: tensor<?x4xf32>) -> (tensor<6x4xf32>, tensor<?x2x2xf32>, tensor<24xf32>) {
  // CHECK: llm.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %0 = llm.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: llm.reshape %{{.*}} : tensor<?x4xf32> -> tensor<?x2x2xf32>
  %1 = llm.reshape %y : tensor<?x4xf32> -> tensor<?x2x2xf32>
  // CHECK: llm.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<24xf32>
  %2 = llm.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<?x2x2xf32>, tensor<24xf32>
}

// CHECK-LABEL: func.func @reshape_derived_dim
func.func @reshape_derived_dim(%x: tensor<2x3x4xf32>) -> tensor<2x?xf32> {
  // CHECK: llm.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<2x?xf32>
  %0 = llm.reshape %x : tensor<2x3x4xf32> -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// CHECK-LABEL: func.func @concat
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<?x3xf32>) -> (tensor<6x3xf32>, tensor<?x3xf32>) {
  // CHECK: llm.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
  %0 = llm.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
  // CHECK: llm.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<2x3xf32>, tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  %1 = llm.concat %a, %c, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  return %0, %1 : tensor<6x3xf32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @gather
func.func @gather(%table: tensor<32000x4096xf32>, %ids: tensor<1x7xi64>, %x: tensor<3x2xf32>, %i: tensor<i32>) -> (tensor<1x7x4096xf32>, tensor<3xf32>) {
  // CHECK: llm.gather %{{.*}}[%{{.*}}] {axis = 0 : i64} : (tensor<32000x4096xf32>, tensor<1x7xi64>) -> tensor<1x7x4096xf32>
  %0 = llm.gather %table[%ids] {axis = 0 : i64} : (tensor<32000x4096xf32>, tensor<1x7xi64>) -> tensor<1x7x4096xf32>
  // CHECK: llm.gather %{{.*}}[%{{.*}}] {axis = 1 : i64} : (tensor<3x2xf32>, tensor<i32>) -> tensor<3xf32>
  %1 = llm.gather %x[%i] {axis = 1 : i64} : (tensor<3x2xf32>, tensor<i32>) -> tensor<3xf32>
  return %0, %1 : tensor<1x7x4096xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @reshape_runtime_shape
func.func @reshape_runtime_shape(%x: tensor<2x3x4xf32>, %shape: tensor<3xi64>) -> tensor<?x?x?xf32> {
  // CHECK: llm.reshape %{{.*}}(%{{.*}} : tensor<3xi64>) : tensor<2x3x4xf32> -> tensor<?x?x?xf32>
  %0 = llm.reshape %x(%shape : tensor<3xi64>) : tensor<2x3x4xf32> -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// CHECK-LABEL: func.func @slice
func.func @slice(%x: tensor<4x5xf32>) -> tensor<2x4xf32> {
  // CHECK: llm.slice %{{.*}} {ends = array<i64: 2, -1>, starts = array<i64: 0, 3>, steps = array<i64: 1, -1>} : tensor<4x5xf32> -> tensor<2x4xf32>
  %0 = llm.slice %x {starts = array<i64: 0, 3>, ends = array<i64: 2, -1>, steps = array<i64: 1, -1>} : tensor<4x5xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @gather_elements
func.func @gather_elements(%x: tensor<3x5xf32>, %i: tensor<3x1xi64>) -> tensor<3x1xf32> {
  // CHECK: llm.gather_elements %{{.*}}[%{{.*}}] {axis = 1 : i64} : (tensor<3x5xf32>, tensor<3x1xi64>) -> tensor<3x1xf32>
  %0 = llm.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x5xf32>, tensor<3x1xi64>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// CHECK-LABEL: func.func @broadcast_to
func.func @broadcast_to(%x: tensor<1x4xf32>, %shape: tensor<3xi64>) -> tensor<?x?x4xf32> {
  // CHECK: llm.broadcast_to %{{.*}}(%{{.*}} : tensor<3xi64>) : tensor<1x4xf32> -> tensor<?x?x4xf32>
  %0 = llm.broadcast_to %x(%shape : tensor<3xi64>) : tensor<1x4xf32> -> tensor<?x?x4xf32>
  return %0 : tensor<?x?x4xf32>
}
