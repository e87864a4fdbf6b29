// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// Unsigned integer element types are ordinary llm element types: ops know their semantics.

!qu8 = !quant.uniform<u8:f32, 5.000000e-02:128>

// CHECK-LABEL: func.func @shifts
func.func @shifts(%x: tensor<2x3xui8>, %n: tensor<3xui8>) -> (tensor<2x3xui8>, tensor<2x3xui8>) {
  // CHECK: llm.shift_left %{{.*}}, %{{.*}} : tensor<2x3xui8>, tensor<3xui8> -> tensor<2x3xui8>
  %0 = llm.shift_left %x, %n : tensor<2x3xui8>, tensor<3xui8> -> tensor<2x3xui8>
  // CHECK: llm.shift_right %{{.*}}, %{{.*}} : tensor<2x3xui8>, tensor<3xui8> -> tensor<2x3xui8>
  %1 = llm.shift_right %x, %n : tensor<2x3xui8>, tensor<3xui8> -> tensor<2x3xui8>
  return %0, %1 : tensor<2x3xui8>, tensor<2x3xui8>
}

// CHECK-LABEL: func.func @shift_dynamic
func.func @shift_dynamic(%x: tensor<?x4xi32>, %n: tensor<i32>) -> tensor<?x4xi32> {
  // CHECK: llm.shift_right %{{.*}}, %{{.*}} : tensor<?x4xi32>, tensor<i32> -> tensor<?x4xi32>
  %0 = llm.shift_right %x, %n : tensor<?x4xi32>, tensor<i32> -> tensor<?x4xi32>
  return %0 : tensor<?x4xi32>
}

// CHECK-LABEL: func.func @bitcasts
func.func @bitcasts(%x: tensor<4xf32>, %q: tensor<4x!qu8>) -> (tensor<4xi32>, tensor<4xui8>, tensor<4x!qu8>) {
  // CHECK: llm.bitcast %{{.*}} : tensor<4xf32> to tensor<4xi32>
  %0 = llm.bitcast %x : tensor<4xf32> to tensor<4xi32>
  // CHECK: llm.bitcast %{{.*}} : tensor<4x!quant.uniform<u8:f32, 5.000000e-02:128>> to tensor<4xui8>
  %1 = llm.bitcast %q : tensor<4x!qu8> to tensor<4xui8>
  // CHECK: llm.bitcast %{{.*}} : tensor<4xui8> to tensor<4x!quant.uniform<u8:f32, 5.000000e-02:128>>
  %2 = llm.bitcast %1 : tensor<4xui8> to tensor<4x!qu8>
  return %0, %1, %2 : tensor<4xi32>, tensor<4xui8>, tensor<4x!qu8>
}

// CHECK-LABEL: func.func @unsigned_arithmetic
func.func @unsigned_arithmetic(%a: tensor<4xui16>, %b: tensor<4xui16>) -> (tensor<4xui16>, tensor<4xi1>, tensor<4xf32>) {
  // CHECK: llm.div %{{.*}}, %{{.*}} : tensor<4xui16>, tensor<4xui16> -> tensor<4xui16>
  %0 = llm.div %a, %b : tensor<4xui16>, tensor<4xui16> -> tensor<4xui16>
  // CHECK: llm.less %{{.*}}, %{{.*}} : tensor<4xui16>, tensor<4xui16> -> tensor<4xi1>
  %1 = llm.less %a, %b : tensor<4xui16>, tensor<4xui16> -> tensor<4xi1>
  // CHECK: llm.cast %{{.*}} : tensor<4xui16> to tensor<4xf32>
  %2 = llm.cast %0 : tensor<4xui16> to tensor<4xf32>
  return %0, %1, %2 : tensor<4xui16>, tensor<4xi1>, tensor<4xf32>
}
