// RUN: llmc-opt %s --split-input-file --llm-fuse-norms | FileCheck %s

// GPT-2's LayerNorm as the HF exporter writes it: pow(d, 2), a division, gamma and beta.
// CHECK-LABEL: func.func @layer_norm_gpt2
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x256xf32>, %[[G:.*]]: tensor<256xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK: %[[Y:.*]] = llm.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.9999997473787516E-6 : f64}
// CHECK-SAME: (tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm_gpt2(%x: tensor<?x?x256xf32>, %g: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<?x?x256xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 2>, keep_dims = true} : tensor<?x?x256xf32> -> tensor<?x?x1xf32>
  %d = llm.sub %x, %m : tensor<?x?x256xf32>, tensor<?x?x1xf32> -> tensor<?x?x256xf32>
  %p = llm.pow %d, %two : tensor<?x?x256xf32>, tensor<f32> -> tensor<?x?x256xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 2>, keep_dims = true} : tensor<?x?x256xf32> -> tensor<?x?x1xf32>
  %e = llm.add %v, %eps : tensor<?x?x1xf32>, tensor<f32> -> tensor<?x?x1xf32>
  %s = llm.sqrt %e : tensor<?x?x1xf32>
  %n = llm.div %d, %s : tensor<?x?x256xf32>, tensor<?x?x1xf32> -> tensor<?x?x256xf32>
  %scaled = llm.mul %n, %g : tensor<?x?x256xf32>, tensor<256xf32> -> tensor<?x?x256xf32>
  %y = llm.add %scaled, %b : tensor<?x?x256xf32>, tensor<256xf32> -> tensor<?x?x256xf32>
  return %y : tensor<?x?x256xf32>
}

// -----

// d * d, a product with rsqrt, gamma and beta on the left, eps on the left.
// CHECK-LABEL: func.func @layer_norm_rsqrt
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>)
// CHECK-DAG: %[[G:.*]] = arith.constant dense<2.000000e+00> : tensor<64xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<5.000000e-01> : tensor<64xf32>
// CHECK: %[[Y:.*]] = llm.layer_norm %[[X]], %[[G]], %[[B]] {axis = 1 : i64, epsilon = 9.9999999747524271E-7 : f64}
// CHECK-NOT: llm.reduce_mean
// CHECK: return %[[Y]]
func.func @layer_norm_rsqrt(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %eps = arith.constant dense<1.0e-06> : tensor<1xf32>
  %g = arith.constant dense<2.0> : tensor<64xf32>
  %b = arith.constant dense<0.5> : tensor<64xf32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.mul %d, %d : tensor<4x64xf32>, tensor<4x64xf32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %eps, %v : tensor<1xf32>, tensor<4x1xf32> -> tensor<4x1xf32>
  %r = llm.rsqrt %e : tensor<4x1xf32>
  %n = llm.mul %d, %r : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %scaled = llm.mul %g, %n : tensor<64xf32>, tensor<4x64xf32> -> tensor<4x64xf32>
  %y = llm.add %b, %scaled : tensor<64xf32>, tensor<4x64xf32> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// reciprocal(sqrt(e)), no gamma and no beta: the scale is ones.
// CHECK-LABEL: func.func @layer_norm_reciprocal_no_affine
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16xf16>)
// CHECK: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<16xf16>
// CHECK: %[[Y:.*]] = llm.layer_norm %[[X]], %[[ONES]] {axis = 2 : i64, epsilon = 0.0010004{{[0-9]*}} : f64}
// CHECK-SAME: (tensor<2x3x16xf16>, tensor<16xf16>) -> tensor<2x3x16xf16>
// CHECK: return %[[Y]]
func.func @layer_norm_reciprocal_no_affine(%x: tensor<2x3x16xf16>) -> tensor<2x3x16xf16> {
  %two = arith.constant dense<2.0> : tensor<f16>
  %eps = arith.constant dense<1.0e-03> : tensor<f16>
  %m = llm.reduce_mean %x {axes = array<i64: 2>, keep_dims = true} : tensor<2x3x16xf16> -> tensor<2x3x1xf16>
  %d = llm.sub %x, %m : tensor<2x3x16xf16>, tensor<2x3x1xf16> -> tensor<2x3x16xf16>
  %p = llm.pow %d, %two : tensor<2x3x16xf16>, tensor<f16> -> tensor<2x3x16xf16>
  %v = llm.reduce_mean %p {axes = array<i64: 2>, keep_dims = true} : tensor<2x3x16xf16> -> tensor<2x3x1xf16>
  %e = llm.add %v, %eps : tensor<2x3x1xf16>, tensor<f16> -> tensor<2x3x1xf16>
  %s = llm.sqrt %e : tensor<2x3x1xf16>
  %r = llm.reciprocal %s : tensor<2x3x1xf16>
  %n = llm.mul %r, %d : tensor<2x3x1xf16>, tensor<2x3x16xf16> -> tensor<2x3x16xf16>
  return %n : tensor<2x3x16xf16>
}

