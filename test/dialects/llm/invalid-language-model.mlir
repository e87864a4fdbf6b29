// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @linear_weight_rank(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'llm.linear' op expected a rank-2 weight of f32, f16, bf16 or !llm.ggml<...>, got 'tensor<64xf32>'}}
  %y = llm.linear %x, %w : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @linear_weight_type(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>) {
  // expected-error @+1 {{'llm.linear' op expected a rank-2 weight of f32, f16, bf16 or !llm.ggml<...>, got 'tensor<8x64xi8>'}}
  %y = llm.linear %x, %w : (tensor<2x64xf32>, tensor<8x64xi8>) -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_blocks(%x: tensor<2x48xf32>, %w: tensor<8x48x!llm.ggml<q8_0>>) {
  // expected-error @+1 {{'llm.linear' op the rows of the weight (48 values) are not a whole number of q8_0 blocks of 32}}
  %y = llm.linear %x, %w : (tensor<2x48xf32>, tensor<8x48x!llm.ggml<q8_0>>) -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_dynamic_blocks(%x: tensor<2x64xf32>, %w: tensor<?x64x!llm.ggml<q4_0>>) {
  // expected-error @+1 {{'llm.linear' op a block-quantized weight needs a static shape, got 'tensor<?x64x!llm.ggml<q4_0>>'}}
  %y = llm.linear %x, %w : (tensor<2x64xf32>, tensor<?x64x!llm.ggml<q4_0>>) -> tensor<2x?xf32>
  return
}

// -----

func.func @linear_input(%x: tensor<2x64xf16>, %w: tensor<8x64xf32>) {
  // expected-error @+1 {{'llm.linear' op expected an f32 input of rank 1 or more, got 'tensor<2x64xf16>'}}
  %y = llm.linear %x, %w : (tensor<2x64xf16>, tensor<8x64xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<2x32xf32>, %w: tensor<8x64xf32>) {
  // expected-error @+1 {{'llm.linear' op the input has 32 features but the weight rows have 64}}
  %y = llm.linear %x, %w : (tensor<2x32xf32>, tensor<8x64xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<2x64xf32>, %w: tensor<8x64xf32>) {
  // expected-error @+1 {{'llm.linear' op expected an f32 result of rank 2 ending in 8, got 'tensor<2x9xf32>'}}
  %y = llm.linear %x, %w : (tensor<2x64xf32>, tensor<8x64xf32>) -> tensor<2x9xf32>
  return
}

// -----

func.func @linear_leading(%x: tensor<2x64xf32>, %w: tensor<8x64xf32>) {
  // expected-error @+1 {{'llm.linear' op result dimension 0 differs from the input's}}
  %y = llm.linear %x, %w : (tensor<2x64xf32>, tensor<8x64xf32>) -> tensor<3x8xf32>
  return
}

// -----

func.func @embedding_ids(%t: tensor<16x64xf32>, %ids: tensor<4xf32>) {
  // expected-error @+1 {{'llm.embedding' op expected integer ids, got 'tensor<4xf32>'}}
  %y = llm.embedding %t[%ids] : (tensor<16x64xf32>, tensor<4xf32>) -> tensor<4x64xf32>
  return
}

// -----

func.func @embedding_result(%t: tensor<16x64xf32>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'llm.embedding' op expected an f32 result of shape ids.shape + [64], got 'tensor<4x32xf32>'}}
  %y = llm.embedding %t[%ids] : (tensor<16x64xf32>, tensor<4xi32>) -> tensor<4x32xf32>
  return
}

// -----

func.func @embedding_leading(%t: tensor<16x64xf32>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'llm.embedding' op result dimension 0 differs from the ids'}}
  %y = llm.embedding %t[%ids] : (tensor<16x64xf32>, tensor<4xi32>) -> tensor<5x64xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<4x64xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.rope' op expected a rank-3 f32 input, got 'tensor<4x64xf32>'}}
  %y = llm.rope %x, %s {freq_base = 10000.0 : f64, mode = "normal", rotary_dims = 16 : i64} : (tensor<4x64xf32>, tensor<i64>) -> tensor<4x64xf32>
  return
}

// -----

func.func @rope_start(%x: tensor<4x2x16xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{'llm.rope' op expected a 0-d i64 start position, got 'tensor<1xi64>'}}
  %y = llm.rope %x, %s {freq_base = 10000.0 : f64, mode = "normal", rotary_dims = 16 : i64} : (tensor<4x2x16xf32>, tensor<1xi64>) -> tensor<4x2x16xf32>
  return
}

// -----

func.func @rope_dims(%x: tensor<4x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.rope' op rotary_dims 18 must be even, positive and at most the head size 16}}
  %y = llm.rope %x, %s {freq_base = 10000.0 : f64, mode = "normal", rotary_dims = 18 : i64} : (tensor<4x2x16xf32>, tensor<i64>) -> tensor<4x2x16xf32>
  return
}

// -----

func.func @rope_mode(%x: tensor<4x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.rope' op unknown mode 'glm' (expected normal or neox)}}
  %y = llm.rope %x, %s {freq_base = 10000.0 : f64, mode = "glm", rotary_dims = 16 : i64} : (tensor<4x2x16xf32>, tensor<i64>) -> tensor<4x2x16xf32>
  return
}

// -----

func.func @rope_base(%x: tensor<4x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.rope' op freq_base must be positive}}
  %y = llm.rope %x, %s {freq_base = 0.0 : f64, mode = "neox", rotary_dims = 16 : i64} : (tensor<4x2x16xf32>, tensor<i64>) -> tensor<4x2x16xf32>
  return
}

// -----

func.func @rope_result(%x: tensor<4x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.rope' op expected the result type to match the input's, got 'tensor<4x4x8xf32>'}}
  %y = llm.rope %x, %s {freq_base = 10000.0 : f64, mode = "neox", rotary_dims = 16 : i64} : (tensor<4x2x16xf32>, tensor<i64>) -> tensor<4x4x8xf32>
  return
}

