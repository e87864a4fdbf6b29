//===- ArtifactWriter.cpp - Serializes a ModelSpec into a .llmc file ---------===//
#include "runtime/writer/ArtifactWriter.h"

#include "runtime/format/ArtifactFormat.h"
#include "runtime/schema/llmc_generated.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc::artifact {
namespace {

namespace fmt = llmc::format;

bool fail(std::string *error, std::string message) {
  if (error)
    *error = std::move(message);
  return false;
}

std::string quoted(const std::string &name) { return "'" + name + "'"; }

std::string dimsString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

const char *dtypeName(DType dtype) { return fmt::dtypeName(unsigned(dtype)); }

bool isValidDType(DType dtype) { return unsigned(dtype) < unsigned(fmt::kDTypeCount); }

bool validateTensor(const TensorSpec &tensor, const std::string &where, std::string *error) {
  if (!isValidDType(tensor.dtype))
    return fail(error, where + " has an invalid dtype " + std::to_string(unsigned(tensor.dtype)));
  if (tensor.dims.size() > fmt::kMaxRank)
    return fail(error, where + " has rank " + std::to_string(tensor.dims.size()) +
                           ", more than the supported " + std::to_string(fmt::kMaxRank));
  return true;
}

bool validateSignatures(const std::vector<TensorSpec> &tensors, const std::string &entry,
                        const char *kind, std::string *error) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::string where =
        entry + " " + kind + " " + std::to_string(i) + " " + quoted(tensors[i].name);
    if (!validateTensor(tensors[i], where, error))
      return false;
    if (tensors[i].name.find('\0') != std::string::npos)
      return fail(error, where + " has a NUL byte in its name");
    for (size_t j = 0; j < i; ++j)
      if (!tensors[i].name.empty() && tensors[i].name == tensors[j].name)
        return fail(error, entry + " has two " + kind + "s named " + quoted(tensors[i].name));
  }
  return true;
}

} // namespace

