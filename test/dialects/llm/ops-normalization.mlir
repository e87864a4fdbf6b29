// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @batch_norm
func.func @batch_norm(%x: tensor<1x64x56x56xf32>, %s: tensor<64xf32>, %b: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>) -> tensor<1x64x56x56xf32> {
  // CHECK: llm.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f64} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %0 = llm.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f64}
      : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  return %0 : tensor<1x64x56x56xf32>
}

// CHECK-LABEL: func.func @layer_norm
func.func @layer_norm(%x: tensor<1x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> (tensor<1x?x768xf32>, tensor<1x?x768xf32>) {
  // CHECK: llm.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.9999999999999995E-7 : f64} : (tensor<1x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<1x?x768xf32>
  %0 = llm.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-06 : f64}
      : (tensor<1x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<1x?x768xf32>
  // CHECK: llm.layer_norm %{{.*}}, %{{.*}} {axis = 2 : i64, {{.*}}} : (tensor<1x?x768xf32>, tensor<768xf32>) -> tensor<1x?x768xf32>
  %1 = llm.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-05 : f64}
      : (tensor<1x?x768xf32>, tensor<768xf32>) -> tensor<1x?x768xf32>
  return %0, %1 : tensor<1x?x768xf32>, tensor<1x?x768xf32>
}

// CHECK-LABEL: func.func @rms_norm
func.func @rms_norm(%x: tensor<1x7x4096xf16>, %w: tensor<4096xf16>) -> tensor<1x7x4096xf16> {
  // CHECK: llm.rms_norm %{{.*}}, %{{.*}} {axis = 2 : i64, {{.*}}} : (tensor<1x7x4096xf16>, tensor<4096xf16>) -> tensor<1x7x4096xf16>
  %0 = llm.rms_norm %x, %w {axis = 2 : i64, epsilon = 1.0e-06 : f64}
      : (tensor<1x7x4096xf16>, tensor<4096xf16>) -> tensor<1x7x4096xf16>
  return %0 : tensor<1x7x4096xf16>
}
