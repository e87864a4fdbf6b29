//===- Verifier.h - Checks an artifact before anything reads or runs it ------===//
#ifndef LLMC_RUNTIME_SRC_VERIFIER_H
#define LLMC_RUNTIME_SRC_VERIFIER_H

#include "llmc/runtime.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace llmc::runtime {

/// Limits beyond which an artifact is refused rather than trusted.
inline constexpr size_t kMaxArguments = 8192; // per entry point, on the native stack
inline constexpr uint64_t kMaxScratchAlignment = 65536;

/// The metadata of a verified artifact. Strings point into the artifact, are NUL-terminated and
/// never NULL.
struct TensorSignature {
  const char *name;
  llmc_dtype_t dtype;
  std::vector<int64_t> dims;         // -1: dynamic
  std::vector<const char *> symbols; // one per dim, "" when none
};

struct EntryPoint {
  const char *name;
  const char *symbol;
  uint32_t codeObject;
  std::vector<TensorSignature> inputs, outputs;
  std::vector<uint32_t> constants;
  std::vector<uint32_t> states; // indices into ModelMetadata::states, in argument order
  uint64_t scratchBytes;
  uint64_t scratchAlignment;
  size_t resultWords; // 8-byte words of the output descriptors
};

struct Constant {
  const char *name;
  llmc_dtype_t dtype;
  std::vector<int64_t> dims;
  uint64_t offset, size;
  const uint8_t *data;
};

/// A buffer the runtime keeps between calls (a KV cache).
struct State {
  const char *name;
  llmc_dtype_t dtype;
  std::vector<int64_t> dims;
  uint64_t bytes;
};

/// The tokenizer of a language model; views into the artifact.
struct TokenizerMetadata {
  const char *model = ""; // "llama" or "gpt2"
  const char *pre = "";
  std::vector<std::string_view> tokens;
  std::vector<float> scores;
  std::vector<int32_t> tokenTypes;
  std::vector<std::string_view> merges;
  int32_t bos = -1, eos = -1, unknown = -1, padding = -1;
  bool addBos = false, addSpacePrefix = false;
};

/// The artifact's language model: prefill/decode entry points with their checked signatures.
struct LanguageModelMetadata {
  bool present = false;
  const char *architecture = "";
  uint32_t prefill = 0, decode = 0;
  int64_t contextLength = 0, vocabSize = 0;
  TokenizerMetadata tokenizer;
};

struct CodeObject {
  const char *format;
  const char *triple;
  uint64_t offset, size;
  const uint8_t *data;
};

struct ModelMetadata {
  uint32_t formatVersion = 0;
  const char *name = "";
  const char *producer = "";
  const char *triple = "";
  const char *cpu = "";
  std::vector<const char *> features;
  std::vector<EntryPoint> entryPoints;
  std::vector<Constant> constants;
  std::vector<CodeObject> codeObjects;
  std::vector<State> states;
  LanguageModelMetadata languageModel;
  uint64_t fileSize = 0;
  uint64_t constantBytes = 0;
};

/// Verifies the `size` bytes at `data` (8-byte aligned) in order: the header (magic, version,
/// sizes, so that every truncation is refused), the checksum, the flatbuffer's structure with
/// the generated verifier, then the meaning of every field (offsets and sizes inside the file,
/// alignments, indices inside their tables, dims, ranks, dtypes, names). On success fills
/// `out`; on failure returns a status naming the field and its values. Nothing here depends on
/// the machine, so an artifact for another target verifies the same.
llmc_status_t verifyArtifact(const uint8_t *data, size_t size, ModelMetadata *out);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_VERIFIER_H
