//===- Model.cpp - Loading, verifying, introspecting and releasing models ----===//
#include "runtime/src/Model.h"

#include "runtime/src/Allocator.h"
#include "runtime/src/CallTrampoline.h"
#include "runtime/src/Status.h"
#include "runtime/src/Target.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LLMC_RUNTIME_VERSION
#define LLMC_RUNTIME_VERSION "0.1.0"
#endif

using namespace llmc::runtime;

namespace {

constexpr size_t kBufferAlignment = 64;

void destroyModel(llmc_model_t *model) {
  for (LoadedCode &code : model->code)
    unloadSharedObject(&code);
  if (model->mapping)
    munmap(model->mapping, model->mappingSize);
  if (model->copy)
    deallocate(model->allocator, model->copy);
  delete model;
}

llmc_status_t checkHost(const ModelMetadata &metadata, bool enable) {
  LLMC_RETURN_IF_ERROR(checkTripleRunsHere("artifact", metadata.triple));
  std::vector<bool> used(metadata.codeObjects.size(), false);
  for (const EntryPoint &entry : metadata.entryPoints)
    used[entry.codeObject] = true;
  for (size_t i = 0; i < metadata.codeObjects.size(); ++i) {
    if (!used[i])
      continue;
    std::string what = formatString("code_objects[%zu]", i);
    LLMC_RETURN_IF_ERROR(checkTripleRunsHere(what.c_str(), metadata.codeObjects[i].triple));
  }
  return checkFeaturesRunHere(metadata.features, enable);
}

llmc_status_t loadCode(llmc_model_t *model) {
  const ModelMetadata &metadata = model->metadata;
  for (const EntryPoint &entry : metadata.entryPoints) {
    size_t arguments = entry.inputs.size() + entry.constants.size() + 3;
    if (arguments > maxPointerArguments())
      return makeStatus(LLMC_STATUS_UNSUPPORTED,
                        "entry point '%s' takes %zu arguments, but on %s this runtime calls at "
                        "most %zu",
                        entry.name, arguments, hostArchitecture(), maxPointerArguments());
  }
  model->code.resize(metadata.codeObjects.size());
  for (const EntryPoint &entry : metadata.entryPoints) {
    size_t index = entry.codeObject;
    if (model->code[index].handle)
      continue;
    const CodeObject &object = metadata.codeObjects[index];
    if (std::strcmp(object.format, "elf-shared-object") != 0)
      return makeStatus(LLMC_STATUS_UNSUPPORTED,
                        "entry point '%s' is in code_objects[%zu] of format '%s'; this runtime "
                        "loads 'elf-shared-object'",
                        entry.name, index, object.format);
    std::string label =
        formatString("%s code_objects[%zu]", metadata.name[0] ? metadata.name : "model", index);
    LLMC_RETURN_IF_ERROR(
        loadSharedObject(object.data, size_t(object.size), label, &model->code[index]));
  }
  for (const EntryPoint &entry : metadata.entryPoints) {
    void *function = findSymbol(model->code[entry.codeObject], entry.symbol);
    if (!function)
      return makeStatus(LLMC_STATUS_NOT_FOUND,
                        "entry point '%s': code_objects[%u] does not export the symbol '%s'",
                        entry.name, entry.codeObject, entry.symbol);
    model->functions.push_back(function);
  }
  model->codeLoaded = true;
  return nullptr;
}

/// Verifies the bytes the model holds and, unless told not to, checks the host and loads the
/// code. Takes ownership of `model`: destroys it on failure.
llmc_status_t finishLoad(llmc_model_t *model, uint32_t flags, llmc_model_t **out_model) {
  llmc_status_t status = verifyArtifact(model->data, model->size, &model->metadata);
  if (!status && !(flags & LLMC_MODEL_LOAD_FLAG_NO_CODE)) {
    status = checkHost(model->metadata, /*enable=*/true);
    if (!status)
      status = loadCode(model);
  }
  if (status) {
    destroyModel(model);
    return status;
  }
  *out_model = model;
  return nullptr;
}

llmc_model_load_options_t resolveOptions(const llmc_model_load_options_t *options) {
  llmc_model_load_options_t resolved;
  llmc_model_load_options_initialize(&resolved);
  if (options)
    resolved = *options;
  resolved.allocator = resolveAllocator(&resolved.allocator);
  return resolved;
}

#define CHECK_ARGUMENT(condition, ...)                                                             \
  do {                                                                                             \
    if (!(condition))                                                                              \
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, __VA_ARGS__);                                \
  } while (0)

