//===- GenerateCommand.cpp - `llmc generate` --------------------------------===//
//
// Generates text with a language model artifact: tokenizes the prompt, streams the generated
// text as it is sampled (or the ids, with --print-ids), then reports prompt and generation
// speed. Runs only the compiled entry points; never the compiler.
//
//===----------------------------------------------------------------------===//
#include "runtime/cli/Cli.h"
#include "runtime/cli/CliSupport.h"
#include "runtime/src/Model.h"
#include "runtime/src/Tokenizer.h"
#include "runtime/tools/TensorFile.h"

#include <cstring>
#include <memory>

namespace llmc::cli {
namespace {

constexpr const char *kGenerateUsage =
    "usage: %s MODEL.llmc (-p TEXT | --prompt-ids ID,ID,...) [options]\n"
    "\n"
    "Generates text with a language model compiled from a GGUF file, streaming it to stdout,\n"
    "then prints the prompt and generation speed to stderr.\n"
    "\n"
    "  -p, --prompt TEXT        the prompt, tokenized with the model's tokenizer\n"
    "  --prompt-ids LIST        the prompt as token ids, e.g. 1,17,42 (no tokenizer involved)\n"
    "  -n N                     tokens to generate (default 64)\n"
    "  --temp T                 sampling temperature; 0 is greedy (default 0.8)\n"
    "  --top-k K                keep the K most likely tokens; 0 keeps all (default 40)\n"
    "  --top-p P                keep tokens up to probability mass P, in (0, 1] (default 0.95)\n"
    "  --seed S                 the sampler's seed; the same seed gives the same text (default 0)\n"
    "  --threads N              threads (default 0: one per CPU)\n"
    "  --print-ids              print the generated ids on one line instead of the text\n"
    "  --ignore-eos             keep generating after an end-of-text token\n"
    "  --no-bos                 do not start a text prompt with the BOS token\n"
    "  --logits FILE.npy        save the logits each token was sampled from, f32[steps, vocab]\n"
    "  --quiet                  do not print the speed report\n";

struct Options {
  std::string model, prompt, promptIds, logitsPath;
  bool havePrompt = false, printIds = false, ignoreEos = false, noBos = false, quiet = false;
  long long count = 64, topK = 40, threads = 0;
  double temperature = 0.8, topP = 0.95;
  unsigned long long seed = 0;
};

int parseOptions(const Console &console, int argc, char **argv, Options *options, bool *help) {
  ArgumentReader reader(argc, argv);
  while (!reader.done()) {
    bool isOption;
    std::string argument = reader.next(&isOption);
    if (!isOption) {
      if (!options->model.empty())
        return console.usage("unexpected argument '" + argument + "'; the model is '" +
                             options->model + "'");
      options->model = argument;
      continue;
    }
    if (argument == "-h" || argument == "--help") {
      *help = true;
      return kSuccess;
    }
    if (argument == "--print-ids" || argument == "--ignore-eos" || argument == "--no-bos" ||
        argument == "--quiet") {
      (argument == "--print-ids"    ? options->printIds
       : argument == "--ignore-eos" ? options->ignoreEos
       : argument == "--no-bos"     ? options->noBos
                                    : options->quiet) = true;
      continue;
    }
    bool takesValue = argument == "-p" || argument == "--prompt" || argument == "--prompt-ids" ||
                      argument == "-n" || argument == "--temp" || argument == "--top-k" ||
                      argument == "--top-p" || argument == "--seed" || argument == "--threads" ||
                      argument == "--logits";
    if (!takesValue)
      return console.usage("unknown option '" + argument + "'");
    std::string value;
    if (!reader.value(&value))
      return console.usage("option '" + argument + "' needs a value");
    if (argument == "-p" || argument == "--prompt") {
      options->prompt = value;
      options->havePrompt = true;
    } else if (argument == "--prompt-ids") {
      options->promptIds = value;
    } else if (argument == "-n") {
      if (!parseInteger(value, 1, 1 << 24, &options->count))
        return console.usage("-n is '" + value + "', expected an integer in [1, 16777216]");
    } else if (argument == "--temp") {
      if (!parseNonNegativeDouble(value, &options->temperature))
        return console.usage("--temp is '" + value + "', expected a number >= 0");
    } else if (argument == "--top-k") {
      if (!parseInteger(value, 0, 1ll << 31, &options->topK))
        return console.usage("--top-k is '" + value + "', expected an integer >= 0");
    } else if (argument == "--top-p") {
      if (!parseNonNegativeDouble(value, &options->topP) || options->topP <= 0 || options->topP > 1)
        return console.usage("--top-p is '" + value + "', expected a number in (0, 1]");
    } else if (argument == "--seed") {
      long long seed;
      if (!parseInteger(value, 0, INT64_MAX, &seed))
        return console.usage("--seed is '" + value + "', expected an integer >= 0");
      options->seed = (unsigned long long)seed;
    } else if (argument == "--threads") {
      if (!parseInteger(value, 0, 4096, &options->threads))
        return console.usage("--threads is '" + value + "', expected an integer in [0, 4096]");
    } else {
      options->logitsPath = value;
    }
  }
  if (options->model.empty())
    return console.usage("no model given");
  if (options->havePrompt == !options->promptIds.empty())
    return console.usage("give exactly one of -p TEXT and --prompt-ids LIST");
  return kSuccess;
}

/// Parses "1,17,42" into ids below `vocab`.
bool parseIds(const std::string &text, int64_t vocab, std::vector<int32_t> *ids,
              std::string *error) {
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos)
      end = text.size();
    long long id;
    std::string part = text.substr(begin, end - begin);
    if (!parseInteger(part, 0, vocab - 1, &id)) {
      *error = "--prompt-ids: '" + part + "' is not a token id in [0, " +
               std::to_string(vocab - 1) + "]";
      return false;
    }
    ids->push_back(int32_t(id));
    begin = end + 1;
  }
  return true;
}

