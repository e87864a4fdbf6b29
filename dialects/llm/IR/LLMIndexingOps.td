//===- LLMIndexingOps.td - Scans, selection, scatter/gather and det --------===//
//
// Included by LLMOps.td. These ops have no efficient composition of the other llm ops: each
// either carries a value along an axis (cumsum), selects by rank (topk), reads or writes at
// positions held in a tensor (gather_nd and the scatters), or eliminates (det).
//
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Scans and selection
//===----------------------------------------------------------------------===//

def LLM_CumSumOp : LLM_InferredOp<"cumsum"> {
  let summary = "running sum along one axis";
  let description = [{
    Element `i` along `axis` of the result is the sum of input elements `0..i` along that
    axis (ONNX `CumSum`). With `exclusive` the element itself is left out (the first sum is
    0); with `reverse` the sums run from the end of the axis. Integer sums wrap.

    Example:

    ```mlir
    %s = llm.cumsum %x {axis = 1 : i64, exclusive = true} : tensor<2x5xf32> -> tensor<2x5xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def LLM_TopKOp : LLM_InferredOp<"topk"> {
  let summary = "positions of the k largest (or smallest) elements along one axis";
  let description = [{
    Returns, as `i64`, the positions along `axis` of the `k` largest elements of `input` (the
    `k` smallest with `largest = false`), best first; equal values keep their order of
    position, and NaN ranks above every number. `k` is a one-element integer tensor read at
    run time and clamped into `[0, size of axis]`, so the axis dimension of the result is `?`
    unless the result type states it. The values themselves are an `llm.gather_elements` of
    the input at these positions (ONNX `TopK` is the pair).

    Example:

    ```mlir
    %i = llm.topk %x, %k {axis = 1 : i64} : tensor<3x4xf32>, tensor<1xi64> -> tensor<3x?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$k, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $k attr-dict `:` type($input) `,` type($k) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Gather and scatter by index tensors
//===----------------------------------------------------------------------===//

def LLM_GatherNdOp : LLM_InferredOp<"gather_nd"> {
  let summary = "gather slices of `data` addressed by index tuples";
  let description = [{
    `indices` has shape `[b..., q..., m]`: each of its rows of `m` integers addresses data
    dimensions `batch_dims` to `batch_dims + m - 1` within the batch given by the first
    `batch_dims` dimensions, which `data` and `indices` share. The result has shape
    `indices.shape[:-1] + data.shape[batch_dims + m:]` (ONNX `GatherND`). Negative indices
    count from the end; others out of range are clamped, so they read a wrong slice but never
    outside `data`.

    Example:

    ```mlir
    %g = llm.gather_nd %data[%idx] {batch_dims = 1 : i64}
        : (tensor<2x2x2xi32>, tensor<2x1xi64>) -> tensor<2x2xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

def LLM_ScatterElementsOp : LLM_InferredOp<"scatter_elements"> {
  let summary = "write `updates` into a copy of `data` at positions along one axis";
  let description = [{
    `data`, `indices` and `updates` have the same rank; `indices` and `updates` the same
    shape. The result is `data` with, for every position `p` of `updates`, the element at `p`
    with `p[axis]` replaced by `indices[p]` set to `updates[p]`, or combined with it when
    `reduction` is `add`, `mul`, `max` or `min` (ONNX `ScatterElements`). Updates are applied in
    row-major order, so with `none` the last of duplicate positions wins. Negative indices count
    from the end; an update whose index is out of range is skipped, so none writes outside the
    result.

    Example:

    ```mlir
    %r = llm.scatter_elements %data[%idx], %upd {axis = 1 : i64, reduction = "add"}
        : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       AnyRankedTensor:$updates, I64Attr:$axis,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `,` $updates attr-dict `:` functional-type(operands, results)
  }];
}

def LLM_ScatterNdOp : LLM_InferredOp<"scatter_nd"> {
  let summary = "write slices of `updates` into a copy of `data` at index tuples";
  let description = [{
    `indices` has shape `[q..., m]`: each row of `m` integers addresses a slice
    `data[i0, ..., i(m-1), :, ...]`, and `updates` has shape `indices.shape[:-1] +
    data.shape[m:]`. The result is `data` with each slice replaced by (or, with `reduction`
    `add`, `mul`, `max` or `min`, combined with) its update, in row-major order of the rows
    (ONNX `ScatterND`). Negative indices count from the end; a row with an index out of range
    is skipped.

    Example:

    ```mlir
    %r = llm.scatter_nd %data[%idx], %upd {reduction = "mul"}
        : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       AnyRankedTensor:$updates,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `,` $updates attr-dict `:` functional-type(operands, results)
  }];
}

def LLM_MaxPoolArgmaxOp : LLM_InferredOp<"max_pool_argmax"> {
  let summary = "position of each max-pooling window's maximum, channels first";
  let description = [{
    Slides the window of `llm.max_pool` (same attributes and output shape) over `input`
    (`[N, C, D1, ..., Dn]`) and returns, as `i64`, where each window's first maximum lies in
    the unpadded input, flattened over all of its dimensions: `((n * C + c) * D1 + d1) * D2 +
    ...` (ONNX `MaxPool`'s `Indices`). With `column_major` the spatial position is flattened
    with the first spatial dimension fastest instead (ONNX `storage_order = 1`). A window that
    covers only padding yields -1.

    Example:

    ```mlir
    %i = llm.max_pool_argmax %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                                dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
        : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$column_major);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def LLM_DetOp : LLM_InferredOp<"det"> {
  let summary = "determinant of the matrices in the two innermost dimensions";
  let description = [{
    `input` is `[..., N, N]` with a float element type; the result `[...]` holds the
    determinant of each matrix, computed by LU decomposition with partial pivoting (ONNX
    `Det`). A singular matrix gives 0.

    Example:

    ```mlir
    %d = llm.det %x : tensor<3x2x2xf32> -> tensor<3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}
