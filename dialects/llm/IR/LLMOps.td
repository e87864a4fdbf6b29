//===- LLMOps.td - Operations of the llm dialect ---------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMOPS_TD
#define LLMC_DIALECTS_LLM_IR_LLMOPS_TD

include "dialects/llm/IR/LLMBase.td"
include "dialects/llm/IR/LLMTypes.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

class LLM_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : LLM_InferredOp<mnemonic, traits> {
  let summary = "elementwise `" # formula # "` with NumPy broadcasting";
  let description = [{
    Computes `}] # formula # [{` element by element. The operands broadcast with NumPy rules:
    shapes are aligned at the trailing dimension and a dimension of size 1 stretches to match
    the other operand. Both operands have the same element type, or quantized element types
    whose expressed type is that type.

    Example:

    ```mlir
    %r = llm.}] # mnemonic # [{ %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasFolder = 1;
}

def LLM_AddOp : LLM_BinaryOp<"add", "lhs + rhs", [Commutative]>;
def LLM_SubOp : LLM_BinaryOp<"sub", "lhs - rhs">;
def LLM_MulOp : LLM_BinaryOp<"mul", "lhs * rhs", [Commutative]>;
def LLM_DivOp : LLM_BinaryOp<"div", "lhs / rhs">;
def LLM_MaxOp : LLM_BinaryOp<"max", "max(lhs, rhs)", [Commutative]>;
def LLM_MinOp : LLM_BinaryOp<"min", "min(lhs, rhs)", [Commutative]>;
def LLM_PowOp : LLM_BinaryOp<"pow", "lhs ^ rhs">;

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class LLM_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : LLM_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType, InferTypeOpInterface],
                                   traits)> {
  let summary = "elementwise `" # formula # "`";
  let description = [{
    Computes `}] # formula # [{` for every element of `input`. The result has the type of the
    input.

    Example:

    ```mlir
    %y = llm.}] # mnemonic # [{ %x : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def LLM_NegOp : LLM_UnaryOp<"neg", "-x"> { let hasFolder = 1; }
def LLM_AbsOp : LLM_UnaryOp<"abs", "|x|">;
def LLM_ExpOp : LLM_UnaryOp<"exp", "e^x">;
def LLM_LogOp : LLM_UnaryOp<"log", "ln(x)">;
def LLM_SqrtOp : LLM_UnaryOp<"sqrt", "sqrt(x)"> { let hasFolder = 1; }
def LLM_RsqrtOp : LLM_UnaryOp<"rsqrt", "1 / sqrt(x)"> { let hasFolder = 1; }
def LLM_ReciprocalOp : LLM_UnaryOp<"reciprocal", "1 / x"> { let hasFolder = 1; }
def LLM_ReluOp : LLM_UnaryOp<"relu", "max(x, 0)"> { let hasFolder = 1; }
def LLM_SigmoidOp : LLM_UnaryOp<"sigmoid", "1 / (1 + e^-x)">;
def LLM_TanhOp : LLM_UnaryOp<"tanh", "tanh(x)">;
def LLM_ErfOp : LLM_UnaryOp<"erf", "erf(x)">;
def LLM_SiluOp : LLM_UnaryOp<"silu", "x / (1 + e^-x)">;

def LLM_GeluOp : LLM_Op<"gelu", [Pure, SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "elementwise GELU, `x * Phi(x)`, exact or with the tanh approximation";
  let description = [{
    Computes the Gaussian error linear unit of every element of the float tensor `input`:
    `0.5 * x * (1 + erf(x / sqrt(2)))`, or, with `tanh_approximation`, the approximation of
    GPT-2 and BERT's "gelu_new", `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
    Exporters write it out as primitives; `llm-fuse-gelu` recomposes it. On the CPU it is
    computed in f32 (erf as a rational approximation, absolute error of GELU below
    `3.5e-7 * max(1, |x|)`; the tanh form as `x / (1 + e^(-2u))`, without the cancellation of
    `1 + tanh` for large negative `x`), and a dense layer's GELU runs in its GEMM kernel's
    epilogue.

    Example:

