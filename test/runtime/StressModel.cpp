//===- StressModel.cpp - llmc-runtime-stress: concurrency and churn ----------===//
//
// Exercises the runtime's thread-safety contract and its resource hygiene on a real compiled
// artifact (docs/runtime.md, "Thread safety"; docs/security.md):
//
//   llmc-runtime-stress MODEL.llmc --input FILE... concurrency [--callers N] [--calls N]
//       One loaded model shared by N caller threads (default 8), each running the first entry
//       point N times (default 200) with two threads of its own: every output must be bit for
//       bit the output of a single-threaded run done first.
//   llmc-runtime-stress MODEL.llmc --input FILE... churn [--cycles N] [--max-growth-mib M]
//       N (default 10000) cycles of load, run, unload. The resident set after the last cycle
//       may exceed the one after the first tenth of the cycles by at most M MiB (default 8):
//       memory stays flat. Built with LeakSanitizer, the process also fails on any leak.
//
// Exit status: 0 when the check holds, 1 when it fails (with a message), 2 on bad arguments.
//
//===----------------------------------------------------------------------===//
#include "llmc/runtime.h"
#include "runtime/tools/TensorFile.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// In the sanitizer build, AddressSanitizer keeps freed blocks in a quarantine (256 MiB by
// default) before it reuses them, which the churn check would count as growth: keep it at
// 16 MiB, so that the resident set measures what the runtime keeps. ASAN_OPTIONS can still
// override it; without ASan nothing calls this.
extern "C" __attribute__((used)) const char *__asan_default_options() {
  return "quarantine_size_mb=16";
}

namespace {

using llmc::tensorfile::HostTensor;

int fail(const char *format, const std::string &detail) {
  std::fprintf(stderr, "llmc-runtime-stress: ");
  std::fprintf(stderr, format, detail.c_str());
  std::fprintf(stderr, "\n");
  return 1;
}

/// Consumes a status: its message, or "" for success.
std::string consume(llmc_status_t status) {
  if (!status)
    return "";
  std::string message = llmc_status_message(status);
  llmc_status_free(status);
  return message;
}

/// The outputs of one call as bytes, concatenated; false (with `error`) if the call failed.
bool runOnce(const llmc_model_t *model, const std::vector<llmc_tensor_t *> &inputs,
             size_t outputCount, size_t threads, std::vector<uint8_t> *bytes, std::string *error) {
  llmc_run_options_t options;
  llmc_run_options_initialize(&options);
  options.thread_count = threads;
  std::vector<llmc_tensor_t *> outputs(outputCount, nullptr);
  *error = consume(llmc_model_run(model, 0, inputs.data(), inputs.size(), &options, outputs.data(),
                                  outputs.size()));
  if (!error->empty())
    return false;
  bytes->clear();
  for (llmc_tensor_t *output : outputs) {
    const auto *data = static_cast<const uint8_t *>(llmc_tensor_data(output));
    bytes->insert(bytes->end(), data, data + llmc_tensor_byte_size(output));
    llmc_tensor_release(output);
  }
  return true;
}

/// The resident set of this process in KiB (from /proc/self/statm), or -1.
long residentKiB() {
  std::FILE *file = std::fopen("/proc/self/statm", "r");
  if (!file)
    return -1;
  long pages = 0, resident = 0;
  int read = std::fscanf(file, "%ld %ld", &pages, &resident);
  std::fclose(file);
  return read == 2 ? resident * 4 : -1;
}

struct Options {
  std::string model, mode;
  std::vector<std::string> inputs;
  long callers = 8, calls = 200, cycles = 10000, maxGrowthMiB = 8;
};

bool parseCount(const char *text, long minimum, long *out) {
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (!*text || *end || value < minimum)
    return false;
  *out = value;
  return true;
}

int usage(const char *message) {
  std::fprintf(stderr,
               "llmc-runtime-stress: %s\nusage: llmc-runtime-stress MODEL.llmc --input FILE... "
               "concurrency [--callers N] [--calls N]\n       llmc-runtime-stress MODEL.llmc "
               "--input FILE... churn [--cycles N] [--max-growth-mib M]\n",
               message);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    bool hasValue = i + 1 < argc;
    if (argument == "--input" && hasValue) {
      options.inputs.push_back(argv[++i]);
    } else if ((argument == "--callers" || argument == "--calls" || argument == "--cycles" ||
                argument == "--max-growth-mib") &&
               hasValue) {
      long *target = argument == "--callers"  ? &options.callers
                     : argument == "--calls"  ? &options.calls
                     : argument == "--cycles" ? &options.cycles
                                              : &options.maxGrowthMiB;
      if (!parseCount(argv[++i], argument == "--max-growth-mib" ? 0 : 1, target))
        return usage((argument + " needs a count").c_str());
    } else if (argument == "concurrency" || argument == "churn") {
      options.mode = argument;
    } else if (argument.size() > 1 && argument[0] == '-') {
      return usage(("unknown option " + argument).c_str());
    } else if (options.model.empty()) {
      options.model = argument;
    } else {
      return usage(("unexpected argument " + argument).c_str());
    }
  }
  if (options.model.empty() || options.mode.empty())
    return usage("a model and a mode (concurrency or churn) are required");

