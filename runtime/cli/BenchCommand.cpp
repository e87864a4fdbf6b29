//===- BenchCommand.cpp - `llmc bench`: time an artifact's entry point ------===//
//
// Runs one entry point repeatedly on one executor (so that worker threads stay up between
// runs, as in an application), after a warm-up, and reports the latency distribution. Inputs
// come from tensor files as in `llmc run`, or are generated from the signature.
//
//===----------------------------------------------------------------------===//
#include "runtime/cli/Cli.h"
#include "runtime/cli/CliSupport.h"
#include "runtime/tools/TensorFile.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

namespace llmc::cli {
namespace {

using tensorfile::HostTensor;

const char kBenchUsage[] =
    "usage: %s MODEL.llmc [--input [NAME=]FILE ...] [options]\n"
    "\n"
    "Times an entry point of a compiled model: runs it --warmup times, then --iterations times\n"
    "on one set of threads, and prints the min, median, mean and p90 latency. Without --input,\n"
    "float inputs are filled with fixed-seed uniform values in [-1, 1) and integer inputs with\n"
    "zeros.\n"
    "\n"
    "options:\n"
    "  --input [NAME=]FILE      an input tensor (.pb or .npy; repeat for each input)\n"
    "  --dim NAME=SIZE          the size of a dynamic dim of generated inputs (default 1)\n"
    "  --entry NAME             the entry point (default: the only one, or 'main')\n"
    "  --iterations N           timed runs (default 20)\n"
    "  --warmup N               untimed runs first (default 3)\n"
    "  --threads N              threads generated code may use (default 0: one per CPU)\n"
    "  --json                   print one JSON object instead of text\n"
    "  -h, --help               show this help\n"
    "\n"
    "exit codes: 0 success, 1 load or run failure, 2 bad usage\n";

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::map<std::string, long long> dims;
  std::string entry;
  long long iterations = 20, warmup = 3, threads = 0;
  bool json = false;
};

/// Releases what a benchmark holds, whatever path it leaves by.
struct BenchState {
  llmc_model_t *model = nullptr;
  llmc_executor_t *executor = nullptr;
  std::vector<llmc_tensor_t *> inputs, outputs;
  void releaseOutputs() {
    for (llmc_tensor_t *&tensor : outputs) {
      llmc_tensor_release(tensor);
      tensor = nullptr;
    }
  }
  ~BenchState() {
    for (llmc_tensor_t *tensor : inputs)
      llmc_tensor_release(tensor);
    releaseOutputs();
    llmc_executor_release(executor);
    llmc_model_release(model);
  }
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
    if (argument == "--json") {
      options->json = true;
      continue;
    }
    bool takesValue = argument == "--input" || argument == "--dim" || argument == "--entry" ||
                      argument == "--iterations" || argument == "--warmup" ||
                      argument == "--threads";
    if (!takesValue)
      return console.usage("unknown option '" + argument + "'");
    std::string value;
    if (!reader.value(&value))
      return console.usage("option '" + argument + "' needs a value");
    if (argument == "--input") {
      options->inputs.push_back(value);
    } else if (argument == "--dim") {
      size_t equals = value.find('=');
      long long size;
      if (equals == std::string::npos || equals == 0 ||
          !parseInteger(value.substr(equals + 1), 0, 1ll << 40, &size))
        return console.usage("--dim is '" + value + "', expected NAME=SIZE with SIZE >= 0");
      options->dims[value.substr(0, equals)] = size;
    } else if (argument == "--entry") {
      options->entry = value;
    } else if (argument == "--iterations") {
      if (!parseInteger(value, 1, 1 << 30, &options->iterations))
        return console.usage("--iterations is '" + value + "', expected an integer >= 1");
    } else if (argument == "--warmup") {
      if (!parseInteger(value, 0, 1 << 30, &options->warmup))
        return console.usage("--warmup is '" + value + "', expected an integer >= 0");
    } else {
      if (!parseInteger(value, 0, 4096, &options->threads))
        return console.usage("--threads is '" + value + "', expected an integer in [0, 4096]");
    }
  }
  if (options->model.empty())
    return console.usage("no model given");
  if (!options->inputs.empty() && !options->dims.empty())
    return console.usage("--dim sizes generated inputs; it cannot be used with --input");
  return kSuccess;
}