struct Streamer {
  std::FILE *out;
  bool printIds;
  llmc_generator_t *generator;
  int64_t vocab;
  std::unique_ptr<runtime::TextStream> text;
  std::vector<int32_t> ids;
  std::vector<float> *logits;
};

bool onToken(void *user, int32_t id) {
  Streamer &s = *static_cast<Streamer *>(user);
  s.ids.push_back(id);
  if (s.logits) {
    const float *values = llmc_generator_logits(s.generator);
    s.logits->insert(s.logits->end(), values, values + s.vocab);
  }
  if (s.printIds) {
    std::fprintf(s.out, "%s%d", s.ids.size() > 1 ? " " : "", id);
  } else {
    std::string piece = s.text->push(id);
    std::fwrite(piece.data(), 1, piece.size(), s.out);
  }
  std::fflush(s.out);
  return true;
}

} // namespace

int generateMain(int argc, char **argv, std::FILE *out, std::FILE *err) {
  Console console(argv[0], out, err);
  Options options;
  bool help = false;
  if (int code = parseOptions(console, argc, argv, &options, &help); code != kSuccess)
    return code;
  if (help) {
    std::fprintf(out, kGenerateUsage, console.program().c_str());
    return kSuccess;
  }
  llmc_model_t *model = nullptr;
  if (llmc_status_t status = llmc_model_load_file(options.model.c_str(), nullptr, &model))
    return console.failure(status);
  std::unique_ptr<llmc_model_t, void (*)(llmc_model_t *)> modelOwner(model, llmc_model_release);
  llmc_language_model_info_t info;
  if (llmc_status_t status = llmc_model_language_model_info(model, &info))
    return console.failure(status);

  std::vector<int32_t> prompt;
  if (options.havePrompt) {
    size_t count = 0;
    bool bos = info.add_bos && !options.noBos;
    llmc_status_t status =
        llmc_tokenize(model, options.prompt.data(), options.prompt.size(), bos, nullptr, 0, &count);
    if (status && llmc_status_code(status) != LLMC_STATUS_INVALID_ARGUMENT)
      return console.failure(status);
    llmc_status_free(status);
    prompt.resize(count);
    if (llmc_status_t status = llmc_tokenize(model, options.prompt.data(), options.prompt.size(),
                                             bos, prompt.data(), prompt.size(), &count))
      return console.failure(status);
    if (prompt.empty())
      return console.usage("the prompt is empty and the tokenizer adds no BOS token; give some "
                           "text");
  } else {
    std::string error;
    if (!parseIds(options.promptIds, info.vocab_size, &prompt, &error))
      return console.usage(error);
  }

  llmc_generator_options_t generatorOptions;
  llmc_generator_options_initialize(&generatorOptions);
  generatorOptions.thread_count = size_t(options.threads);
  generatorOptions.sampling.temperature = float(options.temperature);
  generatorOptions.sampling.top_k = int32_t(options.topK);
  generatorOptions.sampling.top_p = float(options.topP);
  generatorOptions.sampling.seed = options.seed;
  generatorOptions.ignore_eos = options.ignoreEos;
  llmc_generator_t *generator = nullptr;
  if (llmc_status_t status = llmc_generator_create(model, &generatorOptions, &generator))
    return console.failure(status);
  std::unique_ptr<llmc_generator_t, void (*)(llmc_generator_t *)> generatorOwner(
      generator, llmc_generator_release);

  std::vector<float> logits;
  Streamer streamer{out,
                    options.printIds,
                    generator,
                    info.vocab_size,
                    nullptr,
                    {},
                    options.logitsPath.empty() ? nullptr : &logits};
  if (!options.printIds) {
    // The tokenizer is the model's; TextStream holds back split UTF-8 characters.
    streamer.text = std::make_unique<runtime::TextStream>(*model->tokenizer, false);
  }
  llmc_generation_stats_t stats;
  llmc_status_t status = llmc_generator_generate(generator, prompt.data(), prompt.size(),
                                                 size_t(options.count), onToken, &streamer, &stats);
  if (streamer.text) {
    std::string rest = streamer.text->flush();
    std::fwrite(rest.data(), 1, rest.size(), out);
  }
  std::fputc('\n', out);
  std::fflush(out);
  if (status)
    return console.failure(status);
  if (!options.logitsPath.empty()) {
    tensorfile::HostTensor tensor;
    tensor.dtype = LLMC_DTYPE_F32;
    tensor.dims = {int64_t(streamer.ids.size()), info.vocab_size};
    tensor.data.resize(logits.size() * sizeof(float));
    std::memcpy(tensor.data.data(), logits.data(), tensor.data.size());
    std::string error;
    if (!tensorfile::writeTensorFile(options.logitsPath, tensorfile::FileFormat::Npy, tensor,
                                     &error))
      return console.failure(error);
  }
  if (!options.quiet) {
    auto rate = [](size_t tokens, double seconds) { return seconds > 0 ? tokens / seconds : 0.0; };
    std::fprintf(err, "prompt: %zu tokens in %.1f ms (%.1f tokens/s)\n", stats.prompt_tokens,
                 stats.prompt_seconds * 1e3, rate(stats.prompt_tokens, stats.prompt_seconds));
    std::fprintf(err, "generation: %zu tokens, %zu decode steps in %.1f ms (%.1f tokens/s)%s\n",
                 stats.generated_tokens, stats.decode_calls, stats.decode_seconds * 1e3,
                 rate(stats.decode_calls, stats.decode_seconds),
                 stats.stop_reason == LLMC_STOP_END_OF_TEXT    ? ", stopped at end of text"
                 : stats.stop_reason == LLMC_STOP_CONTEXT_FULL ? ", stopped: context full"
                                                               : "");
  }
  return kSuccess;
}

int generateMain(int argc, char **argv) { return generateMain(argc, argv, stdout, stderr); }

} // namespace llmc::cli
