//===- Importer.h - GGUF language models into the llm dialect -------*- C++ -*-===//
//
// Reads a GGUF file (llama.cpp's model format) and builds the two entry points of a
// decoder-only language model in the llm dialect:
//
//   prefill(tokens: tensor<?xi32>, start: tensor<i64>, caches...) -> (logits: tensor<1xVxf32>,
//   caches...) decode(tokens: tensor<1xi32>, start: tensor<i64>, caches...) -> (logits:
//   tensor<1xVxf32>, caches...)
//
// The key and value caches of every layer are arguments marked `llmc.state`, which the runtime
// keeps between calls. Weights stay in the file's formats (f32, f16, bf16 or a ggml block
// format) as constants. The tokenizer and hyperparameters come back for the artifact.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_FRONTENDS_GGUF_IMPORTER_H
#define LLMC_FRONTENDS_GGUF_IMPORTER_H

#include "runtime/writer/ArtifactWriter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace llmc::gguf {

struct ImportOptions {
  /// The KV cache capacity in tokens; 0: the model's context length, at most kDefaultContext.
  int64_t contextLength = 0;
};

/// The cache capacity used when the model's context length is larger and none is asked for.
inline constexpr int64_t kDefaultContext = 4096;

/// Imports the GGUF file at `path`. On failure returns null and sets `error` to a message that
/// names the file and the tensor or metadata key at fault. `languageModel` receives the
/// architecture, the context length and the tokenizer.
mlir::OwningOpRef<mlir::ModuleOp> importModel(llvm::StringRef path, mlir::MLIRContext &context,
                                              const ImportOptions &options,
                                              artifact::LanguageModelSpec &languageModel,
                                              std::string &error);

} // namespace llmc::gguf

#endif // LLMC_FRONTENDS_GGUF_IMPORTER_H
