//===- Run.cpp - Calls an entry point: validate, describe, call, copy out ----===//
#include "runtime/src/Run.h"
#include "runtime/src/Allocator.h"
#include "runtime/src/CallTrampoline.h"
#include "runtime/src/Executor.h"
#include "runtime/src/Model.h"
#include "runtime/src/Status.h"
#include "runtime/src/Tensor.h"

#include <algorithm>
#include <csetjmp>
#include <cstring>

using namespace llmc::runtime;

static_assert(sizeof(void *) == sizeof(int64_t), "descriptors are made of 8-byte words");

namespace {

std::string tensorLabel(const char *kind, const TensorSignature &signature, size_t index) {
  if (signature.name[0])
    return formatString("%s '%s'", kind, signature.name);
  return formatString("%s %zu", kind, index);
}

/// A symbolic dim's size, as the first input that has the symbol sets it.
struct SymbolBinding {
  const char *symbol;
  int64_t value;
  size_t input;
  size_t dim;
};

const SymbolBinding *findBinding(const std::vector<SymbolBinding> &bindings, const char *symbol) {
  for (const SymbolBinding &binding : bindings)
    if (std::strcmp(binding.symbol, symbol) == 0)
      return &binding;
  return nullptr;
}

llmc_status_t validateInputs(const EntryPoint &entry, const llmc_tensor_t *const *inputs,
                             std::vector<SymbolBinding> *bindings) {
  for (size_t i = 0; i < entry.inputs.size(); ++i) {
    const TensorSignature &signature = entry.inputs[i];
    const llmc_tensor_t *tensor = inputs[i];
    std::string label = tensorLabel("input", signature, i);
    if (!tensor)
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "entry point '%s': %s is NULL", entry.name,
                        label.c_str());
    llmc_dtype_t dtype = llmc_tensor_dtype(tensor);
    if (dtype != signature.dtype)
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                        "entry point '%s': %s has dtype %s, expected %s", entry.name, label.c_str(),
                        llmc_dtype_name(dtype), llmc_dtype_name(signature.dtype));
    size_t rank = llmc_tensor_rank(tensor);
    const int64_t *dims = llmc_tensor_dims(tensor);
    if (rank != signature.dims.size())
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                        "entry point '%s': %s has rank %zu (dims %s), expected rank %zu (%s)",
                        entry.name, label.c_str(), rank, dimsString(dims, rank).c_str(),
                        signature.dims.size(),
                        dimsString(signature.dims.data(), signature.dims.size()).c_str());
    for (size_t d = 0; d < rank; ++d) {
      int64_t expected = signature.dims[d];
      if (expected >= 0) {
        if (dims[d] != expected)
          return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                            "entry point '%s': %s dim %zu is %lld, expected %lld", entry.name,
                            label.c_str(), d, (long long)dims[d], (long long)expected);
        continue;
      }
      const char *symbol = signature.symbols[d];
      if (!symbol[0])
        continue;
      if (const SymbolBinding *binding = findBinding(*bindings, symbol)) {
        if (binding->value != dims[d])
          return makeStatus(
              LLMC_STATUS_INVALID_ARGUMENT,
              "entry point '%s': %s dim %zu is %lld, but %s dim %zu set %s to %lld", entry.name,
              label.c_str(), d, (long long)dims[d],
              tensorLabel("input", entry.inputs[binding->input], binding->input).c_str(),
              binding->dim, symbol, (long long)binding->value);
      } else {
        bindings->push_back({symbol, dims[d], i, d});
      }
    }
  }
  return nullptr;
}

/// Appends a descriptor for `rank` dims over `data` with row-major strides; returns its index.
size_t appendDescriptor(std::vector<int64_t> *words, const void *data, size_t rank,
                        const int64_t *dims) {
  size_t start = words->size();
  words->push_back(reinterpret_cast<intptr_t>(data));
  words->push_back(reinterpret_cast<intptr_t>(data));
  words->push_back(0);
  for (size_t d = 0; d < rank; ++d)
    words->push_back(dims[d]);
  int64_t stride = 1;
  words->resize(words->size() + rank);
  for (size_t d = rank; d-- > 0;) {
    (*words)[start + 3 + rank + d] = stride;
    stride *= dims[d] > 0 ? dims[d] : 1;
  }
  return start;
}

