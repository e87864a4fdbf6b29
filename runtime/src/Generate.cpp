//===- Generate.cpp - Tokenizer access and text generation (C API) ----------===//
//
// A generator drives a language model artifact: it owns the KV cache states, calls `prefill`
// on a prompt and `decode` on each new token, and samples from the logits. The model's
// computation is all in the compiled entry points; this file only sequences calls.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/Allocator.h"
#include "runtime/src/Executor.h"
#include "runtime/src/Model.h"
#include "runtime/src/Run.h"
#include "runtime/src/Sampler.h"
#include "runtime/src/Status.h"
#include "runtime/src/Tokenizer.h"

#include <chrono>
#include <cstring>
#include <mutex>

using namespace llmc::runtime;

struct llmc_generator_t {
  llmc_model_t *model = nullptr;
  llmc_allocator_t allocator{};
  llmc_executor_t *executor = nullptr;
  bool ownsExecutor = false;
  bool ignoreEos = false;
  llmc_sampling_options_t sampling{};
  std::unique_ptr<Sampler> sampler;
  std::vector<void *> states; // in the prefill entry point's argument order
  std::vector<float> logits;
  bool haveLogits = false;
  size_t position = 0;
};

namespace {

llmc_status_t notLanguageModel(const llmc_model_t *model, const char *function) {
  return makeStatus(LLMC_STATUS_NOT_FOUND,
                    "%s: model '%s' is not a language model (compile a GGUF file to get one)",
                    function, model->metadata.name);
}

/// The model's tokenizer, built on first use.
llmc_status_t tokenizerOf(const llmc_model_t *model, const Tokenizer **out) {
  llmc_model_t *mutableModel = const_cast<llmc_model_t *>(model);
  std::call_once(mutableModel->tokenizerOnce, [&] {
    const TokenizerMetadata &metadata = model->metadata.languageModel.tokenizer;
    TokenizerData data;
    data.kind = std::strcmp(metadata.model, "gpt2") == 0 ? TokenizerKind::BytePairGPT2
                                                         : TokenizerKind::SentencePiece;
    data.tokens = metadata.tokens;
    data.scores = metadata.scores;
    data.tokenTypes = metadata.tokenTypes;
    data.merges = metadata.merges;
    data.bos = metadata.bos;
    data.eos = metadata.eos;
    data.unknown = metadata.unknown;
    data.addBos = metadata.addBos && metadata.bos >= 0;
    data.addSpacePrefix = metadata.addSpacePrefix;
    llmc_status_t status = Tokenizer::create(data, &mutableModel->tokenizer);
    if (status) {
      mutableModel->tokenizerError = llmc_status_message(status);
      llmc_status_free(status);
    }
  });
  if (!model->tokenizer)
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT, "model '%s': its tokenizer is invalid: %s",
                      model->metadata.name, model->tokenizerError.c_str());
  *out = model->tokenizer.get();
  return nullptr;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

extern "C" llmc_status_t llmc_model_language_model_info(const llmc_model_t *model,
                                                        llmc_language_model_info_t *out_info) {
  if (!model || !out_info)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_model_language_model_info: model or out_info is NULL");
  const LanguageModelMetadata &lm = model->metadata.languageModel;
  if (!lm.present)
    return notLanguageModel(model, "llmc_model_language_model_info");
  out_info->architecture = lm.architecture;
  out_info->tokenizer_model = lm.tokenizer.model;
  out_info->context_length = lm.contextLength;
  out_info->vocab_size = lm.vocabSize;
  out_info->bos = lm.tokenizer.bos;
  out_info->eos = lm.tokenizer.eos;
  out_info->add_bos = lm.tokenizer.addBos && lm.tokenizer.bos >= 0;
  return nullptr;
}

extern "C" llmc_status_t llmc_tokenize(const llmc_model_t *model, const char *text, size_t length,
                                       bool add_bos, int32_t *out_ids, size_t capacity,
                                       size_t *out_count) {
  if (!model || (!text && length) || !out_count || (!out_ids && capacity))
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_tokenize: a required pointer is NULL");
  if (!model->metadata.languageModel.present)
    return notLanguageModel(model, "llmc_tokenize");
  const Tokenizer *tokenizer;
  LLMC_RETURN_IF_ERROR(tokenizerOf(model, &tokenizer));
  std::vector<int32_t> ids;
  tokenizer->encode(std::string_view(text ? text : "", length), add_bos && tokenizer->bos() >= 0,
                    &ids);
  *out_count = ids.size();
  if (ids.size() > capacity)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_tokenize: the text needs %zu ids, but capacity is %zu", ids.size(),
                      capacity);
  if (!ids.empty())
    std::memcpy(out_ids, ids.data(), ids.size() * sizeof(int32_t));
  return nullptr;
}

