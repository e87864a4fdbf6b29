//===- LLMTypes.td - Types of the llm dialect ------------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMTYPES_TD
#define LLMC_DIALECTS_LLM_IR_LLMTYPES_TD

include "dialects/llm/IR/LLMBase.td"
include "mlir/IR/AttrTypeBase.td"

class LLM_Type<string name, string typeMnemonic> : TypeDef<LLM_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def LLM_GGMLBlockType : LLM_Type<"GGMLBlock", "ggml"> {
  let summary = "an element of a block-quantized tensor in one of ggml's formats";
  let description = [{
    The element type of weights quantized the way llama.cpp's GGUF files store them: the
    innermost dimension is cut into blocks (32 elements for `q4_0` and `q8_0`, 256 for the
    k-quants `q4_k` and `q6_k`), and each block holds its scales and packed integers in ggml's
    byte layout. A tensor `tensor<N x K x !llm.ggml<q8_0>>` has `N` rows of `K` logical values;
    `K` is a multiple of the block size, and a row takes `K / block_elements * block_bytes`
    bytes. Ops read such a tensor as the f32 values its blocks decode to, so dequantization
    happens inside the kernels that consume it and the weights stay quantized in memory.

    | format | block elements | block bytes | layout |
    |--------|----------------|-------------|--------|
    | `q4_0` | 32  | 18  | f16 scale, 16 bytes of 4-bit values (low nibbles first) |
    | `q8_0` | 32  | 34  | f16 scale, 32 int8 values |
    | `q4_k` | 256 | 144 | f16 scale and min, 12 bytes of 6-bit sub-block scales and mins, 128 bytes of 4-bit values |
    | `q6_k` | 256 | 210 | 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 sub-block scales, f16 scale |

    Example:

    ```mlir
    %w = arith.constant dense_resource<blk_0_attn_q> : tensor<4096x4096x!llm.ggml<q4_0>>
    ```
  }];
  let parameters = (ins "::llmc::llm::GGMLFormat":$format);
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    /// Logical elements per block.
    int64_t getBlockElements() const;
    /// Bytes per block.
    int64_t getBlockBytes() const;
    /// Bytes of a row of `elements` logical values (a multiple of the block size).
    int64_t getRowBytes(int64_t elements) const { return elements / getBlockElements() * getBlockBytes(); }
    /// "q4_0", "q8_0", "q4_k" or "q6_k".
    ::llvm::StringRef getFormatName() const;
  }];
}

#endif // LLMC_DIALECTS_LLM_IR_LLMTYPES_TD