void fillSignature(const TensorSignature &tensor, llmc_tensor_signature_t *out) {
  out->name = tensor.name;
  out->dtype = tensor.dtype;
  out->rank = tensor.dims.size();
  out->dims = tensor.dims.data();
  out->dim_symbols = tensor.symbols.data();
}

llmc_status_t checkEntryIndex(const char *function, const llmc_model_t *model, size_t entry) {
  CHECK_ARGUMENT(model, "%s: model is NULL", function);
  CHECK_ARGUMENT(entry < model->metadata.entryPoints.size(),
                 "%s: entry point %zu is out of range (the model has %zu)", function, entry,
                 model->metadata.entryPoints.size());
  return nullptr;
}

} // namespace

extern "C" {

const char *llmc_runtime_version(void) { return LLMC_RUNTIME_VERSION; }

void llmc_model_load_options_initialize(llmc_model_load_options_t *options) {
  std::memset(options, 0, sizeof(*options));
}

llmc_status_t llmc_model_load_file(const char *path, const llmc_model_load_options_t *options,
                                   llmc_model_t **out_model) {
  CHECK_ARGUMENT(out_model, "llmc_model_load_file: out_model is NULL");
  *out_model = nullptr;
  CHECK_ARGUMENT(path, "llmc_model_load_file: path is NULL");
  llmc_model_load_options_t resolved = resolveOptions(options);

  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return makeStatus(errno == ENOENT ? LLMC_STATUS_NOT_FOUND : LLMC_STATUS_IO_ERROR,
                      "cannot open '%s': %s", path, std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int saved = errno;
    close(fd);
    return makeStatus(LLMC_STATUS_IO_ERROR, "cannot stat '%s': %s", path, std::strerror(saved));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "'%s' is not a regular file", path);
  }
  if (uint64_t(info.st_size) < 64) {
    close(fd);
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                      "%s: the file is %lld bytes, smaller than the 64-byte llmc header "
                      "(truncated?)",
                      path, (long long)info.st_size);
  }
  if (uint64_t(info.st_size) > uint64_t(SIZE_MAX)) {
    close(fd);
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "%s: the file is too large to map", path);
  }
  size_t size = size_t(info.st_size);
  void *mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapError = errno;
  close(fd);
  if (mapping == MAP_FAILED)
    return makeStatus(LLMC_STATUS_IO_ERROR, "cannot map '%s' (%zu bytes): %s", path, size,
                      std::strerror(mapError));

  auto *model = new (std::nothrow) llmc_model_t();
  if (!model) {
    munmap(mapping, size);
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "cannot allocate a model");
  }
  model->allocator = resolved.allocator;
  model->mapping = mapping;
  model->mappingSize = size;
  model->data = static_cast<const uint8_t *>(mapping);
  model->size = size;
  llmc_status_t status = finishLoad(model, resolved.flags, out_model);
  return status ? prefixStatus(status, std::string(path) + ": ") : nullptr;
}

llmc_status_t llmc_model_load_memory(const void *data, size_t size,
                                     const llmc_model_load_options_t *options,
                                     llmc_model_t **out_model) {
  CHECK_ARGUMENT(out_model, "llmc_model_load_memory: out_model is NULL");
  *out_model = nullptr;
  CHECK_ARGUMENT(data || size == 0, "llmc_model_load_memory: data is NULL");
  llmc_model_load_options_t resolved = resolveOptions(options);
  if (size < 64)
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                      "the buffer is %zu bytes, smaller than the 64-byte llmc header "
                      "(truncated?)",
                      size);
  auto *model = new (std::nothrow) llmc_model_t();
  if (!model)
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "cannot allocate a model");
  model->allocator = resolved.allocator;
  bool aligned = reinterpret_cast<uintptr_t>(data) % kBufferAlignment == 0;
  if ((resolved.flags & LLMC_MODEL_LOAD_FLAG_COPY_BUFFER) || !aligned) {
    model->copy = allocate(model->allocator, size, kBufferAlignment);
    if (!model->copy) {
      delete model;
      return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot allocate %zu bytes to copy the artifact", size);
    }
    std::memcpy(model->copy, data, size);
    model->data = static_cast<const uint8_t *>(model->copy);
  } else {
    model->data = static_cast<const uint8_t *>(data);
  }
  model->size = size;
  return finishLoad(model, resolved.flags, out_model);
}

