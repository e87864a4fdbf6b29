//===- ModelBench.cpp - llmc-model-bench: time the calls of a compiled model ---===//
//
//   llmc-model-bench MODEL.llmc [--threads T] [--seconds S] [--flops F]
//
// Calls the artifact's first entry point on inputs of its static shapes (deterministic values
// in [-1, 1); integer inputs zero) on an executor of T threads (default 1) that lives across
// the calls, for batches of at least S seconds (default 0.5), and prints the best batch's
// milliseconds per call, and GFLOP/s when F, the floating-point operations of one call, is given.
// Tensors are allocated once, outside the timed calls, except the outputs the runtime returns.
//
//===----------------------------------------------------------------------===//
#include "llmc/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int fail(llmc_status_t status) {
  std::fprintf(stderr, "llmc-model-bench: %s\n", llmc_status_message(status));
  llmc_status_free(status);
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  const char *path = nullptr;
  size_t threads = 1;
  double batchSeconds = 0.5, flops = 0.0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = (size_t)std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
      batchSeconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--flops") && i + 1 < argc)
      flops = std::atof(argv[++i]);
    else if (argv[i][0] != '-' && !path)
      path = argv[i];
    else {
      std::fprintf(stderr, "usage: llmc-model-bench MODEL.llmc [--threads T] [--seconds S] "
                           "[--flops F]\n");
      return 2;
    }
  }
  if (!path) {
    std::fprintf(stderr, "llmc-model-bench: no model given\n");
    return 2;
  }
  llmc_model_t *model = nullptr;
  if (llmc_status_t status = llmc_model_load_file(path, nullptr, &model))
    return fail(status);
  llmc_entry_point_info_t info;
  if (llmc_status_t status = llmc_model_entry_point_info(model, 0, &info))
    return fail(status);
  std::vector<llmc_tensor_t *> inputs(info.input_count), outputs(info.output_count);
  for (size_t i = 0; i < info.input_count; ++i) {
    llmc_tensor_signature_t signature;
    if (llmc_status_t status = llmc_model_entry_point_input(model, 0, i, &signature))
      return fail(status);
    if (std::any_of(signature.dims, signature.dims + signature.rank,
                    [](int64_t d) { return d < 0; })) {
      std::fprintf(stderr,
                   "llmc-model-bench: input %zu has a dynamic dim; compile it with "
                   "--input-shape\n",
                   i);
      return 1;
    }
    if (llmc_status_t status = llmc_tensor_allocate(signature.dtype, signature.rank, signature.dims,
                                                    nullptr, &inputs[i]))
      return fail(status);
    if (signature.dtype == LLMC_DTYPE_F32) {
      float *data = (float *)llmc_tensor_data(inputs[i]);
      for (uint64_t e = 0; e < llmc_tensor_element_count(inputs[i]); ++e)
        data[e] = (float)((e * 2654435761u) % 2048) / 1024.0f - 1.0f;
    }
  }
  llmc_executor_t *executor = nullptr;
  if (llmc_status_t status = llmc_executor_create(threads, &executor))
    return fail(status);
  llmc_run_options_t options;
  llmc_run_options_initialize(&options);
  options.executor = executor;
  auto call = [&]() -> llmc_status_t {
    llmc_status_t status = llmc_model_run(model, 0, inputs.data(), inputs.size(), &options,
                                          outputs.data(), outputs.size());
    for (llmc_tensor_t *&output : outputs) {
      llmc_tensor_release(output);
      output = nullptr;
    }
    return status;
  };
  if (llmc_status_t status = call())
    return fail(status);
  double best = 1e30;
  for (int batch = 0; batch < 5; ++batch) {
    int64_t calls = 0;
    const double t0 = seconds();
    double elapsed;
    do {
      if (llmc_status_t status = call())
        return fail(status);
      ++calls;
    } while ((elapsed = seconds() - t0) < batchSeconds);
    best = std::min(best, elapsed / (double)calls);
  }
  std::printf("%s: %zu threads, %.3f ms per call", path, threads, best * 1e3);
  if (flops > 0)
    std::printf(", %.1f GFLOP/s", flops / best / 1e9);
  std::printf("\n");
  for (llmc_tensor_t *input : inputs)
    llmc_tensor_release(input);
  llmc_executor_release(executor);
  llmc_model_release(model);
  return 0;
}