bool validateModel(const ModelSpec &model, std::string *error) {
  if (model.triple.empty())
    return fail(error, "the model has no target triple");
  for (size_t i = 0; i < model.features.size(); ++i)
    if (model.features[i].empty())
      return fail(error, "feature " + std::to_string(i) + " is empty");
  if (model.codeObjects.empty())
    return fail(error, "the model has no code object");
  for (size_t i = 0; i < model.codeObjects.size(); ++i) {
    const CodeObjectSpec &code = model.codeObjects[i];
    std::string where = "code object " + std::to_string(i);
    if (code.format.empty())
      return fail(error, where + " has no format");
    if (code.triple.empty())
      return fail(error, where + " has no target triple");
    if (code.bytes.empty())
      return fail(error, where + " is empty");
  }
  for (size_t i = 0; i < model.constants.size(); ++i) {
    const ConstantSpec &constant = model.constants[i];
    std::string where = "constant " + std::to_string(i) + " " + quoted(constant.name);
    if (!isValidDType(constant.dtype))
      return fail(error,
                  where + " has an invalid dtype " + std::to_string(unsigned(constant.dtype)));
    if (constant.dims.size() > fmt::kMaxRank)
      return fail(error, where + " has rank " + std::to_string(constant.dims.size()) +
                             ", more than the supported " + std::to_string(fmt::kMaxRank));
    uint64_t bytes = fmt::dtypeSize(unsigned(constant.dtype));
    for (size_t d = 0; d < constant.dims.size(); ++d) {
      if (constant.dims[d] < 0)
        return fail(error, where + " dim " + std::to_string(d) + " is " +
                               std::to_string(constant.dims[d]) + "; constants are static");
      if (__builtin_mul_overflow(bytes, uint64_t(constant.dims[d]), &bytes) ||
          bytes > uint64_t(INT64_MAX))
        return fail(error, where + " with dims " + dimsString(constant.dims) + " is too large");
    }
    if (constant.bytes.size() != bytes)
      return fail(error, where + " has " + std::to_string(constant.bytes.size()) +
                             " bytes of data, but " + dtypeName(constant.dtype) +
                             dimsString(constant.dims) + " needs " + std::to_string(bytes));
  }
  if (model.entryPoints.empty())
    return fail(error, "the model has no entry point");
  for (size_t i = 0; i < model.entryPoints.size(); ++i) {
    const EntryPointSpec &entry = model.entryPoints[i];
    std::string where = "entry point " + quoted(entry.name);
    if (entry.name.empty())
      return fail(error, "entry point " + std::to_string(i) + " has no name");
    for (size_t j = 0; j < i; ++j)
      if (model.entryPoints[j].name == entry.name)
        return fail(error, "two entry points are named " + quoted(entry.name));
    if (entry.symbol.empty())
      return fail(error, where + " has no symbol");
    if (entry.name.find('\0') != std::string::npos || entry.symbol.find('\0') != std::string::npos)
      return fail(error, where + " has a NUL byte in its name or symbol");
    if (entry.codeObject >= model.codeObjects.size())
      return fail(error, where + " uses code object " + std::to_string(entry.codeObject) +
                             ", but the model has " + std::to_string(model.codeObjects.size()));
    if (entry.outputs.empty())
      return fail(error, where + " has no outputs");
    if (!validateSignatures(entry.inputs, where, "input", error) ||
        !validateSignatures(entry.outputs, where, "output", error))
      return false;
    for (size_t k = 0; k < entry.constants.size(); ++k)
      if (entry.constants[k] >= model.constants.size())
        return fail(error, where + " constant argument " + std::to_string(k) + " is constant " +
                               std::to_string(entry.constants[k]) + ", but the model has " +
                               std::to_string(model.constants.size()));
    for (size_t k = 0; k < entry.states.size(); ++k)
      if (entry.states[k] >= model.states.size())
        return fail(error, where + " state argument " + std::to_string(k) + " is state " +
                               std::to_string(entry.states[k]) + ", but the model has " +
                               std::to_string(model.states.size()));
    uint64_t alignment = entry.scratchAlignment;
    if (alignment == 0 || (alignment & (alignment - 1)) || alignment > 65536)
      return fail(error, where + " has scratch alignment " + std::to_string(alignment) +
                             "; expected a power of two up to 65536");
    if (entry.scratchBytes > uint64_t(INT64_MAX) / 2)
      return fail(error, where + " needs " + std::to_string(entry.scratchBytes) +
                             " bytes of scratch, which is too large");
  }
  for (size_t i = 0; i < model.states.size(); ++i) {
    const StateSpec &state = model.states[i];
    std::string where = "state " + std::to_string(i) + " " + quoted(state.name);
    if (!isValidDType(state.dtype) || state.dims.size() > fmt::kMaxRank)
      return fail(error, where + " has an invalid dtype or rank");
    for (int64_t dim : state.dims)
      if (dim < 0)
        return fail(error, where + " has a dynamic dim; states are static");
  }
  if (model.languageModel.present) {
    const LanguageModelSpec &lm = model.languageModel;
    if (lm.prefill >= model.entryPoints.size() || lm.decode >= model.entryPoints.size())
      return fail(error, "the language model names an entry point the model does not have");
    if (lm.contextLength <= 0 || lm.vocabSize <= 0)
      return fail(error, "the language model needs a positive context length and vocabulary");
    const TokenizerSpec &tokenizer = lm.tokenizer;
    size_t count = tokenizer.tokens.size();
    if (count == 0 || int64_t(count) > lm.vocabSize)
      return fail(error, "the tokenizer has " + std::to_string(count) +
                             " tokens for a vocabulary of " + std::to_string(lm.vocabSize));
    if ((!tokenizer.scores.empty() && tokenizer.scores.size() != count) ||
        (!tokenizer.tokenTypes.empty() && tokenizer.tokenTypes.size() != count))
      return fail(error, "the tokenizer's scores or token types do not match its tokens");
  }
  return true;
}

