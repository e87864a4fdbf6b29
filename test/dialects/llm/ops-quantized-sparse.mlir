// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// Quantized and sparse tensors are ordinary operands of the llm ops.

!qi8 = !quant.uniform<i8:f32, 5.000000e-02:-3>
!qaxis = !quant.uniform<i8:f32:0, {2.000000e-02, 3.000000e-02, 4.000000e-02, 5.000000e-02}>
#CSR = #sparse_tensor.encoding<{map = (d0, d1) -> (d0 : dense, d1 : compressed)}>

// CHECK-LABEL: func.func @quantize_roundtrip
func.func @quantize_roundtrip(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: llm.quantize %{{.*}} : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 5.000000e-02:-3>>
  %q = llm.quantize %x : tensor<4x8xf32> -> tensor<4x8x!qi8>
  // CHECK: llm.dequantize %{{.*}} : tensor<4x8x!quant.uniform<i8:f32, 5.000000e-02:-3>> -> tensor<4x8xf32>
  %d = llm.dequantize %q : tensor<4x8x!qi8> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @per_axis
func.func @per_axis(%x: tensor<4x16xf32>) -> tensor<4x16x!qaxis> {
  // CHECK: llm.quantize %{{.*}} : tensor<4x16xf32> -> tensor<4x16x!quant.uniform<i8:f32:0, {2.000000e-02,3.000000e-02,4.000000e-02,5.000000e-02}>>
  %q = llm.quantize %x : tensor<4x16xf32> -> tensor<4x16x!qaxis>
  return %q : tensor<4x16x!qaxis>
}

// A quantized weight multiplies an f32 activation; the result is in the expressed type.
// CHECK-LABEL: func.func @matmul_quantized_weight
func.func @matmul_quantized_weight(%a: tensor<1x32xf32>, %w: tensor<32x8x!qi8>) -> tensor<1x8xf32> {
  // CHECK: llm.matmul %{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<32x8x!quant.uniform<i8:f32, 5.000000e-02:-3>> -> tensor<1x8xf32>
  %0 = llm.matmul %a, %w : tensor<1x32xf32>, tensor<32x8x!qi8> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// CHECK-LABEL: func.func @add_quantized
func.func @add_quantized(%a: tensor<8x!qi8>, %b: tensor<8xf32>) -> tensor<8xf32> {
  // CHECK: llm.add %{{.*}}, %{{.*}} : tensor<8x!quant.uniform<i8:f32, 5.000000e-02:-3>>, tensor<8xf32> -> tensor<8xf32>
  %0 = llm.add %a, %b : tensor<8x!qi8>, tensor<8xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// CHECK-LABEL: func.func @matmul_sparse_weight
func.func @matmul_sparse_weight(%a: tensor<16x64xf32>, %w: tensor<64x32xf32, #CSR>) -> tensor<16x32xf32> {
  // CHECK: llm.matmul %{{.*}}, %{{.*}} : tensor<16x64xf32>, tensor<64x32xf32, #sparse{{[0-9]*}}> -> tensor<16x32xf32>
  %0 = llm.matmul %a, %w : tensor<16x64xf32>, tensor<64x32xf32, #CSR> -> tensor<16x32xf32>
  return %0 : tensor<16x32xf32>
}
