//===- LLMImageOps.td - Resampling ops of the llm dialect -----------------===//
//
// Included by LLMOps.td, which provides LLM_Op and the interfaces.
//
//===----------------------------------------------------------------------===//

def LLM_ResizeOp : LLM_Op<"resize", [Pure, AttrSizedOperandSegments]> {
  let summary = "resample some axes of a tensor by interpolation";
  let description = [{
    Resamples the axes listed in `axes` (strictly increasing); the other axes are copied. Each
    resized axis has one entry in `scales` (a 1-D float tensor) and/or `sizes` (a 1-D integer
    tensor), both known only at run time in general:

    * the output size is `sizes[i]`, or `floor(input_size * scales[i])` without `sizes`;
    * the scale that maps output coordinates back to input ones is `scales[i]`, or
      `output_size / input_size` without `scales`.

    Static result dimensions state what the frontend already knows; dynamic ones are computed
    at run time. Each output index `x` of a resized axis maps to an input coordinate by
    `coordinate_mode`, as in ONNX `Resize`: `half_pixel` (`(x + 0.5) / scale - 0.5`),
    `half_pixel_symmetric`, `pytorch_half_pixel`, `align_corners`, `asymmetric` (`x / scale`),
    `tf_half_pixel_for_nn` or `tf_crop_and_resize` (which reads `roi`, the region's starts
    then ends as fractions of each resized axis, and writes `extrapolation_value` where the
    coordinate falls outside the input).

    `mode` interpolates between input elements: `nearest` rounds the coordinate by
    `nearest_mode` (`round_prefer_floor`, `round_prefer_ceil`, `floor`, `ceil`, or `simple`:
    floor when the axis grows and ceil when it shrinks, as ONNX Upsample did), `linear`
    weighs the 2 neighbours of every resized axis, and `cubic` the 4 neighbours with Keys'
    kernel of parameter `cubic_coeff_a`. Neighbours outside the input repeat the edge, or with
    `exclude_outside` get weight 0 (the other weights then sum to 1 again).

    Example:

    ```mlir
    %y = llm.resize %x scales(%s : tensor<2xf32>)
        {axes = array<i64: 2, 3>, mode = "linear", coordinate_mode = "half_pixel"}
        : tensor<1x3x32x32xf32> -> tensor<1x3x64x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$scales,
                       Optional<AnyRankedTensor>:$sizes, Optional<AnyRankedTensor>:$roi,
                       DenseI64ArrayAttr:$axes,
                       DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                       DefaultValuedStrAttr<StrAttr, "half_pixel">:$coordinate_mode,
                       DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                       DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`scales` `(` $scales^ `:` type($scales) `)`)? (`sizes` `(` $sizes^ `:` type($sizes) `)`)?
    (`roi` `(` $roi^ `:` type($roi) `)`)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_GridSampleOp : LLM_InferredOp<"grid_sample"> {
  let summary = "sample a tensor at the positions of a grid, channels first";
  let description = [{
    For `input` `[N, C, D1, ..., Dk]` and `grid` `[N, O1, ..., Ok, k]`, result element
    `[n, c, o1, ..., ok]` samples `input[n, c]` at the position held in `grid[n, o1, ..., ok]`,
    whose k coordinates run from the last spatial axis to the first (x, then y, ...) and are
    normalized to `[-1, 1]`: the centers of the corner elements with `align_corners`, their
    outer edges otherwise (ONNX `GridSample`).

    `mode` is `nearest` (round half to even), `linear` (2 neighbours per axis) or `cubic`
    (4 neighbours per axis, Keys' kernel with a = -0.75). `padding_mode` says what lies outside
    the input: `zeros`, `border` (the coordinate is clamped to the edge) or `reflection` (the
    coordinate is reflected at the borders).

    Example:

    ```mlir
    %y = llm.grid_sample %x, %grid {mode = "linear", padding_mode = "zeros"}
        : (tensor<1x3x32x32xf32>, tensor<1x16x16x2xf32>) -> tensor<1x3x16x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$grid,
                       DefaultValuedStrAttr<StrAttr, "linear">:$mode,
                       DefaultValuedStrAttr<StrAttr, "zeros">:$padding_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$align_corners);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def LLM_RoiAlignOp : LLM_InferredOp<"roi_align"> {
  let summary = "pool regions of interest to a fixed size by bilinear sampling";
  let description = [{
    For `input` `[N, C, H, W]`, `rois` `[R, 4]` (boxes `x1, y1, x2, y2` in input coordinates
    before `spatial_scale`) and `batch_indices` `[R]` (the image of each box), the result
    `[R, C, output_height, output_width]` divides every box into bins and pools each bin over
    a grid of bilinear samples: `sampling_ratio` samples per bin and axis, or
    `ceil(bin size)` of them when it is 0. `mode` is `avg` or `max`. With `half_pixel` the
    box is shifted by half a pixel (ONNX `coordinate_transformation_mode = half_pixel`);
    without it boxes are at least 1x1 (`output_half_pixel`, opset 10). Batch indices outside
    `[0, N)` are clamped, and the adaptive grid has at most `2 * size + 2` samples per axis so
    that a hostile box cannot stall the model.

    Example:

    ```mlir
    %y = llm.roi_align %x, %rois, %batch {mode = "avg", output_height = 7 : i64,
                                          output_width = 7 : i64, sampling_ratio = 2 : i64,
                                          spatial_scale = 0.0625 : f64, half_pixel = true}
        : (tensor<1x256x50x50xf32>, tensor<100x4xf32>, tensor<100xi64>) -> tensor<100x256x7x7xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$rois,
                       AnyRankedTensor:$batch_indices,
                       DefaultValuedStrAttr<StrAttr, "avg">:$mode,
                       I64Attr:$output_height, I64Attr:$output_width,
                       DefaultValuedAttr<I64Attr, "0">:$sampling_ratio,
                       DefaultValuedAttr<F64Attr, "1.0">:$spatial_scale,
                       DefaultValuedAttr<BoolAttr, "true">:$half_pixel);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
