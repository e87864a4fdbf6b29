// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// f32 LayerNorm over the last axis calls the row kernel: rows = 1 * ? * ?, n = 1 * 256, the
// epsilon as an f32 scalar.
// CHECK-LABEL: func.func @layer_norm_kernel
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x256xf32>, %[[G:.*]]: tensor<256xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 256 : i64
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[R0:.*]] = arith.index_cast %[[D0]] : index to i64
// CHECK: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[R1:.*]] = arith.index_cast %[[D1]] : index to i64
// CHECK: %[[ROWS:.*]] = arith.muli %[[R0]], %[[R1]] : i64
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x256xf32>
// CHECK: %[[Y:.*]] = llm.microkernel "llmc_mk_layer_norm_f32" ins(%[[X]], %[[G]], %[[B]] : tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>) outs(%[[INIT]] : tensor<?x?x256xf32>) scalars(%[[ROWS]], %[[N]], %[[EPS]] : i64, i64, f32)
// CHECK: return %[[Y]]
func.func @layer_norm_kernel(%x: tensor<?x?x256xf32>, %g: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<?x?x256xf32> {
  %0 = llm.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f64}
      : (tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
  return %0 : tensor<?x?x256xf32>
}

// -----

// Without a bias; normalizing the two trailing dims makes rows of 4 * 8.
// CHECK-LABEL: func.func @layer_norm_kernel_no_bias
// CHECK: llm.microkernel "llmc_mk_layer_norm_nobias_f32" ins(%arg0, %arg1 : tensor<3x4x8xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<3x4x8xf32>) scalars(%c3_i64, %c32_i64, %{{.*}} : i64, i64, f32)
func.func @layer_norm_kernel_no_bias(%x: tensor<3x4x8xf32>, %g: tensor<4x8xf32>) -> tensor<3x4x8xf32> {
  %0 = llm.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f64}
      : (tensor<3x4x8xf32>, tensor<4x8xf32>) -> tensor<3x4x8xf32>
  return %0 : tensor<3x4x8xf32>
}

// -----

// A scale whose size is known only at run time is not known to be the row's: generic loops.
// CHECK-LABEL: func.func @layer_norm_dynamic_scale
// CHECK-NOT: llm.microkernel
// CHECK: math.rsqrt
func.func @layer_norm_dynamic_scale(%x: tensor<3x8xf32>, %g: tensor<?xf32>) -> tensor<3x8xf32> {
  %0 = llm.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f64}
      : (tensor<3x8xf32>, tensor<?xf32>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// f16 stays on the generic loops.
// CHECK-LABEL: func.func @layer_norm_f16
// CHECK-NOT: llm.microkernel
// CHECK: math.rsqrt
func.func @layer_norm_f16(%x: tensor<3x8xf16>, %g: tensor<8xf16>) -> tensor<3x8xf16> {
  %0 = llm.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f64}
      : (tensor<3x8xf16>, tensor<8xf16>) -> tensor<3x8xf16>
  return %0 : tensor<3x8xf16>
}

// -----

// CHECK-LABEL: func.func @rms_norm_kernel
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[ROWS:.*]] = arith.index_cast %[[D0]] : index to i64
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<?x64xf32>
// CHECK: llm.microkernel "llmc_mk_rms_norm_f32" ins(%[[X]], %[[W]] : tensor<?x64xf32>, tensor<64xf32>) outs(%[[INIT]] : tensor<?x64xf32>) scalars(%[[ROWS]], %c64_i64, %{{.*}} : i64, i64, f32)
func.func @rms_norm_kernel(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = llm.rms_norm %x, %w {axis = 1 : i64, epsilon = 1.0e-06 : f64}
      : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Softmax over the last axis: rows = ? * 4 * ?, n = the last dim.
// CHECK-LABEL: func.func @softmax_kernel
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x?x?xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c3
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: llm.microkernel "llmc_mk_softmax_f32" ins(%[[X]] : tensor<?x4x?x?xf32>) outs(%{{.*}} : tensor<?x4x?x?xf32>) scalars(%{{.*}}, %[[NI]] : i64, i64)
func.func @softmax_kernel(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = llm.softmax %x {axis = 3 : i64} : tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// Softmax over another axis stays on the generic loops.
// CHECK-LABEL: func.func @softmax_not_last
// CHECK-NOT: llm.microkernel
// CHECK: math.exp
func.func @softmax_not_last(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = llm.softmax %x {axis = 0 : i64} : tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}
