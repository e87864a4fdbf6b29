//===- Verifier.cpp - Header, checksum, structure, then meaning --------------===//
//
// Every check a hostile or damaged file could fail returns a status naming the field (as the
// schema spells it) and the values involved. Nothing is read from the flatbuffer before the
// generated verifier has accepted it, and nothing is read through an offset before the
// semantic checks have placed it inside the file.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/Verifier.h"

#include "runtime/format/ArtifactFormat.h"
#include "runtime/schema/llmc_generated.h"
#include "runtime/src/Status.h"
#include "runtime/src/Target.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace llmc::runtime {
namespace {

namespace fmt = llmc::format;

#define INVALID(...) makeStatus(LLMC_STATUS_INVALID_ARTIFACT, __VA_ARGS__)

using ull = unsigned long long;
using ll = long long;

std::string hexBytes(const uint8_t *bytes, size_t count) {
  std::string result;
  for (size_t i = 0; i < count; ++i)
    result += formatString(i ? " %02x" : "%02x", bytes[i]);
  return result;
}

/// A name from the file, safe to print: non-printable bytes escaped, long names cut.
std::string printable(const char *text) {
  std::string result;
  for (size_t i = 0; text[i]; ++i) {
    if (i == 64) {
      result += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
      result += formatString("\\x%02x", c);
    else
      result += char(c);
  }
  return result;
}

llmc_status_t verifyHeader(const uint8_t *data, size_t size, fmt::FileHeader *out) {
  if (size < fmt::kHeaderSize)
    return INVALID("the file is %zu bytes, smaller than the %llu-byte llmc header (truncated?)",
                   size, ull(fmt::kHeaderSize));
  fmt::FileHeader header = fmt::decodeHeader(data);
  if (std::memcmp(header.magic, fmt::kMagic, sizeof(fmt::kMagic)) != 0)
    return INVALID("not an llmc artifact: the file starts with %s, expected the magic %s",
                   hexBytes(data, 8).c_str(), hexBytes(fmt::kMagic, 8).c_str());
  if (header.formatVersion != fmt::kFormatVersion)
    return makeStatus(LLMC_STATUS_UNSUPPORTED,
                      "the artifact has format version %u, but this runtime reads version %u",
                      header.formatVersion, fmt::kFormatVersion);
  if (header.headerSize != fmt::kHeaderSize)
    return INVALID("header size is %u, expected %llu", header.headerSize, ull(fmt::kHeaderSize));
  if (header.flags || header.reserved0 || header.reserved1)
    return INVALID("header flags are 0x%x (reserved 0x%x, 0x%llx), expected 0", header.flags,
                   header.reserved0, ull(header.reserved1));
  if (header.fileSize != size)
    return INVALID("the header says the file is %llu bytes, but it is %zu bytes%s",
                   ull(header.fileSize), size, size < header.fileSize ? " (truncated)" : "");
  if (header.flatbufferOffset < fmt::kHeaderSize || header.flatbufferOffset % 8 != 0)
    return INVALID("flatbuffer offset %llu is not an 8-byte aligned offset after the header",
                   ull(header.flatbufferOffset));
  if (header.flatbufferSize < 8 || header.flatbufferSize > fmt::kMaxFlatbufferSize)
    return INVALID("flatbuffer size %llu is outside [8, %llu]", ull(header.flatbufferSize),
                   ull(fmt::kMaxFlatbufferSize));
  if (header.flatbufferOffset > size || header.flatbufferSize > size - header.flatbufferOffset)
    return INVALID("the flatbuffer (offset %llu, size %llu) ends past the end of the %zu-byte file",
                   ull(header.flatbufferOffset), ull(header.flatbufferSize), size);
  *out = header;
  return nullptr;
}

class SemanticVerifier {
public:
  SemanticVerifier(const uint8_t *data, uint64_t fileSize, uint64_t blobsStart)
      : data_(data), fileSize_(fileSize), blobsStart_(blobsStart) {}

  llmc_status_t verify(const fb::Model *model, uint32_t headerVersion, ModelMetadata *out);

private:
  llmc_status_t checkString(const std::string &field, const flatbuffers::String *string,
                            bool nonEmpty, const char **out);
  llmc_status_t checkBlob(const std::string &field, uint64_t offset, uint64_t size);
  llmc_status_t checkDType(const std::string &field, fb::DType raw, llmc_dtype_t *out);
  llmc_status_t checkAligned(const std::string &field, const flatbuffers::Vector<int64_t> *dims);
  llmc_status_t checkElf(const std::string &field, const CodeObject &code);
  /// Checks static `dims` (rank, each >= 0; `what` names the table in messages: "constants")
  /// and computes the byte size of `dtype` elements, setting *overflow when it does not fit
  /// 64 bits.
  llmc_status_t checkStaticDims(const std::string &label, const char *what,
                                const flatbuffers::Vector<int64_t> *dims, llmc_dtype_t dtype,
                                std::vector<int64_t> *out, uint64_t *bytes, bool *overflow);
  llmc_status_t
  checkSignatures(const std::string &field,
                  const flatbuffers::Vector<flatbuffers::Offset<fb::TensorSignature>> *tensors,
                  std::vector<TensorSignature> *out);
  llmc_status_t checkCodeObjects(const fb::Model *model, ModelMetadata *out);
  llmc_status_t checkConstants(const fb::Model *model, ModelMetadata *out);
  llmc_status_t checkEntryPoints(const fb::Model *model, ModelMetadata *out);
  llmc_status_t checkStates(const fb::Model *model, ModelMetadata *out);
  llmc_status_t checkLanguageModel(const fb::Model *model, ModelMetadata *out);
  llmc_status_t checkTokenizer(const fb::Tokenizer *tokenizer, int64_t vocabSize,
                               TokenizerMetadata *out);

  const uint8_t *data_;
  uint64_t fileSize_;
  uint64_t blobsStart_;
};

llmc_status_t SemanticVerifier::checkString(const std::string &field,
                                            const flatbuffers::String *string, bool nonEmpty,
                                            const char **out) {
  if (!string) {
    if (nonEmpty)
      return INVALID("%s is missing", field.c_str());
    *out = "";
    return nullptr;
  }
  if (std::strlen(string->c_str()) != string->size())
    return INVALID("%s ('%s') contains a NUL byte", field.c_str(),
                   printable(string->c_str()).c_str());
  if (nonEmpty && string->size() == 0)
    return INVALID("%s is empty", field.c_str());
  *out = string->c_str();
  return nullptr;
}

llmc_status_t SemanticVerifier::checkBlob(const std::string &field, uint64_t offset,
                                          uint64_t size) {
  if (offset < blobsStart_)
    return INVALID("%s.offset is %llu, inside the header or the metadata (data starts at %llu)",
                   field.c_str(), ull(offset), ull(blobsStart_));
  if (offset % fmt::kBlobAlignment != 0)
    return INVALID("%s.offset %llu is not a multiple of %llu", field.c_str(), ull(offset),
                   ull(fmt::kBlobAlignment));
  if (size > fileSize_ || offset > fileSize_ - size)
    return INVALID("%s: offset %llu + size %llu ends past the end of the %llu-byte file",
                   field.c_str(), ull(offset), ull(size), ull(fileSize_));
  return nullptr;
}

llmc_status_t SemanticVerifier::checkDType(const std::string &field, fb::DType raw,
                                           llmc_dtype_t *out) {
  unsigned value = unsigned(raw);
  if (value >= unsigned(fmt::kDTypeCount))
    return INVALID("%s.dtype is %u, not a known dtype", field.c_str(), value);
  *out = llmc_dtype_t(value);
  return nullptr;
}

llmc_status_t SemanticVerifier::checkAligned(const std::string &field,
                                             const flatbuffers::Vector<int64_t> *dims) {
  // flatbuffers 2.0.8 verifies the alignment of a vector's length, not of its 8-byte elements;
  // reading them misaligned would be undefined behavior. The builder always aligns them.
  if (dims->size() && reinterpret_cast<uintptr_t>(dims->Data()) % alignof(int64_t) != 0)
    return INVALID("%s.dims is not 8-byte aligned in the metadata", field.c_str());
  return nullptr;
}

llmc_status_t SemanticVerifier::checkElf(const std::string &field, const CodeObject &code) {
  // The dynamic loader would refuse these too, but only after mapping the bytes; and the
  // checks here also run for artifacts that are only inspected.
  const uint8_t *elf = code.data;
  if (code.size < 64)
    return INVALID("%s is %llu bytes, too small for an ELF header", field.c_str(), ull(code.size));
  if (std::memcmp(elf,
                  "\x7f"
                  "ELF",
                  4) != 0)
    return INVALID("%s has format 'elf-shared-object' but starts with %s, not an ELF header",
                   field.c_str(), hexBytes(elf, 4).c_str());
  if (elf[4] != 2 || elf[5] != 1)
    return INVALID("%s is an ELF of class %u and data encoding %u; expected 64-bit "
                   "little-endian (2, 1)",
                   field.c_str(), elf[4], elf[5]);
  unsigned type = unsigned(fmt::loadLE(elf + 16, 2));
  unsigned machine = unsigned(fmt::loadLE(elf + 18, 2));
  if (type != 3)
    return INVALID("%s is an ELF of type %u, expected a shared object (ET_DYN, 3)", field.c_str(),
                   type);
  int expected = elfMachineForArchitecture(tripleArchitecture(code.triple));
  if (expected >= 0 && unsigned(expected) != machine)
    return INVALID("%s is an ELF for machine %u, but its triple %s needs machine %d", field.c_str(),
                   machine, code.triple, expected);
  return nullptr;
}

llmc_status_t SemanticVerifier::checkStaticDims(const std::string &label, const char *what,
                                                const flatbuffers::Vector<int64_t> *dims,
                                                llmc_dtype_t dtype, std::vector<int64_t> *out,
                                                uint64_t *bytes, bool *overflow) {
  LLMC_RETURN_IF_ERROR(checkAligned(label, dims));
  if (dims->size() > fmt::kMaxRank)
    return INVALID("%s has rank %u, more than the supported %u", label.c_str(), dims->size(),
                   fmt::kMaxRank);
  *bytes = llmc_dtype_size(dtype);
  *overflow = false;
  for (flatbuffers::uoffset_t d = 0; d < dims->size(); ++d) {
    int64_t dim = dims->Get(d);
    if (dim < 0)
      return INVALID("%s.dims[%u] is %lld; %s have static sizes >= 0", label.c_str(), d, ll(dim),
                     what);
    out->push_back(dim);
    *overflow |= __builtin_mul_overflow(*bytes, uint64_t(dim), bytes);
  }
  return nullptr;
}

llmc_status_t SemanticVerifier::checkSignatures(
    const std::string &field,
    const flatbuffers::Vector<flatbuffers::Offset<fb::TensorSignature>> *tensors,
    std::vector<TensorSignature> *out) {
  out->resize(tensors->size());
  for (flatbuffers::uoffset_t i = 0; i < tensors->size(); ++i) {
    const fb::TensorSignature *tensor = tensors->Get(i);
    TensorSignature &signature = (*out)[i];
    std::string label = formatString("%s[%u]", field.c_str(), i);
    LLMC_RETURN_IF_ERROR(checkString(label + ".name", tensor->name(), false, &signature.name));
    if (signature.name[0])
      label += " ('" + printable(signature.name) + "')";
    LLMC_RETURN_IF_ERROR(checkDType(label, tensor->dtype(), &signature.dtype));
    const flatbuffers::Vector<int64_t> *dims = tensor->dims();
    LLMC_RETURN_IF_ERROR(checkAligned(label, dims));
    if (dims->size() > fmt::kMaxRank)
      return INVALID("%s has rank %u, more than the supported %u", label.c_str(), dims->size(),
                     fmt::kMaxRank);
    const auto *symbols = tensor->dim_symbols();
    if (symbols && symbols->size() != 0 && symbols->size() != dims->size())
      return INVALID("%s.dim_symbols has %u entries, but the tensor has rank %u", label.c_str(),
                     symbols->size(), dims->size());
    for (flatbuffers::uoffset_t d = 0; d < dims->size(); ++d) {
      int64_t dim = dims->Get(d);
      if (dim < -1)
        return INVALID("%s.dims[%u] is %lld; expected a size >= 0, or -1 for a dynamic dim",
                       label.c_str(), d, ll(dim));
      signature.dims.push_back(dim);
      const char *symbol = "";
      if (symbols && symbols->size())
        LLMC_RETURN_IF_ERROR(checkString(formatString("%s.dim_symbols[%u]", label.c_str(), d),
                                         symbols->Get(d), false, &symbol));
      // A symbol only means something for a dynamic dim; a static size wins.
      signature.symbols.push_back(dim < 0 ? symbol : "");
    }
    // The static dims alone must describe a tensor whose bytes fit int64 (as every tensor the
    // runtime makes must), so that no size computed from them can wrap.
    uint64_t bytes = llmc_dtype_size(signature.dtype);
    bool overflow = false;
    for (int64_t dim : signature.dims)
      if (dim >= 0)
        overflow |= __builtin_mul_overflow(bytes, uint64_t(dim), &bytes);
    if (overflow || bytes > uint64_t(INT64_MAX))
      return INVALID("%s: its static dims describe more than 2^63 bytes", label.c_str());
  }
  // Names identify inputs on llmc-run's command line, so they must be unique when present.
  std::vector<std::string_view> names;
  for (const TensorSignature &signature : *out)
    if (signature.name[0])
      names.push_back(signature.name);
  std::sort(names.begin(), names.end());
  auto duplicate = std::adjacent_find(names.begin(), names.end());
  if (duplicate != names.end())
    return INVALID("%s has two tensors named '%s'", field.c_str(),
                   printable(std::string(*duplicate).c_str()).c_str());
  return nullptr;
}

llmc_status_t SemanticVerifier::checkCodeObjects(const fb::Model *model, ModelMetadata *out) {
  const auto *codeObjects = model->code_objects();
  if (codeObjects->size() == 0)
    return INVALID("code_objects is empty; an artifact needs at least one code object");
  out->codeObjects.resize(codeObjects->size());
  for (flatbuffers::uoffset_t i = 0; i < codeObjects->size(); ++i) {
    const fb::CodeObject *code = codeObjects->Get(i);
    CodeObject &result = out->codeObjects[i];
    std::string label = formatString("code_objects[%u]", i);
    LLMC_RETURN_IF_ERROR(checkString(label + ".format", code->format(), true, &result.format));
    LLMC_RETURN_IF_ERROR(checkString(label + ".triple", code->triple(), true, &result.triple));
    result.offset = code->offset();
    result.size = code->size();
    if (result.size == 0)
      return INVALID("%s.size is 0", label.c_str());
    LLMC_RETURN_IF_ERROR(checkBlob(label, result.offset, result.size));
    result.data = data_ + result.offset;
    if (std::strcmp(result.format, "elf-shared-object") == 0)
      LLMC_RETURN_IF_ERROR(checkElf(label, result));
  }
  return nullptr;
}

llmc_status_t SemanticVerifier::checkConstants(const fb::Model *model, ModelMetadata *out) {
  const auto *constants = model->constants();
  if (!constants)
    return nullptr;
  out->constants.resize(constants->size());
  for (flatbuffers::uoffset_t i = 0; i < constants->size(); ++i) {
    const fb::Constant *constant = constants->Get(i);
    Constant &result = out->constants[i];
    std::string label = formatString("constants[%u]", i);
    LLMC_RETURN_IF_ERROR(checkString(label + ".name", constant->name(), false, &result.name));
    if (result.name[0])
      label += " ('" + printable(result.name) + "')";
    LLMC_RETURN_IF_ERROR(checkDType(label, constant->dtype(), &result.dtype));
    uint64_t bytes;
    bool overflow;
    LLMC_RETURN_IF_ERROR(checkStaticDims(label, "constants", constant->dims(), result.dtype,
                                         &result.dims, &bytes, &overflow));
    result.offset = constant->offset();
    result.size = constant->size();
    std::string type =
        llmc_dtype_name(result.dtype) + dimsString(result.dims.data(), result.dims.size());
    if (overflow || bytes > uint64_t(INT64_MAX))
      return INVALID("%s: %s has more bytes than a 64-bit size holds", label.c_str(), type.c_str());
    if (result.size != bytes)
      return INVALID("%s.size is %llu, but %s needs %llu bytes", label.c_str(), ull(result.size),
                     type.c_str(), ull(bytes));
    LLMC_RETURN_IF_ERROR(checkBlob(label, result.offset, result.size));
    result.data = data_ + result.offset;
    out->constantBytes += result.size;
  }
  return nullptr;
}

llmc_status_t SemanticVerifier::checkEntryPoints(const fb::Model *model, ModelMetadata *out) {
  const auto *entryPoints = model->entry_points();
  if (entryPoints->size() == 0)
    return INVALID("entry_points is empty; an artifact needs at least one entry point");
  out->entryPoints.resize(entryPoints->size());
  for (flatbuffers::uoffset_t i = 0; i < entryPoints->size(); ++i) {
    const fb::EntryPoint *entry = entryPoints->Get(i);
    EntryPoint &result = out->entryPoints[i];
    std::string label = formatString("entry_points[%u]", i);
    LLMC_RETURN_IF_ERROR(checkString(label + ".name", entry->name(), true, &result.name));
    label += " ('" + printable(result.name) + "')";
    LLMC_RETURN_IF_ERROR(checkString(label + ".symbol", entry->symbol(), true, &result.symbol));
    result.codeObject = entry->code_object();
    if (result.codeObject >= out->codeObjects.size())
      return INVALID("%s.code_object is %u, but the artifact has %zu code objects", label.c_str(),
                     result.codeObject, out->codeObjects.size());
    LLMC_RETURN_IF_ERROR(checkSignatures(label + ".inputs", entry->inputs(), &result.inputs));
    LLMC_RETURN_IF_ERROR(checkSignatures(label + ".outputs", entry->outputs(), &result.outputs));
    if (result.outputs.empty())
      return INVALID("%s.outputs is empty; an entry point returns at least one tensor",
                     label.c_str());
    const flatbuffers::Vector<uint32_t> *constants = entry->constants();
    size_t arguments = size_t(result.inputs.size()) + constants->size() + 3;
    if (arguments > kMaxArguments)
      return INVALID("%s takes %zu arguments (%zu inputs, %u constants), more than the "
                     "supported %zu",
                     label.c_str(), arguments, result.inputs.size(), constants->size(),
                     kMaxArguments);
    for (flatbuffers::uoffset_t k = 0; k < constants->size(); ++k) {
      uint32_t index = constants->Get(k);
      if (index >= out->constants.size())
        return INVALID("%s.constants[%u] is %u, but the artifact has %zu constants", label.c_str(),
                       k, index, out->constants.size());
      result.constants.push_back(index);
    }
    if (const flatbuffers::Vector<uint32_t> *states = entry->states()) {
      if (arguments + states->size() > kMaxArguments)
        return INVALID("%s takes more than the supported %zu arguments", label.c_str(),
                       kMaxArguments);
      for (flatbuffers::uoffset_t k = 0; k < states->size(); ++k) {
        uint32_t index = states->Get(k);
        if (index >= out->states.size())
          return INVALID("%s.states[%u] is %u, but the artifact has %zu states", label.c_str(), k,
                         index, out->states.size());
        if (std::find(result.states.begin(), result.states.end(), index) != result.states.end())
          return INVALID("%s.states names state %u twice", label.c_str(), index);
        result.states.push_back(index);
      }
    }
    result.scratchBytes = entry->scratch_bytes();
    result.scratchAlignment = entry->scratch_alignment();
    uint64_t alignment = result.scratchAlignment;
    if (alignment == 0 || (alignment & (alignment - 1)) || alignment > kMaxScratchAlignment)
      return INVALID("%s.scratch_alignment is %llu; expected a power of two up to %llu",
                     label.c_str(), ull(alignment), ull(kMaxScratchAlignment));
    if (result.scratchBytes > (uint64_t(1) << 62))
      return INVALID("%s.scratch_bytes is %llu, more than this runtime can allocate", label.c_str(),
                     ull(result.scratchBytes));
    result.resultWords = 0;
    for (const TensorSignature &output : result.outputs)
      result.resultWords += 3 + 2 * output.dims.size();
  }
  std::vector<std::string_view> names;
  for (const EntryPoint &entry : out->entryPoints)
    names.push_back(entry.name);
  std::sort(names.begin(), names.end());
  auto duplicate = std::adjacent_find(names.begin(), names.end());
  if (duplicate != names.end())
    return INVALID("entry_points has two entry points named '%s'",
                   printable(std::string(*duplicate).c_str()).c_str());
  return nullptr;
}

llmc_status_t SemanticVerifier::verify(const fb::Model *model, uint32_t headerVersion,
                                       ModelMetadata *out) {
  out->formatVersion = model->format_version();
  if (out->formatVersion != headerVersion)
    return INVALID("format_version is %u in the metadata, but %u in the header", out->formatVersion,
                   headerVersion);
  LLMC_RETURN_IF_ERROR(checkString("name", model->name(), false, &out->name));
  LLMC_RETURN_IF_ERROR(checkString("producer", model->producer(), false, &out->producer));
  LLMC_RETURN_IF_ERROR(checkString("triple", model->triple(), true, &out->triple));
  LLMC_RETURN_IF_ERROR(checkString("cpu", model->cpu(), false, &out->cpu));
  if (const auto *features = model->features()) {
    for (flatbuffers::uoffset_t i = 0; i < features->size(); ++i) {
      const char *feature;
      LLMC_RETURN_IF_ERROR(
          checkString(formatString("features[%u]", i), features->Get(i), true, &feature));
      out->features.push_back(feature);
    }
  }
  LLMC_RETURN_IF_ERROR(checkCodeObjects(model, out));
  LLMC_RETURN_IF_ERROR(checkConstants(model, out));
  LLMC_RETURN_IF_ERROR(checkStates(model, out));
  LLMC_RETURN_IF_ERROR(checkEntryPoints(model, out));
  LLMC_RETURN_IF_ERROR(checkLanguageModel(model, out));
  return nullptr;
}

llmc_status_t SemanticVerifier::checkStates(const fb::Model *model, ModelMetadata *out) {
  const auto *states = model->states();
  if (!states)
    return nullptr;
  uint64_t total = 0;
  for (flatbuffers::uoffset_t i = 0; i < states->size(); ++i) {
    const fb::State *state = states->Get(i);
    State result;
    std::string label = formatString("states[%u]", i);
    LLMC_RETURN_IF_ERROR(checkString(label + ".name", state->name(), true, &result.name));
    label += " ('" + printable(result.name) + "')";
    LLMC_RETURN_IF_ERROR(checkDType(label, state->dtype(), &result.dtype));
    uint64_t bytes;
    bool overflow;
    LLMC_RETURN_IF_ERROR(checkStaticDims(label, "states", state->dims(), result.dtype, &result.dims,
                                         &bytes, &overflow));
    overflow |= __builtin_add_overflow(total, bytes, &total);
    if (overflow || total > (uint64_t(1) << 46))
      return INVALID("%s: the states need more memory than this runtime allocates (64 TiB)",
                     label.c_str());
    result.bytes = bytes;
    out->states.push_back(std::move(result));
  }
  return nullptr;
}

llmc_status_t SemanticVerifier::checkTokenizer(const fb::Tokenizer *tokenizer, int64_t vocabSize,
                                               TokenizerMetadata *out) {
  LLMC_RETURN_IF_ERROR(
      checkString("language_model.tokenizer.model", tokenizer->model(), true, &out->model));
  if (std::strcmp(out->model, "llama") != 0 && std::strcmp(out->model, "gpt2") != 0)
    return INVALID("language_model.tokenizer.model is '%s'; expected 'llama' or 'gpt2'",
                   printable(out->model).c_str());
  if (tokenizer->pre())
    LLMC_RETURN_IF_ERROR(
        checkString("language_model.tokenizer.pre", tokenizer->pre(), false, &out->pre));
  const auto *tokens = tokenizer->tokens();
  if (tokens->size() == 0 || int64_t(tokens->size()) > vocabSize)
    return INVALID("language_model.tokenizer.tokens has %u tokens for a vocabulary of %lld",
                   tokens->size(), ll(vocabSize));
  for (flatbuffers::uoffset_t i = 0; i < tokens->size(); ++i)
    out->tokens.emplace_back(tokens->Get(i)->c_str(), tokens->Get(i)->size());
  if (const auto *scores = tokenizer->scores(); scores && scores->size()) {
    if (scores->size() != tokens->size())
      return INVALID("language_model.tokenizer.scores has %u entries for %u tokens", scores->size(),
                     tokens->size());
    out->scores.assign(scores->begin(), scores->end());
  }
  if (const auto *types = tokenizer->token_types(); types && types->size()) {
    if (types->size() != tokens->size())
      return INVALID("language_model.tokenizer.token_types has %u entries for %u tokens",
                     types->size(), tokens->size());
    out->tokenTypes.assign(types->begin(), types->end());
  }
  if (const auto *merges = tokenizer->merges())
    for (flatbuffers::uoffset_t i = 0; i < merges->size(); ++i)
      out->merges.emplace_back(merges->Get(i)->c_str(), merges->Get(i)->size());
  int32_t count = int32_t(tokens->size());
  auto checkId = [&](const char *field, int32_t id, int32_t *to) -> llmc_status_t {
    if (id < -1 || id >= count)
      return INVALID("language_model.tokenizer.%s is %d, not -1 or a token id below %d", field, id,
                     count);
    *to = id;
    return nullptr;
  };
  LLMC_RETURN_IF_ERROR(checkId("bos", tokenizer->bos(), &out->bos));
  LLMC_RETURN_IF_ERROR(checkId("eos", tokenizer->eos(), &out->eos));
  LLMC_RETURN_IF_ERROR(checkId("unknown", tokenizer->unknown(), &out->unknown));
  LLMC_RETURN_IF_ERROR(checkId("padding", tokenizer->padding(), &out->padding));
  out->addBos = tokenizer->add_bos();
  out->addSpacePrefix = tokenizer->add_space_prefix();
  return nullptr;
}

llmc_status_t SemanticVerifier::checkLanguageModel(const fb::Model *model, ModelMetadata *out) {
  const fb::LanguageModel *lm = model->language_model();
  if (!lm)
    return nullptr;
  LanguageModelMetadata &result = out->languageModel;
  LLMC_RETURN_IF_ERROR(
      checkString("language_model.architecture", lm->architecture(), true, &result.architecture));
  result.contextLength = lm->context_length();
  result.vocabSize = lm->vocab_size();
  if (result.contextLength <= 0 || result.contextLength > (int64_t(1) << 24))
    return INVALID("language_model.context_length is %lld; expected 1 to 2^24",
                   ll(result.contextLength));
  if (result.vocabSize <= 0 || result.vocabSize > (int64_t(1) << 31))
    return INVALID("language_model.vocab_size is %lld; expected 1 to 2^31", ll(result.vocabSize));
  result.prefill = lm->prefill();
  result.decode = lm->decode();
  size_t entries = out->entryPoints.size();
  if (result.prefill >= entries || result.decode >= entries)
    return INVALID("language_model names entry points %u and %u, but the artifact has %zu",
                   result.prefill, result.decode, entries);
  // Both take (tokens: i32[n], start: i64[]) and return logits: f32[1, vocab_size], sharing the
  // same states.
  for (uint32_t index : {result.prefill, result.decode}) {
    const EntryPoint &entry = out->entryPoints[index];
    bool decode = index == result.decode;
    const char *role = decode ? "decode" : "prefill";
    if (entry.inputs.size() != 2 || entry.inputs[0].dtype != LLMC_DTYPE_I32 ||
        entry.inputs[0].dims.size() != 1 || (decode && entry.inputs[0].dims[0] != 1) ||
        entry.inputs[1].dtype != LLMC_DTYPE_I64 || !entry.inputs[1].dims.empty())
      return INVALID("language_model.%s ('%s') must take tokens i32[%s] and start i64[]", role,
                     printable(entry.name).c_str(), decode ? "1" : "n");
    if (entry.outputs.size() != 1 || entry.outputs[0].dtype != LLMC_DTYPE_F32 ||
        entry.outputs[0].dims != std::vector<int64_t>{1, result.vocabSize})
      return INVALID("language_model.%s ('%s') must return logits f32[1, %lld]", role,
                     printable(entry.name).c_str(), ll(result.vocabSize));
    if (entry.states != out->entryPoints[result.prefill].states)
      return INVALID("language_model.decode ('%s') and prefill use different states",
                     printable(entry.name).c_str());
  }
  LLMC_RETURN_IF_ERROR(checkTokenizer(lm->tokenizer(), result.vocabSize, &result.tokenizer));
  result.present = true;
  return nullptr;
}

} // namespace

llmc_status_t verifyArtifact(const uint8_t *data, size_t size, ModelMetadata *out) {
  fmt::FileHeader header = {};
  LLMC_RETURN_IF_ERROR(verifyHeader(data, size, &header));

  uint64_t checksum = fmt::computeChecksum(data, size);
  if (checksum != header.checksum)
    return INVALID("checksum mismatch: the header says 0x%016llx, the contents hash to 0x%016llx "
                   "(the file is corrupted)",
                   ull(header.checksum), ull(checksum));

  const uint8_t *flatbuffer = data + header.flatbufferOffset;
  size_t flatbufferSize = size_t(header.flatbufferSize);
  if (!fb::ModelBufferHasIdentifier(flatbuffer)) {
    std::string identifier(reinterpret_cast<const char *>(flatbuffer) + 4, 4);
    return INVALID("the metadata's file identifier is '%s', expected '%s'",
                   printable(identifier.c_str()).c_str(), fb::ModelIdentifier());
  }
  // The verifier gets the flatbuffer's own length: it asserts that it is below 2 GiB.
  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  options.max_tables = 1000000;
  flatbuffers::Verifier verifier(flatbuffer, flatbufferSize, options);
  if (!fb::VerifyModelBuffer(verifier))
    return INVALID("the metadata flatbuffer (%zu bytes at offset %llu) is malformed",
                   flatbufferSize, ull(header.flatbufferOffset));

  out->fileSize = size;
  SemanticVerifier semantic(data, size, header.flatbufferOffset + header.flatbufferSize);
  return semantic.verify(fb::GetModel(flatbuffer), header.formatVersion, out);
}

} // namespace llmc::runtime
