// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @rank(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @+1 {{'llm.max_pool' op expected input of rank 3 or more (N x C x spatial...), got 8x8}}
  %0 = llm.max_pool %x {kernel = array<i64>, strides = array<i64>, dilations = array<i64>, pads = array<i64>} : tensor<8x8xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

func.func @kernel_count(%x: tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{'llm.avg_pool' op expected 2 kernel sizes (one per spatial dimension), got 1}}
  %0 = llm.avg_pool %x {kernel = array<i64: 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x8x8xf32> -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @kernel_zero(%x: tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{'llm.max_pool' op kernel sizes must be in [1, 2^31], got [0, 2]}}
  %0 = llm.max_pool %x {kernel = array<i64: 0, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x8x8xf32> -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @window_too_big(%x: tensor<1x1x8x2xf32>) -> tensor<1x1x6x1xf32> {
  // expected-error @+1 {{'llm.max_pool' op spatial dimension 1 (size 2) is smaller than the dilated window (5)}}
  %0 = llm.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 2>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x8x2xf32> -> tensor<1x1x6x1xf32>
  return %0 : tensor<1x1x6x1xf32>
}

// -----

func.func @output_overflow(%x: tensor<1x1x9223372036854775806xf32>) -> tensor<1x1x?xf32> {
  // expected-error @+1 {{'llm.avg_pool' op output dimension 2 does not fit in int64}}
  %0 = llm.avg_pool %x {kernel = array<i64: 1>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 1073741824, 1073741824>} : tensor<1x1x9223372036854775806xf32> -> tensor<1x1x?xf32>
  return %0 : tensor<1x1x?xf32>
}

// -----

func.func @ceil_mode_result(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.max_pool' op result type 'tensor<1x1x2x2xf32>' is incompatible with the inferred type 'tensor<1x1x3x3xf32>'}}
  %0 = llm.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true} : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}