// -----

// A scale without a bias, where gamma is a run-time tensor of the normalized shape.
// CHECK-LABEL: func.func @layer_norm_scale_only
// CHECK-SAME: (%[[X:.*]]: tensor<8x32xf32>, %[[G:.*]]: tensor<32xf32>, %[[O:.*]]: tensor<8x32xf32>)
// CHECK: %[[Y:.*]] = llm.layer_norm %[[X]], %[[G]] {axis = 1 : i64
// CHECK: llm.add %[[Y]], %[[O]]
func.func @layer_norm_scale_only(%x: tensor<8x32xf32>, %g: tensor<32xf32>, %other: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<8x32xf32> -> tensor<8x1xf32>
  %d = llm.sub %x, %m : tensor<8x32xf32>, tensor<8x1xf32> -> tensor<8x32xf32>
  %p = llm.pow %d, %two : tensor<8x32xf32>, tensor<f32> -> tensor<8x32xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<8x32xf32> -> tensor<8x1xf32>
  %e = llm.add %v, %eps : tensor<8x1xf32>, tensor<f32> -> tensor<8x1xf32>
  %s = llm.sqrt %e : tensor<8x1xf32>
  %n = llm.div %d, %s : tensor<8x32xf32>, tensor<8x1xf32> -> tensor<8x32xf32>
  %scaled = llm.mul %n, %g : tensor<8x32xf32>, tensor<32xf32> -> tensor<8x32xf32>
  // Not a bias: it has the full shape, so it stays an add after the fused op.
  %y = llm.add %scaled, %other : tensor<8x32xf32>, tensor<8x32xf32> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

// The mean over a leading axis is not a LayerNorm of the last one.
// CHECK-LABEL: func.func @layer_norm_not_last_axis
// CHECK-NOT: llm.layer_norm
// CHECK-NOT: llm.rms_norm
// CHECK: llm.reduce_mean
func.func @layer_norm_not_last_axis(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 0>, keep_dims = true} : tensor<4x64xf32> -> tensor<1x64xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<1x64xf32> -> tensor<4x64xf32>
  %p = llm.pow %d, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 0>, keep_dims = true} : tensor<4x64xf32> -> tensor<1x64xf32>
  %e = llm.add %v, %eps : tensor<1x64xf32>, tensor<f32> -> tensor<1x64xf32>
  %s = llm.sqrt %e : tensor<1x64xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<1x64xf32> -> tensor<4x64xf32>
  return %n : tensor<4x64xf32>
}

// -----

// Two reduced axes.
// CHECK-LABEL: func.func @layer_norm_two_axes
// CHECK-NOT: llm.layer_norm
// CHECK-NOT: llm.rms_norm
// CHECK: llm.reduce_mean
func.func @layer_norm_two_axes(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1, 2>, keep_dims = true} : tensor<2x4x8xf32> -> tensor<2x1x1xf32>
  %d = llm.sub %x, %m : tensor<2x4x8xf32>, tensor<2x1x1xf32> -> tensor<2x4x8xf32>
  %p = llm.pow %d, %two : tensor<2x4x8xf32>, tensor<f32> -> tensor<2x4x8xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1, 2>, keep_dims = true} : tensor<2x4x8xf32> -> tensor<2x1x1xf32>
  %e = llm.add %v, %eps : tensor<2x1x1xf32>, tensor<f32> -> tensor<2x1x1xf32>
  %s = llm.sqrt %e : tensor<2x1x1xf32>
  %n = llm.div %d, %s : tensor<2x4x8xf32>, tensor<2x1x1xf32> -> tensor<2x4x8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// The centered value is also returned: fusing would compute it twice, so nothing fuses (and
