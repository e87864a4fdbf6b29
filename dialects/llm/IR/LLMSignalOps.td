//===- LLMSignalOps.td - Signal-processing ops of the llm dialect ---------===//
//
// Included by LLMOps.td, which provides LLM_Op and the interfaces. Transforms whose length is
// known at compile time are composed by the frontends of constant twiddle factors and
// `llm.matmul`; these ops carry the cases whose sizes are known only at run time.
//
//===----------------------------------------------------------------------===//

def LLM_DFTOp : LLM_Op<"dft", [Pure]> {
  let summary = "discrete Fourier transform along one axis";
  let description = [{
    `input` holds real (`[..., 1]`) or complex (`[..., 2]`, real and imaginary parts) values;
    the transform runs along `axis`, which is not the last dimension. The length `L` of the
    transform is the 0-d integer `length` when given (the signal is cut or zero-padded to it),
    otherwise the size of `axis`. The result is complex (`[..., 2]`) and has `L` entries along
    `axis`, or `L / 2 + 1` with `onesided`. `inverse` computes
    `(1 / L) * sum x[n] e^(2 pi i k n / L)` instead of `sum x[n] e^(-2 pi i k n / L)`.

    Example:

    ```mlir
    %y = llm.dft %x length(%n : tensor<i64>) {axis = 1 : i64, onesided = true}
        : tensor<4x?x1xf32> -> tensor<4x?x2xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$length,
                       I64Attr:$axis, DefaultValuedAttr<BoolAttr, "false">:$inverse,
                       DefaultValuedAttr<BoolAttr, "false">:$onesided);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`length` `(` $length^ `:` type($length) `)`)? attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def LLM_FrameOp : LLM_Op<"frame", [Pure]> {
  let summary = "split one axis into overlapping frames";
  let description = [{
    Replaces dimension `axis` of size `T` by two, `[F, L]`: frame `f` holds elements
    `f * step ... f * step + L - 1` of the axis, where `step` and `L` are the 0-d integer
    operands `frame_step` and `frame_length`, and `F = (T - L) / step + 1` frames fit (0 when
    `L > T`). The result type states the sizes known statically.

    Example:

    ```mlir
    %f = llm.frame %signal step(%hop : tensor<i64>) length(%len : tensor<i64>) {axis = 1 : i64}
        : tensor<1x16000x1xf32> -> tensor<1x?x?x1xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$frame_step,
                       AnyRankedTensor:$frame_length, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `step` `(` $frame_step `:` type($frame_step) `)` `length` `(` $frame_length `:`
    type($frame_length) `)` attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_CosineWindowOp : LLM_Op<"cosine_window", [Pure]> {
  let summary = "generalized cosine window of a length known at run time";
  let description = [{
    Element `n` of the 1-D result of length `size` (a 0-d integer tensor) is
    `sum_k coefficients[k] * cos(2 pi k n / N)`, with `N = size` when `periodic` and
    `size - 1` otherwise. Hann (`[0.5, -0.5]`), Hamming (`[25/46, -21/46]`) and Blackman
    (`[0.42, -0.5, 0.08]`) windows are instances. The result has a float element type.

    Example:

    ```mlir
    %w = llm.cosine_window %n {coefficients = array<f64: 0.5, -0.5>, periodic = true}
        : tensor<i64> -> tensor<?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$size, DenseF64ArrayAttr:$coefficients,
                       DefaultValuedAttr<BoolAttr, "true">:$periodic);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$size attr-dict `:` type($size) `->` type($result)";
  let hasVerifier = 1;
}

def LLM_MelWeightMatrixOp : LLM_Op<"mel_weight_matrix", [Pure]> {
  let summary = "triangular mel filter bank over the bins of a one-sided spectrum";
  let description = [{
    Computes ONNX `MelWeightMatrix` from 0-d operands known at run time: the result is
    `[dft_length / 2 + 1, num_mel_bins]`, and column `m` is a triangle over the spectrum bins
    between the mel-spaced frequencies `m`, `m + 1` and `m + 2` of the range
    `[lower_edge_hertz, upper_edge_hertz]` (`mel = 2595 log10(1 + hz / 700)`), rising from 0 to
    1 and falling back to 0. `num_mel_bins`, `dft_length` and `sample_rate` are integers; the
    edges are floats. The result has a float element type.

    Example:

    ```mlir
    %m = llm.mel_weight_matrix %bins, %n, %rate, %low, %high
        : (tensor<i64>, tensor<i64>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$num_mel_bins, AnyRankedTensor:$dft_length,
                       AnyRankedTensor:$sample_rate, AnyRankedTensor:$lower_edge_hertz,
                       AnyRankedTensor:$upper_edge_hertz);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}
