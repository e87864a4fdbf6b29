// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// A DFT of a length known at run time reduces over the signal with twiddles computed in the
// body from the angle reduced exactly in integers (k * n mod L).
// CHECK-LABEL: func.func @dft
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.remui
// CHECK: math.cos
// CHECK: math.sin
func.func @dft(%x: tensor<1x?x1xf32>, %n: tensor<i64>) -> tensor<1x?x2xf32> {
  %0 = llm.dft %x length(%n : tensor<i64>) {axis = 1 : i64, onesided = true}
      : tensor<1x?x1xf32> -> tensor<1x?x2xf32>
  return %0 : tensor<1x?x2xf32>
}

// -----

// CHECK-LABEL: func.func @frame
// CHECK: arith.divui
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<1x?x?x1xf32>
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: arith.minsi
// CHECK: tensor.extract
func.func @frame(%x: tensor<1x128x1xf32>, %step: tensor<i64>, %len: tensor<i64>) -> tensor<1x?x?x1xf32> {
  %0 = llm.frame %x step(%step : tensor<i64>) length(%len : tensor<i64>) {axis = 1 : i64}
      : tensor<1x128x1xf32> -> tensor<1x?x?x1xf32>
  return %0 : tensor<1x?x?x1xf32>
}

// -----

// CHECK-LABEL: func.func @cosine_window
// CHECK: linalg.generic
// CHECK: math.cos
// CHECK: math.cos
func.func @cosine_window(%n: tensor<i64>) -> tensor<?xf32> {
  %0 = llm.cosine_window %n {coefficients = array<f64: 0.42, -0.5, 0.08>} : tensor<i64> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// The spectrum bins of the mel points are computed once, then read by the filter generic.
// CHECK-LABEL: func.func @mel_weight_matrix
// CHECK: math.log
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: math.floor
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<?xi64>
func.func @mel_weight_matrix(%bins: tensor<i64>, %n: tensor<i64>, %rate: tensor<i64>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<?x?xf32> {
  %0 = llm.mel_weight_matrix %bins, %n, %rate, %lo, %hi
      : (tensor<i64>, tensor<i64>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