// the chain is not taken for an RMSNorm of the centered value either).
// CHECK-LABEL: func.func @layer_norm_multi_use
// CHECK-NOT: llm.layer_norm
// CHECK-NOT: llm.rms_norm
// CHECK: llm.sqrt
func.func @layer_norm_multi_use(%x: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.pow %d, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  return %n, %d : tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// The mean has another user.
// CHECK-LABEL: func.func @layer_norm_mean_multi_use
// CHECK-NOT: llm.layer_norm
// CHECK: llm.sqrt
func.func @layer_norm_mean_multi_use(%x: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x1xf32>) {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.pow %d, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  return %n, %m : tensor<4x64xf32>, tensor<4x1xf32>
}

// -----

// The variance is of another tensor than the one centered (mismatched operands).
// CHECK-LABEL: func.func @layer_norm_mismatched
// CHECK-NOT: llm.layer_norm
// CHECK-NOT: llm.rms_norm
// CHECK: llm.sqrt
func.func @layer_norm_mismatched(%x: tensor<4x64xf32>, %z: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.pow %z, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  return %n : tensor<4x64xf32>
}

// -----

// Epsilon computed at run time.
// CHECK-LABEL: func.func @layer_norm_runtime_epsilon
// CHECK-NOT: llm.layer_norm
// CHECK: llm.sqrt
func.func @layer_norm_runtime_epsilon(%x: tensor<4x64xf32>, %eps: tensor<f32>) -> tensor<4x64xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.pow %d, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  return %n : tensor<4x64xf32>
}

// -----

// An epsilon that is not a scalar (one per row) is not LayerNorm's.
// CHECK-LABEL: func.func @layer_norm_vector_epsilon
// CHECK-NOT: llm.layer_norm
// CHECK: llm.sqrt
func.func @layer_norm_vector_epsilon(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<[[1.0e-05], [1.0e-05], [1.0e-05], [2.0e-05]]> : tensor<4x1xf32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.pow %d, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<4x1xf32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  return %n : tensor<4x64xf32>
}

// -----

// A gamma that broadcasts over rows ([4, 64] against [4, 64]) is not a LayerNorm scale: the
// LayerNorm fuses without it and the product stays.
// CHECK-LABEL: func.func @layer_norm_full_shape_gamma
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>, %[[G:.*]]: tensor<4x64xf32>)
// CHECK: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<64xf32>
// CHECK: %[[N:.*]] = llm.layer_norm %[[X]], %[[ONES]] {axis = 1 : i64
// CHECK: llm.mul %[[N]], %[[G]]
func.func @layer_norm_full_shape_gamma(%x: tensor<4x64xf32>, %g: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %p = llm.pow %d, %two : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x64xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xf32>
  %y = llm.mul %n, %g : tensor<4x64xf32>, tensor<4x64xf32> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Without a gamma the scale must be ones of the normalized dim, which is unknown here.
// CHECK-LABEL: func.func @layer_norm_dynamic_dim_no_gamma
// CHECK-NOT: llm.layer_norm
// CHECK: llm.sqrt
func.func @layer_norm_dynamic_dim_no_gamma(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<4x?xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x?xf32>, tensor<4x1xf32> -> tensor<4x?xf32>
  %p = llm.pow %d, %two : tensor<4x?xf32>, tensor<f32> -> tensor<4x?xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<4x?xf32> -> tensor<4x1xf32>
  %e = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %e : tensor<4x1xf32>
  %n = llm.div %d, %s : tensor<4x?xf32>, tensor<4x1xf32> -> tensor<4x?xf32>
  return %n : tensor<4x?xf32>
}

// -----

// llama's RMSNorm: x * rsqrt(mean(pow(x, 2)) + eps) * w, as torch.onnx exports it.
// CHECK-LABEL: func.func @rms_norm_llama
// CHECK-SAME: (%[[X:.*]]: tensor<1x?x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: %[[Y:.*]] = llm.rms_norm %[[X]], %[[W]] {axis = 2 : i64, epsilon = 9.9999999747524271E-7 : f64}
// CHECK-SAME: (tensor<1x?x64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
// CHECK: %[[R:.*]] = llm.add %[[Y]], %[[X]]
// CHECK: return %[[R]]
func.func @rms_norm_llama(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) -> tensor<1x?x64xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-06> : tensor<f32>
  %p = llm.pow %x, %two : tensor<1x?x64xf32>, tensor<f32> -> tensor<1x?x64xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 2>, keep_dims = true} : tensor<1x?x64xf32> -> tensor<1x?x1xf32>
  %e = llm.add %v, %eps : tensor<1x?x1xf32>, tensor<f32> -> tensor<1x?x1xf32>
  %r = llm.rsqrt %e : tensor<1x?x1xf32>
  %n = llm.mul %x, %r : tensor<1x?x64xf32>, tensor<1x?x1xf32> -> tensor<1x?x64xf32>
  %y = llm.mul %w, %n : tensor<64xf32>, tensor<1x?x64xf32> -> tensor<1x?x64xf32>
  // The input has other users (the residual): that is fine.
  %res = llm.add %y, %x : tensor<1x?x64xf32>, tensor<1x?x64xf32> -> tensor<1x?x64xf32>
  return %res : tensor<1x?x64xf32>
}

