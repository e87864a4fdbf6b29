// RUN: llmc-opt %s --split-input-file --llm-decompose-batch-norm | FileCheck %s
// RUN: llmc-opt %s --split-input-file --llm-decompose-batch-norm --canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[S:.*]]: tensor<2xf32>, %[[B:.*]]: tensor<2xf32>, %[[M:.*]]: tensor<2xf32>, %[[V:.*]]: tensor<2xf32>)
// CHECK: %[[EPS:.*]] = arith.constant dense<9.99999974E-6> : tensor<2xf32>
// CHECK: %[[VE:.*]] = llm.add %[[V]], %[[EPS]]
// CHECK: %[[INV:.*]] = llm.rsqrt %[[VE]] : tensor<2xf32>
// CHECK: %[[MUL:.*]] = llm.mul %[[S]], %[[INV]]
// CHECK: %[[MS:.*]] = llm.mul %[[M]], %[[MUL]]
// CHECK: %[[SHIFT:.*]] = llm.sub %[[B]], %[[MS]]
// CHECK: %[[M4:.*]] = llm.reshape %[[MUL]] : tensor<2xf32> -> tensor<2x1x1xf32>
// CHECK: %[[SCALED:.*]] = llm.mul %[[X]], %[[M4]] : tensor<1x2x4x4xf32>, tensor<2x1x1xf32> -> tensor<1x2x4x4xf32>
// CHECK: %[[S4:.*]] = llm.reshape %[[SHIFT]] : tensor<2xf32> -> tensor<2x1x1xf32>
// CHECK: %[[Y:.*]] = llm.add %[[SCALED]], %[[S4]] : tensor<1x2x4x4xf32>, tensor<2x1x1xf32> -> tensor<1x2x4x4xf32>
// CHECK-NOT: llm.batch_norm
// CHECK: return %[[Y]]
func.func @batch_norm(%x: tensor<1x2x4x4xf32>, %s: tensor<2xf32>, %b: tensor<2xf32>, %m: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %0 = llm.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f64}
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Constant parameters fold into one multiplier and one shift:
//   m = scale / sqrt(var + eps) = [2 / sqrt(4), 3 / sqrt(1)] = [1, 3]   (eps = 0)
//   s = bias - mean * m        = [1 - 2 * 1, 0 - 1 * 3]     = [-1, -3]
// FOLD-LABEL: func.func @constant_params
// FOLD-SAME: (%[[X:.*]]: tensor<1x2x3xf32>)
// FOLD-DAG: %[[MUL:.*]] = arith.constant dense<{{\[\[}}1.000000e+00], [3.000000e+00]]> : tensor<2x1xf32>
// FOLD-DAG: %[[SHIFT:.*]] = arith.constant dense<{{\[\[}}-1.000000e+00], [-3.000000e+00]]> : tensor<2x1xf32>
// FOLD: %[[SCALED:.*]] = llm.mul %[[X]], %[[MUL]]
// FOLD: %[[Y:.*]] = llm.add %[[SCALED]], %[[SHIFT]]
// FOLD: return %[[Y]]
func.func @constant_params(%x: tensor<1x2x3xf32>) -> tensor<1x2x3xf32> {
  %s = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = arith.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %v = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %0 = llm.batch_norm %x, %s, %b, %m, %v {epsilon = 0.0 : f64}
      : (tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3xf32>
  return %0 : tensor<1x2x3xf32>
}

// -----

// Dynamic channel counts still decompose; epsilon then broadcasts from one element.
// CHECK-LABEL: func.func @dynamic_channels
// CHECK: arith.constant dense<1.000000e-03> : tensor<1xf32>
// CHECK: llm.reshape %{{.*}} : tensor<?xf32> -> tensor<?x1xf32>
// CHECK-NOT: llm.batch_norm
func.func @dynamic_channels(%x: tensor<?x?x8xf32>, %p: tensor<?xf32>) -> tensor<?x?x8xf32> {
  %0 = llm.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-03 : f64}
      : (tensor<?x?x8xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Quantized parameters are left alone until they are dequantized.
// CHECK-LABEL: func.func @quantized_params
// CHECK: llm.batch_norm
func.func @quantized_params(%x: tensor<1x2x3xf32>, %s: tensor<2x!quant.uniform<i8:f32, 0.5>>, %p: tensor<2xf32>) -> tensor<1x2x3xf32> {
  %0 = llm.batch_norm %x, %s, %p, %p, %p {epsilon = 1.0e-05 : f64}
      : (tensor<1x2x3xf32>, tensor<2x!quant.uniform<i8:f32, 0.5>>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3xf32>
  return %0 : tensor<1x2x3xf32>
}