namespace {

/// Where each blob goes. Code objects come first, then constants, each at increasing offsets.
struct Layout {
  uint64_t flatbufferSize = 0;
  std::vector<uint64_t> codeObjectOffsets, constantOffsets;
  uint64_t fileSize = 0;
};

void layOutBlobs(const ModelSpec &model, uint64_t reservedFlatbufferSize, Layout *layout) {
  uint64_t end = fmt::kHeaderSize + reservedFlatbufferSize;
  layout->codeObjectOffsets.clear();
  layout->constantOffsets.clear();
  for (const CodeObjectSpec &code : model.codeObjects) {
    uint64_t offset = fmt::alignBlobOffset(end, code.bytes.size());
    layout->codeObjectOffsets.push_back(offset);
    end = offset + code.bytes.size();
  }
  for (const ConstantSpec &constant : model.constants) {
    uint64_t offset = fmt::alignBlobOffset(end, constant.bytes.size());
    layout->constantOffsets.push_back(offset);
    end = offset + constant.bytes.size();
  }
  layout->fileSize = end;
}

flatbuffers::Offset<fb::TensorSignature> buildSignature(flatbuffers::FlatBufferBuilder &builder,
                                                        const TensorSpec &tensor) {
  std::vector<int64_t> dims;
  bool anySymbol = false;
  for (const Dim &dim : tensor.dims) {
    dims.push_back(dim.size >= 0 ? dim.size : -1);
    anySymbol |= dim.size < 0 && !dim.symbol.empty();
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> symbols;
  if (anySymbol) {
    std::vector<flatbuffers::Offset<flatbuffers::String>> strings;
    for (const Dim &dim : tensor.dims)
      strings.push_back(builder.CreateString(dim.size < 0 ? dim.symbol : std::string()));
    symbols = builder.CreateVector(strings);
  }
  auto name = builder.CreateString(tensor.name);
  auto dimsVector = builder.CreateVector(dims);
  return fb::CreateTensorSignature(builder, name, static_cast<fb::DType>(tensor.dtype), dimsVector,
                                   symbols);
}

void buildFlatbuffer(const ModelSpec &model, const Layout &layout,
                     flatbuffers::FlatBufferBuilder &builder) {
  // Every scalar is stored even when it equals its default, so that the size of the
  // flatbuffer does not depend on the blob offsets it records (see writeToSink).
  builder.ForceDefaults(true);

  std::vector<flatbuffers::Offset<fb::CodeObject>> codeObjects;
  for (size_t i = 0; i < model.codeObjects.size(); ++i) {
    const CodeObjectSpec &code = model.codeObjects[i];
    auto format = builder.CreateString(code.format);
    auto triple = builder.CreateString(code.triple);
    codeObjects.push_back(fb::CreateCodeObject(builder, format, triple, layout.codeObjectOffsets[i],
                                               code.bytes.size()));
  }
  std::vector<flatbuffers::Offset<fb::Constant>> constants;
  for (size_t i = 0; i < model.constants.size(); ++i) {
    const ConstantSpec &constant = model.constants[i];
    auto name = builder.CreateString(constant.name);
    auto dims = builder.CreateVector(constant.dims);
    constants.push_back(fb::CreateConstant(builder, name, static_cast<fb::DType>(constant.dtype),
                                           dims, layout.constantOffsets[i], constant.bytes.size()));
  }
  std::vector<flatbuffers::Offset<fb::EntryPoint>> entryPoints;
  for (const EntryPointSpec &entry : model.entryPoints) {
    std::vector<flatbuffers::Offset<fb::TensorSignature>> inputs, outputs;
    for (const TensorSpec &tensor : entry.inputs)
      inputs.push_back(buildSignature(builder, tensor));
    for (const TensorSpec &tensor : entry.outputs)
      outputs.push_back(buildSignature(builder, tensor));
    auto name = builder.CreateString(entry.name);
    auto symbol = builder.CreateString(entry.symbol);
    auto inputsVector = builder.CreateVector(inputs);
    auto outputsVector = builder.CreateVector(outputs);
    auto constantsVector = builder.CreateVector(entry.constants);
    auto statesVector = builder.CreateVector(entry.states);
    entryPoints.push_back(fb::CreateEntryPoint(
        builder, name, symbol, entry.codeObject, inputsVector, outputsVector, constantsVector,
        entry.scratchBytes, entry.scratchAlignment, statesVector));
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> features;
  for (const std::string &feature : model.features)
    features.push_back(builder.CreateString(feature));

  auto name = builder.CreateString(model.name);
  auto producer = builder.CreateString(model.producer);
  auto triple = builder.CreateString(model.triple);
  auto cpu = builder.CreateString(model.cpu);
  auto featuresVector = builder.CreateVector(features);
  auto entryPointsVector = builder.CreateVector(entryPoints);
  auto constantsVector = builder.CreateVector(constants);
  auto codeObjectsVector = builder.CreateVector(codeObjects);
  std::vector<flatbuffers::Offset<fb::State>> states;
  for (const StateSpec &state : model.states)
    states.push_back(fb::CreateState(builder, builder.CreateString(state.name),
                                     static_cast<fb::DType>(state.dtype),
                                     builder.CreateVector(state.dims)));
  auto statesVector = builder.CreateVector(states);
  flatbuffers::Offset<fb::LanguageModel> languageModel;
  if (model.languageModel.present) {
    const LanguageModelSpec &lm = model.languageModel;
    const TokenizerSpec &t = lm.tokenizer;
    auto tokenizer = fb::CreateTokenizer(
        builder, builder.CreateString(t.model), builder.CreateString(t.pre),
        builder.CreateVectorOfStrings(t.tokens), builder.CreateVector(t.scores),
        builder.CreateVector(t.tokenTypes), builder.CreateVectorOfStrings(t.merges), t.bos, t.eos,
        t.unknown, t.padding, t.addBos, t.addSpacePrefix);
    languageModel =
        fb::CreateLanguageModel(builder, builder.CreateString(lm.architecture), lm.prefill,
                                lm.decode, lm.contextLength, lm.vocabSize, tokenizer);
  }
  auto root = fb::CreateModel(builder, fmt::kFormatVersion, name, producer, triple, cpu,
                              featuresVector, entryPointsVector, constantsVector, codeObjectsVector,
                              statesVector, languageModel);
  fb::FinishModelBuffer(builder, root);
}

/// Receives the bytes of the file in order, then the final header.
class Sink {
public:
  virtual ~Sink() = default;
  virtual bool write(const void *data, size_t size, std::string *error) = 0;
  virtual bool patchHeader(const uint8_t *header, std::string *error) = 0;
};

bool writeToSink(const ModelSpec &model, Sink &sink, std::string *error) {
  if (!validateModel(model, error))
    return false;

  // The flatbuffer records the blob offsets and the blobs follow it, so its size is needed
  // before it can be built: build it with provisional offsets, lay the blobs out after that
  // size, and rebuild. With every scalar present the size does not depend on the offsets, so
  // one rebuild suffices; the loop only guards that assumption.
  Layout layout;
  layOutBlobs(model, 0, &layout);
  flatbuffers::FlatBufferBuilder builder(4096);
  buildFlatbuffer(model, layout, builder);
  uint64_t reserved = builder.GetSize();
  for (int attempt = 0;; ++attempt) {
    if (reserved > fmt::kMaxFlatbufferSize)
      return fail(error, "the model's metadata needs " + std::to_string(reserved) +
                             " bytes of flatbuffer, more than the 2 GiB flatbuffers allows");
    layOutBlobs(model, reserved, &layout);
    builder.Clear();
    buildFlatbuffer(model, layout, builder);
    if (builder.GetSize() <= reserved)
      break;
    if (attempt == 4)
      return fail(error, "the flatbuffer size does not converge (internal error)");
    reserved = builder.GetSize();
  }
  layout.flatbufferSize = builder.GetSize();

  fmt::FileHeader header = {};
  std::memcpy(header.magic, fmt::kMagic, sizeof(header.magic));
  header.formatVersion = fmt::kFormatVersion;
  header.headerSize = uint32_t(fmt::kHeaderSize);
  header.flatbufferOffset = fmt::kHeaderSize;
  header.flatbufferSize = layout.flatbufferSize;
  header.fileSize = layout.fileSize;
  uint8_t headerBytes[fmt::kHeaderSize];
  fmt::encodeHeader(header, headerBytes);

  fmt::XXHash64 checksum;
  checksum.update(headerBytes, fmt::kChecksumOffset);
  checksum.update(headerBytes + fmt::kChecksumOffset + fmt::kChecksumSize,
                  fmt::kHeaderSize - fmt::kChecksumOffset - fmt::kChecksumSize);
  uint64_t position = 0;
  auto emit = [&](const void *data, size_t size) {
    if (!size)
      return true;
    if (position >= fmt::kHeaderSize)
      checksum.update(data, size);
    position += size;
    return sink.write(data, size, error);
  };
  static const uint8_t zeros[4096] = {};
  auto padTo = [&](uint64_t offset) {
    while (position < offset)
      if (!emit(zeros, size_t(std::min<uint64_t>(sizeof(zeros), offset - position))))
        return false;
    return true;
  };

  if (!emit(headerBytes, sizeof(headerBytes)) ||
      !emit(builder.GetBufferPointer(), builder.GetSize()))
    return false;
  for (size_t i = 0; i < model.codeObjects.size(); ++i)
    if (!padTo(layout.codeObjectOffsets[i]) ||
        !emit(model.codeObjects[i].bytes.data(), model.codeObjects[i].bytes.size()))
      return false;
  for (size_t i = 0; i < model.constants.size(); ++i)
    if (!padTo(layout.constantOffsets[i]) ||
        !emit(model.constants[i].bytes.data(), model.constants[i].bytes.size()))
      return false;
  if (!padTo(layout.fileSize))
    return false;

  header.checksum = checksum.digest();
  fmt::encodeHeader(header, headerBytes);
  return sink.patchHeader(headerBytes, error);
}

class MemorySink : public Sink {
public:
  explicit MemorySink(std::vector<uint8_t> *out) : out_(out) { out_->clear(); }
  bool write(const void *data, size_t size, std::string *) override {
    const uint8_t *bytes = static_cast<const uint8_t *>(data);
    out_->insert(out_->end(), bytes, bytes + size);
    return true;
  }
  bool patchHeader(const uint8_t *header, std::string *) override {
    std::memcpy(out_->data(), header, fmt::kHeaderSize);
    return true;
  }

private:
  std::vector<uint8_t> *out_;
};

class FileSink : public Sink {
public:
  FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  bool write(const void *data, size_t size, std::string *error) override {
    const uint8_t *bytes = static_cast<const uint8_t *>(data);
    while (size) {
      ssize_t written = ::write(fd_, bytes, size);
      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return fail(error, "cannot write '" + path_ + "': " + std::strerror(errno));
      bytes += written;
      size -= size_t(written);
    }
    return true;
  }
  bool patchHeader(const uint8_t *header, std::string *error) override {
    if (::pwrite(fd_, header, fmt::kHeaderSize, 0) != ssize_t(fmt::kHeaderSize))
      return fail(error, "cannot write '" + path_ + "': " + std::strerror(errno));
    return true;
  }

private:
  int fd_;
  std::string path_;
};

} // namespace

bool writeArtifactToMemory(const ModelSpec &model, std::vector<uint8_t> *out, std::string *error) {
  MemorySink sink(out);
  return writeToSink(model, sink, error);
}

bool writeArtifact(const ModelSpec &model, const std::string &path, std::string *error) {
  if (path.empty())
    return fail(error, "no output path for the artifact");
  // Validate before creating anything, so that a bad model leaves no file behind.
  if (!validateModel(model, error))
    return false;
  // A unique name next to the destination, opened like any output file (0666 less the umask).
  static std::atomic<unsigned> counter{0};
  std::string temporary;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temporary =
        path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return fail(error,
                "cannot create '" + path + "' (as '" + temporary + "'): " + std::strerror(errno));

  FileSink sink(fd, temporary);
  bool ok = writeToSink(model, sink, error);
  if (::close(fd) != 0 && ok)
    ok = fail(error, "cannot write '" + temporary + "': " + std::strerror(errno));
  if (ok && ::rename(temporary.c_str(), path.c_str()) != 0)
    ok =
        fail(error, "cannot rename '" + temporary + "' to '" + path + "': " + std::strerror(errno));
  if (!ok)
    ::unlink(temporary.c_str());
  return ok;
}

} // namespace llmc::artifact
