// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @resize_scales
func.func @resize_scales(%x: tensor<1x3x32x32xf32>, %s: tensor<2xf32>) -> tensor<1x3x64x64xf32> {
  // CHECK: llm.resize %{{.*}} scales(%{{.*}} : tensor<2xf32>) {axes = array<i64: 2, 3>, mode = "linear"} : tensor<1x3x32x32xf32> -> tensor<1x3x64x64xf32>
  %0 = llm.resize %x scales(%s : tensor<2xf32>) {axes = array<i64: 2, 3>, mode = "linear"}
      : tensor<1x3x32x32xf32> -> tensor<1x3x64x64xf32>
  return %0 : tensor<1x3x64x64xf32>
}

// CHECK-LABEL: func.func @resize_sizes_dynamic
func.func @resize_sizes_dynamic(%x: tensor<?x3x?x?xi8>, %n: tensor<2xi64>) -> tensor<?x3x?x?xi8> {
  // CHECK: llm.resize %{{.*}} sizes(%{{.*}} : tensor<2xi64>) {axes = array<i64: 2, 3>, coordinate_mode = "asymmetric", nearest_mode = "floor"} : tensor<?x3x?x?xi8> -> tensor<?x3x?x?xi8>
  %0 = llm.resize %x sizes(%n : tensor<2xi64>)
      {axes = array<i64: 2, 3>, coordinate_mode = "asymmetric", nearest_mode = "floor"}
      : tensor<?x3x?x?xi8> -> tensor<?x3x?x?xi8>
  return %0 : tensor<?x3x?x?xi8>
}

// CHECK-LABEL: func.func @resize_crop
func.func @resize_crop(%x: tensor<1x1x4x4xf32>, %n: tensor<2xi64>, %roi: tensor<4xf32>) -> tensor<1x1x3x3xf32> {
  // CHECK: llm.resize %{{.*}} sizes(%{{.*}} : tensor<2xi64>) roi(%{{.*}} : tensor<4xf32>) {axes = array<i64: 2, 3>, coordinate_mode = "tf_crop_and_resize", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true, extrapolation_value = 1.000000e+01 : f64, mode = "cubic"}
  %0 = llm.resize %x sizes(%n : tensor<2xi64>) roi(%roi : tensor<4xf32>)
      {axes = array<i64: 2, 3>, mode = "cubic", coordinate_mode = "tf_crop_and_resize",
       cubic_coeff_a = -0.5 : f64, exclude_outside = true, extrapolation_value = 10.0 : f64}
      : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// CHECK-LABEL: func.func @grid_sample
func.func @grid_sample(%x: tensor<1x3x32x32xf32>, %g: tensor<1x16x8x2xf32>) -> tensor<1x3x16x8xf32> {
  // CHECK: llm.grid_sample %{{.*}}, %{{.*}} {align_corners = true, mode = "cubic", padding_mode = "reflection"} : (tensor<1x3x32x32xf32>, tensor<1x16x8x2xf32>) -> tensor<1x3x16x8xf32>
  %0 = llm.grid_sample %x, %g {mode = "cubic", padding_mode = "reflection", align_corners = true}
      : (tensor<1x3x32x32xf32>, tensor<1x16x8x2xf32>) -> tensor<1x3x16x8xf32>
  return %0 : tensor<1x3x16x8xf32>
}

// CHECK-LABEL: func.func @grid_sample_3d
func.func @grid_sample_3d(%x: tensor<?x2x4x4x4xf32>, %g: tensor<?x5x5x5x3xf32>) -> tensor<?x2x5x5x5xf32> {
  // CHECK: llm.grid_sample %{{.*}}, %{{.*}} : (tensor<?x2x4x4x4xf32>, tensor<?x5x5x5x3xf32>) -> tensor<?x2x5x5x5xf32>
  %0 = llm.grid_sample %x, %g : (tensor<?x2x4x4x4xf32>, tensor<?x5x5x5x3xf32>) -> tensor<?x2x5x5x5xf32>
  return %0 : tensor<?x2x5x5x5xf32>
}

// CHECK-LABEL: func.func @roi_align
func.func @roi_align(%x: tensor<1x8x10x10xf32>, %rois: tensor<?x4xf32>, %b: tensor<?xi64>) -> tensor<?x8x5x5xf32> {
  // CHECK: llm.roi_align %{{.*}}, %{{.*}}, %{{.*}} {half_pixel = false, mode = "max", output_height = 5 : i64, output_width = 5 : i64, spatial_scale = 2.500000e-01 : f64}
  %0 = llm.roi_align %x, %rois, %b {mode = "max", output_height = 5 : i64, output_width = 5 : i64,
                                    spatial_scale = 0.25 : f64, half_pixel = false}
      : (tensor<1x8x10x10xf32>, tensor<?x4xf32>, tensor<?xi64>) -> tensor<?x8x5x5xf32>
  return %0 : tensor<?x8x5x5xf32>
}