// -----

func.func @cache_write_fit(%c: tensor<16x2x16xf32>, %u: tensor<1x4x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cache_write' op update 'tensor<1x4x16xf32>' does not fit the rows of cache 'tensor<16x2x16xf32>'}}
  %y = llm.cache_write %c, %u, %s : (tensor<16x2x16xf32>, tensor<1x4x16xf32>, tensor<i64>) -> tensor<16x2x16xf32>
  return
}

// -----

func.func @cache_write_result(%c: tensor<16x2x16xf32>, %u: tensor<1x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cache_write' op expected the result type to be the cache's, got 'tensor<?x2x16xf32>'}}
  %y = llm.cache_write %c, %u, %s : (tensor<16x2x16xf32>, tensor<1x2x16xf32>, tensor<i64>) -> tensor<?x2x16xf32>
  return
}

// -----

func.func @cache_write_rank(%c: tensor<16x32xf32>, %u: tensor<1x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cache_write' op expected a rank-3 f32 cache, got 'tensor<16x32xf32>'}}
  %y = llm.cache_write %c, %u, %s : (tensor<16x32xf32>, tensor<1x2x16xf32>, tensor<i64>) -> tensor<16x32xf32>
  return
}

// -----

func.func @attention_caches(%q: tensor<1x4x16xf32>, %k: tensor<16x2x16xf32>, %v: tensor<8x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cached_attention' op the key cache 'tensor<16x2x16xf32>' and the value cache 'tensor<8x2x16xf32>' differ}}
  %o = llm.cached_attention %q, %k, %v, %s {scale = 0.25 : f64} : (tensor<1x4x16xf32>, tensor<16x2x16xf32>, tensor<8x2x16xf32>, tensor<i64>) -> tensor<1x4x16xf32>
  return
}

// -----

