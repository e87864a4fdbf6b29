//===- Model.h - llmc_model_t internals --------------------------------------===//
#ifndef LLMC_RUNTIME_SRC_MODEL_H
#define LLMC_RUNTIME_SRC_MODEL_H

#include "llmc/runtime.h"
#include "runtime/src/CodeLoader.h"
#include "runtime/src/Tokenizer.h"
#include "runtime/src/Verifier.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct llmc_model_t {
  std::atomic<uint32_t> references{1};
  llmc_allocator_t allocator{};

  // Where the artifact's bytes live: a read-only mapping of the file, a copy made with
  // `allocator`, or the caller's buffer.
  const uint8_t *data = nullptr;
  size_t size = 0;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  void *copy = nullptr;

  llmc::runtime::ModelMetadata metadata;
  bool codeLoaded = false;
  std::vector<llmc::runtime::LoadedCode> code; // one per code object; empty when not loaded
  std::vector<void *> functions;               // one per entry point, when loaded

  // A language model's tokenizer, built on first use.
  std::once_flag tokenizerOnce;
  std::unique_ptr<llmc::runtime::Tokenizer> tokenizer;
  std::string tokenizerError;
};

#endif // LLMC_RUNTIME_SRC_MODEL_H
