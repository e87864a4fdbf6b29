//===- LLMDynamicShapeOps.td - Ops whose shapes are known only at run time -===//
//
// Included at the end of LLMOps.td. These ops take shape-like operands (slice bounds, axes,
// pads, range limits) as tensors, so a model whose shapes come from its inputs compiles once:
// the result rank is static and the sizes that depend on run-time values are `?`.
//
//===----------------------------------------------------------------------===//

def LLM_ShapeOfOp : LLM_InferredOp<"shape_of"> {
  let summary = "the dimensions of a tensor, as a 1-D i64 tensor";
  let description = [{
    Returns the sizes of `input`'s dimensions, one `i64` per dimension (ONNX `Shape`). The
    result length is the input rank, so it is always static; the values of dynamic dimensions
    are read at run time. When every dimension is static the op folds to a constant.

    Example:

    ```mlir
    %s = llm.shape_of %x : tensor<?x?x768xf32> -> tensor<3xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def LLM_DynamicSliceOp : LLM_InferredOp<"dynamic_slice"> {
  let summary = "strided slice with bounds, axes and steps known at run time";
  let description = [{
    Slices `input` as ONNX `Slice` does, with every parameter read at run time: `starts`,
    `ends`, `axes` and `steps` are 1-D integer tensors of one static length `K`. Entry `i`
    slices dimension `axes[i]` (negative axes count from the end) from `starts[i]` to
    `ends[i]` by `steps[i]`; negative bounds count from the end of the dimension, and the
    bounds are clamped into the dimension (`[0, size]` for a positive step, `[-1, size - 1]`
    for a negative one), so any values stay inside the input. A dimension that no entry names
    is kept whole. A step of 0, or an axis out of range, selects nothing from that dimension.

    The result rank is the input rank. A dimension is static in the result when `axes` is a
    constant that does not name it; the others are `?`.

    Example:

    ```mlir
    %s = llm.dynamic_slice %x[%starts, %ends, %axes, %steps]
        : (tensor<?x64xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>)
          -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$starts, AnyRankedTensor:$ends,
                       AnyRankedTensor:$axes, AnyRankedTensor:$steps);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `[` $starts `,` $ends `,` $axes `,` $steps `]` attr-dict `:`
    functional-type(operands, results)
  }];
}

def LLM_RangeOp : LLM_InferredOp<"range"> {
  let summary = "the arithmetic sequence `start, start + delta, ...` up to `limit`";
  let description = [{
    Returns `max(ceil((limit - start) / delta), 0)` elements `start + i * delta` (ONNX
    `Range`). The three operands are scalars (rank-0 tensors) of one integer or float element
    type, read at run time, so the result length is `?`. A `delta` of 0 gives an empty result.

    Example:

    ```mlir
    %r = llm.range %start, %limit, %delta
        : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$start, AnyRankedTensor:$limit, AnyRankedTensor:$delta);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)";
}

def LLM_PadOp : LLM_InferredOp<"pad"> {
  let summary = "pad (or crop) every dimension by amounts known at run time";
  let description = [{
    Pads `input` as ONNX `Pad` does. `pads` is a 1-D integer tensor of length `2 * rank`: the
    amounts added before each dimension, then the amounts added after each one. A negative
    amount crops. `mode` says what fills the new positions:

    * `constant`: `value`, a scalar (rank-0 tensor) of the input's element type, or 0 when it
      is absent;
    * `edge`: the nearest element of the input;
    * `reflect`: the input mirrored at its first and last element (which are not repeated).

    Result dimensions are static when `pads` is a constant and the input dimension is static,
    `?` otherwise.

    Example:

    ```mlir
    %p = llm.pad %x, %pads {mode = "reflect"}
        : (tensor<1x3x4x5xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$pads,
                       Optional<AnyRankedTensor>:$value, StrAttr:$mode);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $pads (`,` $value^)? attr-dict `:` functional-type(operands, results)
  }];
}

def LLM_DynamicReduceOp : LLM_InferredOp<"dynamic_reduce"> {
  let summary = "reduce the dimensions listed in a tensor known at run time";
  let description = [{
    Reduces `input` over the dimensions listed in `axes`, a 1-D integer tensor read at run time
    (negative axes count from the end; an axis out of range is ignored). `kind` is `sum`,
    `mean`, `max`, `min` or `prod`. An empty `axes` reduces every dimension, or none with
    `noop_with_empty_axes`.

    With `keep_dims` the result has the input's rank, with size 1 in the reduced dimensions,
    and `axes` may have a length known only at run time. Without it the reduced dimensions are
    removed: `axes` has a static length `K` that is the number of dimensions removed, and
    listing a dimension twice is an error reported at run time.

    Example:

    ```mlir
    %r = llm.dynamic_reduce %x(%axes : tensor<1xi64>) {kind = "sum", keep_dims = true}
        : tensor<3x2x2xf32> -> tensor<?x?x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$axes, StrAttr:$kind,
                       DefaultValuedAttr<BoolAttr, "false">:$keep_dims,
                       DefaultValuedAttr<BoolAttr, "false">:$noop_with_empty_axes);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `(` $axes `:` type($axes) `)` attr-dict `:` type($input) `->` type($result)
  }];
}