  // The inputs, read once, as tensors every call shares (llmc_model_run does not write them).
  std::vector<HostTensor> hosts(options.inputs.size());
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    std::string error;
    if (!llmc::tensorfile::readTensorFile(options.inputs[i], &hosts[i], &error))
      return fail("%s", error);
  }
  std::vector<llmc_tensor_t *> inputs;
  for (HostTensor &host : hosts) {
    llmc_tensor_t *tensor = nullptr;
    std::string error = consume(
        llmc_tensor_allocate(host.dtype, host.dims.size(), host.dims.data(), nullptr, &tensor));
    if (!error.empty())
      return fail("%s", error);
    std::memcpy(llmc_tensor_data(tensor), host.data.data(), host.data.size());
    inputs.push_back(tensor);
  }
  auto releaseInputs = [&] {
    for (llmc_tensor_t *tensor : inputs)
      llmc_tensor_release(tensor);
  };

  auto load = [&](llmc_model_t **model) {
    return consume(llmc_model_load_file(options.model.c_str(), nullptr, model));
  };
  auto outputCountOf = [](const llmc_model_t *model) {
    llmc_entry_point_info_t info;
    std::string error = consume(llmc_model_entry_point_info(model, 0, &info));
    return error.empty() ? info.output_count : 0;
  };

  int status = 0;
  if (options.mode == "concurrency") {
    llmc_model_t *model = nullptr;
    if (std::string error = load(&model); !error.empty()) {
      releaseInputs();
      return fail("%s", error);
    }
    size_t outputCount = outputCountOf(model);
    std::vector<uint8_t> reference;
    std::string error;
    if (!runOnce(model, inputs, outputCount, 1, &reference, &error)) {
      llmc_model_release(model);
      releaseInputs();
      return fail("the single-threaded run failed: %s", error);
    }
    std::atomic<long> mismatches{0}, failures{0};
    std::vector<std::thread> callers;
    for (long t = 0; t < options.callers; ++t)
      callers.emplace_back([&] {
        std::vector<uint8_t> got;
        std::string callError;
        for (long call = 0; call < options.calls; ++call) {
          if (!runOnce(model, inputs, outputCount, 2, &got, &callError))
            ++failures;
          else if (got != reference)
            ++mismatches;
        }
      });
    for (std::thread &caller : callers)
      caller.join();
    llmc_model_release(model);
    long total = options.callers * options.calls;
    if (failures || mismatches)
      status = fail("%s", std::to_string(failures) + " of " + std::to_string(total) +
                              " calls failed and " + std::to_string(mismatches) +
                              " differed from the single-threaded run");
    else
      std::printf("concurrency: %ld callers x %ld calls on one model, outputs (%zu bytes) bit "
                  "for bit the single-threaded run's\n",
                  options.callers, options.calls, reference.size());
  } else {
    long baseline = -1;
    std::vector<uint8_t> reference, got;
    for (long cycle = 0; cycle < options.cycles && status == 0; ++cycle) {
      llmc_model_t *model = nullptr;
      std::string error = load(&model);
      if (error.empty() &&
          !runOnce(model, inputs, outputCountOf(model), 1, cycle ? &got : &reference, &error))
        llmc_model_release(model), model = nullptr;
      if (!error.empty()) {
        status = fail("%s", "cycle " + std::to_string(cycle) + ": " + error);
        break;
      }
      llmc_model_release(model);
      if (cycle && got != reference)
        status = fail("%s", "cycle " + std::to_string(cycle) + " computed other outputs");
      if (cycle + 1 == std::max(1L, options.cycles / 10))
        baseline = residentKiB();
    }
    long last = residentKiB();
    if (status == 0 && baseline >= 0 && last >= 0 && last - baseline > options.maxGrowthMiB * 1024)
      status = fail("%s", "the resident set grew by " + std::to_string((last - baseline) / 1024) +
                              " MiB from the first tenth of the cycles to the end");
    if (status == 0)
      std::printf("churn: %ld load/run/unload cycles, resident set %ld KiB after the first "
                  "tenth and %ld KiB at the end\n",
                  options.cycles, baseline, last);
  }
  releaseInputs();
  return status;
}
