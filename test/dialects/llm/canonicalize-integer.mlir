// RUN: llmc-opt %s --split-input-file --canonicalize | FileCheck %s

// Unsigned constants fold as unsigned: 200 / 3 = 66, max(200, 3) = 200, 250 + 10 wraps to 4.
// CHECK-LABEL: func.func @unsigned_folds
// CHECK-DAG: arith.constant dense<66> : tensor<ui8>
// CHECK-DAG: arith.constant dense<200> : tensor<ui8>
// CHECK-DAG: arith.constant dense<4> : tensor<ui8>
// CHECK-NOT: llm.
func.func @unsigned_folds() -> (tensor<ui8>, tensor<ui8>, tensor<ui8>) {
  %a = arith.constant dense<200> : tensor<ui8>
  %b = arith.constant dense<3> : tensor<ui8>
  %c = arith.constant dense<250> : tensor<ui8>
  %d = arith.constant dense<10> : tensor<ui8>
  %0 = llm.div %a, %b : tensor<ui8>, tensor<ui8> -> tensor<ui8>
  %1 = llm.max %a, %b : tensor<ui8>, tensor<ui8> -> tensor<ui8>
  %2 = llm.add %c, %d : tensor<ui8>, tensor<ui8> -> tensor<ui8>
  return %0, %1, %2 : tensor<ui8>, tensor<ui8>, tensor<ui8>
}

// -----

// Signed division folds as the lowering computes: by zero gives 0, -128 / -1 wraps.
// CHECK-LABEL: func.func @signed_division
// CHECK: arith.constant dense<[0, -128, -3]> : tensor<3xi8>
func.func @signed_division() -> tensor<3xi8> {
  %a = arith.constant dense<[5, -128, -7]> : tensor<3xi8>
  %b = arith.constant dense<[0, -1, 2]> : tensor<3xi8>
  %0 = llm.div %a, %b : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return %0 : tensor<3xi8>
}

// -----

// Shifts fold with their out-of-range rules.
// CHECK-LABEL: func.func @shift_folds
// CHECK-DAG: arith.constant dense<[8, 0, 0]> : tensor<3xui8>
// CHECK-DAG: arith.constant dense<[0, 0, 1]> : tensor<3xui8>
// CHECK-DAG: arith.constant dense<[-64, -1, -1]> : tensor<3xi8>
func.func @shift_folds() -> (tensor<3xui8>, tensor<3xui8>, tensor<3xi8>) {
  %x = arith.constant dense<[1, 255, 128]> : tensor<3xui8>
  %n = arith.constant dense<[3, 8, 7]> : tensor<3xui8>
  %s = arith.constant dense<[-128, -1, -2]> : tensor<3xi8>
  %m = arith.constant dense<[1, 9, 200]> : tensor<3xi8>
  %0 = llm.shift_left %x, %n : tensor<3xui8>, tensor<3xui8> -> tensor<3xui8>
  %1 = llm.shift_right %x, %n : tensor<3xui8>, tensor<3xui8> -> tensor<3xui8>
  %2 = llm.shift_right %s, %m : tensor<3xi8>, tensor<3xi8> -> tensor<3xi8>
  return %0, %1, %2 : tensor<3xui8>, tensor<3xui8>, tensor<3xi8>
}

// -----

// CHECK-LABEL: func.func @shift_by_zero
// CHECK-SAME: (%[[X:.*]]: tensor<4xui16>)
// CHECK: return %[[X]]
func.func @shift_by_zero(%x: tensor<4xui16>) -> tensor<4xui16> {
  %zero = arith.constant dense<0> : tensor<4xui16>
  %0 = llm.shift_left %x, %zero : tensor<4xui16>, tensor<4xui16> -> tensor<4xui16>
  return %0 : tensor<4xui16>
}

// -----

// A bitcast and its inverse cancel; a chain reads the first input directly; constants are
// reinterpreted.
// CHECK-LABEL: func.func @bitcast_folds
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1065353216> : tensor<2xi32>
// CHECK-DAG: %[[U:.*]] = llm.bitcast %[[X]] : tensor<4xf32> to tensor<4xui32>
// CHECK: return %[[X]], %[[U]], %[[ONE]]
func.func @bitcast_folds(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xui32>, tensor<2xi32>) {
  %0 = llm.bitcast %x : tensor<4xf32> to tensor<4xi32>
  %1 = llm.bitcast %0 : tensor<4xi32> to tensor<4xf32>
  %2 = llm.bitcast %0 : tensor<4xi32> to tensor<4xui32>
  %c = arith.constant dense<1.0> : tensor<2xf32>
  %3 = llm.bitcast %c : tensor<2xf32> to tensor<2xi32>
  return %1, %2, %3 : tensor<4xf32>, tensor<4xui32>, tensor<2xi32>
}
