//===- LLMBase.td - The llm dialect and its base op class -----------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMBASE_TD
#define LLMC_DIALECTS_LLM_IR_LLMBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LLM_Dialect : Dialect {
  let name = "llm";
  let cppNamespace = "::llmc::llm";
  let summary = "The semantic hub IR of llmc: tensors in, tensors out";
  let description = [{
    The `llm` dialect is the IR every llmc frontend produces and every backend starts from. Its
    ops are semantic (a matmul, a convolution, a normalization) rather than a mirror of any one
    exchange format, so that fusion, quantization and sparsity passes see what a model computes.

    Conventions shared by all ops:

    * Operands and results are ranked tensors. Dimensions may be dynamic (`?`); verifiers check
      what is known statically and accept what can only be checked at run time.
    * Elementwise binary ops broadcast their operands with NumPy rules.
    * Convolution and pooling use the channels-first layout `N x C x D1 x ... x Dn`.
    * Axis attributes are already normalized: non-negative and smaller than the rank.
    * Element types are checked by verifiers, not by type constraints, so quantized tensors
      (`!quant.uniform<...>` elements) and sparse tensors (`#sparse_tensor.encoding<...>`) are
      valid operands. An op that computes reads a quantized operand as its expressed (real)
      value; its result uses that expressed type unless the op says otherwise.
    * Result types may be more static than what inference derives from the operands, never
      contradict it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

// Result types come from the operands and attributes through upstream's
// InferShapedTypeOpInterface, so shape passes and frontends share one rule per op. The op's
// verifier runs the same rule: a written result type may refine the inferred one (a static dim
// where inference knows only `?`), never contradict it. InferTypeOpInterface is used only where
// inference cannot fail (SameOperandsAndResultType), because its verifier would add a second,
// vaguer error to every failing rule.
class LLM_InferredOp<string mnemonic, list<Trait> traits = []>
    : LLM_Op<mnemonic, !listconcat([Pure, InferShapedTypeOpAdaptor], traits)> {
  let hasVerifier = 1;
}

#endif // LLMC_DIALECTS_LLM_IR_LLMBASE_TD
