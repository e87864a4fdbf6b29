//===- Passes.td - Lowerings out of the llm dialect ------------------------===//
#ifndef LLMC_DIALECTS_LLM_CONVERSION_PASSES_TD
#define LLMC_DIALECTS_LLM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLLMToLinalgPass : Pass<"convert-llm-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower llm ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every llm op becomes structured ops on tensors that the CPU and GPU pipelines tile,
    vectorize and bufferize:

    * elementwise ops become one `linalg.generic` each, with broadcasting written into the
      indexing maps (no materialized broadcast);
    * `llm.matmul` and `llm.conv` become contraction `linalg.generic`s (batch broadcasting,
      groups, strides and dilations in the maps), padding a `tensor.pad`, and the conv bias the
      accumulator's initial value;
    * pooling becomes a windowed reduction; reductions, softmax and the normalizations become
      reductions followed by elementwise generics;
    * data movement becomes `linalg.transpose`, `tensor.reshape`, `tensor.concat`, and a gather
      generic that clamps every index into range, so no index in a model reads outside a
      tensor.

    An op that cannot be lowered (for example an element type the op does not compute in) is
    an error naming the op and the reason.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect", "::mlir::scf::SCFDialect"
  ];
}

#endif // LLMC_DIALECTS_LLM_CONVERSION_PASSES_TD