void llmc_model_retain(llmc_model_t *model) {
  if (model)
    model->references.fetch_add(1, std::memory_order_relaxed);
}

void llmc_model_release(llmc_model_t *model) {
  if (model && model->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
    destroyModel(model);
}

llmc_status_t llmc_model_check_host(const llmc_model_t *model) {
  CHECK_ARGUMENT(model, "llmc_model_check_host: model is NULL");
  return checkHost(model->metadata, /*enable=*/false);
}

void llmc_model_info(const llmc_model_t *model, llmc_model_info_t *out_info) {
  std::memset(out_info, 0, sizeof(*out_info));
  if (!model)
    return;
  const ModelMetadata &metadata = model->metadata;
  out_info->format_version = metadata.formatVersion;
  out_info->name = metadata.name;
  out_info->producer = metadata.producer;
  out_info->triple = metadata.triple;
  out_info->cpu = metadata.cpu;
  out_info->feature_count = metadata.features.size();
  out_info->entry_point_count = metadata.entryPoints.size();
  out_info->constant_count = metadata.constants.size();
  out_info->constant_bytes = metadata.constantBytes;
  out_info->code_object_count = metadata.codeObjects.size();
  out_info->file_size = metadata.fileSize;
  out_info->code_loaded = model->codeLoaded;
  out_info->state_count = metadata.states.size();
  out_info->state_bytes = 0;
  for (const State &state : metadata.states)
    out_info->state_bytes += state.bytes;
}

const char *llmc_model_feature(const llmc_model_t *model, size_t index) {
  if (!model || index >= model->metadata.features.size())
    return nullptr;
  return model->metadata.features[index];
}

llmc_status_t llmc_model_find_entry_point(const llmc_model_t *model, const char *name,
                                          size_t *out_index) {
  CHECK_ARGUMENT(model && name && out_index,
                 "llmc_model_find_entry_point: model, name and out_index must not be NULL");
  const std::vector<EntryPoint> &entries = model->metadata.entryPoints;
  std::string names;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (std::strcmp(entries[i].name, name) == 0) {
      *out_index = i;
      return nullptr;
    }
    names += std::string(i ? ", '" : "'") + entries[i].name + "'";
  }
  return makeStatus(LLMC_STATUS_NOT_FOUND, "the model has no entry point '%s' (it has %s)", name,
                    names.c_str());
}

llmc_status_t llmc_model_entry_point_info(const llmc_model_t *model, size_t entry_point,
                                          llmc_entry_point_info_t *out_info) {
  LLMC_RETURN_IF_ERROR(checkEntryIndex("llmc_model_entry_point_info", model, entry_point));
  CHECK_ARGUMENT(out_info, "llmc_model_entry_point_info: out_info is NULL");
  const EntryPoint &entry = model->metadata.entryPoints[entry_point];
  out_info->name = entry.name;
  out_info->symbol = entry.symbol;
  out_info->code_object = entry.codeObject;
  out_info->input_count = entry.inputs.size();
  out_info->output_count = entry.outputs.size();
  out_info->constant_count = entry.constants.size();
  out_info->scratch_bytes = entry.scratchBytes;
  out_info->scratch_alignment = entry.scratchAlignment;
  out_info->state_count = entry.states.size();
  return nullptr;
}

llmc_status_t llmc_model_entry_point_input(const llmc_model_t *model, size_t entry_point,
                                           size_t input, llmc_tensor_signature_t *out) {
  LLMC_RETURN_IF_ERROR(checkEntryIndex("llmc_model_entry_point_input", model, entry_point));
  const EntryPoint &entry = model->metadata.entryPoints[entry_point];
  CHECK_ARGUMENT(out, "llmc_model_entry_point_input: out is NULL");
  CHECK_ARGUMENT(input < entry.inputs.size(),
                 "llmc_model_entry_point_input: input %zu is out of range ('%s' has %zu)", input,
                 entry.name, entry.inputs.size());
  fillSignature(entry.inputs[input], out);
  return nullptr;
}