extern "C" llmc_status_t llmc_token_piece(const llmc_model_t *model, int32_t id, char *out,
                                          size_t capacity, size_t *out_length) {
  if (!model || !out_length || (!out && capacity))
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_token_piece: a required pointer is NULL");
  if (!model->metadata.languageModel.present)
    return notLanguageModel(model, "llmc_token_piece");
  const Tokenizer *tokenizer;
  LLMC_RETURN_IF_ERROR(tokenizerOf(model, &tokenizer));
  if (id < 0 || size_t(id) >= tokenizer->vocabSize())
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_token_piece: id %d is not a token id below %zu", id,
                      tokenizer->vocabSize());
  std::string piece = tokenizer->piece(id);
  *out_length = piece.size();
  if (piece.size() > capacity)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_token_piece: token %d needs %zu bytes, but capacity is %zu", id,
                      piece.size(), capacity);
  if (!piece.empty())
    std::memcpy(out, piece.data(), piece.size());
  return nullptr;
}

extern "C" void llmc_sampling_options_initialize(llmc_sampling_options_t *options) {
  options->temperature = 0.8f;
  options->top_k = 40;
  options->top_p = 0.95f;
  options->seed = 0;
}

extern "C" void llmc_generator_options_initialize(llmc_generator_options_t *options) {
  std::memset(options, 0, sizeof(*options));
  llmc_sampling_options_initialize(&options->sampling);
}

static SamplerOptions samplerOptions(const llmc_sampling_options_t &sampling) {
  SamplerOptions options;
  options.temperature = sampling.temperature;
  options.topK = sampling.top_k;
  options.topP = sampling.top_p;
  options.seed = sampling.seed;
  return options;
}

extern "C" llmc_status_t llmc_generator_create(llmc_model_t *model,
                                               const llmc_generator_options_t *options,
                                               llmc_generator_t **out_generator) {
  if (out_generator)
    *out_generator = nullptr;
  if (!model || !out_generator)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_generator_create: model or out_generator is NULL");
  const ModelMetadata &metadata = model->metadata;
  if (!metadata.languageModel.present)
    return notLanguageModel(model, "llmc_generator_create");
  if (!model->codeLoaded)
    return makeStatus(LLMC_STATUS_FAILED_PRECONDITION,
                      "llmc_generator_create: model '%s' was loaded without its code",
                      metadata.name);
  llmc_generator_options_t resolved;
  llmc_generator_options_initialize(&resolved);
  if (options)
    resolved = *options;
  if (!(resolved.sampling.top_p > 0.0f) || resolved.sampling.top_p > 1.0f ||
      resolved.sampling.top_k < 0 || resolved.sampling.temperature != resolved.sampling.temperature)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_generator_create: sampling needs top_p in (0, 1], top_k >= 0 and a "
                      "temperature that is a number");
  const Tokenizer *tokenizer;
  LLMC_RETURN_IF_ERROR(tokenizerOf(model, &tokenizer));
  (void)tokenizer;

  auto generator = std::make_unique<llmc_generator_t>();
  generator->allocator = resolveAllocator(&resolved.allocator);
  generator->ignoreEos = resolved.ignore_eos;
  generator->sampling = resolved.sampling;
  generator->sampler = std::make_unique<Sampler>(samplerOptions(resolved.sampling));
  generator->executor = resolved.executor;
  if (!generator->executor) {
    size_t threads = resolved.thread_count ? resolved.thread_count : onlineCpuCount();
    LLMC_RETURN_IF_ERROR(llmc_executor_create(threads, &generator->executor));
    generator->ownsExecutor = true;
  }
  const EntryPoint &prefill = metadata.entryPoints[metadata.languageModel.prefill];
  for (uint32_t index : prefill.states) {
    const State &state = metadata.states[index];
    void *buffer = allocate(generator->allocator, size_t(state.bytes), 64);
    if (!buffer) {
      llmc_generator_release(generator.release());
      return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED,
                        "llmc_generator_create: cannot allocate %llu bytes for state '%s'",
                        (unsigned long long)state.bytes, state.name);
    }
    std::memset(buffer, 0, size_t(state.bytes));
    generator->states.push_back(buffer);
  }
  generator->logits.assign(size_t(metadata.languageModel.vocabSize), 0.0f);
  llmc_model_retain(model);
  generator->model = model;
  *out_generator = generator.release();
  return nullptr;
}

extern "C" void llmc_generator_release(llmc_generator_t *generator) {
  if (!generator)
    return;
  for (void *buffer : generator->states)
    deallocate(generator->allocator, buffer);
  if (generator->ownsExecutor)
    llmc_executor_release(generator->executor);
  llmc_model_release(generator->model);
  delete generator;
}

extern "C" void llmc_generator_reset(llmc_generator_t *generator) {
  if (!generator)
    return;
  generator->position = 0;
  generator->haveLogits = false;
  generator->sampler = std::make_unique<Sampler>(samplerOptions(generator->sampling));
}

extern "C" size_t llmc_generator_position(const llmc_generator_t *generator) {
  return generator ? generator->position : 0;
}

