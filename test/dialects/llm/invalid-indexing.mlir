// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @cumsum_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'llm.cumsum' op expected integer or float elements, got 'i1'}}
  %0 = llm.cumsum %x {axis = 0 : i64} : tensor<4xi1> -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @cumsum_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'llm.cumsum' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.cumsum %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @cumsum_result(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'llm.cumsum' op result type 'tensor<3x2xf32>' is incompatible with the inferred type 'tensor<2x3xf32>'}}
  %0 = llm.cumsum %x {axis = 0 : i64} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @topk_bool(%x: tensor<4xi1>, %k: tensor<1xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{'llm.topk' op expected integer or float elements, got 'i1'}}
  %0 = llm.topk %x, %k {axis = 0 : i64} : tensor<4xi1>, tensor<1xi64> -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @topk_k(%x: tensor<4xf32>, %k: tensor<2xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{'llm.topk' op expected k to be one integer (a tensor of rank 0 or shape 1), got tensor<2xi64>}}
  %0 = llm.topk %x, %k {axis = 0 : i64} : tensor<4xf32>, tensor<2xi64> -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @topk_axis(%x: tensor<4xf32>, %k: tensor<i64>) -> tensor<?xi64> {
  // expected-error @+1 {{'llm.topk' op axis 1 is out of range for rank 1 (expected 0 to 0)}}
  %0 = llm.topk %x, %k {axis = 1 : i64} : tensor<4xf32>, tensor<i64> -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @topk_result(%x: tensor<3x4xf32>, %k: tensor<i64>) -> tensor<3x?xf32> {
  // expected-error @+1 {{'llm.topk' op result type 'tensor<3x?xf32>' is incompatible with the inferred type 'tensor<3x?xi64>'}}
  %0 = llm.topk %x, %k {axis = 1 : i64} : tensor<3x4xf32>, tensor<i64> -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

func.func @gather_nd_float_indices(%d: tensor<2x2xf32>, %i: tensor<2x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'llm.gather_nd' op expected integer indices, got 'f32'}}
  %0 = llm.gather_nd %d[%i] : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_nd_scalar(%d: tensor<f32>, %i: tensor<1xi64>) -> tensor<f32> {
  // expected-error @+1 {{'llm.gather_nd' op data and indices must have rank 1 or more}}
  %0 = llm.gather_nd %d[%i] : (tensor<f32>, tensor<1xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @gather_nd_batch_dims(%d: tensor<2x2xf32>, %i: tensor<2x1xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{'llm.gather_nd' op batch_dims 2 must be in [0, 2) for data of rank 2 and indices of rank 2}}
  %0 = llm.gather_nd %d[%i] {batch_dims = 2 : i64} : (tensor<2x2xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_nd_depth(%d: tensor<2x2xf32>, %i: tensor<2x3xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{'llm.gather_nd' op the last dimension of indices (3) must be static and in [1, 2]}}
  %0 = llm.gather_nd %d[%i] : (tensor<2x2xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_nd_batch(%d: tensor<2x2x2xf32>, %i: tensor<3x1xi64>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'llm.gather_nd' op batch dimension 0 differs: data 2x2x2, indices 3x1}}
  %0 = llm.gather_nd %d[%i] {batch_dims = 1 : i64} : (tensor<2x2x2xf32>, tensor<3x1xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @scatter_float_indices(%d: tensor<5xf32>, %i: tensor<2xf32>, %u: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.scatter_elements' op expected integer indices, got 'f32'}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 0 : i64} : (tensor<5xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scatter_update_type(%d: tensor<5xf32>, %i: tensor<2xi64>, %u: tensor<2xf16>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.scatter_elements' op updates have element type 'f16', expected 'f32' like data}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 0 : i64} : (tensor<5xf32>, tensor<2xi64>, tensor<2xf16>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scatter_reduction(%d: tensor<5xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.scatter_elements' op reduction 'sub' is not one of none, add, mul, max, min}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 0 : i64, reduction = "sub"} : (tensor<5xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scatter_bool_add(%d: tensor<5xi1>, %i: tensor<2xi64>, %u: tensor<2xi1>) -> tensor<5xi1> {
  // expected-error @+1 {{'llm.scatter_elements' op reduction 'add' needs integer or float elements, got 'i1'}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 0 : i64, reduction = "add"} : (tensor<5xi1>, tensor<2xi64>, tensor<2xi1>) -> tensor<5xi1>
  return %0 : tensor<5xi1>
}

// -----

func.func @scatter_rank(%d: tensor<5xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.scatter_elements' op data, indices and updates must have the same rank, got 1, 2 and 2}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 0 : i64} : (tensor<5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scatter_shape(%d: tensor<5xf32>, %i: tensor<2xi64>, %u: tensor<3xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.scatter_elements' op indices 2 and updates 3 must have the same shape}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 0 : i64} : (tensor<5xf32>, tensor<2xi64>, tensor<3xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scatter_axis(%d: tensor<5xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'llm.scatter_elements' op axis 1 is out of range for rank 1 (expected 0 to 0)}}
  %0 = llm.scatter_elements %d[%i], %u {axis = 1 : i64} : (tensor<5xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scatter_nd_depth(%d: tensor<4x4xf32>, %i: tensor<2x3xi64>, %u: tensor<2xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'llm.scatter_nd' op indices 2x3 must end in a static dimension in [1, 2]}}
  %0 = llm.scatter_nd %d[%i], %u : (tensor<4x4xf32>, tensor<2x3xi64>, tensor<2xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @scatter_nd_updates(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'llm.scatter_nd' op updates have shape 2x3, expected 2x4}}
  %0 = llm.scatter_nd %d[%i], %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @max_pool_argmax_bool(%x: tensor<1x1x4x4xi1>) -> tensor<1x1x2x2xi64> {
  // expected-error @+1 {{'llm.max_pool_argmax' op expected integer or float elements, got 'i1'}}
  %0 = llm.max_pool_argmax %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xi1> -> tensor<1x1x2x2xi64>
  return %0 : tensor<1x1x2x2xi64>
}

// -----

func.func @max_pool_argmax_strides(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xi64> {
  // expected-error @+1 {{'llm.max_pool_argmax' op strides must be in [1, 2^31], got [0, 2]}}
  %0 = llm.max_pool_argmax %x {kernel = array<i64: 2, 2>, strides = array<i64: 0, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xi64>
  return %0 : tensor<1x1x2x2xi64>
}

// -----

func.func @max_pool_argmax_result(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.max_pool_argmax' op result type 'tensor<1x1x2x2xf32>' is incompatible with the inferred type 'tensor<1x1x2x2xi64>'}}
  %0 = llm.max_pool_argmax %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @det_integer(%x: tensor<2x2xi32>) -> tensor<i32> {
  // expected-error @+1 {{'llm.det' op expected float elements, got 'i32'}}
  %0 = llm.det %x : tensor<2x2xi32> -> tensor<i32>
  return %0 : tensor<i32>
}

// -----

func.func @det_square(%x: tensor<3x2x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'llm.det' op expected square matrices [..., N, N], got 3x2x4}}
  %0 = llm.det %x : tensor<3x2x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