/// A 64-bit xorshift generator: the same inputs on every machine and every run.
struct Random {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  /// Uniform in [-1, 1).
  float next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return float(state >> 40) * (2.0f / float(1 << 24)) - 1.0f;
  }
};

/// Fills an input from its signature: dynamic dims from --dim (1 when not given), floats
/// uniform in [-1, 1), everything else zero.
int generateInput(const Console &console, const Options &options,
                  const llmc_tensor_signature_t &signature, size_t index, Random *random,
                  HostTensor *tensor) {
  tensor->dtype = signature.dtype;
  tensor->dims.assign(signature.dims, signature.dims + signature.rank);
  uint64_t count = 1;
  for (size_t d = 0; d < signature.rank; ++d) {
    if (tensor->dims[d] < 0) {
      auto found = signature.dim_symbols[d][0] ? options.dims.find(signature.dim_symbols[d])
                                               : options.dims.end();
      tensor->dims[d] = found == options.dims.end() ? 1 : found->second;
    }
    if (tensor->dims[d] && count > (uint64_t(1) << 40) / uint64_t(tensor->dims[d]))
      return console.failure("generated input " + inputLabel(signature, index) + " of shape " +
                             dimsString(tensor->dims.data(), tensor->dims.size()) +
                             " is too large");
    count *= uint64_t(tensor->dims[d]);
  }
  size_t elementSize = llmc_dtype_size(signature.dtype);
  tensor->data.assign(count * elementSize, 0);
  uint8_t *data = tensor->data.data();
  for (uint64_t i = 0; i < count; ++i) {
    switch (signature.dtype) {
    case LLMC_DTYPE_F32: {
      float value = random->next();
      std::memcpy(data + 4 * i, &value, 4);
      break;
    }
    case LLMC_DTYPE_F64: {
      double value = random->next();
      std::memcpy(data + 8 * i, &value, 8);
      break;
    }
    case LLMC_DTYPE_BF16: {
      uint16_t bits = tensorfile::floatToBfloat16(random->next());
      std::memcpy(data + 2 * i, &bits, 2);
      break;
    }
    case LLMC_DTYPE_F16: {
      // Values k/1024 in [-1, 1) are exact halfs: sign, exponent and mantissa by hand.
      float value = random->next();
      int k = int(value * 1024.0f);
      uint16_t bits = 0;
      if (k) {
        uint16_t sign = k < 0 ? 0x8000 : 0;
        unsigned magnitude = unsigned(k < 0 ? -k : k);
        int exponent = 31 - __builtin_clz(magnitude); // magnitude = 2^exponent * 1.f
        unsigned mantissa = (magnitude << (10 - exponent)) & 0x3FF;
        bits = uint16_t(sign | unsigned(exponent - 10 + 15) << 10 | mantissa);
      }
      std::memcpy(data + 2 * i, &bits, 2);
      break;
    }
    default:
      i = count; // integers and bools stay zero
      break;
    }
  }
  return kSuccess;
}

std::string jsonString(const std::string &text) {
  std::string result = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      result += '\\';
      result += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\u%04x", c);
      result += escape;
    } else {
      result += c;
    }
  }
  return result + "\"";
}

/// The value at quantile q of sorted samples, interpolating between neighbours.
double quantile(const std::vector<double> &sorted, double q) {
  double position = q * double(sorted.size() - 1);
  size_t below = size_t(position);
  size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - double(below));
}

} // namespace

