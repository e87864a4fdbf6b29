// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @resize_rank(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'llm.resize' op expected a result of rank 2 and element type 'f32', got 'tensor<8xf32>'}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>} : tensor<1x4xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_axes(%x: tensor<1x4xf32>, %s: tensor<2xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op expected strictly increasing axes in [0, 2), got [1, 1]}}
  %0 = llm.resize %x scales(%s : tensor<2xf32>) {axes = array<i64: 1, 1>} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_copied_dim(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'llm.resize' op dimension 0 is not resized, but the result has size 2 for input size 1}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>} : tensor<1x4xf32> -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @resize_no_scales(%x: tensor<1x4xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op expected scales, sizes or both}}
  %0 = llm.resize %x {axes = array<i64: 1>} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_scales_length(%x: tensor<1x4xf32>, %s: tensor<2xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op expected scales to be a 1-D float tensor of 1 element(s), got 'tensor<2xf32>'}}
  %0 = llm.resize %x scales(%s : tensor<2xf32>) {axes = array<i64: 1>} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_sizes_type(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op expected sizes to be a 1-D integer tensor of 1 element(s), got 'tensor<1xf32>'}}
  %0 = llm.resize %x sizes(%s : tensor<1xf32>) {axes = array<i64: 1>} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_mode(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op mode 'area' is not one of nearest, linear, cubic}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>, mode = "area"} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_coordinate_mode(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op coordinate_mode 'center' is not one of half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>, coordinate_mode = "center"} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_nearest_mode(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op nearest_mode 'up' is not one of round_prefer_floor, round_prefer_ceil, floor, ceil, simple}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>, nearest_mode = "up"} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_crop_without_roi(%x: tensor<1x4xf32>, %s: tensor<1xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op tf_crop_and_resize needs a roi operand}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>, coordinate_mode = "tf_crop_and_resize"} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_roi_without_crop(%x: tensor<1x4xf32>, %s: tensor<1xf32>, %r: tensor<2xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op a roi operand needs coordinate_mode tf_crop_and_resize}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) roi(%r : tensor<2xf32>) {axes = array<i64: 1>} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_roi_length(%x: tensor<1x4xf32>, %s: tensor<1xf32>, %r: tensor<4xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'llm.resize' op expected roi to be a 1-D float tensor of 2 element(s), got 'tensor<4xf32>'}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) roi(%r : tensor<4xf32>) {axes = array<i64: 1>, coordinate_mode = "tf_crop_and_resize"} : tensor<1x4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @resize_linear_integers(%x: tensor<1x4xi8>, %s: tensor<1xf32>) -> tensor<1x8xi8> {
  // expected-error @+1 {{'llm.resize' op linear interpolation needs a float element type, got 'i8'}}
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 1>, mode = "linear"} : tensor<1x4xi8> -> tensor<1x8xi8>
  return %0 : tensor<1x8xi8>
}

// -----

func.func @grid_sample_mode(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op mode 'area' is not one of nearest, linear, cubic}}
  %0 = llm.grid_sample %x, %g {mode = "area"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @grid_sample_padding(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op padding_mode 'wrap' is not one of zeros, border, reflection}}
  %0 = llm.grid_sample %x, %g {padding_mode = "wrap"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @grid_sample_rank(%x: tensor<4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op expected an input of rank 3 or more (N x C x ...), got 4x4}}
  %0 = llm.grid_sample %x, %g : (tensor<4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @grid_sample_grid_rank(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op expected a grid of rank 4 (N x spatial... x 2), got 1x2x2}}
  %0 = llm.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @grid_sample_coordinates(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op expected the grid's last dimension to be 2, got 1x2x2x3}}
  %0 = llm.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x2x3xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @grid_sample_types(%x: tensor<1x1x4x4xi32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xi32> {
  // expected-error @+1 {{'llm.grid_sample' op expected float input and grid, got 'i32' and 'f32'}}
  %0 = llm.grid_sample %x, %g : (tensor<1x1x4x4xi32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xi32>
  return %0 : tensor<1x1x2x2xi32>
}

// -----

func.func @grid_sample_batch(%x: tensor<2x1x4x4xf32>, %g: tensor<3x2x2x2xf32>) -> tensor<2x1x2x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op grid batch 3x2x2x2 does not match input 2x1x4x4}}
  %0 = llm.grid_sample %x, %g : (tensor<2x1x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<2x1x2x2xf32>
  return %0 : tensor<2x1x2x2xf32>
}

// -----

func.func @grid_sample_result(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x3x2xf32> {
  // expected-error @+1 {{'llm.grid_sample' op result type 'tensor<1x1x3x2xf32>' is incompatible with the inferred type 'tensor<1x1x2x2xf32>'}}
  %0 = llm.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x3x2xf32>
  return %0 : tensor<1x1x3x2xf32>
}

// -----

func.func @roi_align_mode(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error @+1 {{'llm.roi_align' op mode 'sum' is not one of avg, max}}
  %0 = llm.roi_align %x, %r, %b {mode = "sum", output_height = 1 : i64, output_width = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_align_input(%x: tensor<1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error @+1 {{'llm.roi_align' op expected a 4-D float input (N x C x H x W), got 'tensor<1x4x4xf32>'}}
  %0 = llm.roi_align %x, %r, %b {output_height = 1 : i64, output_width = 1 : i64} : (tensor<1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_align_rois(%x: tensor<1x1x4x4xf32>, %r: tensor<2x5xf32>, %b: tensor<2xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error @+1 {{'llm.roi_align' op expected float rois of shape R x 4, got 'tensor<2x5xf32>'}}
  %0 = llm.roi_align %x, %r, %b {output_height = 1 : i64, output_width = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x5xf32>, tensor<2xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_align_batch_type(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xf32>) -> tensor<2x1x1x1xf32> {
  // expected-error @+1 {{'llm.roi_align' op expected 1-D integer batch indices, got 'tensor<2xf32>'}}
  %0 = llm.roi_align %x, %r, %b {output_height = 1 : i64, output_width = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_align_batch_count(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<3xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error @+1 {{'llm.roi_align' op expected one batch index per roi, got 'tensor<3xi64>' for 'tensor<2x4xf32>'}}
  %0 = llm.roi_align %x, %r, %b {output_height = 1 : i64, output_width = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<3xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_align_output_size(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error @+1 {{'llm.roi_align' op expected a positive output size and a non-negative sampling ratio, got 0x1 and 0}}
  %0 = llm.roi_align %x, %r, %b {output_height = 0 : i64, output_width = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}