// -----

// x / sqrt(mean(x * x) + eps) * w.
// CHECK-LABEL: func.func @rms_norm_div
// CHECK-SAME: (%[[X:.*]]: tensor<3x48xf32>, %[[W:.*]]: tensor<48xf32>)
// CHECK: %[[Y:.*]] = llm.rms_norm %[[X]], %[[W]] {axis = 1 : i64, epsilon = 9.9999997473787516E-6 : f64}
// CHECK: return %[[Y]]
func.func @rms_norm_div(%x: tensor<3x48xf32>, %w: tensor<48xf32>) -> tensor<3x48xf32> {
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %p = llm.mul %x, %x : tensor<3x48xf32>, tensor<3x48xf32> -> tensor<3x48xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<3x48xf32> -> tensor<3x1xf32>
  %e = llm.add %v, %eps : tensor<3x1xf32>, tensor<f32> -> tensor<3x1xf32>
  %s = llm.sqrt %e : tensor<3x1xf32>
  %n = llm.div %x, %s : tensor<3x48xf32>, tensor<3x1xf32> -> tensor<3x48xf32>
  %y = llm.mul %n, %w : tensor<3x48xf32>, tensor<48xf32> -> tensor<3x48xf32>
  return %y : tensor<3x48xf32>
}

// -----

// x * reciprocal(sqrt(...)) and x * (1 / sqrt(...)).
// CHECK-LABEL: func.func @rms_norm_reciprocal
// CHECK-SAME: (%[[X:.*]]: tensor<3x48xf32>, %[[W:.*]]: tensor<48xf32>)
// CHECK: %[[A:.*]] = llm.rms_norm %[[X]], %[[W]] {axis = 1 : i64
// CHECK: %[[B:.*]] = llm.rms_norm %[[X]], %[[W]] {axis = 1 : i64
// CHECK: return %[[A]], %[[B]]
func.func @rms_norm_reciprocal(%x: tensor<3x48xf32>, %w: tensor<48xf32>) -> (tensor<3x48xf32>, tensor<3x48xf32>) {
  %two = arith.constant dense<2.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %p = llm.pow %x, %two : tensor<3x48xf32>, tensor<f32> -> tensor<3x48xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<3x48xf32> -> tensor<3x1xf32>
  %e = llm.add %v, %eps : tensor<3x1xf32>, tensor<f32> -> tensor<3x1xf32>
  %s = llm.sqrt %e : tensor<3x1xf32>
  %r = llm.reciprocal %s : tensor<3x1xf32>
  %n = llm.mul %x, %r : tensor<3x48xf32>, tensor<3x1xf32> -> tensor<3x48xf32>
  %y = llm.mul %n, %w : tensor<3x48xf32>, tensor<48xf32> -> tensor<3x48xf32>
  %p2 = llm.pow %x, %two : tensor<3x48xf32>, tensor<f32> -> tensor<3x48xf32>
  %v2 = llm.reduce_mean %p2 {axes = array<i64: 1>, keep_dims = true} : tensor<3x48xf32> -> tensor<3x1xf32>
  %e2 = llm.add %v2, %eps : tensor<3x1xf32>, tensor<f32> -> tensor<3x1xf32>
  %s2 = llm.sqrt %e2 : tensor<3x1xf32>
  %r2 = llm.div %one, %s2 : tensor<f32>, tensor<3x1xf32> -> tensor<3x1xf32>
  %n2 = llm.mul %r2, %x : tensor<3x1xf32>, tensor<3x48xf32> -> tensor<3x48xf32>
  %y2 = llm.mul %n2, %w : tensor<3x48xf32>, tensor<48xf32> -> tensor<3x48xf32>
  return %y, %y2 : tensor<3x48xf32>, tensor<3x48xf32>
}

