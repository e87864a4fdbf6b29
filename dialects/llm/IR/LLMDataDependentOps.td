//===- LLMDataDependentOps.td - Ops whose result sizes depend on the data -===//
//
// Included by LLMOps.td. Each op here has at least one result dimension that only the values
// of its operands decide; the result types carry `?` there, and the compiled code computes the
// size before it writes the result.
//
//===----------------------------------------------------------------------===//

def LLM_NonZeroOp : LLM_InferredOp<"nonzero"> {
  let summary = "coordinates of the non-zero elements";
  let description = [{
    Returns an `i64` tensor of shape `[rank(input), count]`: column `j` holds the coordinates of
    the `j`-th non-zero element of `input` in row-major order (ONNX `NonZero`, NumPy
    `nonzero`). `count` is known only at run time.

    Example:

    ```mlir
    %i = llm.nonzero %mask : tensor<2x3xi1> -> tensor<2x?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def LLM_UniqueOp : LLM_Op<"unique", [Pure]> {
  let summary = "distinct slices along one axis, with where they occur and how often";
  let description = [{
    Finds the distinct slices of `input` along `axis` (the slices compare element by element).
    With `sorted`, they are returned in ascending lexicographic order; without it, in the order
    of their first occurrence. The four results are (ONNX `Unique`):

    * `values`: the distinct slices, `input`'s shape with `?` at `axis`;
    * `indices`: for each distinct slice, the position of its first occurrence (`i64`, `[?]`);
    * `inverse`: for each slice of `input`, the position of its value in `values`
      (`i64`, `[input.shape[axis]]`);
    * `counts`: how many times each distinct slice occurs (`i64`, `[?]`).

    Example:

    ```mlir
    %y, %idx, %inv, %cnt = llm.unique %x {axis = 0 : i64, sorted = true}
        : tensor<6xf32> -> tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, BoolAttr:$sorted);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$indices,
                      AnyRankedTensor:$inverse, AnyRankedTensor:$counts);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($values) `,` type($indices) `,` type($inverse)
    `,` type($counts)
  }];
  let hasVerifier = 1;
}

def LLM_NonMaxSuppressionOp : LLM_InferredOp<"non_max_suppression"> {
  let summary = "greedy selection of boxes by score, dropping boxes that overlap a selected one";
  let description = [{
    For every batch `b` and class `c`, visits the boxes of `boxes[b]` in order of decreasing
    `scores[b, c]` (ties by lower index), skips those whose score is not above
    `score_threshold`, and selects a box unless its intersection over union with a box already
    selected for that class is above `iou_threshold`, until `max_output_boxes_per_class` boxes
    are selected. Returns one row `[b, c, box index]` per selected box, by batch, then class,
    then selection order (ONNX `NonMaxSuppression`).

    `boxes` is `[batches, boxes, 4]`, `scores` `[batches, classes, boxes]`; the three limits are
    scalars (one-element tensors). With `center_point_box` a box is `[x_center, y_center, width,
    height]`, otherwise two opposite corners `[y1, x1, y2, x2]` in any order.

    Example:

    ```mlir
    %s = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
        : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<i64>, tensor<f32>, tensor<f32>)
        -> tensor<?x3xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$boxes, AnyRankedTensor:$scores,
                       AnyRankedTensor:$max_output_boxes_per_class,
                       AnyRankedTensor:$iou_threshold, AnyRankedTensor:$score_threshold,
                       BoolAttr:$center_point_box);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
