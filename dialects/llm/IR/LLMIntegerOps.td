//===- LLMIntegerOps.td - Bit-level ops: shifts and bit casts --------------===//
//
// Included at the end of LLMOps.td, so it sees LLM_InferredOp and friends.
//
//===----------------------------------------------------------------------===//

class LLM_ShiftOp<string mnemonic, string formula, string beyondWidth>
    : LLM_InferredOp<mnemonic> {
  let summary = "elementwise `" # formula # "` on integers with NumPy broadcasting";
  let description = [{
    Shifts every element of `lhs` by the matching element of `rhs`, broadcasting the operands
    with NumPy rules. Both operands have the same integer element type. The shift amount is read
    as an unsigned number. }] # beyondWidth # [{

    Example:

    ```mlir
    %r = llm.}] # mnemonic # [{ %x, %n : tensor<3xui8>, tensor<3xui8> -> tensor<3xui8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasFolder = 1;
}

def LLM_ShiftLeftOp : LLM_ShiftOp<"shift_left", "lhs << rhs",
    "Bits shifted out are lost; an amount of the bit width or more gives 0.">;
def LLM_ShiftRightOp : LLM_ShiftOp<"shift_right", "lhs >> rhs",
    [{Unsigned element types shift in zeros (logical shift) and signless ones, which the llm
    dialect reads as signed, copies of the sign bit (arithmetic shift). An amount of the bit
    width or more gives 0, or -1 for a negative signed `lhs`.}]>;

def LLM_BitcastOp : LLM_Op<"bitcast", [Pure]> {
  let summary = "reinterpret the bits of every element as another element type";
  let description = [{
    Keeps the bits of every element and reads them as the result's element type, which has the
    same bit width: an integer as a float of the same width and back, a signless integer as an
    unsigned one, or a `!quant.uniform` element as its stored integer and back. The shape does
    not change. Frontends use it to reach the stored integers of a quantized tensor, and to
    build bit-exact conversions (such as truncating `f32` to `bf16`) from integer ops.

    Example:

    ```mlir
    %bits = llm.bitcast %x : tensor<4xf32> to tensor<4xi32>
    %q = llm.bitcast %stored : tensor<4x8xui8> to tensor<4x8x!quant.uniform<u8:f32, 0.05:128>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}
