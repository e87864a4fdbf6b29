// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @shape_of
func.func @shape_of(%x: tensor<?x?x768xf32>) -> tensor<3xi64> {
  // CHECK: llm.shape_of %{{.*}} : tensor<?x?x768xf32> -> tensor<3xi64>
  %0 = llm.shape_of %x : tensor<?x?x768xf32> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// CHECK-LABEL: func.func @dynamic_slice
func.func @dynamic_slice(%x: tensor<?x64xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %st: tensor<1xi64>, %a: tensor<2xi32>) -> (tensor<?x64xf32>, tensor<?x?xf32>) {
  %axes = arith.constant dense<0> : tensor<1xi64>
  // CHECK: llm.dynamic_slice %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : (tensor<?x64xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x64xf32>
  %0 = llm.dynamic_slice %x[%s, %e, %axes, %st] : (tensor<?x64xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x64xf32>
  // Axes known only at run time leave every dim unknown.
  // CHECK: llm.dynamic_slice {{.*}} -> tensor<?x?xf32>
  %1 = llm.dynamic_slice %x[%a, %a, %a, %a] : (tensor<?x64xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @range
func.func @range(%a: tensor<i64>, %b: tensor<i64>, %c: tensor<i64>, %f: tensor<f32>) -> (tensor<?xi64>, tensor<?xf32>) {
  // CHECK: llm.range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %0 = llm.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  // CHECK: llm.range {{.*}} : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  %1 = llm.range %f, %f, %f : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0, %1 : tensor<?xi64>, tensor<?xf32>
}

// CHECK-LABEL: func.func @pad
func.func @pad(%x: tensor<1x3x4x5xf32>, %pads: tensor<8xi64>, %v: tensor<f32>) -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<1x3x6x5xf32>) {
  // CHECK: llm.pad %{{.*}}, %{{.*}} {mode = "reflect"} : (tensor<1x3x4x5xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
  %0 = llm.pad %x, %pads {mode = "reflect"} : (tensor<1x3x4x5xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
  // CHECK: llm.pad %{{.*}}, %{{.*}}, %{{.*}} {mode = "constant"} : (tensor<1x3x4x5xf32>, tensor<8xi64>, tensor<f32>) -> tensor<?x?x?x?xf32>
  %1 = llm.pad %x, %pads, %v {mode = "constant"} : (tensor<1x3x4x5xf32>, tensor<8xi64>, tensor<f32>) -> tensor<?x?x?x?xf32>
  // Constant pads give static sizes.
  %c = arith.constant dense<[0, 0, 1, 0, 0, 0, 1, 0]> : tensor<8xi64>
  // CHECK: llm.pad {{.*}} {mode = "edge"} : (tensor<1x3x4x5xf32>, tensor<8xi64>) -> tensor<1x3x6x5xf32>
  %2 = llm.pad %x, %c {mode = "edge"} : (tensor<1x3x4x5xf32>, tensor<8xi64>) -> tensor<1x3x6x5xf32>
  return %0, %1, %2 : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<1x3x6x5xf32>
}

// CHECK-LABEL: func.func @dynamic_reduce
func.func @dynamic_reduce(%x: tensor<3x1x2xf32>, %axes: tensor<1xi64>, %any: tensor<?xi64>) -> (tensor<?x1x?xf32>, tensor<?x?xf32>, tensor<?x1x?xf32>) {
  // CHECK: llm.dynamic_reduce %{{.*}}(%{{.*}} : tensor<1xi64>) {keep_dims = true, kind = "sum"} : tensor<3x1x2xf32> -> tensor<?x1x?xf32>
  %0 = llm.dynamic_reduce %x(%axes : tensor<1xi64>) {kind = "sum", keep_dims = true} : tensor<3x1x2xf32> -> tensor<?x1x?xf32>
  // CHECK: llm.dynamic_reduce %{{.*}}(%{{.*}} : tensor<1xi64>) {kind = "mean"} : tensor<3x1x2xf32> -> tensor<?x?xf32>
  %1 = llm.dynamic_reduce %x(%axes : tensor<1xi64>) {kind = "mean"} : tensor<3x1x2xf32> -> tensor<?x?xf32>
  // CHECK: llm.dynamic_reduce %{{.*}}(%{{.*}} : tensor<?xi64>) {keep_dims = true, kind = "max", noop_with_empty_axes = true}
  %2 = llm.dynamic_reduce %x(%any : tensor<?xi64>) {kind = "max", keep_dims = true, noop_with_empty_axes = true} : tensor<3x1x2xf32> -> tensor<?x1x?xf32>
  return %0, %1, %2 : tensor<?x1x?xf32>, tensor<?x?xf32>, tensor<?x1x?xf32>
}

// CHECK-LABEL: func.func @reshape_allow_zero
func.func @reshape_allow_zero(%x: tensor<?x3x4xf32>, %shape: tensor<3xi64>) -> tensor<?x?x?xf32> {
  // CHECK: llm.reshape %{{.*}}(%{{.*}} : tensor<3xi64>) {allow_zero} : tensor<?x3x4xf32> -> tensor<?x?x?xf32>
  %0 = llm.reshape %x(%shape : tensor<3xi64>) {allow_zero} : tensor<?x3x4xf32> -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}
