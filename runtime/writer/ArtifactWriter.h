//===- ArtifactWriter.h - Writes .llmc artifacts for the compiler -----------===//
//
// The compiler's side of the artifact format: describe the model in a ModelSpec and call
// writeArtifact. Plain C++17 with no LLVM, so that any producer can link it. The loader
// (runtime/src/) checks everything this writes; the file layout is in docs/runtime.md.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_RUNTIME_WRITER_ARTIFACTWRITER_H
#define LLMC_RUNTIME_WRITER_ARTIFACTWRITER_H

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::artifact {

/// Element types; the numbering is the schema's and llmc_dtype_t's.
enum class DType : uint8_t { F32, F16, BF16, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool };

/// One dim of a signature. size >= 0: static (symbol is then ignored); otherwise dynamic, with
/// an optional symbolic name: inputs sharing a symbol must agree on its size at run time.
struct Dim {
  int64_t size = -1;
  std::string symbol;
};

struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<Dim> dims;
};

/// A constant tensor; `bytes` holds its row-major data, dtype size x product(dims) bytes.
struct ConstantSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
};

/// A buffer the runtime keeps between calls and passes to entry points that name it (a KV
/// cache). It starts zero-filled; its dims are static.
struct StateSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> dims;
};

/// A function the runtime can call; the calling convention is in docs/runtime.md.
struct EntryPointSpec {
  std::string name;   // e.g. "main"
  std::string symbol; // exported symbol in the code object, e.g. "_mlir_ciface_main"
  std::vector<TensorSpec> inputs, outputs;
  std::vector<uint32_t> states;    // indices into ModelSpec::states, in argument order
  std::vector<uint32_t> constants; // indices into ModelSpec::constants, in argument order
  uint64_t scratchBytes = 0;
  uint64_t scratchAlignment = 64; // a power of two, at most 65536
  uint32_t codeObject = 0;        // index into ModelSpec::codeObjects of the exporting object
};

struct CodeObjectSpec {
  std::string format = "elf-shared-object";
  std::string triple;
  std::vector<uint8_t> bytes;
};

/// A tokenizer as GGUF's `tokenizer.ggml.*` keys describe it.
struct TokenizerSpec {
  std::string model; // "llama" (SentencePiece BPE) or "gpt2" (byte-level BPE)
  std::string pre;   // the GPT-2 pre-tokenizer's name, "" when absent
  std::vector<std::string> tokens;
  std::vector<float> scores;       // empty, or one per token
  std::vector<int32_t> tokenTypes; // empty, or one per token
  std::vector<std::string> merges; // "a b", gpt2 only
  int32_t bos = -1, eos = -1, unknown = -1, padding = -1;
  bool addBos = true;
  bool addSpacePrefix = true;
};

/// What makes a model a language model the runtime can generate text with: its prefill and
/// decode entry points, which share the KV cache states, and its tokenizer.
struct LanguageModelSpec {
  bool present = false;
  std::string architecture;         // general.architecture: "llama", "qwen2", "gpt2"
  uint32_t prefill = 0, decode = 0; // indices into ModelSpec::entryPoints
  int64_t contextLength = 0;        // the KV cache capacity in tokens
  int64_t vocabSize = 0;            // the logits' length
  TokenizerSpec tokenizer;
};

struct ModelSpec {
  std::string name, producer, triple, cpu;
  std::vector<std::string> features; // "+avx2", ...
  std::vector<EntryPointSpec> entryPoints;
  std::vector<ConstantSpec> constants;
  std::vector<CodeObjectSpec> codeObjects;
  std::vector<StateSpec> states;
  LanguageModelSpec languageModel;
};

/// Checks what the loader would refuse (sizes, indices, ranks, names), so that a compiler bug
/// is reported when the artifact is written rather than when it is loaded. Returns false and
/// sets *error (naming the entry point, tensor or constant) when `model` is not valid.
bool validateModel(const ModelSpec &model, std::string *error);

/// Serializes the artifact into memory; returns false and sets *error on failure.
bool writeArtifactToMemory(const ModelSpec &model, std::vector<uint8_t> *out, std::string *error);

/// Writes the artifact; returns false and sets *error (a message naming what failed) on failure.
/// The file appears atomically: it is written next to `path` and renamed over it.
bool writeArtifact(const ModelSpec &model, const std::string &path, std::string *error);

} // namespace llmc::artifact

#endif // LLMC_RUNTIME_WRITER_ARTIFACTWRITER_H