// -----

// The mean square also feeds something else: the chain stays.
// CHECK-LABEL: func.func @rms_norm_multi_use
// CHECK-NOT: llm.rms_norm
// CHECK: llm.rsqrt
func.func @rms_norm_multi_use(%x: tensor<3x48xf32>, %w: tensor<48xf32>) -> (tensor<3x48xf32>, tensor<3x1xf32>) {
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %p = llm.mul %x, %x : tensor<3x48xf32>, tensor<3x48xf32> -> tensor<3x48xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<3x48xf32> -> tensor<3x1xf32>
  %e = llm.add %v, %eps : tensor<3x1xf32>, tensor<f32> -> tensor<3x1xf32>
  %r = llm.rsqrt %e : tensor<3x1xf32>
  %n = llm.mul %x, %r : tensor<3x48xf32>, tensor<3x1xf32> -> tensor<3x48xf32>
  %y = llm.mul %n, %w : tensor<3x48xf32>, tensor<48xf32> -> tensor<3x48xf32>
  return %y, %v : tensor<3x48xf32>, tensor<3x1xf32>
}

// -----

// The mean of x^3 is not RMSNorm's (pow(x, 3) becomes two products, which do not match either).
// CHECK-LABEL: func.func @rms_norm_cube
// CHECK-NOT: llm.rms_norm
// CHECK: llm.rsqrt
func.func @rms_norm_cube(%x: tensor<3x48xf32>) -> tensor<3x48xf32> {
  %three = arith.constant dense<3.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %p = llm.pow %x, %three : tensor<3x48xf32>, tensor<f32> -> tensor<3x48xf32>
  %v = llm.reduce_mean %p {axes = array<i64: 1>, keep_dims = true} : tensor<3x48xf32> -> tensor<3x1xf32>
  %e = llm.add %v, %eps : tensor<3x1xf32>, tensor<f32> -> tensor<3x1xf32>
  %r = llm.rsqrt %e : tensor<3x1xf32>
  %n = llm.mul %x, %r : tensor<3x48xf32>, tensor<3x1xf32> -> tensor<3x48xf32>
  return %n : tensor<3x48xf32>
}

// -----

// Softmax with the maximum subtracted, and without it.
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x?x?xf32>, %[[Z:.*]]: tensor<2x10xf32>)
// CHECK-DAG: %[[A:.*]] = llm.softmax %[[X]] {axis = 3 : i64} : tensor<?x4x?x?xf32>
// CHECK-DAG: %[[B:.*]] = llm.softmax %[[Z]] {axis = 1 : i64} : tensor<2x10xf32>
// CHECK-NOT: llm.exp
// CHECK: return %[[A]], %[[B]]
func.func @softmax(%x: tensor<?x4x?x?xf32>, %z: tensor<2x10xf32>) -> (tensor<?x4x?x?xf32>, tensor<2x10xf32>) {
  %mx = llm.reduce_max %x {axes = array<i64: 3>, keep_dims = true} : tensor<?x4x?x?xf32> -> tensor<?x4x?x1xf32>
  %d = llm.sub %x, %mx : tensor<?x4x?x?xf32>, tensor<?x4x?x1xf32> -> tensor<?x4x?x?xf32>
  %e = llm.exp %d : tensor<?x4x?x?xf32>
  %s = llm.reduce_sum %e {axes = array<i64: 3>, keep_dims = true} : tensor<?x4x?x?xf32> -> tensor<?x4x?x1xf32>
  %y = llm.div %e, %s : tensor<?x4x?x?xf32>, tensor<?x4x?x1xf32> -> tensor<?x4x?x?xf32>
  %e2 = llm.exp %z : tensor<2x10xf32>
  %s2 = llm.reduce_sum %e2 {axes = array<i64: 1>, keep_dims = true} : tensor<2x10xf32> -> tensor<2x1xf32>
  %y2 = llm.div %e2, %s2 : tensor<2x10xf32>, tensor<2x1xf32> -> tensor<2x10xf32>
  return %y, %y2 : tensor<?x4x?x?xf32>, tensor<2x10xf32>
}

