// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @matmul_batched
func.func @matmul_batched(%a: tensor<4x16x32xf32>, %b: tensor<32x8xf32>) -> tensor<4x16x8xf32> {
  // CHECK: llm.matmul %{{.*}}, %{{.*}} : tensor<4x16x32xf32>, tensor<32x8xf32> -> tensor<4x16x8xf32>
  %0 = llm.matmul %a, %b : tensor<4x16x32xf32>, tensor<32x8xf32> -> tensor<4x16x8xf32>
  return %0 : tensor<4x16x8xf32>
}

// CHECK-LABEL: func.func @matmul_broadcast_batch_dynamic
func.func @matmul_broadcast_batch_dynamic(%a: tensor<2x1x?x64xf32>, %b: tensor<5x64x?xf32>) -> tensor<2x5x?x?xf32> {
  // CHECK: llm.matmul {{.*}} -> tensor<2x5x?x?xf32>
  %0 = llm.matmul %a, %b : tensor<2x1x?x64xf32>, tensor<5x64x?xf32> -> tensor<2x5x?x?xf32>
  return %0 : tensor<2x5x?x?xf32>
}

// CHECK-LABEL: func.func @conv_stem
func.func @conv_stem(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>) -> tensor<1x64x112x112xf32> {
  // CHECK: llm.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>}
  // CHECK-SAME: (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %0 = llm.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, groups = 1 : i64}
      : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  return %0 : tensor<1x64x112x112xf32>
}

// CHECK-LABEL: func.func @conv_depthwise_no_bias
func.func @conv_depthwise_no_bias(%x: tensor<?x32x56x56xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<?x32x56x56xf32> {
  // CHECK: llm.conv %{{.*}}, %{{.*}} {{{.*}}groups = 32 : i64{{.*}}} : (tensor<?x32x56x56xf32>, tensor<32x1x3x3xf32>) -> tensor<?x32x56x56xf32>
  %0 = llm.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 32 : i64}
      : (tensor<?x32x56x56xf32>, tensor<32x1x3x3xf32>) -> tensor<?x32x56x56xf32>
  return %0 : tensor<?x32x56x56xf32>
}

// CHECK-LABEL: func.func @conv1d_dilated
func.func @conv1d_dilated(%x: tensor<1x80x3000xf32>, %w: tensor<384x80x3xf32>) -> tensor<1x384x1498xf32> {
  // CHECK: llm.conv {{.*}} -> tensor<1x384x1498xf32>
  %0 = llm.conv %x, %w {strides = array<i64: 2>, dilations = array<i64: 2>, pads = array<i64: 0, 0>, groups = 1 : i64}
      : (tensor<1x80x3000xf32>, tensor<384x80x3xf32>) -> tensor<1x384x1498xf32>
  return %0 : tensor<1x384x1498xf32>
}
