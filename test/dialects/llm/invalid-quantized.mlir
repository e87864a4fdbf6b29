// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @quantize_to_float(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{'llm.quantize' op expected a quantized result element type, got 'f16'}}
  %0 = llm.quantize %x : tensor<4xf32> -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @quantize_wrong_expressed(%x: tensor<4xf16>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{'llm.quantize' op expected the input element type to be the expressed type 'f32', got 'f16'}}
  %0 = llm.quantize %x : tensor<4xf16> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) -> tensor<8x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{'llm.quantize' op expected the result shape to match the input shape 4, got 8}}
  %0 = llm.quantize %x : tensor<4xf32> -> tensor<8x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<8x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @quantize_axis(%x: tensor<2xf32>) -> tensor<2x!quant.uniform<i8:f32:1, {0.5, 0.25}>> {
  // expected-error @+1 {{'llm.quantize' op quantized dimension 1 is out of range for rank 1}}
  %0 = llm.quantize %x : tensor<2xf32> -> tensor<2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  return %0 : tensor<2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
}

// -----

func.func @dequantize_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.dequantize' op expected a quantized input element type, got 'f32'}}
  %0 = llm.dequantize %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_mixed_expressed(%a: tensor<2x4xf16>, %w: tensor<4x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x2xf16> {
  // expected-error @+1 {{'llm.matmul' op element types differ: lhs computes in 'f16', rhs in 'f32'}}
  %0 = llm.matmul %a, %w : tensor<2x4xf16>, tensor<4x2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x2xf16>
  return %0 : tensor<2x2xf16>
}
