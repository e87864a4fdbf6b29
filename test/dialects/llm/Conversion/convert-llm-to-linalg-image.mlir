// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// A linear resize is one generic over the result: per resized axis the source coordinate,
// its floor, and two neighbours clamped into the input before they are read.
// CHECK-LABEL: func.func @resize_linear
// CHECK: tensor.empty() : tensor<1x3x64x48xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: math.floor
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<1x3x32x32xf32>
// CHECK-NOT: llm.resize
func.func @resize_linear(%x: tensor<1x3x32x32xf32>, %s: tensor<2xf32>) -> tensor<1x3x64x48xf32> {
  %0 = llm.resize %x scales(%s : tensor<2xf32>) {axes = array<i64: 2, 3>, mode = "linear"}
      : tensor<1x3x32x32xf32> -> tensor<1x3x64x48xf32>
  return %0 : tensor<1x3x64x48xf32>
}

// -----

// Output sizes known only at run time: floor(size * scale) in f64, clamped before the
// conversion so that a hostile scale cannot produce poison.
// CHECK-LABEL: func.func @resize_dynamic
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: arith.fptosi
// CHECK: tensor.empty(%{{.*}}) : tensor<1x1x?x4xf32>
// CHECK: linalg.generic
func.func @resize_dynamic(%x: tensor<1x1x4x4xf32>, %s: tensor<1xf32>) -> tensor<1x1x?x4xf32> {
  %0 = llm.resize %x scales(%s : tensor<1xf32>) {axes = array<i64: 2>, mode = "nearest"}
      : tensor<1x1x4x4xf32> -> tensor<1x1x?x4xf32>
  return %0 : tensor<1x1x?x4xf32>
}

// -----

// tf_crop_and_resize writes the extrapolation value where the coordinate leaves the input.
// CHECK-LABEL: func.func @resize_crop
// CHECK-DAG: %[[EXTRAPOLATION:.*]] = arith.constant 1.000000e+01 : f32
// CHECK: linalg.generic
// CHECK: arith.cmpf
// CHECK: arith.cmpf
// CHECK: arith.select %{{.*}}, %[[EXTRAPOLATION]], %{{.*}} : f32
func.func @resize_crop(%x: tensor<1x1x4x4xf32>, %n: tensor<2xi64>, %roi: tensor<4xf32>) -> tensor<1x1x3x3xf32> {
  %0 = llm.resize %x sizes(%n : tensor<2xi64>) roi(%roi : tensor<4xf32>)
      {axes = array<i64: 2, 3>, mode = "linear", coordinate_mode = "tf_crop_and_resize",
       extrapolation_value = 10.0 : f64}
      : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @grid_sample
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<1x2x4x2xf32>
// CHECK: math.floor
// CHECK: tensor.extract %{{.*}} : tensor<1x1x3x2xf32>
func.func @grid_sample(%x: tensor<1x1x3x2xf32>, %g: tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32> {
  %0 = llm.grid_sample %x, %g {mode = "linear", padding_mode = "zeros"}
      : (tensor<1x1x3x2xf32>, tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

// The adaptive sampling grid has a size per box, so the samples are an scf.for nest inside
// the generic.
// CHECK-LABEL: func.func @roi_align
// CHECK: linalg.generic
// CHECK: math.ceil
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.maximumf
func.func @roi_align(%x: tensor<1x2x10x10xf32>, %rois: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x2x5x5xf32> {
  %0 = llm.roi_align %x, %rois, %b {mode = "max", output_height = 5 : i64, output_width = 5 : i64}
      : (tensor<1x2x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x2x5x5xf32>
  return %0 : tensor<3x2x5x5xf32>
}

// -----

// An input dim known only at run time may be empty: the body reads it only under a guard.
// CHECK-LABEL: func.func @resize_guarded
// CHECK: arith.cmpi sgt
// CHECK: linalg.generic
// CHECK: linalg.index
// CHECK: scf.if
// CHECK: tensor.extract
// CHECK: } else {
func.func @resize_guarded(%x: tensor<1x?xf32>, %n: tensor<1xi64>) -> tensor<1x8xf32> {
  %0 = llm.resize %x sizes(%n : tensor<1xi64>) {axes = array<i64: 1>, mode = "cubic"}
      : tensor<1x?xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}