extern "C" llmc_status_t llmc_generator_feed(llmc_generator_t *generator, const int32_t *ids,
                                             size_t count) {
  if (!generator || (!ids && count))
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_generator_feed: a pointer is NULL");
  if (count == 0)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_generator_feed: no tokens to feed");
  const LanguageModelMetadata &lm = generator->model->metadata.languageModel;
  for (size_t i = 0; i < count; ++i)
    if (ids[i] < 0 || ids[i] >= lm.vocabSize)
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                        "llmc_generator_feed: token %zu is id %d, not an id below the vocabulary "
                        "size %lld",
                        i, ids[i], (long long)lm.vocabSize);
  if (count > size_t(lm.contextLength) - generator->position)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_generator_feed: %zu tokens after %zu do not fit in the context of "
                      "%lld tokens",
                      count, generator->position, (long long)lm.contextLength);
  int64_t tokenDims[1] = {int64_t(count)};
  int64_t start = int64_t(generator->position);
  llmc_tensor_t *tokens = nullptr, *startTensor = nullptr;
  LLMC_RETURN_IF_ERROR(llmc_tensor_wrap(LLMC_DTYPE_I32, 1, tokenDims, const_cast<int32_t *>(ids),
                                        count * sizeof(int32_t), &tokens));
  llmc_status_t status =
      llmc_tensor_wrap(LLMC_DTYPE_I64, 0, nullptr, &start, sizeof(start), &startTensor);
  if (status) {
    llmc_tensor_release(tokens);
    return status;
  }
  const llmc_tensor_t *inputs[2] = {tokens, startTensor};
  llmc_run_options_t options;
  llmc_run_options_initialize(&options);
  options.executor = generator->executor;
  options.allocator = generator->allocator;
  llmc_tensor_t *logits = nullptr;
  size_t entry = count == 1 ? lm.decode : lm.prefill;
  status = runEntryPoint(generator->model, entry, inputs, 2, generator->states.data(), &options,
                         &logits, 1);
  llmc_tensor_release(tokens);
  llmc_tensor_release(startTensor);
  if (status) {
    // The cache may hold part of the tokens: the position stays, so they are overwritten.
    generator->haveLogits = false;
    return status;
  }
  std::memcpy(generator->logits.data(), llmc_tensor_data(logits),
              generator->logits.size() * sizeof(float));
  llmc_tensor_release(logits);
  generator->haveLogits = true;
  generator->position += count;
  return nullptr;
}

extern "C" const float *llmc_generator_logits(const llmc_generator_t *generator) {
  return generator && generator->haveLogits ? generator->logits.data() : nullptr;
}

extern "C" llmc_status_t llmc_generator_sample(llmc_generator_t *generator, int32_t *out_id) {
  if (!generator || !out_id)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_generator_sample: a pointer is NULL");
  if (!generator->haveLogits)
    return makeStatus(LLMC_STATUS_FAILED_PRECONDITION,
                      "llmc_generator_sample: no logits yet; feed tokens first");
  *out_id = generator->sampler->sample(generator->logits.data(), generator->logits.size());
  return nullptr;
}

extern "C" llmc_status_t llmc_generator_generate(llmc_generator_t *generator, const int32_t *prompt,
                                                 size_t prompt_count, size_t max_tokens,
                                                 llmc_token_callback_t callback, void *user_data,
                                                 llmc_generation_stats_t *out_stats) {
  llmc_generation_stats_t stats = {};
  if (out_stats)
    *out_stats = stats;
  if (!generator)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_generator_generate: generator is NULL");
  const Tokenizer *tokenizer;
  LLMC_RETURN_IF_ERROR(tokenizerOf(generator->model, &tokenizer));
  auto start = std::chrono::steady_clock::now();
  LLMC_RETURN_IF_ERROR(llmc_generator_feed(generator, prompt, prompt_count));
  stats.prompt_tokens = prompt_count;
  stats.prompt_seconds = secondsSince(start);
  size_t context = size_t(generator->model->metadata.languageModel.contextLength);
  start = std::chrono::steady_clock::now();
  stats.stop_reason = LLMC_STOP_MAX_TOKENS;
  while (stats.generated_tokens < max_tokens) {
    int32_t id;
    LLMC_RETURN_IF_ERROR(llmc_generator_sample(generator, &id));
    ++stats.generated_tokens;
    if (callback && !callback(user_data, id)) {
      stats.stop_reason = LLMC_STOP_CALLBACK;
      break;
    }
    if (!generator->ignoreEos && tokenizer->isEndOfGeneration(id)) {
      stats.stop_reason = LLMC_STOP_END_OF_TEXT;
      break;
    }
    if (stats.generated_tokens == max_tokens)
      break;
    if (generator->position >= context) {
      stats.stop_reason = LLMC_STOP_CONTEXT_FULL;
      break;
    }
    llmc_status_t status = llmc_generator_feed(generator, &id, 1);
    if (status) {
      stats.decode_seconds = secondsSince(start);
      if (out_stats)
        *out_stats = stats;
      return status;
    }
    ++stats.decode_calls;
  }
  stats.decode_seconds = secondsSince(start);
  if (out_stats)
    *out_stats = stats;
  return nullptr;
}