void copyElements(uint8_t *destination, const uint8_t *source, int64_t count, int64_t stride,
                  size_t elementSize) {
  ptrdiff_t step = ptrdiff_t(stride) * ptrdiff_t(elementSize);
  if (step == ptrdiff_t(elementSize)) {
    std::memcpy(destination, source, size_t(count) * elementSize);
    return;
  }
  for (int64_t i = 0; i < count; ++i, destination += elementSize, source += step)
    std::memcpy(destination, source, elementSize);
}

/// Whether a view of `rank` dims with these sizes and element strides is dense and row-major
/// (dims of size 1 may have any stride).
bool isDense(const int64_t *sizes, const int64_t *strides, size_t rank) {
  int64_t expected = 1;
  for (size_t d = rank; d-- > 0;) {
    if (sizes[d] != 1 && strides[d] != expected)
      return false;
    expected *= sizes[d];
  }
  return true;
}

/// Copies a strided view (any strides: negative, zero for broadcasts) into dense row-major
/// memory.
void copyStrided(uint8_t *destination, const uint8_t *source, const int64_t *sizes,
                 const int64_t *strides, size_t rank, size_t elementSize) {
  if (rank == 0) {
    std::memcpy(destination, source, elementSize);
    return;
  }
  if (rank == 1) {
    copyElements(destination, source, sizes[0], strides[0], elementSize);
    return;
  }
  size_t inner = elementSize;
  for (size_t d = 1; d < rank; ++d)
    inner *= size_t(sizes[d]);
  // A contiguous tail is one memcpy per outer index.
  bool contiguousTail = isDense(sizes + 1, strides + 1, rank - 1);
  ptrdiff_t step = ptrdiff_t(strides[0]) * ptrdiff_t(elementSize);
  for (int64_t i = 0; i < sizes[0]; ++i, destination += inner, source += step) {
    if (contiguousTail)
      std::memcpy(destination, source, inner);
    else
      copyStrided(destination, source, sizes + 1, strides + 1, rank - 1, elementSize);
  }
}

/// A large contiguous copy split across the threads of `services` (which must already run an
/// executor, so that no thread pool is started for a copy).
struct ParallelCopy {
  uint8_t *destination;
  const uint8_t *source;
  size_t bytes;
  int64_t pieces;
};

void copyPieces(void *context, int64_t begin, int64_t end) {
  auto *copy = static_cast<const ParallelCopy *>(context);
  size_t first = copy->bytes * size_t(begin) / size_t(copy->pieces);
  size_t last = copy->bytes * size_t(end) / size_t(copy->pieces);
  std::memcpy(copy->destination + first, copy->source + first, last - first);
}

/// Copies `bytes` contiguous bytes, on the threads of `services` when there are several and the
/// copy is large (a 16 MiB output takes milliseconds on one thread).
void copyContiguous(uint8_t *destination, const uint8_t *source, size_t bytes,
                    const llmc_services_t *services) {
  constexpr size_t kParallelBytes = size_t(4) << 20;
  if (!services || services->thread_count <= 1 || bytes < kParallelBytes) {
    std::memcpy(destination, source, bytes);
    return;
  }
  ParallelCopy copy = {destination, source, bytes, services->thread_count * 4};
  services->parallel_for(services, copy.pieces, 1, copyPieces, &copy);
}

/// Takes `memory` out of the call's allocations when generated code allocated it (through the
/// services) with at least `bytes` bytes and 64-byte alignment: true when it is then the
/// caller's, to adopt as an output's data.
bool takeAllocation(ServicesState *state, const void *memory, size_t bytes) {
  std::lock_guard<std::mutex> lock(state->allocationsMutex);
  for (size_t i = 0; i < state->allocations.size(); ++i) {
    const ServicesState::Allocation &allocation = state->allocations[i];
    if (allocation.memory != memory)
      continue;
    if (allocation.size < bytes || allocation.alignment < 64)
      return false;
    state->allocations.erase(state->allocations.begin() + ptrdiff_t(i));
    return true;
  }
  return false;
}

