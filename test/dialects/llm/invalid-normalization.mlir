// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @batch_norm_rank(%x: tensor<4xf32>, %p: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llm.batch_norm' op expected input of rank 2 or more (N x C x ...), got 4}}
  %0 = llm.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @batch_norm_scale(%x: tensor<1x4x8xf32>, %s: tensor<3xf32>, %p: tensor<4xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'llm.batch_norm' op scale has shape 3, expected one value per channel (4)}}
  %0 = llm.batch_norm %x, %s, %p, %p, %p {epsilon = 1.0e-05 : f64} : (tensor<1x4x8xf32>, tensor<3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

func.func @batch_norm_variance_rank(%x: tensor<1x4x8xf32>, %p: tensor<4xf32>, %v: tensor<4x1xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'llm.batch_norm' op variance has shape 4x1, expected one value per channel (4)}}
  %0 = llm.batch_norm %x, %p, %p, %p, %v {epsilon = 1.0e-05 : f64} : (tensor<1x4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x1xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

func.func @batch_norm_types(%x: tensor<1x4x8xf32>, %p: tensor<4xf32>, %m: tensor<4xf16>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'llm.batch_norm' op element types differ: input computes in 'f32', mean in 'f16'}}
  %0 = llm.batch_norm %x, %p, %p, %m, %p {epsilon = 1.0e-05 : f64} : (tensor<1x4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf16>, tensor<4xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<1x7x8xf32>, %g: tensor<4xf32>) -> tensor<1x7x8xf32> {
  // expected-error @+1 {{'llm.layer_norm' op scale has shape 4, expected 8 (the input's dimensions from axis 2)}}
  %0 = llm.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x7x8xf32>, tensor<4xf32>) -> tensor<1x7x8xf32>
  return %0 : tensor<1x7x8xf32>
}

// -----

func.func @layer_norm_bias(%x: tensor<1x7x8xf32>, %g: tensor<7x8xf32>, %b: tensor<8xf32>) -> tensor<1x7x8xf32> {
  // expected-error @+1 {{'llm.layer_norm' op bias has shape 8, expected 7x8 (the input's dimensions from axis 1)}}
  %0 = llm.layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x7x8xf32>, tensor<7x8xf32>, tensor<8xf32>) -> tensor<1x7x8xf32>
  return %0 : tensor<1x7x8xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<1x7x8xf32>, %g: tensor<8xf32>) -> tensor<1x7x8xf32> {
  // expected-error @+1 {{'llm.layer_norm' op axis 3 is out of range for rank 3 (expected 0 to 2)}}
  %0 = llm.layer_norm %x, %g {axis = 3 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x7x8xf32>, tensor<8xf32>) -> tensor<1x7x8xf32>
  return %0 : tensor<1x7x8xf32>
}

// -----

func.func @rms_norm_scale(%x: tensor<1x7x8xf32>, %w: tensor<2x8xf32>) -> tensor<1x7x8xf32> {
  // expected-error @+1 {{'llm.rms_norm' op scale has shape 2x8, expected 8 (the input's dimensions from axis 2)}}
  %0 = llm.rms_norm %x, %w {axis = 2 : i64, epsilon = 1.0e-06 : f64} : (tensor<1x7x8xf32>, tensor<2x8xf32>) -> tensor<1x7x8xf32>
  return %0 : tensor<1x7x8xf32>
}
