// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @dft_input(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'llm.dft' op expected a float input of rank 2 or more ending in a dimension of size 1 (real) or 2 (complex), got 'tensor<4x3xf32>'}}
  %0 = llm.dft %x {axis = 0 : i64} : tensor<4x3xf32> -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @dft_axis(%x: tensor<4x1xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'llm.dft' op axis 1 is out of range [0, 1)}}
  %0 = llm.dft %x {axis = 1 : i64} : tensor<4x1xf32> -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @dft_length(%x: tensor<4x1xf32>, %n: tensor<1xi64>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'llm.dft' op expected a 0-d integer length, got 'tensor<1xi64>'}}
  %0 = llm.dft %x length(%n : tensor<1xi64>) {axis = 0 : i64} : tensor<4x1xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dft_result(%x: tensor<4x1xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{'llm.dft' op expected a complex result of rank 2 and element type 'f32', got 'tensor<4x1xf32>'}}
  %0 = llm.dft %x {axis = 0 : i64} : tensor<4x1xf32> -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

func.func @dft_batch(%x: tensor<3x4x1xf32>) -> tensor<2x4x2xf32> {
  // expected-error @+1 {{'llm.dft' op result dimension 0 differs from the input's: 'tensor<2x4x2xf32>' for 'tensor<3x4x1xf32>'}}
  %0 = llm.dft %x {axis = 1 : i64} : tensor<3x4x1xf32> -> tensor<2x4x2xf32>
  return %0 : tensor<2x4x2xf32>
}

// -----

func.func @dft_frequencies(%x: tensor<8x1xf32>) -> tensor<8x2xf32> {
  // expected-error @+1 {{'llm.dft' op expected 5 frequencies along axis 0, got 'tensor<8x2xf32>'}}
  %0 = llm.dft %x {axis = 0 : i64, onesided = true} : tensor<8x1xf32> -> tensor<8x2xf32>
  return %0 : tensor<8x2xf32>
}

// -----

func.func @frame_axis(%x: tensor<16xf32>, %s: tensor<i64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.frame' op axis 1 is out of range for rank 1}}
  %0 = llm.frame %x step(%s : tensor<i64>) length(%s : tensor<i64>) {axis = 1 : i64} : tensor<16xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @frame_scalars(%x: tensor<16xf32>, %s: tensor<i64>, %l: tensor<1xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.frame' op expected 0-d integer frame_step and frame_length, got 'tensor<i64>' and 'tensor<1xi64>'}}
  %0 = llm.frame %x step(%s : tensor<i64>) length(%l : tensor<1xi64>) {axis = 0 : i64} : tensor<16xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @frame_result(%x: tensor<16xf32>, %s: tensor<i64>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.frame' op expected a result of rank 2 and element type 'f32', got 'tensor<?xf32>'}}
  %0 = llm.frame %x step(%s : tensor<i64>) length(%s : tensor<i64>) {axis = 0 : i64} : tensor<16xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @frame_kept_dims(%x: tensor<2x16xf32>, %s: tensor<i64>) -> tensor<3x?x?xf32> {
  // expected-error @+1 {{'llm.frame' op result 'tensor<3x?x?xf32>' does not keep the dimensions of input 'tensor<2x16xf32>' around axis 1}}
  %0 = llm.frame %x step(%s : tensor<i64>) length(%s : tensor<i64>) {axis = 1 : i64} : tensor<2x16xf32> -> tensor<3x?x?xf32>
  return %0 : tensor<3x?x?xf32>
}

// -----

func.func @cosine_window_size(%n: tensor<f32>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.cosine_window' op expected a 0-d integer size, got 'tensor<f32>'}}
  %0 = llm.cosine_window %n {coefficients = array<f64: 0.5, -0.5>} : tensor<f32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @cosine_window_result(%n: tensor<i64>) -> tensor<?xi32> {
  // expected-error @+1 {{'llm.cosine_window' op expected a 1-D float result, got 'tensor<?xi32>'}}
  %0 = llm.cosine_window %n {coefficients = array<f64: 0.5, -0.5>} : tensor<i64> -> tensor<?xi32>
  return %0 : tensor<?xi32>
}

// -----

func.func @cosine_window_coefficients(%n: tensor<i64>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.cosine_window' op expected at least one coefficient}}
  %0 = llm.cosine_window %n {coefficients = array<f64>} : tensor<i64> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @mel_integers(%a: tensor<f32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.mel_weight_matrix' op expected 0-d integer num_mel_bins, dft_length and sample_rate}}
  %0 = llm.mel_weight_matrix %a, %a, %a, %a, %a : (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @mel_floats(%i: tensor<i64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.mel_weight_matrix' op expected 0-d float lower_edge_hertz and upper_edge_hertz}}
  %0 = llm.mel_weight_matrix %i, %i, %i, %i, %i : (tensor<i64>, tensor<i64>, tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @mel_result(%i: tensor<i64>, %f: tensor<f32>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.mel_weight_matrix' op expected a 2-D float result, got 'tensor<?xf32>'}}
  %0 = llm.mel_weight_matrix %i, %i, %i, %f, %f : (tensor<i64>, tensor<i64>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