/// Makes the output tensors from the call's result descriptors. An output that generated code
/// wrote densely at the start of a buffer it allocated becomes the tensor's data as it is (with
/// the system allocator; `adoptFrom` is the call's state then, else null); any other output is
/// copied into a tensor from `allocator`.
llmc_status_t copyOutputs(const EntryPoint &entry, const int64_t *results,
                          const std::vector<SymbolBinding> &bindings,
                          const llmc_allocator_t &allocator, const llmc_services_t *services,
                          ServicesState *adoptFrom, llmc_tensor_t **outputs) {
  const int64_t *descriptor = results;
  for (size_t k = 0; k < entry.outputs.size(); ++k) {
    const TensorSignature &signature = entry.outputs[k];
    size_t rank = signature.dims.size();
    const uint8_t *aligned = reinterpret_cast<const uint8_t *>(descriptor[1]);
    int64_t offset = descriptor[2];
    const int64_t *sizes = descriptor + 3;
    const int64_t *strides = descriptor + 3 + rank;
    descriptor += 3 + 2 * rank;
    std::string label = tensorLabel("output", signature, k);
    for (size_t d = 0; d < rank; ++d) {
      if (sizes[d] < 0)
        return makeStatus(LLMC_STATUS_INTERNAL,
                          "entry point '%s' returned %s with dim %zu = %lld, which is negative",
                          entry.name, label.c_str(), d, (long long)sizes[d]);
      if (signature.dims[d] >= 0 && sizes[d] != signature.dims[d])
        return makeStatus(LLMC_STATUS_INTERNAL,
                          "entry point '%s' returned %s with dim %zu = %lld, but its signature "
                          "says %lld",
                          entry.name, label.c_str(), d, (long long)sizes[d],
                          (long long)signature.dims[d]);
      if (signature.dims[d] < 0 && signature.symbols[d][0])
        if (const SymbolBinding *binding = findBinding(bindings, signature.symbols[d]))
          if (binding->value != sizes[d])
            return makeStatus(LLMC_STATUS_INTERNAL,
                              "entry point '%s' returned %s with dim %zu = %lld, but the inputs "
                              "set %s to %lld",
                              entry.name, label.c_str(), d, (long long)sizes[d],
                              signature.symbols[d], (long long)binding->value);
    }
    llmc_tensor_t *tensor = nullptr;
    size_t elementSize = llmc_dtype_size(signature.dtype);
    uint64_t elements = 0;
    size_t bytes = 0;
    bool adoptable = adoptFrom && aligned && offset == 0 && isDense(sizes, strides, rank);
    if (adoptable)
      if (llmc_status_t sizeError =
              computeTensorSize("output", signature.dtype, rank, sizes, &elements, &bytes)) {
        llmc_status_free(sizeError); // allocateTensor below reports it
        adoptable = false;
      }
    if (adoptable && bytes > 0 && takeAllocation(adoptFrom, aligned, bytes)) {
      void *block = const_cast<uint8_t *>(aligned);
      if (llmc_status_t status = adoptTensor(signature.dtype, rank, sizes, block, &tensor)) {
        alignedFree(block);
        return prefixStatus(status,
                            formatString("entry point '%s' %s: ", entry.name, label.c_str()));
      }
      outputs[k] = tensor;
      continue;
    }
    llmc_status_t status =
        allocateTensor(signature.dtype, rank, sizes, allocator, /*zeroFill=*/false, &tensor);
    if (status)
      return prefixStatus(status, formatString("entry point '%s' %s: ", entry.name, label.c_str()));
    outputs[k] = tensor;
    if (llmc_tensor_element_count(tensor) == 0)
      continue;
    if (!aligned)
      return makeStatus(LLMC_STATUS_INTERNAL,
                        "entry point '%s' returned %s with a NULL data pointer", entry.name,
                        label.c_str());
    const uint8_t *source = aligned + ptrdiff_t(offset) * ptrdiff_t(elementSize);
    if (isDense(sizes, strides, rank))
      copyContiguous(static_cast<uint8_t *>(llmc_tensor_data(tensor)), source,
                     llmc_tensor_element_count(tensor) * elementSize, services);
    else
      copyStrided(static_cast<uint8_t *>(llmc_tensor_data(tensor)), source, sizes, strides, rank,
                  elementSize);
  }
  return nullptr;
}

} // namespace

