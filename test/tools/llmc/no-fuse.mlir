// The fusion passes run by default; --no-fuse skips the ones it names, so that a benchmark can
// show what each brings; an unknown name is an error.
// RUN: llmc compile %s --emit=mlir | FileCheck %s --check-prefix=ALL
// RUN: llmc compile %s --emit=mlir --no-fuse=attention | FileCheck %s --check-prefix=NOATT
// RUN: llmc compile %s --emit=mlir --no-fuse=norms,attention | FileCheck %s --check-prefix=NONE
// RUN: not llmc compile %s --emit=mlir --no-fuse=softmax 2>&1 | FileCheck %s --check-prefix=BAD

// ALL: llm.layer_norm
// ALL: llm.attention
// NOATT: llm.layer_norm
// NOATT-NOT: llm.attention
// NOATT: llm.softmax
// NONE-NOT: llm.layer_norm
// NONE-NOT: llm.attention
// NONE: llm.reduce_mean
// BAD: llmc compile: error: --no-fuse: unknown fusion pass 'softmax' (expected norms, gelu, attention or linear)
func.func @main(%x: tensor<1x8x2x16xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %scale = arith.constant dense<4.0> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 3>, keep_dims = true} : tensor<1x8x2x16xf32> -> tensor<1x8x2x1xf32>
  %d = llm.sub %x, %m : tensor<1x8x2x16xf32>, tensor<1x8x2x1xf32> -> tensor<1x8x2x16xf32>
  %p = llm.pow %d, %two : tensor<1x8x2x16xf32>, tensor<f32> -> tensor<1x8x2x16xf32>
  %var = llm.reduce_mean %p {axes = array<i64: 3>, keep_dims = true} : tensor<1x8x2x16xf32> -> tensor<1x8x2x1xf32>
  %e = llm.add %var, %eps : tensor<1x8x2x1xf32>, tensor<f32> -> tensor<1x8x2x1xf32>
  %s = llm.sqrt %e : tensor<1x8x2x1xf32>
  %n = llm.div %d, %s : tensor<1x8x2x16xf32>, tensor<1x8x2x1xf32> -> tensor<1x8x2x16xf32>
  %q = llm.transpose %n {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x8x2x16xf32> -> tensor<1x2x8x16xf32>
  %scores = llm.matmul %q, %k : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x8x8xf32>
  %scaled = llm.div %scores, %scale : tensor<1x2x8x8xf32>, tensor<f32> -> tensor<1x2x8x8xf32>
  %w = llm.softmax %scaled {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = llm.matmul %w, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