int benchMain(int argc, char **argv, std::FILE *out, std::FILE *err) {
  Console console(argc > 0 ? argv[0] : "llmc bench", out, err);
  Options options;
  bool help = false;
  if (int code = parseOptions(console, argc, argv, &options, &help))
    return code;
  if (help) {
    std::fprintf(out, kBenchUsage, console.program().c_str());
    return kSuccess;
  }

  BenchState state;
  if (llmc_status_t status = llmc_model_load_file(options.model.c_str(), nullptr, &state.model))
    return console.failure(status);
  size_t entry = 0;
  if (int code = selectEntryPoint(console, state.model, options.entry, &entry))
    return code;
  llmc_entry_point_info_t entryInfo;
  std::vector<llmc_tensor_signature_t> signatures;
  if (int code = inputSignatures(console, state.model, entry, &entryInfo, &signatures))
    return code;

  std::vector<HostTensor> inputs;
  if (!options.inputs.empty()) {
    std::vector<std::string> files;
    if (int code = assignInputs(console, options.inputs, signatures, entryInfo.name, &files))
      return code;
    if (int code = readInputs(console, files, signatures, &inputs))
      return code;
  } else {
    for (const auto &[name, size] : options.dims) {
      bool known = false;
      for (const llmc_tensor_signature_t &signature : signatures)
        for (size_t d = 0; d < signature.rank; ++d)
          known |= signature.dims[d] < 0 && name == signature.dim_symbols[d];
      if (!known)
        return console.usage("--dim " + name + ": no input of entry point '" +
                             std::string(entryInfo.name) + "' has a dynamic dim named '" + name +
                             "'");
    }
    Random random;
    inputs.resize(signatures.size());
    for (size_t i = 0; i < signatures.size(); ++i)
      if (int code = generateInput(console, options, signatures[i], i, &random, &inputs[i]))
        return code;
  }
  if (int code = copyInputs(console, inputs, &state.inputs))
    return code;

  if (llmc_status_t status = llmc_executor_create(size_t(options.threads), &state.executor))
    return console.failure(status);
  llmc_run_options_t runOptions;
  llmc_run_options_initialize(&runOptions);
  runOptions.executor = state.executor;
  state.outputs.assign(entryInfo.output_count, nullptr);

  std::vector<double> milliseconds;
  milliseconds.reserve(size_t(options.iterations));
  for (long long run = 0; run < options.warmup + options.iterations; ++run) {
    auto start = std::chrono::steady_clock::now();
    llmc_status_t status =
        llmc_model_run(state.model, entry, state.inputs.data(), state.inputs.size(), &runOptions,
                       state.outputs.data(), state.outputs.size());
    auto stop = std::chrono::steady_clock::now();
    if (status)
      return console.failure(status);
    // Outputs are released outside the timed region: an application keeps them or reuses them.
    state.releaseOutputs();
    if (run >= options.warmup)
      milliseconds.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }

  std::vector<double> sorted = milliseconds;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0;
  for (double value : sorted)
    mean += value;
  mean /= double(sorted.size());
  double median = quantile(sorted, 0.5), p90 = quantile(sorted, 0.9);
  size_t threads = llmc_executor_thread_count(state.executor);
  if (options.json) {
    std::fprintf(out,
                 "{\"model\": %s, \"entry\": %s, \"threads\": %zu, \"iterations\": %lld, "
                 "\"warmup\": %lld, \"min_ms\": %.6f, \"median_ms\": %.6f, \"mean_ms\": %.6f, "
                 "\"p90_ms\": %.6f}\n",
                 jsonString(options.model).c_str(), jsonString(entryInfo.name).c_str(), threads,
                 options.iterations, options.warmup, sorted.front(), median, mean, p90);
  } else {
    std::fprintf(out, "%s, entry '%s', %zu thread%s, %lld iterations after %lld warm-up\n",
                 options.model.c_str(), entryInfo.name, threads, threads == 1 ? "" : "s",
                 options.iterations, options.warmup);
    std::fprintf(out, "min / median / mean / p90: %.4g / %.4g / %.4g / %.4g ms\n", sorted.front(),
                 median, mean, p90);
  }
  std::fflush(out);
  return kSuccess;
}

int benchMain(int argc, char **argv) { return benchMain(argc, argv, stdout, stderr); }

} // namespace llmc::cli