llmc_status_t llmc_model_entry_point_output(const llmc_model_t *model, size_t entry_point,
                                            size_t output, llmc_tensor_signature_t *out) {
  LLMC_RETURN_IF_ERROR(checkEntryIndex("llmc_model_entry_point_output", model, entry_point));
  const EntryPoint &entry = model->metadata.entryPoints[entry_point];
  CHECK_ARGUMENT(out, "llmc_model_entry_point_output: out is NULL");
  CHECK_ARGUMENT(output < entry.outputs.size(),
                 "llmc_model_entry_point_output: output %zu is out of range ('%s' has %zu)", output,
                 entry.name, entry.outputs.size());
  fillSignature(entry.outputs[output], out);
  return nullptr;
}

llmc_status_t llmc_model_entry_point_constant(const llmc_model_t *model, size_t entry_point,
                                              size_t argument, size_t *out_constant) {
  LLMC_RETURN_IF_ERROR(checkEntryIndex("llmc_model_entry_point_constant", model, entry_point));
  const EntryPoint &entry = model->metadata.entryPoints[entry_point];
  CHECK_ARGUMENT(out_constant, "llmc_model_entry_point_constant: out_constant is NULL");
  CHECK_ARGUMENT(argument < entry.constants.size(),
                 "llmc_model_entry_point_constant: argument %zu is out of range ('%s' has %zu)",
                 argument, entry.name, entry.constants.size());
  *out_constant = entry.constants[argument];
  return nullptr;
}

llmc_status_t llmc_model_entry_point_state(const llmc_model_t *model, size_t entry_point,
                                           size_t argument, size_t *out_state) {
  LLMC_RETURN_IF_ERROR(checkEntryIndex("llmc_model_entry_point_state", model, entry_point));
  const EntryPoint &entry = model->metadata.entryPoints[entry_point];
  CHECK_ARGUMENT(out_state, "llmc_model_entry_point_state: out_state is NULL");
  CHECK_ARGUMENT(argument < entry.states.size(),
                 "llmc_model_entry_point_state: argument %zu is out of range ('%s' has %zu)",
                 argument, entry.name, entry.states.size());
  *out_state = entry.states[argument];
  return nullptr;
}

llmc_status_t llmc_model_state_info(const llmc_model_t *model, size_t state,
                                    llmc_state_info_t *out_info) {
  CHECK_ARGUMENT(model && out_info, "llmc_model_state_info: model and out_info must not be NULL");
  CHECK_ARGUMENT(state < model->metadata.states.size(),
                 "llmc_model_state_info: state %zu is out of range (the model has %zu)", state,
                 model->metadata.states.size());
  const State &s = model->metadata.states[state];
  out_info->name = s.name;
  out_info->dtype = s.dtype;
  out_info->rank = s.dims.size();
  out_info->dims = s.dims.data();
  out_info->size = s.bytes;
  return nullptr;
}

llmc_status_t llmc_model_constant_info(const llmc_model_t *model, size_t constant,
                                       llmc_constant_info_t *out_info) {
  CHECK_ARGUMENT(model && out_info,
                 "llmc_model_constant_info: model and out_info must not be NULL");
  CHECK_ARGUMENT(constant < model->metadata.constants.size(),
                 "llmc_model_constant_info: constant %zu is out of range (the model has %zu)",
                 constant, model->metadata.constants.size());
  const Constant &c = model->metadata.constants[constant];
  out_info->name = c.name;
  out_info->dtype = c.dtype;
  out_info->rank = c.dims.size();
  out_info->dims = c.dims.data();
  out_info->offset = c.offset;
  out_info->size = c.size;
  out_info->data = c.data;
  return nullptr;
}

llmc_status_t llmc_model_code_object_info(const llmc_model_t *model, size_t code_object,
                                          llmc_code_object_info_t *out_info) {
  CHECK_ARGUMENT(model && out_info,
                 "llmc_model_code_object_info: model and out_info must not be NULL");
  CHECK_ARGUMENT(code_object < model->metadata.codeObjects.size(),
                 "llmc_model_code_object_info: code object %zu is out of range (the model has "
                 "%zu)",
                 code_object, model->metadata.codeObjects.size());
  const CodeObject &code = model->metadata.codeObjects[code_object];
  out_info->format = code.format;
  out_info->triple = code.triple;
  out_info->offset = code.offset;
  out_info->size = code.size;
  out_info->loaded = code_object < model->code.size() && model->code[code_object].handle;
  return nullptr;
}

} // extern "C"
