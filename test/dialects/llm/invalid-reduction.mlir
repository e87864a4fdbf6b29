// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @axis_out_of_range(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'llm.reduce_sum' op axis 3 is out of range for rank 3 (expected 0 to 2)}}
  %0 = llm.reduce_sum %x {axes = array<i64: 3>} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @negative_axis(%x: tensor<2x3x4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'llm.reduce_max' op axis -1 is out of range for rank 3 (expected 0 to 2)}}
  %0 = llm.reduce_max %x {axes = array<i64: -1>} : tensor<2x3x4xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @unsorted_axes(%x: tensor<2x3x4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'llm.reduce_mean' op axes [2, 1] must be strictly increasing}}
  %0 = llm.reduce_mean %x {axes = array<i64: 2, 1>} : tensor<2x3x4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @keep_dims_result(%x: tensor<2x3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'llm.reduce_prod' op result type 'tensor<2x4xf32>' is incompatible with the inferred type 'tensor<2x1x4xf32>'}}
  %0 = llm.reduce_prod %x {axes = array<i64: 1>, keep_dims = true} : tensor<2x3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @reduce_min_types(%x: tensor<2x3xf32>) -> tensor<2xf16> {
  // expected-error @+1 {{'llm.reduce_min' op result type 'tensor<2xf16>' is incompatible with the inferred type 'tensor<2xf32>'}}
  %0 = llm.reduce_min %x {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// -----

func.func @softmax_axis(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'llm.softmax' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.softmax %x {axis = 2 : i64} : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @log_softmax_axis(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'llm.log_softmax' op axis -1 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.log_softmax %x {axis = -1 : i64} : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @argmax_axis(%x: tensor<3x4xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{'llm.argmax' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.argmax %x {axis = 2 : i64} : tensor<3x4xf32> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}