    ```mlir
    %y = llm.gelu %x : tensor<64x1024xf32>
    %z = llm.gelu %x {tanh_approximation} : tensor<64x1024xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, UnitAttr:$tanh_approximation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def LLM_SinOp : LLM_UnaryOp<"sin", "sin(x)">;
def LLM_CosOp : LLM_UnaryOp<"cos", "cos(x)">;
def LLM_TanOp : LLM_UnaryOp<"tan", "tan(x)">;
def LLM_AsinOp : LLM_UnaryOp<"asin", "asin(x)">;
def LLM_AcosOp : LLM_UnaryOp<"acos", "acos(x)">;
def LLM_AtanOp : LLM_UnaryOp<"atan", "atan(x)">;
def LLM_SinhOp : LLM_UnaryOp<"sinh", "sinh(x)">;
def LLM_CoshOp : LLM_UnaryOp<"cosh", "cosh(x)">;
def LLM_AsinhOp : LLM_UnaryOp<"asinh", "asinh(x)">;
def LLM_AcoshOp : LLM_UnaryOp<"acosh", "acosh(x)">;
def LLM_AtanhOp : LLM_UnaryOp<"atanh", "atanh(x)">;
def LLM_FloorOp : LLM_UnaryOp<"floor", "floor(x)">;
def LLM_CeilOp : LLM_UnaryOp<"ceil", "ceil(x)">;
def LLM_RoundOp : LLM_UnaryOp<"round", "x rounded to the nearest integer, ties to even">;
def LLM_SignOp : LLM_UnaryOp<"sign", "-1, 0 or 1 by the sign of x">;
def LLM_NotOp : LLM_UnaryOp<"not", "logical not of a bool (i1) x"> { let hasFolder = 1; }

//===----------------------------------------------------------------------===//
// Comparison, logic and selection
//===----------------------------------------------------------------------===//

class LLM_CompareOp<string mnemonic, string formula> : LLM_InferredOp<mnemonic> {
  let summary = "elementwise `" # formula # "` with NumPy broadcasting, as bools";
  let description = [{
    Compares `}] # formula # [{` element by element, broadcasting the operands with NumPy rules.
    The result is a tensor of `i1`; NaN compares false except for `not_equal`.

    Example:

    ```mlir
    %m = llm.}] # mnemonic # [{ %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasFolder = 1;
}

def LLM_EqualOp : LLM_CompareOp<"equal", "lhs == rhs">;
def LLM_NotEqualOp : LLM_CompareOp<"not_equal", "lhs != rhs">;
def LLM_LessOp : LLM_CompareOp<"less", "lhs < rhs">;
def LLM_LessEqualOp : LLM_CompareOp<"less_equal", "lhs <= rhs">;
def LLM_GreaterOp : LLM_CompareOp<"greater", "lhs > rhs">;
def LLM_GreaterEqualOp : LLM_CompareOp<"greater_equal", "lhs >= rhs">;

def LLM_AndOp : LLM_BinaryOp<"and", "lhs and rhs (bools or integer bits)", [Commutative]>;
def LLM_OrOp : LLM_BinaryOp<"or", "lhs or rhs (bools or integer bits)", [Commutative]>;
def LLM_XorOp : LLM_BinaryOp<"xor", "lhs xor rhs (bools or integer bits)", [Commutative]>;

def LLM_SelectOp : LLM_InferredOp<"select"> {
  let summary = "elementwise choice between two tensors by a bool tensor";
  let description = [{
    Takes `on_true` where `condition` (an `i1` tensor) is true and `on_false` elsewhere; the
    three operands broadcast together with NumPy rules (ONNX `Where`).

    Example:

    ```mlir
    %r = llm.select %c, %a, %b : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$condition, AnyRankedTensor:$on_true,
                       AnyRankedTensor:$on_false);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,` type($on_true) `,`
    type($on_false) `->` type($result)
  }];
}

def LLM_ClampOp : LLM_Op<"clamp", [Pure, SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "elementwise clamp into `[min, max]`";
  let description = [{
    Limits every element of `input` to the closed range `[min, max]`. The bounds are given as
    f64 and compared in the input's element type.

    Example:

    ```mlir
    %y = llm.clamp %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, F64Attr:$min, F64Attr:$max);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def LLM_CastOp : LLM_Op<"cast", [Pure]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Converts every element to the result's element type: floats round to nearest even,
    float-to-integer conversion truncates toward zero, and integer-to-bool tests for non-zero.
    The shape does not change. Quantized types are converted with `llm.quantize` and
    `llm.dequantize`, which know their scales.

    Example:

    ```mlir
    %y = llm.cast %x : tensor<4x8xf32> to tensor<4x8xf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def LLM_QuantizeOp : LLM_Op<"quantize", [Pure]> {
  let summary = "quantize real values into a `!quant.uniform` tensor";
  let description = [{
    Maps every real value `x` of `input` to `clamp(round(x / scale) + zero_point)` in the
    storage type of the result's `!quant.uniform` element type. Per-axis types quantize along
    their quantized dimension. The result's expressed type is the input's element type.

    Example:

    ```mlir
    %q = llm.quantize %x : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.05:-3>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def LLM_DequantizeOp : LLM_InferredOp<"dequantize"> {
  let summary = "expand a `!quant.uniform` tensor into its real values";
  let description = [{
    Maps every stored value `q` to `(q - zero_point) * scale` in the expressed type of the
    input's quantized element type.

    Example:

    ```mlir
    %x = llm.dequantize %q : tensor<4x8x!quant.uniform<i8:f32, 0.05:-3>> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Contractions and windows
//===----------------------------------------------------------------------===//

def LLM_MatmulOp : LLM_InferredOp<"matmul"> {
  let summary = "batched matrix product with broadcast batch dimensions";
  let description = [{
    Multiplies the matrices held in the two innermost dimensions: `lhs` is `[..., M, K]`, `rhs`
    is `[..., K, N]` and the result is `[..., M, N]`. The leading (batch) dimensions broadcast
    with NumPy rules. Both operands have rank 2 or more; frontends reshape vectors first.

    A quantized or sparse operand is read as its real values, so that a weight stored as
    `!quant.uniform<i8:f32, ...>` or with a `#sparse_tensor.encoding` multiplies an f32
    activation directly.

    Example:

    ```mlir
    %c = llm.matmul %a, %b : tensor<4x16x32xf32>, tensor<32x8xf32> -> tensor<4x16x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def LLM_ConvOp : LLM_InferredOp<"conv"> {
  let summary = "N-dimensional grouped convolution, channels first";
  let description = [{
    Convolves `input` (`[N, C, D1, ..., Dn]`) with `weight` (`[F, C / groups, K1, ..., Kn]`)
    and adds the optional `bias` (`[F]`). `strides` and `dilations` have one entry per spatial
    dimension; `pads` has the begin pads of every spatial dimension followed by the end pads,
    as in ONNX. Output spatial size `i` is
    `floor((Di + pad_begin_i + pad_end_i - dilation_i * (Ki - 1) - 1) / stride_i) + 1`.

    Example:

    ```mlir
    %y = llm.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
                              pads = array<i64: 3, 3, 3, 3>, groups = 1 : i64}
        : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$groups);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

class LLM_PoolOp<string mnemonic, string combine, dag extraArguments, string extraDoc,
                 string example>
    : LLM_InferredOp<mnemonic> {
  let summary = "N-dimensional " # combine # " pooling, channels first";
  let description = [{
    Slides a window of size `kernel` over the spatial dimensions of `input`
    (`[N, C, D1, ..., Dn]`) and takes the }] # combine # [{ of each window. `strides`, `dilations`
    and `kernel` have one entry per spatial dimension; `pads` has the begin pads followed by the
    end pads. Output size `i` is `(Di + pads - dilation_i * (kernel_i - 1) - 1) / stride_i + 1`,
    rounded down, or up with `ceil_mode`; with `ceil_mode` a last window that would start in
    the end padding is dropped. }] # extraDoc # [{

    Example:

    ```mlir
    }] # example # [{
    ```
  }];
  let arguments = !con((ins AnyRankedTensor:$input, DenseI64ArrayAttr:$kernel,
                            DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                            DenseI64ArrayAttr:$pads,
                            DefaultValuedAttr<BoolAttr, "false">:$ceil_mode),
                       extraArguments);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def LLM_MaxPoolOp : LLM_PoolOp<"max_pool", "maximum", (ins),
    "Padding never wins the maximum.",
    [{%y = llm.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                           dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
        : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>}]>;