// -----

// Sums over another axis, or exponentials used elsewhere, stay.
// CHECK-LABEL: func.func @softmax_negative
// CHECK-NOT: llm.softmax
// CHECK: llm.exp
func.func @softmax_negative(%x: tensor<2x10xf32>) -> (tensor<2x10xf32>, tensor<2x10xf32>, tensor<2x10xf32>) {
  %e = llm.exp %x : tensor<2x10xf32>
  %s = llm.reduce_sum %e {axes = array<i64: 0>, keep_dims = true} : tensor<2x10xf32> -> tensor<1x10xf32>
  %y = llm.div %e, %s : tensor<2x10xf32>, tensor<1x10xf32> -> tensor<2x10xf32>
  %e2 = llm.exp %x : tensor<2x10xf32>
  %s2 = llm.reduce_sum %e2 {axes = array<i64: 1>, keep_dims = true} : tensor<2x10xf32> -> tensor<2x1xf32>
  %y2 = llm.div %e2, %s2 : tensor<2x10xf32>, tensor<2x1xf32> -> tensor<2x10xf32>
  return %y, %y2, %e2 : tensor<2x10xf32>, tensor<2x10xf32>, tensor<2x10xf32>
}

// -----

// pow by a constant scalar: 2 and 3 become products, 0.5 a square root, -1 a reciprocal, 1
// folds away; other exponents and tensors of exponents stay.
// CHECK-LABEL: func.func @pow_constants
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[Y:.*]]: tensor<4x8xf32>)
// CHECK-DAG: %[[SQ:.*]] = llm.mul %[[X]], %[[X]] : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-DAG: %[[SQ2:.*]] = llm.mul %[[X]], %[[X]]
// CHECK-DAG: %[[CUBE:.*]] = llm.mul %[[SQ2]], %[[X]]
// CHECK-DAG: %[[ROOT:.*]] = llm.sqrt %[[X]] : tensor<4x8xf32>
// CHECK-DAG: %[[INV:.*]] = llm.reciprocal %[[X]] : tensor<4x8xf32>
// CHECK-DAG: %[[P:.*]] = llm.pow %[[X]], %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK-DAG: %[[Q:.*]] = llm.pow %[[X]], %[[Y]]
// CHECK: return %[[SQ]], %[[CUBE]], %[[ROOT]], %[[INV]], %[[X]], %[[P]], %[[Q]]
func.func @pow_constants(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %c2 = arith.constant dense<2.0> : tensor<f32>
  %c3 = arith.constant dense<3.0> : tensor<1xf32>
  %chalf = arith.constant dense<0.5> : tensor<f32>
  %cm1 = arith.constant dense<-1.0> : tensor<1x1xf32>
  %c1 = arith.constant dense<1.0> : tensor<f32>
  %c4 = arith.constant dense<4.0> : tensor<f32>
  %0 = llm.pow %x, %c2 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %1 = llm.pow %x, %c3 : tensor<4x8xf32>, tensor<1xf32> -> tensor<4x8xf32>
  %2 = llm.pow %x, %chalf : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %3 = llm.pow %x, %cm1 : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xf32>
  %4 = llm.pow %x, %c1 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %5 = llm.pow %x, %c4 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %6 = llm.pow %x, %y : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// An exponent that broadcasts the base to a larger shape, and integer exponents, stay.
// CHECK-LABEL: func.func @pow_not_rewritten
// CHECK: llm.pow
// CHECK: llm.pow
func.func @pow_not_rewritten(%x: tensor<8xf32>, %i: tensor<8xi32>) -> (tensor<2x8xf32>, tensor<8xi32>) {
  %c2 = arith.constant dense<2.0> : tensor<2x1xf32>
  %i2 = arith.constant dense<2> : tensor<i32>
  %0 = llm.pow %x, %c2 : tensor<8xf32>, tensor<2x1xf32> -> tensor<2x8xf32>
  %1 = llm.pow %i, %i2 : tensor<8xi32>, tensor<i32> -> tensor<8xi32>
  return %0, %1 : tensor<2x8xf32>, tensor<8xi32>
}
