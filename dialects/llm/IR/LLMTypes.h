//===- LLMTypes.h - Types of the llm dialect --------------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMTYPES_H
#define LLMC_DIALECTS_LLM_IR_LLMTYPES_H

#include "dialects/llm/IR/LLMDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include <optional>

namespace llmc::llm {

/// ggml's block-quantized formats that `!llm.ggml<...>` can name. The values are ggml's type
/// numbers (`enum ggml_type`), which GGUF files store.
enum class GGMLFormat : uint32_t { Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q6_K = 14 };

/// The format named `name` ("q4_0", ...), if any.
std::optional<GGMLFormat> parseGGMLFormat(llvm::StringRef name);

} // namespace llmc::llm

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/IR/LLMTypes.h.inc"

#endif // LLMC_DIALECTS_LLM_IR_LLMTYPES_H
