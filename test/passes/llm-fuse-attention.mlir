// RUN: llmc-opt %s --split-input-file --llm-fuse-attention | FileCheck %s

// GPT-2 as exported: heads transposed out of [B, T, H, D], Q . K^T divided by sqrt(D), a causal
// i1 mask selecting against the lowest float, softmax, times V, transposed back. One
// llm.attention reads the projections' layout; every transpose cancels out.
// CHECK-LABEL: func.func @gpt2
// CHECK-NOT: llm.transpose
// CHECK-NOT: llm.matmul
// CHECK: %[[O:.*]] = llm.attention %arg0, %arg1, %arg2, %arg3 {mask_fill = -3.4028234663852886E+38 : f64, scale = 1.250000e-01 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<1x1x?x?xi1>) -> tensor<?x?x4x64xf32>
// CHECK-NOT: llm.transpose
// CHECK: return %[[O]]
func.func @gpt2(%q: tensor<?x?x4x64xf32>, %k: tensor<?x?x4x64xf32>, %v: tensor<?x?x4x64xf32>, %mask: tensor<1x1x?x?xi1>) -> tensor<?x?x4x64xf32> {
  %eight = arith.constant dense<8.0> : tensor<f32>
  %lowest = arith.constant dense<-3.40282347E+38> : tensor<f32>
  %qh = llm.transpose %q {permutation = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x64xf32> -> tensor<?x4x?x64xf32>
  %kt = llm.transpose %k {permutation = array<i64: 0, 2, 3, 1>} : tensor<?x?x4x64xf32> -> tensor<?x4x64x?xf32>
  %vh = llm.transpose %v {permutation = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x64xf32> -> tensor<?x4x?x64xf32>
  %s = llm.matmul %qh, %kt : tensor<?x4x?x64xf32>, tensor<?x4x64x?xf32> -> tensor<?x4x?x?xf32>
  %scaled = llm.div %s, %eight : tensor<?x4x?x?xf32>, tensor<f32> -> tensor<?x4x?x?xf32>
  %masked = llm.select %mask, %scaled, %lowest : tensor<1x1x?x?xi1>, tensor<?x4x?x?xf32>, tensor<f32> -> tensor<?x4x?x?xf32>
  %p = llm.softmax %masked {axis = 3 : i64} : tensor<?x4x?x?xf32>
  %o = llm.matmul %p, %vh : tensor<?x4x?x?xf32>, tensor<?x4x?x64xf32> -> tensor<?x4x?x64xf32>
  %ot = llm.transpose %o {permutation = array<i64: 0, 2, 1, 3>} : tensor<?x4x?x64xf32> -> tensor<?x?x4x64xf32>
  return %ot : tensor<?x?x4x64xf32>
}

// -----

// BERT: a float padding mask added after the scale, in either operand order.
// CHECK-LABEL: func.func @bert
// CHECK: llm.attention %arg0, %arg1, %arg2, %arg3 {scale = 1.250000e-01 : f64} : (tensor<2x16x4x64xf32>, tensor<2x16x4x64xf32>, tensor<2x16x4x64xf32>, tensor<2x1x1x16xf32>) -> tensor<2x16x4x64xf32>
func.func @bert(%q: tensor<2x16x4x64xf32>, %k: tensor<2x16x4x64xf32>, %v: tensor<2x16x4x64xf32>, %mask: tensor<2x1x1x16xf32>) -> tensor<2x16x4x64xf32> {
  %eight = arith.constant dense<8.0> : tensor<f32>
  %qh = llm.transpose %q {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x16x4x64xf32> -> tensor<2x4x16x64xf32>
  %kt = llm.transpose %k {permutation = array<i64: 0, 2, 3, 1>} : tensor<2x16x4x64xf32> -> tensor<2x4x64x16xf32>
  %vh = llm.transpose %v {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x16x4x64xf32> -> tensor<2x4x16x64xf32>
  %s = llm.matmul %qh, %kt : tensor<2x4x16x64xf32>, tensor<2x4x64x16xf32> -> tensor<2x4x16x16xf32>
  %scaled = llm.div %s, %eight : tensor<2x4x16x16xf32>, tensor<f32> -> tensor<2x4x16x16xf32>
  %masked = llm.add %mask, %scaled : tensor<2x1x1x16xf32>, tensor<2x4x16x16xf32> -> tensor<2x4x16x16xf32>
  %p = llm.softmax %masked {axis = 3 : i64} : tensor<2x4x16x16xf32>
  %o = llm.matmul %p, %vh : tensor<2x4x16x16xf32>, tensor<2x4x16x64xf32> -> tensor<2x4x16x64xf32>
  %ot = llm.transpose %o {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x4x16x64xf32> -> tensor<2x16x4x64xf32>
  return %ot : tensor<2x16x4x64xf32>
}

// -----

// Heads already in [B, H, T, D] (no transpose to absorb): the operands are transposed into the
// op's layout and the result back; a multiplied scale and no mask.
// CHECK-LABEL: func.func @bhtd
// CHECK: %[[Q:.*]] = llm.transpose %arg0 {permutation = array<i64: 0, 2, 1, 3>}
// CHECK: %[[K:.*]] = llm.transpose %arg1 {permutation = array<i64: 0, 3, 1, 2>}
// CHECK: %[[V:.*]] = llm.transpose %arg2 {permutation = array<i64: 0, 2, 1, 3>}
// CHECK: %[[O:.*]] = llm.attention %[[Q]], %[[K]], %[[V]] {scale = 5.000000e-01 : f64} : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x32xf32>) -> tensor<1x8x2x32xf32>
// CHECK: llm.transpose %[[O]] {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x8x2x32xf32> -> tensor<1x2x8x32xf32>
func.func @bhtd(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32> {
  %half = arith.constant dense<0.5> : tensor<1xf32>
  %s = llm.matmul %q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x8x8xf32>
  %scaled = llm.mul %half, %s : tensor<1xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
  %p = llm.softmax %scaled {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = llm.matmul %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x32xf32>
  return %o : tensor<1x2x8x32xf32>
}

// -----

// Not attention, or not exactly: the scores are used elsewhere, the softmax is over the
// queries, the scale is not a constant, or the mask's fill is a tensor.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: llm.attention
func.func @left_alone(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x32xf32>,
                      %scale: tensor<f32>, %mask: tensor<8x8xi1>, %fill: tensor<8x8xf32>)
    -> (tensor<1x2x8x32xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) {
  %s = llm.matmul %q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x8x8xf32>
  %p = llm.softmax %s {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = llm.matmul %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x32xf32>
  %s2 = llm.matmul %q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x8x8xf32>
  %p2 = llm.softmax %s2 {axis = 2 : i64} : tensor<1x2x8x8xf32>
  %o2 = llm.matmul %p2, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x32xf32>
  %s3 = llm.matmul %q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x8x8xf32>
  %d3 = llm.div %s3, %scale : tensor<1x2x8x8xf32>, tensor<f32> -> tensor<1x2x8x8xf32>
  %p3 = llm.softmax %d3 {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o3 = llm.matmul %p3, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x32xf32>
  %s4 = llm.matmul %q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x8x8xf32>
  %m4 = llm.select %mask, %s4, %fill : tensor<8x8xi1>, tensor<1x2x8x8xf32>, tensor<8x8xf32> -> tensor<1x2x8x8xf32>
  %p4 = llm.softmax %m4 {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o4 = llm.matmul %p4, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x32xf32>
  return %o, %s, %o2, %o3, %o4 : tensor<1x2x8x32xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>
}
