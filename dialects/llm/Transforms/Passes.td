//===- Passes.td - Passes of the llm dialect -------------------------------===//
#ifndef LLMC_DIALECTS_LLM_TRANSFORMS_PASSES_TD
#define LLMC_DIALECTS_LLM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMInferShapesPass : Pass<"llm-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Refine llm result types from their operands";
  let description = [{
    Frontends often know less about a result than its operands do: a dimension is `?` because
    an exporter left it unnamed, or because an input shape was pinned after import. This pass
    walks every function in order, re-infers the result type of each op that infers its
    result types, and keeps the more static of the written and the inferred type.

    Users that cannot take a refined operand type (ops of other dialects) get a `tensor.cast`
    back to the type they had. The result types of a function that nothing in the module calls
    are updated to what its `func.return` now returns.

    A conflict between the written and the inferred type is an error naming the op.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def LLMDecomposeBatchNormPass
    : Pass<"llm-decompose-batch-norm", "::mlir::func::FuncOp"> {
  let summary = "Rewrite inference batch normalization as one multiply and one add";
  let description = [{
    `llm.batch_norm` with running statistics is an affine map per channel:
    `y = x * m + s` with `m = scale * rsqrt(variance + epsilon)` and `s = bias - mean * m`.
    The pass emits that arithmetic on the `[C]` parameters and reshapes `m` and `s` to
    `[C, 1, ..., 1]` so they broadcast over the input. When the parameters are constants,
    canonicalization folds `m` and `s` into two constants, and the multiply and add are then
    ordinary elementwise ops that fuse into the producing convolution's epilogue.
  }];
}

def LLMFuseNormsPass : Pass<"llm-fuse-norms", "::mlir::func::FuncOp"> {
  let summary = "Recompose LayerNorm, RMSNorm and softmax from the primitives exporters emit";
  let description = [{
    Exporters that trace a model's Python write normalizations out as reductions and
    elementwise ops: HF GPT-2 exports LayerNorm as `m = reduce_mean(x)`, `d = x - m`,
    `v = reduce_mean(pow(d, 2))`, `d / sqrt(v + eps) * gamma + beta`; llama and qwen export
    RMSNorm as `x * rsqrt(reduce_mean(pow(x, 2)) + eps) * w` (or with `1 / sqrt`, `reciprocal`
    or a division); softmax appears as `exp(x - reduce_max(x)) / reduce_sum(...)`. Each
    primitive is a separate pass over the activations once lowered, while `llm.layer_norm`,
    `llm.rms_norm` and `llm.softmax` lower on the CPU to kernels that read each row once.

    The pass rewrites these chains into the single op, over the last axis, only where that
    computes exactly what the primitives did: every reduction is over the one trailing axis
    with `keep_dims`, each intermediate value is used only inside the chain (when the mean or
    the centered value has another user, nothing is fused), the squares are `pow(d, 2)` or
    `d * d`, epsilon is a float constant scalar, and the scale and bias (both optional; a
    missing scale becomes ones when the normalized dim is static) have exactly the shape of
    the normalized dim. Softmax without the subtracted maximum is accepted: it is the same
    function, and `llm.softmax` subtracts the maximum, so it no longer overflows.

    It also rewrites `llm.pow` by a scalar constant 2, 3, 0.5 or -1 into multiplies, `sqrt`
    or `reciprocal` (GPT-2's GELU cubes with `pow(x, 3)`): cheaper than `exp(c * log(x))`, and
    exact for negative bases. The matchers accept both spellings of a square, so the order in
    which the rewrites apply does not matter.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def LLMFuseGeluPass : Pass<"llm-fuse-gelu", "::mlir::func::FuncOp"> {
  let summary = "Recompose GELU from the primitives exporters emit";
  let description = [{
    PyTorch exports GELU as primitives. BERT's exact GELU becomes `x * 0.5 * (1 + erf(x /
    sqrt(2)))`; GPT-2's tanh form ("gelu_new") becomes `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x +
    0.044715 * pow(x, 3))))`, and the "fast" spelling `sqrt(2 / pi) * x * (1 + 0.044715 * x * x)`
    is the same argument. This pass replaces each chain by one `llm.gelu` (with
    `tanh_approximation` for the tanh form). It accepts the products in any order and
    association, `/ 2` for `* 0.5`, `/ sqrt(2)` or `* (1 / sqrt(2))`, and `pow(x, 3)` or
    `x * x * x`. The constants must match GELU's up to the rounding of an f32 constant, and
    every intermediate value must be used only inside the chain; anything else is left as it is.

    One op instead of seven is one pass over the activations. On the CPU, a GELU that is the
    only user of a dense layer (with or without its bias) runs in the GEMM kernel's epilogue,
    while the block of the product is still in the caches.
  }];
}

def LLMFuseLinearPass : Pass<"llm-fuse-linear", "::mlir::ModuleOp"> {
  let summary = "Merge dense layers that read the same input into one";
  let description = [{
    Language models project one hidden state through several weight matrices: queries, keys
    and values, or the gate and up projections of a SwiGLU feed-forward. When `llm.linear` ops
    read the same input and their weights are constants of one element type (f32, f16, bf16 or
    one `!llm.ggml<...>` format) with the same row length, this pass stacks the weights' rows
    into one constant and computes one `llm.linear`, whose columns `llm.dynamic_slice` hands
    back to the original users. Block-quantized rows are stacked byte for byte, so the weights
    stay as the model stored them. One product instead of several is one pass over the input
    and one parallel loop instead of several, which matters for decoding, where each product
    is a short matrix-vector multiply. Functions that share a group of weights (a language
    model's prefill and decode) share the stacked constant.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def LLMFuseAttentionPass : Pass<"llm-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Recompose scaled dot-product attention into llm.attention";
  let description = [{
    Exported transformers spell attention as primitives: the heads are reshaped and
    transposed to `B x H x T x D`, multiplied (`Q . K^T`), scaled by a constant (a division or
    a multiplication), masked (a `select` against a constant, as GPT-2's causal mask, or an
    added float mask, as BERT's padding mask), passed through a softmax over the keys and
    multiplied by `V`. This pass replaces that chain by one `llm.attention`, which reads the
    heads in the `B x T x H x D` layout of the projections: the transposes it places around
    the op compose with the exporter's into the identity and disappear, so no head is ever
    copied. The intermediates must have no other users and the scale and fill value must be
    scalar constants; anything else is left as it is. On the CPU, `llm.attention` is one tiled
    kernel with an online (flash-attention style) softmax: the `T x T` scores are never
    stored, and key blocks that a mask removes entirely (the upper triangle of a causal mask)
    are skipped.
  }];
}

#endif // LLMC_DIALECTS_LLM_TRANSFORMS_PASSES_TD