func.func @attention_head_size(%q: tensor<1x4x8xf32>, %k: tensor<16x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cached_attention' op query heads of size 8 do not match cached heads of size 16}}
  %o = llm.cached_attention %q, %k, %k, %s {scale = 0.25 : f64} : (tensor<1x4x8xf32>, tensor<16x2x16xf32>, tensor<16x2x16xf32>, tensor<i64>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @attention_groups(%q: tensor<1x3x16xf32>, %k: tensor<16x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cached_attention' op 3 query heads cannot share 2 kv heads}}
  %o = llm.cached_attention %q, %k, %k, %s {scale = 0.25 : f64} : (tensor<1x3x16xf32>, tensor<16x2x16xf32>, tensor<16x2x16xf32>, tensor<i64>) -> tensor<1x3x16xf32>
  return
}

// -----

func.func @attention_result(%q: tensor<1x4x16xf32>, %k: tensor<16x2x16xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'llm.cached_attention' op expected the result type to match the query's, got 'tensor<2x4x16xf32>'}}
  %o = llm.cached_attention %q, %k, %k, %s {scale = 0.25 : f64} : (tensor<1x4x16xf32>, tensor<16x2x16xf32>, tensor<16x2x16xf32>, tensor<i64>) -> tensor<2x4x16xf32>
  return
}

// -----

func.func @microkernel_results(%x: tensor<4xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'llm.microkernel' op expected one result per output, got 2 for 1}}
  %a:2 = llm.microkernel "k" ins(%x : tensor<4xf32>) outs(%y : tensor<4xf32>) -> tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @microkernel_result_type(%x: tensor<4xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'llm.microkernel' op result 0 must have the type of its output}}
  %a = llm.microkernel "k" ins(%x : tensor<4xf32>) outs(%y : tensor<4xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @microkernel_memref_results(%x: memref<4xf32>, %y: memref<4xf32>) {
  // expected-error @+1 {{'llm.microkernel' op output 0 must be a tensor on tensors}}
  %a = llm.microkernel "k" ins(%x : memref<4xf32>) outs(%y : memref<4xf32>) -> tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{unknown ggml block format 'q5_1' (expected q4_0, q8_0, q4_k or q6_k)}}
func.func @format(%w: tensor<8x64x!llm.ggml<q5_1>>) {
  return
}

// -----

func.func @attention_rank(%q: tensor<2x4x64xf32>, %k: tensor<2x8x4x64xf32>) {
  // expected-error @+1 {{'llm.attention' op expected a rank-4 f32 query (B x T x H x D), got 'tensor<2x4x64xf32>'}}
  %0 = llm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<2x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>) -> tensor<2x4x64xf32>
  return
}

// -----

func.func @attention_head_size(%q: tensor<2x8x4x64xf32>, %k: tensor<2x8x4x32xf32>) {
  // expected-error @+1 {{'llm.attention' op query heads of size 64 do not match key heads of size 32}}
  %0 = llm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x32xf32>, tensor<2x8x4x32xf32>) -> tensor<2x8x4x32xf32>
  return
}

// -----

func.func @attention_keys_values(%q: tensor<2x8x4x64xf32>, %k: tensor<2x8x4x64xf32>, %v: tensor<2x9x4x64xf32>) {
  // expected-error @+1 {{'llm.attention' op 8 keys do not match 9 values}}
  %0 = llm.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x9x4x64xf32>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_heads(%q: tensor<2x8x4x64xf32>, %k: tensor<2x8x3x64xf32>) {
  // expected-error @+1 {{'llm.attention' op the head dims of 'tensor<2x8x4x64xf32>', 'tensor<2x8x3x64xf32>' and 'tensor<2x8x3x64xf32>' do not broadcast}}
  %0 = llm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x3x64xf32>, tensor<2x8x3x64xf32>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_mask_type(%q: tensor<2x8x4x64xf32>, %m: tensor<8x8xi32>) {
  // expected-error @+1 {{'llm.attention' op expected an i1 or f32 mask of rank 4 or less, got 'tensor<8x8xi32>'}}
  %0 = llm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<8x8xi32>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_mask_fill(%q: tensor<2x8x4x64xf32>, %m: tensor<8x8xi1>) {
  // expected-error @+1 {{'llm.attention' op an i1 mask needs a mask_fill value}}
  %0 = llm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<8x8xi1>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_fill_for_addend(%q: tensor<2x8x4x64xf32>, %m: tensor<8x8xf32>) {
  // expected-error @+1 {{'llm.attention' op mask_fill applies to i1 masks only}}
  %0 = llm.attention %q, %q, %q, %m {scale = 1.0 : f64, mask_fill = 0.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<8x8xf32>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_fill_without_mask(%q: tensor<2x8x4x64xf32>) {
  // expected-error @+1 {{'llm.attention' op mask_fill without a mask}}
  %0 = llm.attention %q, %q, %q {scale = 1.0 : f64, mask_fill = 0.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<2x8x4x64xf32>, %m: tensor<8x7xf32>) {
  // expected-error @+1 {{'llm.attention' op the mask 'tensor<8x7xf32>' does not broadcast to the scores (B x H x Tq x Tk)}}
  %0 = llm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<8x7xf32>) -> tensor<2x8x4x64xf32>
  return
}

// -----

func.func @attention_result(%q: tensor<2x8x4x64xf32>) {
  // expected-error @+1 {{'llm.attention' op expected a result of shape B x Tq x H x Dv, got 'tensor<2x4x8x64xf32>'}}
  %0 = llm.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>, tensor<2x8x4x64xf32>) -> tensor<2x4x8x64xf32>
  return
}
