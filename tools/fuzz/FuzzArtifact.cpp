//===- FuzzArtifact.cpp - libFuzzer target: the artifact loader ------------===//
//
// Loads the input as a .llmc artifact from memory, with LLMC_MODEL_LOAD_FLAG_NO_CODE: the
// header, size and checksum checks, the flatbuffers verifier and the semantic checks of every
// offset, size and index all run, and then every piece of metadata the C API exposes is read
// back, so that ASan sees any read a verified model could make. No code from the input is ever
// loaded or run: the checks are what stands between a file and the runtime (docs/security.md).
//
// The first byte of an input picks how the rest is loaded: odd, its checksum is recomputed
// first (so that mutations get past the checksum to the structural and semantic checks); even,
// it is loaded as it is. scripts/fuzz.sh writes the seeds with both.
//
//===----------------------------------------------------------------------===//
#include "llmc/runtime.h"
#include "runtime/format/ArtifactFormat.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

/// Reads every byte of a NUL-terminated string (ASan checks each read).
size_t touch(const char *text) { return text ? std::strlen(text) : 0; }

void touchSignature(const llmc_tensor_signature_t &signature) {
  touch(signature.name);
  for (size_t d = 0; d < signature.rank; ++d) {
    volatile int64_t dim = signature.dims[d];
    (void)dim;
    touch(signature.dim_symbols[d]);
  }
}

/// Walks the metadata of a loaded model through the public API.
void walk(const llmc_model_t *model) {
  llmc_model_info_t info;
  llmc_model_info(model, &info);
  touch(info.name), touch(info.producer), touch(info.triple), touch(info.cpu);
  for (size_t i = 0; i < info.feature_count; ++i)
    touch(llmc_model_feature(model, i));
  auto ok = [](llmc_status_t status) {
    if (!status)
      return true;
    llmc_status_free(status);
    return false;
  };
  for (size_t e = 0; e < info.entry_point_count; ++e) {
    llmc_entry_point_info_t entry;
    if (!ok(llmc_model_entry_point_info(model, e, &entry)))
      continue;
    touch(entry.name), touch(entry.symbol);
    llmc_tensor_signature_t signature;
    for (size_t i = 0; i < entry.input_count; ++i)
      if (ok(llmc_model_entry_point_input(model, e, i, &signature)))
        touchSignature(signature);
    for (size_t i = 0; i < entry.output_count; ++i)
      if (ok(llmc_model_entry_point_output(model, e, i, &signature)))
        touchSignature(signature);
    size_t index;
    for (size_t i = 0; i < entry.constant_count; ++i)
      (void)ok(llmc_model_entry_point_constant(model, e, i, &index));
    for (size_t i = 0; i < entry.state_count; ++i)
      (void)ok(llmc_model_entry_point_state(model, e, i, &index));
  }
  for (size_t c = 0; c < info.constant_count; ++c) {
    llmc_constant_info_t constant;
    if (!ok(llmc_model_constant_info(model, c, &constant)))
      continue;
    touch(constant.name);
    // The first and last byte of the constant's data, which the verifier put inside the file.
    if (constant.size > 0) {
      volatile uint8_t first = static_cast<const uint8_t *>(constant.data)[0];
      volatile uint8_t last = static_cast<const uint8_t *>(constant.data)[constant.size - 1];
      (void)first, (void)last;
    }
  }
  for (size_t s = 0; s < info.state_count; ++s) {
    llmc_state_info_t state;
    if (ok(llmc_model_state_info(model, s, &state)))
      touch(state.name);
  }
  for (size_t c = 0; c < info.code_object_count; ++c) {
    llmc_code_object_info_t code;
    if (ok(llmc_model_code_object_info(model, c, &code)))
      touch(code.format), touch(code.triple);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const bool reseal = data[0] & 1;
  std::vector<uint8_t> bytes(data + 1, data + size);
  if (reseal && bytes.size() >= llmc::format::kHeaderSize)
    llmc::format::sealChecksum(bytes.data(), bytes.size());
  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE | LLMC_MODEL_LOAD_FLAG_COPY_BUFFER;
  llmc_model_t *model = nullptr;
  if (llmc_status_t status = llmc_model_load_memory(bytes.data(), bytes.size(), &options, &model)) {
    touch(llmc_status_message(status));
    llmc_status_free(status);
    return 0;
  }
  walk(model);
  llmc_model_release(model);
  return 0;
}
