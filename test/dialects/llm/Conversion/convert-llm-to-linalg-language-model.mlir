// RUN: llmc-opt %s --pass-pipeline="builtin.module(func.func(convert-llm-to-linalg))" | FileCheck %s

// Block-quantized constants become the bytes of their rows (q8_0: 64 values -> 2 x 34 bytes,
// q4_0: 2 x 18); the language-model ops become microkernel calls with their sizes as scalars,
// and writing the KV cache is an insert_slice guarded by a run-time check.

// CHECK-LABEL: func.func @decode
// CHECK-DAG: %[[TABLE:.*]] = arith.constant dense_resource<table> : tensor<32x68xi8>
// CHECK-DAG: %[[W:.*]] = arith.constant dense_resource<w> : tensor<32x36xi8>
// CHECK: %[[X:.*]] = llm.microkernel "llmc_mk_embedding_q8_0" ins(%arg0, %[[TABLE]] : tensor<1xi32>, tensor<32x68xi8>) outs(%{{.*}} : tensor<1x64xf32>)
// CHECK: llm.microkernel "llmc_mk_linear_q4_0" ins(%[[X]], %[[W]] : tensor<1x64xf32>, tensor<32x36xi8>) outs(%{{.*}} : tensor<1x32xf32>) scalars(%c1_i64, %c32_i64, %c64_i64 : i64, i64, i64)
// CHECK: llm.microkernel "llmc_mk_rope"
// CHECK: cf.assert %{{.*}}, "'llm.cache_write': the tokens do not fit in the KV cache (start + count > context)"
// CHECK: %[[CACHE:.*]] = tensor.insert_slice %{{.*}} into %arg2[%{{.*}}, 0, 0] [1, 2, 16] [1, 1, 1]
// CHECK: llm.microkernel "llmc_mk_attention" ins(%{{.*}}, %[[CACHE]], %[[CACHE]] :
// CHECK: return %{{.*}}, %[[CACHE]]
// CHECK-NOT: !llm.ggml
func.func @decode(%tokens: tensor<1xi32>, %start: tensor<i64>, %k: tensor<16x2x16xf32>) -> (tensor<1x64xf32>, tensor<16x2x16xf32>) {
  %table = arith.constant dense_resource<table> : tensor<32x64x!llm.ggml<q8_0>>
  %w = arith.constant dense_resource<w> : tensor<32x64x!llm.ggml<q4_0>>
  %x = llm.embedding %table[%tokens] : (tensor<32x64x!llm.ggml<q8_0>>, tensor<1xi32>) -> tensor<1x64xf32>
  %y = llm.linear %x, %w : (tensor<1x64xf32>, tensor<32x64x!llm.ggml<q4_0>>) -> tensor<1x32xf32>
  %y3 = llm.reshape %y : tensor<1x32xf32> -> tensor<1x2x16xf32>
  %r = llm.rope %y3, %start {freq_base = 10000.0 : f64, mode = "neox", rotary_dims = 16 : i64} : (tensor<1x2x16xf32>, tensor<i64>) -> tensor<1x2x16xf32>
  %k1 = llm.cache_write %k, %r, %start : (tensor<16x2x16xf32>, tensor<1x2x16xf32>, tensor<i64>) -> tensor<16x2x16xf32>
  %q = llm.reshape %x : tensor<1x64xf32> -> tensor<1x4x16xf32>
  %o = llm.cached_attention %q, %k1, %k1, %start {scale = 0.25 : f64} : (tensor<1x4x16xf32>, tensor<16x2x16xf32>, tensor<16x2x16xf32>, tensor<i64>) -> tensor<1x4x16xf32>
  %o2 = llm.reshape %o : tensor<1x4x16xf32> -> tensor<1x64xf32>
  return %o2, %k1 : tensor<1x64xf32>, tensor<16x2x16xf32>
}
{-#
  dialect_resources: {
    builtin: {
      table: "0x04000000AABBCCDD",
      w: "0x04000000AABBCCDD"
    }
  }
#-}
