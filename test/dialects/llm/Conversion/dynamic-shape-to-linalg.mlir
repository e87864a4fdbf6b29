// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// The shape is read with tensor.dim at run time.
// CHECK-LABEL: func.func @shape_of
// CHECK: %[[D0:.*]] = tensor.dim %{{.*}}, %c0
// CHECK: arith.index_cast %[[D0]] : index to i64
// CHECK: tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi64>
func.func @shape_of(%x: tensor<?x4xf32>) -> tensor<2xi64> {
  %0 = llm.shape_of %x : tensor<?x4xf32> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Bounds are clamped into the dim at run time; the generic reads start + i * step.
// CHECK-LABEL: func.func @dynamic_slice
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<1xi64>
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.empty(%{{.*}}) : tensor<?x64xf32>
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<?x64xf32>
func.func @dynamic_slice(%x: tensor<?x64xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<?x64xf32> {
  %axes = arith.constant dense<0> : tensor<1xi64>
  %0 = llm.dynamic_slice %x[%s, %e, %axes, %st] : (tensor<?x64xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// The element count is guarded (negative or unallocatable sizes stop the call).
// CHECK-LABEL: func.func @range
// CHECK: arith.divui
// CHECK: cf.assert %{{.*}}, "llm.range: a size computed at run time is negative or too large to allocate"
// CHECK: linalg.generic
// CHECK: linalg.index 0
func.func @range(%a: tensor<i64>, %b: tensor<i64>, %c: tensor<i64>) -> tensor<?xi64> {
  %0 = llm.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// Reflect mirrors the index with period 2 * (size - 1); reads stay inside the input.
// CHECK-LABEL: func.func @pad_reflect
// CHECK: cf.assert %{{.*}}, "llm.pad: a size computed at run time is negative or too large to allocate"
// CHECK: linalg.generic
// CHECK: arith.remsi
// CHECK: scf.if
// CHECK: tensor.extract %{{.*}} : tensor<2x3xf32>
func.func @pad_reflect(%x: tensor<2x3xf32>, %p: tensor<4xi64>) -> tensor<?x?xf32> {
  %0 = llm.pad %x, %p {mode = "reflect"} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// The reduced dims are a mask computed from the axes; each result element loops over them.
// CHECK-LABEL: func.func @dynamic_reduce
// CHECK: scf.for
// CHECK: arith.ori
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: arith.remui
// CHECK: arith.addf
// CHECK: cf.assert %{{.*}}, "llm.dynamic_reduce: the axes do not name 1 distinct dims of the rank-3 input"
// CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<?x?x?xf32>, tensor<2xindex>) -> tensor<?x?xf32>
func.func @dynamic_reduce(%x: tensor<3x2x2xf32>, %axes: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = llm.dynamic_reduce %x(%axes : tensor<1xi64>) {kind = "sum"} : tensor<3x2x2xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A run-time shape that does not hold the elements is a run-time error.
// CHECK-LABEL: func.func @reshape_checked
// CHECK: cf.assert %{{.*}}, "llm.reshape: the shape computed at run time does not hold the elements of the ?x3 input (result ?x?)"
// CHECK: tensor.reshape
func.func @reshape_checked(%x: tensor<?x3xf32>, %shape: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = llm.reshape %x(%shape : tensor<2xi64>) {allow_zero} : tensor<?x3xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
