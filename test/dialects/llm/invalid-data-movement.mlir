// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @transpose_length(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @+1 {{'llm.transpose' op permutation [1, 0] has 2 entries, expected one per dimension of 2x3x4}}
  %0 = llm.transpose %x {permutation = array<i64: 1, 0>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  return %0 : tensor<3x2x4xf32>
}

// -----

func.func @transpose_repeat(%x: tensor<2x3x4xf32>) -> tensor<2x2x3xf32> {
  // expected-error @+1 {{'llm.transpose' op permutation [0, 0, 1] is not a permutation of [0, 3)}}
  %0 = llm.transpose %x {permutation = array<i64: 0, 0, 1>} : tensor<2x3x4xf32> -> tensor<2x2x3xf32>
  return %0 : tensor<2x2x3xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) -> tensor<6xf16> {
  // expected-error @+1 {{'llm.reshape' op expected the result element type to be 'f32', got 'f16'}}
  %0 = llm.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return %0 : tensor<6xf16>
}

// -----

func.func @reshape_two_dynamic(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.reshape' op expected at most one dynamic dimension in the result, got ?x?}}
  %0 = llm.reshape %x : tensor<2x3xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'llm.reshape' op cannot reshape 2x3 (6 elements) into 4x2}}
  %0 = llm.reshape %x : tensor<2x3xf32> -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @reshape_derived_not_integral(%x: tensor<2x3xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{'llm.reshape' op cannot reshape 2x3 (6 elements) into 4x?}}
  %0 = llm.reshape %x : tensor<2x3xf32> -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

func.func @concat_nothing() -> tensor<2xf32> {
  // expected-error @+1 {{'llm.concat' op expected at least one input}}
  %0 = llm.concat {axis = 0 : i64} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'llm.concat' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{'llm.concat' op input 1 has shape 4, expected rank 2 like input 0}}
  %0 = llm.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @concat_other_dim(%a: tensor<2x3xf32>, %b: tensor<4x4xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{'llm.concat' op input 1 has shape 4x4, which differs from 2x3 in dimension 1 (only axis 0 may differ)}}
  %0 = llm.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4x4xf32>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @concat_element_type(%a: tensor<2x3xf32>, %b: tensor<4x3xf16>) -> tensor<6x3xf32> {
  // expected-error @+1 {{'llm.concat' op input 1 has element type 'f16', expected 'f32' like input 0}}
  %0 = llm.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4x3xf16>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @concat_overflow(%a: tensor<9223372036854775807xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.concat' op the joined size of axis 0 overflows int64}}
  %0 = llm.concat %a, %a {axis = 0 : i64} : (tensor<9223372036854775807xf32>, tensor<9223372036854775807xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @gather_float_indices(%x: tensor<3x2xf32>, %i: tensor<2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'llm.gather' op expected integer indices, got 'f32'}}
  %0 = llm.gather %x[%i] {axis = 0 : i64} : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @gather_axis(%x: tensor<3x2xf32>, %i: tensor<2xi64>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'llm.gather' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.gather %x[%i] {axis = 2 : i64} : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @reshape_shape_type(%x: tensor<2x3xf32>, %s: tensor<2xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.reshape' op expected a 1-D integer shape operand, got 'tensor<2xf32>'}}
  %0 = llm.reshape %x(%s : tensor<2xf32>) : tensor<2x3xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_shape_length(%x: tensor<2x3xf32>, %s: tensor<3xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.reshape' op expected a shape operand of length 2 (the result rank), got 'tensor<3xi64>'}}
  %0 = llm.reshape %x(%s : tensor<3xi64>) : tensor<2x3xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @slice_count(%x: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'llm.slice' op expected one start, end and step per dimension (2), got 1, 2 and 2}}
  %0 = llm.slice %x {starts = array<i64: 0>, ends = array<i64: 2, 5>, steps = array<i64: 1, 1>} : tensor<4x5xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @slice_zero_step(%x: tensor<4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'llm.slice' op step of dimension 0 is 0}}
  %0 = llm.slice %x {starts = array<i64: 0>, ends = array<i64: 2>, steps = array<i64: 0>} : tensor<4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @slice_range(%x: tensor<4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'llm.slice' op range [3, 6) with step 1 is outside dimension 0 of size 4}}
  %0 = llm.slice %x {starts = array<i64: 3>, ends = array<i64: 6>, steps = array<i64: 1>} : tensor<4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_elements_rank(%x: tensor<3x5xf32>, %i: tensor<3xi64>) -> tensor<3xf32> {
  // expected-error @+1 {{'llm.gather_elements' op indices have rank 1, expected the rank of data (2)}}
  %0 = llm.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x5xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_elements_type(%x: tensor<3x5xf32>, %i: tensor<3x1xf32>) -> tensor<3x1xf32> {
  // expected-error @+1 {{'llm.gather_elements' op expected integer indices, got 'f32'}}
  %0 = llm.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x5xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

func.func @gather_elements_axis(%x: tensor<3x5xf32>, %i: tensor<3x1xi64>) -> tensor<3x1xf32> {
  // expected-error @+1 {{'llm.gather_elements' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.gather_elements %x[%i] {axis = 2 : i64} : (tensor<3x5xf32>, tensor<3x1xi64>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

func.func @broadcast_to_shape(%x: tensor<4xf32>, %s: tensor<?xi64>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.broadcast_to' op expected a 1-D integer shape of static length, got 'tensor<?xi64>'}}
  %0 = llm.broadcast_to %x(%s : tensor<?xi64>) : tensor<4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @broadcast_to_element(%x: tensor<4xf32>, %s: tensor<1xi64>) -> tensor<?xf16> {
  // expected-error @+1 {{'llm.broadcast_to' op expected the result element type to be 'f32', got 'f16'}}
  %0 = llm.broadcast_to %x(%s : tensor<1xi64>) : tensor<4xf32> -> tensor<?xf16>
  return %0 : tensor<?xf16>
}

// -----

func.func @broadcast_to_rank(%x: tensor<4xf32>, %s: tensor<2xi64>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.broadcast_to' op expected a result of rank 2, got ?}}
  %0 = llm.broadcast_to %x(%s : tensor<2xi64>) : tensor<4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @broadcast_to_size(%x: tensor<4xf32>, %s: tensor<1xi64>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.broadcast_to' op input dim 0 of size 4 cannot broadcast to 5}}
  %0 = llm.broadcast_to %x(%s : tensor<1xi64>) : tensor<4xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}
