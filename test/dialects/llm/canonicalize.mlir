// RUN: llmc-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @add_zero
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
func.func @add_zero(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = arith.constant dense<0.0> : tensor<3xf32>
  // CHECK-NOT: llm.add
  // CHECK: return %[[X]], %[[X]]
  %0 = llm.add %x, %zero : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = llm.add %zero, %x : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A zero that broadcasts the other operand to a bigger shape is not an identity.
// CHECK-LABEL: func.func @add_zero_broadcasting
func.func @add_zero_broadcasting(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  // CHECK: llm.add
  %0 = llm.add %x, %zero : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @identities(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %one = arith.constant dense<1.0> : tensor<4xf32>
  %0 = llm.sub %x, %zero : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = llm.mul %one, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %2 = llm.div %x, %one : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %3 = llm.pow %x, %one : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %4 = llm.max %x, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  // CHECK-NOT: llm.
  // CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @integer_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>)
func.func @integer_identity(%x: tensor<4xi32>) -> tensor<4xi32> {
  %one = arith.constant dense<1> : tensor<4xi32>
  // CHECK: return %[[X]]
  %0 = llm.mul %x, %one : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @constant_folding
func.func @constant_folding() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = arith.constant dense<[4.0, -9.0]> : tensor<2xf32>
  %b = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[6.000000e+00, -6.000000e+00]> : tensor<2xf32>
  %0 = llm.add %a, %b : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[2.000000e+00, -3.000000e+00]> : tensor<2xf32>
  %1 = llm.div %a, %b : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[4.000000e+00, 0.000000e+00]> : tensor<2xf32>
  %2 = llm.relu %a : tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[5.000000e-01, 0.333333343]> : tensor<2xf32>
  %3 = llm.reciprocal %b : tensor<2xf32>
  // CHECK-NOT: llm.
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @sqrt_folding
func.func @sqrt_folding() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = arith.constant dense<[4.0, 16.0]> : tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
  %0 = llm.sqrt %a : tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
  %1 = llm.rsqrt %a : tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[-4.000000e+00, -1.600000e+01]> : tensor<2xf32>
  %2 = llm.neg %a : tensor<2xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @involutions
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @involutions(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = llm.neg %x : tensor<4xf32>
  %1 = llm.neg %0 : tensor<4xf32>
  %2 = llm.reciprocal %x : tensor<4xf32>
  %3 = llm.reciprocal %2 : tensor<4xf32>
  // CHECK: %[[R:.*]] = llm.relu %[[X]]
  // CHECK-NOT: llm.relu
  %4 = llm.relu %x : tensor<4xf32>
  %5 = llm.relu %4 : tensor<4xf32>
  // CHECK: return %[[X]], %[[X]], %[[R]]
  return %1, %3, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @transposes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @transposes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x2x3xf32>) {
  %0 = llm.transpose %x {permutation = array<i64: 0, 1, 2>} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: %[[T:.*]] = llm.transpose %[[X]] {permutation = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %1 = llm.transpose %x {permutation = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %2 = llm.transpose %1 {permutation = array<i64: 2, 1, 0>} : tensor<3x2x4xf32> -> tensor<4x2x3xf32>
  // CHECK: return %[[X]], %[[T]]
  return %0, %2 : tensor<2x3x4xf32>, tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @reshapes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x6xf32>, tensor<2x1xf32>) {
  %0 = llm.reshape %x : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK-DAG: %[[R:.*]] = llm.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
  %1 = llm.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %2 = llm.reshape %1 : tensor<24xf32> -> tensor<4x6xf32>
  // CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[}}1.000000e+00], [2.000000e+00]]> : tensor<2x1xf32>
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %3 = llm.reshape %c : tensor<2xf32> -> tensor<2x1xf32>
  // CHECK: return %[[X]], %[[R]], %[[C]]
  return %0, %2, %3 : tensor<2x3x4xf32>, tensor<4x6xf32>, tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func.func @trivial_data_movement
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
func.func @trivial_data_movement(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = llm.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = llm.cast %x : tensor<2x3xf32> to tensor<2x3xf32>
  %2 = llm.reduce_sum %x {axes = array<i64>} : tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK-NOT: llm.
  // CHECK: return %[[X]], %[[X]], %[[X]]
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Shape arithmetic on small integer constants folds, with broadcasting, and so do concats
// and slices of constant vectors.
// CHECK-LABEL: func.func @shape_arithmetic
// CHECK-DAG: arith.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-DAG: arith.constant dense<[2, 8, 3]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<[8, 3]> : tensor<2xi64>
// CHECK-NOT: llm.
func.func @shape_arithmetic() -> (tensor<2xi64>, tensor<3xi64>, tensor<2xi64>) {
  %rank = arith.constant dense<4> : tensor<i64>
  %axes = arith.constant dense<[1, 0]> : tensor<2xi64>
  %0 = llm.sub %rank, %axes : tensor<i64>, tensor<2xi64> -> tensor<2xi64>
  %a = arith.constant dense<[2]> : tensor<1xi64>
  %b = arith.constant dense<[8, 3]> : tensor<2xi64>
  %1 = llm.concat %a, %b {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
  %2 = llm.slice %1 {starts = array<i64: 1>, ends = array<i64: 3>, steps = array<i64: 1>} : tensor<3xi64> -> tensor<2xi64>
  return %0, %1, %2 : tensor<2xi64>, tensor<3xi64>, tensor<2xi64>
}
