//===- Compile.h - From optimized llm IR to a .llmc artifact for a CPU ------===//
#ifndef LLMC_BACKENDS_CPU_COMPILE_H
#define LLMC_BACKENDS_CPU_COMPILE_H

#include "backends/cpu/CodeObject.h"
#include "mlir/IR/BuiltinOps.h"
#include "runtime/writer/ArtifactWriter.h"

#include <string>

namespace llmc::cpu {

/// What `compile` writes to `outputPath`.
enum class EmitKind { Artifact, LLVMDialect, LLVMIR, Assembly, Object };

/// Argument and result attributes frontends set on the entry function.
inline constexpr llvm::StringLiteral kNameAttr = "llmc.name";
inline constexpr llvm::StringLiteral kDimNamesAttr = "llmc.dim_names";

struct CompileOptions {
  TargetOptions target;
  EmitKind emit = EmitKind::Artifact;
  std::string outputPath;
  std::string modelName;
  std::string producer;
  /// Set by the GGUF frontend: the tokenizer and the prefill/decode pair (matched by name).
  artifact::LanguageModelSpec languageModel;
};

/// Lowers `module` (the llm dialect after llmc-optimize, with one public entry function) for
/// the CPU target and writes what `options.emit` asks for. Errors are emitted as diagnostics
/// on the module's context, naming the op or the step that failed.
mlir::LogicalResult compile(mlir::ModuleOp module, const CompileOptions &options);

} // namespace llmc::cpu

#endif // LLMC_BACKENDS_CPU_COMPILE_H
