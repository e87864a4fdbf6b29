// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @shift_float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.shift_left' op expected integer operands, got 'f32'}}
  %0 = llm.shift_left %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @shift_bool(%a: tensor<4xi1>, %b: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'llm.shift_right' op expected integer operands, got 'i1'}}
  %0 = llm.shift_right %a, %b : tensor<4xi1>, tensor<4xi1> -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @shift_types_differ(%a: tensor<4xui8>, %b: tensor<4xi8>) -> tensor<4xui8> {
  // expected-error @+1 {{'llm.shift_left' op element types differ: lhs is 'ui8', rhs 'i8'}}
  %0 = llm.shift_left %a, %b : tensor<4xui8>, tensor<4xi8> -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

func.func @shift_no_broadcast(%a: tensor<2x3xui8>, %b: tensor<4xui8>) -> tensor<2x3xui8> {
  // expected-error @+1 {{'llm.shift_right' op shapes 2x3 and 4 do not broadcast: dimension 1 is 3 against 4}}
  %0 = llm.shift_right %a, %b : tensor<2x3xui8>, tensor<4xui8> -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

func.func @shift_result(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui16> {
  // expected-error @+1 {{'llm.shift_left' op result type 'tensor<4xui16>' is incompatible with the inferred type 'tensor<4xui8>'}}
  %0 = llm.shift_left %a, %b : tensor<4xui8>, tensor<4xui8> -> tensor<4xui16>
  return %0 : tensor<4xui16>
}

// -----

func.func @bitcast_index(%a: tensor<4xindex>) -> tensor<4xi64> {
  // expected-error @+1 {{'llm.bitcast' op expected integer, float or quantized element types, got 'index' and 'i64'}}
  %0 = llm.bitcast %a : tensor<4xindex> to tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @bitcast_width(%a: tensor<4xf32>) -> tensor<4xi16> {
  // expected-error @+1 {{'llm.bitcast' op expected element types of one bit width, got 'f32' (32 bits) and 'i16' (16 bits)}}
  %0 = llm.bitcast %a : tensor<4xf32> to tensor<4xi16>
  return %0 : tensor<4xi16>
}

// -----

func.func @bitcast_quantized_float(%a: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4xf8E4M3FN> {
  // expected-error @+1 {{'llm.bitcast' op a quantized element type is reinterpreted only as an integer, got '!quant.uniform<i8:f32, 5.000000e-01>' and 'f8E4M3FN'}}
  %0 = llm.bitcast %a : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

func.func @bitcast_shape(%a: tensor<4xf32>) -> tensor<8xi32> {
  // expected-error @+1 {{'llm.bitcast' op expected the result shape to match the input shape 4, got 8}}
  %0 = llm.bitcast %a : tensor<4xf32> to tensor<8xi32>
  return %0 : tensor<8xi32>
}
