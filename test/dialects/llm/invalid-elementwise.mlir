// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'llm.add' op shapes 2x3 and 4 do not broadcast: dimension 1 is 3 against 4}}
  %0 = llm.add %a, %b : tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @element_types_differ(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.mul' op element types differ: lhs computes in 'f32', rhs in 'f16'}}
  %0 = llm.mul %a, %b : tensor<4xf32>, tensor<4xf16> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @result_contradicts_inference(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'llm.sub' op result type 'tensor<2x4xf32>' is incompatible with the inferred type 'tensor<2x3xf32>'}}
  %0 = llm.sub %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @unary_type_mismatch(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{'llm.relu' op requires the same type for all operands and results}}
  %0 = "llm.relu"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @clamp_inverted(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.clamp' op expected min <= max, got min = 6.000000e+00 and max = 0.000000e+00}}
  %0 = llm.clamp %x {min = 6.0 : f64, max = 0.0 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cast_quantized(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{'llm.cast' op expected integer or float element types, got '!quant.uniform<i8:f32, 5.000000e-01>' (use llm.quantize or llm.dequantize)}}
  %0 = llm.cast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @cast_shape(%x: tensor<4xf32>) -> tensor<5xi32> {
  // expected-error @+1 {{'llm.cast' op expected the result shape to match the input shape 4, got 5}}
  %0 = llm.cast %x : tensor<4xf32> to tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

func.func @select_condition(%c: tensor<4xf32>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.select' op expected an i1 condition, got 'f32'}}
  %0 = llm.select %c, %a, %a : tensor<4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_values(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.select' op element types differ: on_true computes in 'f32', on_false in 'f16'}}
  %0 = llm.select %c, %a, %b : tensor<4xi1>, tensor<4xf32>, tensor<4xf16> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_broadcast(%c: tensor<3xi1>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.select' op shapes 3 and 4 do not broadcast: dimension 0 is 3 against 4}}
  %0 = llm.select %c, %a, %a : tensor<3xi1>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @compare_result(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.less' op result type 'tensor<4xf32>' is incompatible with the inferred type 'tensor<4xi1>'}}
  %0 = llm.less %a, %a : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gelu_of_integers(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'llm.gelu' op expected a dense float tensor, got 'tensor<4xi32>'}}
  %0 = llm.gelu %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}
