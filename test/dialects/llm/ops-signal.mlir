// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @dft
func.func @dft(%x: tensor<4x?x1xf32>, %n: tensor<i64>, %c: tensor<2x8x2xf64>) -> (tensor<4x?x2xf32>, tensor<2x8x2xf64>) {
  // CHECK: llm.dft %{{.*}} length(%{{.*}} : tensor<i64>) {axis = 1 : i64, onesided = true} : tensor<4x?x1xf32> -> tensor<4x?x2xf32>
  %0 = llm.dft %x length(%n : tensor<i64>) {axis = 1 : i64, onesided = true} : tensor<4x?x1xf32> -> tensor<4x?x2xf32>
  // CHECK: llm.dft %{{.*}} {axis = 1 : i64, inverse = true} : tensor<2x8x2xf64> -> tensor<2x8x2xf64>
  %1 = llm.dft %c {axis = 1 : i64, inverse = true} : tensor<2x8x2xf64> -> tensor<2x8x2xf64>
  return %0, %1 : tensor<4x?x2xf32>, tensor<2x8x2xf64>
}

// CHECK-LABEL: func.func @frame
func.func @frame(%x: tensor<1x128x1xf32>, %step: tensor<i64>, %len: tensor<i32>) -> tensor<1x?x?x1xf32> {
  // CHECK: llm.frame %{{.*}} step(%{{.*}} : tensor<i64>) length(%{{.*}} : tensor<i32>) {axis = 1 : i64} : tensor<1x128x1xf32> -> tensor<1x?x?x1xf32>
  %0 = llm.frame %x step(%step : tensor<i64>) length(%len : tensor<i32>) {axis = 1 : i64}
      : tensor<1x128x1xf32> -> tensor<1x?x?x1xf32>
  return %0 : tensor<1x?x?x1xf32>
}

// CHECK-LABEL: func.func @cosine_window
func.func @cosine_window(%n: tensor<i64>) -> tensor<?xf16> {
  // CHECK: llm.cosine_window %{{.*}} {coefficients = array<f64: 4.200000e-01, -5.000000e-01, 8.000000e-02>, periodic = false} : tensor<i64> -> tensor<?xf16>
  %0 = llm.cosine_window %n {coefficients = array<f64: 0.42, -0.5, 0.08>, periodic = false} : tensor<i64> -> tensor<?xf16>
  return %0 : tensor<?xf16>
}

// CHECK-LABEL: func.func @mel_weight_matrix
func.func @mel_weight_matrix(%bins: tensor<i64>, %n: tensor<i32>, %rate: tensor<i64>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<?x?xf32> {
  // CHECK: llm.mel_weight_matrix %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i32>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %0 = llm.mel_weight_matrix %bins, %n, %rate, %lo, %hi
      : (tensor<i64>, tensor<i32>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