def LLM_AvgPoolOp : LLM_PoolOp<"avg_pool", "average",
    (ins DefaultValuedAttr<BoolAttr, "false">:$count_include_pad),
    "The divisor counts padded positions only with `count_include_pad`.",
    [{%y = llm.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                           dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
        : tensor<1x64x56x56xf32> -> tensor<1x64x28x28xf32>}]>;

//===----------------------------------------------------------------------===//
// Reductions and softmax
//===----------------------------------------------------------------------===//

class LLM_ReduceOp<string mnemonic, string combine>
    : LLM_InferredOp<mnemonic> {
  let summary = "reduce dimensions by their " # combine;
  let description = [{
    Reduces the dimensions listed in `axes` (strictly increasing, each smaller than the rank)
    by their }] # combine # [{. With `keep_dims` the reduced dimensions stay as size 1,
    otherwise they are removed. An empty `axes` reduces nothing.

    Example:

    ```mlir
    %r = llm.}] # mnemonic # [{ %x {axes = array<i64: 1>, keep_dims = true}
        : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keep_dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def LLM_ReduceSumOp : LLM_ReduceOp<"reduce_sum", "sum">;
def LLM_ReduceMeanOp : LLM_ReduceOp<"reduce_mean", "mean">;
def LLM_ReduceMaxOp : LLM_ReduceOp<"reduce_max", "maximum">;
def LLM_ReduceMinOp : LLM_ReduceOp<"reduce_min", "minimum">;
def LLM_ReduceProdOp : LLM_ReduceOp<"reduce_prod", "product">;

class LLM_SoftmaxOp<string mnemonic, string formula>
    : LLM_Op<mnemonic, [Pure, SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "`" # formula # "` along one axis";
  let description = [{
    Computes `}] # formula # [{` along `axis`, in a numerically stable way (the maximum along
    the axis is subtracted first).

    Example:

    ```mlir
    %p = llm.}] # mnemonic # [{ %logits {axis = 1 : i64} : tensor<8x1000xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def LLM_SoftmaxOp : LLM_SoftmaxOp<"softmax", "exp(x) / sum(exp(x))">;
def LLM_LogSoftmaxOp : LLM_SoftmaxOp<"log_softmax", "x - log(sum(exp(x)))">;

class LLM_ArgOp<string mnemonic, string extreme> : LLM_InferredOp<mnemonic> {
  let summary = "index of the " # extreme # " along one axis";
  let description = [{
    Returns, as `i64`, the position of the }] # extreme # [{ along `axis`: the first one, or
    with `select_last_index` the last one. With `keep_dims` the axis stays as size 1.

    Example:

    ```mlir
    %i = llm.}] # mnemonic # [{ %x {axis = 1 : i64, keep_dims = true}
        : tensor<3x4xf32> -> tensor<3x1xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$keep_dims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def LLM_ArgMaxOp : LLM_ArgOp<"argmax", "maximum">;
