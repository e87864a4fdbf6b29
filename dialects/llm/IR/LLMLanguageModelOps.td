//===- LLMLanguageModelOps.td - Decoder-only language model ops ------------===//
//
// The ops a decoder-only language model needs beyond the generic ones: dense layers whose
// weights may stay block-quantized, embedding lookup, rotary position embedding, and causal
// attention over a key/value cache that lives across calls. Included from LLMOps.td.
//
//===----------------------------------------------------------------------===//

def LLM_LinearOp : LLM_Op<"linear", [Pure]> {
  let summary = "a dense layer: the input times the transpose of a row-major weight matrix";
  let description = [{
    `result[..., n] = sum_k input[..., k] * weight[n, k]`: the weight holds one row of `K`
    values per output feature, the layout of ggml (`ne = [K, N]`) and of PyTorch's
    `nn.Linear`. The weight's element type is `f32`, `f16`, `bf16` or a block-quantized
    `!llm.ggml<...>` format; the input and the result are `f32`, and a quantized weight is
    decoded inside the product, never into a full f32 copy.

    Example:

    ```mlir
    %y = llm.linear %x, %w : (tensor<?x4096xf32>, tensor<11008x4096x!llm.ggml<q4_0>>) -> tensor<?x11008xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def LLM_EmbeddingOp : LLM_Op<"embedding", [Pure]> {
  let summary = "look up rows of an embedding table, decoding quantized rows";
  let description = [{
    For every element of the integer tensor `ids`, the row of `table` (`V x D`, with element
    type `f32`, `f16`, `bf16` or `!llm.ggml<...>`) at that index, as f32: the result has shape
    `ids.shape + [D]`. An id outside `[0, V)` is clamped into it.

    Example:

    ```mlir
    %x = llm.embedding %table[%ids] : (tensor<32000x4096x!llm.ggml<q8_0>>, tensor<?xi32>) -> tensor<?x4096xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$table, AnyRankedTensor:$ids);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$table `[` $ids `]` attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def LLM_RopeOp : LLM_Op<"rope", [Pure]> {
  let summary = "rotary position embedding of consecutive tokens";
  let description = [{
    Rotates pairs of the first `rotary_dims` values of every head of `input`
    (`T x heads x head_dim`, f32), token `t` being at position `start + t` (`start` is a 0-d
    i64 tensor). Pair `c` turns by `position * freq_base^(-2c / rotary_dims)` radians. In
    `normal` mode (llama) pair `c` is `(x[2c], x[2c+1])`; in `neox` mode (qwen2, GPT-NeoX) it
    is `(x[c], x[c + rotary_dims/2])`. The remaining values are copied. This is llama.cpp's
    `ggml_rope_ext` without context extension.

    Example:

    ```mlir
    %q = llm.rope %x, %start {rotary_dims = 128 : i64, freq_base = 10000.0 : f64, mode = "normal"}
        : (tensor<?x32x128xf32>, tensor<i64>) -> tensor<?x32x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$start, I64Attr:$rotary_dims,
                       F64Attr:$freq_base, StrAttr:$mode);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $start attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def LLM_CacheWriteOp : LLM_Op<"cache_write", [Pure]> {
  let summary = "the key or value cache with the rows of new tokens written in";
  let description = [{
    Returns `cache` (`context x kv_heads x head_dim`) with rows `[start, start + T)` replaced
    by `update` (`T x kv_heads x head_dim`); `start` is a 0-d i64 tensor. The cache is usually
    an entry point argument marked `llmc.state`, which the runtime keeps between calls, so the
    write lands in place. A write past the end of the cache fails the call at run time.

    Example:

    ```mlir
    %k1 = llm.cache_write %k0, %k, %start
        : (tensor<2048x8x128xf32>, tensor<?x8x128xf32>, tensor<i64>) -> tensor<2048x8x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$cache, AnyRankedTensor:$update, AnyRankedTensor:$start);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$cache `,` $update `,` $start attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def LLM_CachedAttentionOp : LLM_Op<"cached_attention", [Pure]> {
  let summary = "causal grouped-query attention of new tokens over a key/value cache";
  let description = [{
    `query` is `T x heads x head_dim`; `keys` and `values` are caches of
    `context x kv_heads x head_dim` that already hold the new tokens (see `llm.cache_write`).
    Query token `t`, at position `start + t`, attends to cache rows `0 ... start + t`:
    `softmax(scale * q . k) @ v`, where query head `h` reads kv head
    `h / (heads / kv_heads)`. All f32; `heads` is a multiple of `kv_heads`.

    Example:

    ```mlir
    %o = llm.cached_attention %q, %k, %v, %start {scale = 0.088388347648318 : f64}
        : (tensor<?x32x128xf32>, tensor<2048x8x128xf32>, tensor<2048x8x128xf32>, tensor<i64>)
        -> tensor<?x32x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$keys, AnyRankedTensor:$values,
                       AnyRankedTensor:$start, F64Attr:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $query `,` $keys `,` $values `,` $start attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_AttentionOp : LLM_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention with an optional mask";
  let description = [{
    Multi-head attention of a whole sequence, in the layout in which projections produce
    heads: `query` is `B x Tq x H x D`, `keys` is `B x Tk x H x D` and `values` is
    `B x Tk x H x Dv`; the result is `B x Tq x H x Dv`. For each batch `b` and head `h`:
    `softmax(mask(scale * Q . K^T)) . V`, the softmax taken over the keys. The batch and head
    dims broadcast as in `llm.matmul` (a size of 1 is shared; at run time each is 1 or the
    result's size).

    The optional `mask` broadcasts to the scores, `B x H x Tq x Tk` (rank 4 or less, aligned
    to the right; its dims are 1 or the scores' sizes). An `i1` mask selects: where it is
    false, the score is `mask_fill`, as `llm.select(mask, scores, mask_fill)` computes. An
    `f32` mask is added to the scaled scores.

    `llm-fuse-attention` builds this op from the products, scale, mask and softmax that
    exporters emit; the CPU backend runs it as one tiled kernel with an online softmax that
    never forms the scores matrix and skips the blocks a mask removes entirely (a causal
    mask's upper triangle).

    Example:

    ```mlir
    %o = llm.attention %q, %k, %v, %mask {scale = 0.125 : f64, mask_fill = -3.4028234663852886E+38 : f64}
        : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<1x1x?x?xi1>)
        -> tensor<?x?x4x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$keys, AnyRankedTensor:$values,
                       Optional<AnyRankedTensor>:$mask, F64Attr:$scale,
                       OptionalAttr<F64Attr>:$mask_fill);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $query `,` $keys `,` $values (`,` $mask^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_MicrokernelOp : LLM_Op<"microkernel", [AttrSizedOperandSegments,
    DestinationStyleOpInterface]> {
  let summary = "a call of a hand-written kernel linked into the code object (lowering level)";
  let description = [{
    Produced by the CPU lowering, not by frontends: calls the microkernel `kernel`, which the
    compiler links into the code object, on contiguous row-major buffers. The kernel reads
    `inputs`, overwrites all of `outputs` and receives the `scalars` (i64 or f32), then the
    runtime's services table. On tensors the op is in destination-passing style and returns
    the new values of `outputs`; bufferization turns it into the form on memrefs, which
    `llmc-lower-microkernels` turns into the call.

    Example:

    ```mlir
    %y = llm.microkernel "llmc_mk_linear_q8_0" ins(%x, %w : tensor<1x768xf32>, tensor<2048x816xi8>)
        outs(%init : tensor<1x2048xf32>) scalars(%m, %n, %k : i64, i64, i64) -> tensor<1x2048xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<AnyShaped>:$inputs, Variadic<AnyShaped>:$outputs,
                       Variadic<AnyTypeOf<[I64, F32]>>:$scalars);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $kernel (`ins` `(` $inputs^ `:` type($inputs) `)`)? `outs` `(` $outputs `:` type($outputs) `)`
    (`scalars` `(` $scalars^ `:` type($scalars) `)`)? attr-dict (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutputsMutable(); }
  }];
  let hasVerifier = 1;
}