/// Calls an entry point. An allocation that fails inside generated code, or a check of the
/// inputs' values that fails there, cannot be reported there, so the services jump back here
/// and the call is abandoned: returns false.
/// Nothing this function keeps changes between the setjmp and a longjmp.
__attribute__((noinline)) static bool callAbandonable(void *function, void **arguments,
                                                      size_t count, ServicesState *state) {
  std::jmp_buf abandon;
  state->abandon = &abandon;
  if (setjmp(abandon) != 0) {
    state->abandon = nullptr;
    return false;
  }
  callWithPointerArguments(function, arguments, count);
  state->abandon = nullptr;
  return true;
}

llmc_status_t llmc::runtime::runEntryPoint(const llmc_model_t *model, size_t entry_point,
                                           const llmc_tensor_t *const *inputs, size_t input_count,
                                           void *const *states, const llmc_run_options_t *options,
                                           llmc_tensor_t **out_outputs, size_t output_count) {
  if (out_outputs)
    for (size_t k = 0; k < output_count; ++k)
      out_outputs[k] = nullptr;
  if (!model)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_model_run: model is NULL");
  const ModelMetadata &metadata = model->metadata;
  if (entry_point >= metadata.entryPoints.size())
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_model_run: entry point %zu is out of range (the model has %zu)",
                      entry_point, metadata.entryPoints.size());
  const EntryPoint &entry = metadata.entryPoints[entry_point];
  if (!model->codeLoaded)
    return makeStatus(LLMC_STATUS_FAILED_PRECONDITION,
                      "entry point '%s' cannot run: the model was loaded without its code "
                      "(LLMC_MODEL_LOAD_FLAG_NO_CODE)",
                      entry.name);
  if (input_count != entry.inputs.size())
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "entry point '%s' takes %zu inputs, got %zu",
                      entry.name, entry.inputs.size(), input_count);
  if (input_count && !inputs)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "entry point '%s': inputs is NULL", entry.name);
  if (output_count != entry.outputs.size())
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "entry point '%s' has %zu outputs, but output_count is %zu", entry.name,
                      entry.outputs.size(), output_count);
  if (!out_outputs)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "entry point '%s': out_outputs is NULL",
                      entry.name);

  if (!entry.states.empty() && !states)
    return makeStatus(LLMC_STATUS_FAILED_PRECONDITION,
                      "entry point '%s' keeps state (a KV cache) between calls; run it through "
                      "a generator (llmc_generator_create)",
                      entry.name);

  std::vector<SymbolBinding> bindings;
  LLMC_RETURN_IF_ERROR(validateInputs(entry, inputs, &bindings));

  llmc_run_options_t resolved;
  llmc_run_options_initialize(&resolved);
  if (options)
    resolved = *options;
  llmc_allocator_t allocator = resolveAllocator(&resolved.allocator);

  // Scratch: per call, so that concurrent calls never share it. With a caller executor and the
  // system allocator, the executor keeps it for the next call (as it keeps the buffers
  // generated code allocates): no fresh pages to fault in on every call.
  alignas(64) static uint8_t emptyScratch[64];
  void *scratch = emptyScratch;
  llmc_executor_t *scratchCache =
      isCallerAllocator(&resolved.allocator) ? nullptr : resolved.executor;
  ServicesState::Allocation ownedScratch = {
      nullptr, size_t(entry.scratchBytes),
      std::max<size_t>(entry.scratchAlignment, sizeof(void *))};
  if (entry.scratchBytes > 0 || entry.scratchAlignment > sizeof(emptyScratch)) {
    if (entry.scratchBytes > uint64_t(SIZE_MAX) / 2)
      return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED,
                        "entry point '%s' needs %llu bytes of scratch, more than this machine "
                        "can address",
                        entry.name, (unsigned long long)entry.scratchBytes);
    scratch = scratchCache ? takeBuffer(scratchCache, ownedScratch.size, ownedScratch.alignment)
                           : allocate(allocator, ownedScratch.size, ownedScratch.alignment);
    if (!scratch)
      return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED,
                        "entry point '%s': cannot allocate %llu bytes of scratch", entry.name,
                        (unsigned long long)entry.scratchBytes);
    ownedScratch.memory = scratch;
  }
  auto releaseScratch = [&] {
    if (!ownedScratch.memory)
      return;
    if (scratchCache)
      returnBuffer(scratchCache, ownedScratch);
    else
      deallocate(allocator, ownedScratch.memory);
  };

  // Descriptors first (the vector must not grow once pointers into it are taken).
  size_t wordCount = 5;
  for (size_t i = 0; i < entry.inputs.size(); ++i)
    wordCount += 3 + 2 * entry.inputs[i].dims.size();
  for (uint32_t index : entry.states)
    wordCount += 3 + 2 * metadata.states[index].dims.size();
  for (uint32_t index : entry.constants)
    wordCount += 3 + 2 * metadata.constants[index].dims.size();
  std::vector<int64_t> words;
  words.reserve(wordCount);
  std::vector<size_t> starts;
  for (size_t i = 0; i < entry.inputs.size(); ++i)
    starts.push_back(appendDescriptor(&words, llmc_tensor_data(inputs[i]),
                                      llmc_tensor_rank(inputs[i]), llmc_tensor_dims(inputs[i])));
  for (size_t k = 0; k < entry.states.size(); ++k) {
    const State &state = metadata.states[entry.states[k]];
    starts.push_back(appendDescriptor(&words, states[k], state.dims.size(), state.dims.data()));
  }
  for (uint32_t index : entry.constants) {
    const Constant &constant = metadata.constants[index];
    starts.push_back(
        appendDescriptor(&words, constant.data, constant.dims.size(), constant.dims.data()));
  }
  int64_t scratchSize = int64_t(entry.scratchBytes);
  starts.push_back(appendDescriptor(&words, scratch, 1, &scratchSize));

  std::vector<int64_t> results(entry.resultWords, 0);
  ServicesState state;
  state.executor = resolved.executor;
  state.threadCount = resolved.thread_count ? resolved.thread_count : onlineCpuCount();
  llmc_services_t services;
  initializeServices(&state, &services);

  size_t argumentCount = starts.size() + 2;
  std::vector<void *> arguments(std::max(argumentCount, kMinArgumentSlots), nullptr);
  arguments[0] = results.data();
  for (size_t i = 0; i < starts.size(); ++i)
    arguments[1 + i] = &words[starts[i]];
  arguments[argumentCount - 1] = &services;

  if (!callAbandonable(model->functions[entry_point], arguments.data(), argumentCount, &state)) {
    finishServices(&state);
    releaseAllocations(&state);
    releaseScratch();
    if (!state.failure.empty())
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "entry point '%s': %s", entry.name,
                        state.failure.c_str());
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED,
                      "out of memory for a buffer the model sizes at run time");
  }
  // The outputs are copied on the call's threads when it has any running (before
  // finishServices releases an executor the call made).
  llmc_status_t status =
      copyOutputs(entry, results.data(), bindings, allocator, state.executor ? &services : nullptr,
                  isCallerAllocator(&resolved.allocator) ? nullptr : &state, out_outputs);
  finishServices(&state);
  releaseAllocations(&state);
  releaseScratch();
  if (status) {
    for (size_t k = 0; k < output_count; ++k) {
      llmc_tensor_release(out_outputs[k]);
      out_outputs[k] = nullptr;
    }
  }
  return status;
}

extern "C" llmc_status_t llmc_model_run(const llmc_model_t *model, size_t entry_point,
                                        const llmc_tensor_t *const *inputs, size_t input_count,
                                        const llmc_run_options_t *options,
                                        llmc_tensor_t **out_outputs, size_t output_count) {
  return runEntryPoint(model, entry_point, inputs, input_count, nullptr, options, out_outputs,
                       output_count);
}

extern "C" void llmc_run_options_initialize(llmc_run_options_t *options) {
  std::memset(options, 0, sizeof(*options));
  options->thread_count = 0;
}