def LLM_ArgMinOp : LLM_ArgOp<"argmin", "minimum">;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def LLM_TransposeOp : LLM_InferredOp<"transpose"> {
  let summary = "permute dimensions";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`.

    Example:

    ```mlir
    %t = llm.transpose %x {permutation = array<i64: 0, 2, 1>}
        : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def LLM_ReshapeOp : LLM_Op<"reshape", [Pure]> {
  let summary = "reinterpret the elements, in row-major order, with a new shape";
  let description = [{
    Keeps the elements and their row-major order and gives them the result's shape.

    Without `shape`, the result type is the target shape. It may have one dynamic dimension,
    which is the element count divided by the product of the static ones (as `-1` in ONNX
    `Reshape`).

    With `shape`, a 1-D integer tensor whose length is the result rank, the target is known only
    at run time, with ONNX's rules: an entry of `0` copies the input's dimension at that
    position, and one entry of `-1` is derived from the element count; with `allow_zero` an
    entry of `0` is a size of 0 instead. A shape that does not hold the input's elements is an
    error reported at run time. The result type says what is known statically.

    Example:

    ```mlir
    %r = llm.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
    %s = llm.reshape %x(%shape : tensor<3xi64>) : tensor<2x3x4xf32> -> tensor<?x?x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$shape, UnitAttr:$allow_zero);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`(` $shape^ `:` type($shape) `)`)? attr-dict `:` type($input) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input), [{
      build($_builder, $_state, result, input, ::mlir::Value());
    }]>
  ];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def LLM_SliceOp : LLM_InferredOp<"slice"> {
  let summary = "take every `step`-th element of a range of each dimension";
  let description = [{
    Dimension `i` of the result holds input elements `starts[i]`, `starts[i] + steps[i]`, ...
    up to but excluding `ends[i]`, with one entry per input dimension. Steps may be negative
    (ranges then run downward). The bounds are already normalized and clamped, as ONNX
    `Slice` defines them: for a positive step `0 <= start <= end <= size`, for a negative one
    `-1 <= end <= start <= size - 1`.

    Example:

    ```mlir
    %s = llm.slice %x {starts = array<i64: 0, 3>, ends = array<i64: 2, -1>, steps = array<i64: 1, -1>}
        : tensor<4x5xf32> -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def LLM_BroadcastToOp : LLM_Op<"broadcast_to", [Pure]> {
  let summary = "broadcast a tensor to a shape known at run time";
  let description = [{
    Broadcasts `input` and the shape held in `shape` (a 1-D integer tensor) against each other
    with NumPy rules, as ONNX `Expand` does: the result has rank `max(rank(input), len(shape))`
    and, per dimension, the size that is not 1. The result type says which sizes are known
    statically.

    Example:

    ```mlir
    %b = llm.broadcast_to %x(%shape : tensor<3xi64>) : tensor<1x4xf32> -> tensor<?x?x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$shape);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `(` $shape `:` type($shape) `)` attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_ConcatOp : LLM_InferredOp<"concat"> {
  let summary = "join tensors along one axis";
  let description = [{
    Joins the inputs along `axis`. All inputs have the same rank and element type, and the
    same size in every other dimension.

    Example:

    ```mlir
    %c = llm.concat %a, %b {axis = 0 : i64}
        : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasFolder = 1;
}

def LLM_GatherOp : LLM_InferredOp<"gather"> {
  let summary = "select slices along one axis by index";
  let description = [{
    Picks, for every element of the integer tensor `indices`, the slice of `data` at that index
    along `axis`. The result shape is `data.shape[:axis] + indices.shape + data.shape[axis+1:]`.
    Negative indices count from the end of the axis, as in ONNX.

    Example:

    ```mlir
    %e = llm.gather %table[%ids] {axis = 0 : i64}
        : (tensor<32000x4096xf32>, tensor<1x7xi64>) -> tensor<1x7x4096xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

def LLM_GatherElementsOp : LLM_InferredOp<"gather_elements"> {
  let summary = "pick one element of `data` per element of `indices` along one axis";
  let description = [{
    `indices` has the rank of `data`; the result has the shape of `indices`, and its element at
    position `p` is `data[p with p[axis] replaced by indices[p]]` (ONNX `GatherElements`).
    Negative indices count from the end; other indices out of range are clamped, so they read a
    wrong element but never outside `data`.

    Example:

    ```mlir
    %g = llm.gather_elements %data[%idx] {axis = 1 : i64}
        : (tensor<3x5xf32>, tensor<3x1xi64>) -> tensor<3x1xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def LLM_BatchNormOp : LLM_InferredOp<"batch_norm"> {
  let summary = "inference-mode batch normalization over the channel dimension";
  let description = [{
    Normalizes `input` (`[N, C, ...]`) per channel with running statistics:
    `(x - mean[c]) / sqrt(variance[c] + epsilon) * scale[c] + bias[c]`. The four parameters
    are vectors of length `C`. `llm-decompose-batch-norm` turns it into one multiply and one add
    once the parameters are constants.

    Example:

    ```mlir
    %y = llm.batch_norm %x, %scale, %bias, %mean, %var {epsilon = 1.0e-05 : f64}
        : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>,
           tensor<64xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale, AnyRankedTensor:$bias,
                       AnyRankedTensor:$mean, AnyRankedTensor:$variance, F64Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def LLM_LayerNormOp : LLM_InferredOp<"layer_norm"> {
  let summary = "layer normalization over the trailing dimensions";
  let description = [{
    Normalizes over dimensions `[axis, rank)`: `(x - mean) / sqrt(var + epsilon) * scale + bias`,
    where mean and variance are taken over those dimensions. `scale` and the optional `bias`
    have the shape of those trailing dimensions.

    Example:

    ```mlir
    %y = llm.layer_norm %x, %gamma, %beta {axis = 2 : i64, epsilon = 1.0e-05 : f64}
        : (tensor<1x128x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<1x128x768xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Optional<AnyRankedTensor>:$bias, I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def LLM_RmsNormOp : LLM_InferredOp<"rms_norm"> {
  let summary = "root-mean-square normalization over the trailing dimensions";
  let description = [{
    Computes `x / sqrt(mean(x^2) + epsilon) * scale` with the mean taken over dimensions
    `[axis, rank)`, as in llama-family models. `scale` has the shape of those dimensions.

    Example:

    ```mlir
    %y = llm.rms_norm %x, %w {axis = 2 : i64, epsilon = 1.0e-06 : f64}
        : (tensor<1x7x4096xf32>, tensor<4096xf32>) -> tensor<1x7x4096xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale, I64Attr:$axis,
                       F64Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Op families in their own files
//===----------------------------------------------------------------------===//

include "dialects/llm/IR/LLMDynamicShapeOps.td"
include "dialects/llm/IR/LLMIntegerOps.td"
include "dialects/llm/IR/LLMIndexingOps.td"
include "dialects/llm/IR/LLMDataDependentOps.td"
include "dialects/llm/IR/LLMImageOps.td"
include "dialects/llm/IR/LLMSignalOps.td"
include "dialects/llm/IR/LLMLanguageModelOps.td"

#endif // LLMC_DIALECTS_LLM_IR_LLMOPS_TD
