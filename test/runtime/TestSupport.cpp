//===- TestSupport.cpp - Shared helpers of the runtime tests ------------------===//
#include "test/runtime/TestSupport.h"

#include "runtime/format/ArtifactFormat.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc::test {

using namespace llmc::artifact;

std::vector<uint8_t> readBytes(const std::string &path) {
  std::vector<uint8_t> bytes;
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    ADD_FAILURE() << "cannot open " << path;
    return bytes;
  }
  uint8_t buffer[65536];
  size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + read);
  std::fclose(file);
  return bytes;
}

void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::FILE *file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  size_t written = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  ASSERT_EQ(written, bytes.size()) << path;
}

std::string hostTriple() {
#if defined(__x86_64__)
  return "x86_64-unknown-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-unknown-linux-gnu";
#else
  return "unknown-unknown-linux-gnu";
#endif
}

std::vector<uint8_t> hostKernels() {
#if defined(__aarch64__)
  return readBytes(LLMC_TEST_KERNELS_AARCH64);
#else
  return readBytes(LLMC_TEST_KERNELS_X86_64);
#endif
}

std::vector<uint8_t> aarch64Kernels() { return readBytes(LLMC_TEST_KERNELS_AARCH64); }

std::string otherArchitecture() {
#if defined(__x86_64__)
  return "aarch64";
#else
  return "x86_64";
#endif
}

std::string otherTriple() { return otherArchitecture() + "-unknown-linux-gnu"; }

std::vector<uint8_t> otherKernels() {
#if defined(__x86_64__)
  return readBytes(LLMC_TEST_KERNELS_AARCH64);
#else
  return readBytes(LLMC_TEST_KERNELS_X86_64);
#endif
}

namespace {

Dim fixed(int64_t size) { return Dim{size, ""}; }
Dim symbolic(const char *symbol) { return Dim{-1, symbol}; }

TensorSpec tensor(const char *name, DType dtype, std::vector<Dim> dims) {
  return TensorSpec{name, dtype, std::move(dims)};
}

ConstantSpec floatConstant(const char *name, std::vector<int64_t> dims, std::vector<float> values) {
  ConstantSpec constant{name, DType::F32, std::move(dims), {}};
  constant.bytes.resize(values.size() * 4);
  std::memcpy(constant.bytes.data(), values.data(), constant.bytes.size());
  return constant;
}

EntryPointSpec entry(const char *name, std::vector<TensorSpec> inputs,
                     std::vector<TensorSpec> outputs, std::vector<uint32_t> constants,
                     uint64_t scratchBytes) {
  EntryPointSpec spec;
  spec.name = name;
  spec.symbol = name;
  spec.inputs = std::move(inputs);
  spec.outputs = std::move(outputs);
  spec.constants = std::move(constants);
  spec.scratchBytes = scratchBytes;
  return spec;
}

ModelSpec baseModel(const char *name) {
  ModelSpec model;
  model.name = name;
  model.producer = "llmc-runtime-tests";
  model.triple = hostTriple();
  model.cpu = "generic";
  model.features = {"+sse2"};
  model.codeObjects.push_back(CodeObjectSpec{"elf-shared-object", hostTriple(), hostKernels()});
  return model;
}

} // namespace

ModelSpec addBiasModel() {
  ModelSpec model = baseModel("add-bias");
  model.constants.push_back(floatConstant("bias", {3}, {10, 20, 30}));
  model.entryPoints.push_back(entry("add_bias",
                                    {tensor("a", DType::F32, {symbolic("N"), fixed(3)}),
                                     tensor("b", DType::F32, {symbolic("N"), fixed(3)})},
                                    {tensor("out", DType::F32, {symbolic("N"), fixed(3)})}, {0},
                                    4096));
  return model;
}

ModelSpec languageModel() {
  ModelSpec model = baseModel("tiny-lm");
  std::vector<int64_t> cache = {8, 2, 4};
  model.states.push_back(StateSpec{"blk.0.k_cache", DType::F32, cache});
  model.states.push_back(StateSpec{"blk.0.v_cache", DType::F32, cache});
  for (bool decode : {false, true}) {
    EntryPointSpec spec = entry(decode ? "decode" : "prefill",
                                {tensor("tokens", DType::I32, {decode ? fixed(1) : symbolic("T")}),
                                 tensor("start", DType::I64, {})},
                                {tensor("logits", DType::F32, {fixed(1), fixed(6)})}, {0}, 64);
    spec.states = {0, 1};
    model.entryPoints.push_back(spec);
  }
  model.constants.push_back(floatConstant("w", {2}, {1, 2}));
  LanguageModelSpec &lm = model.languageModel;
  lm.present = true;
  lm.architecture = "llama";
  lm.prefill = 0;
  lm.decode = 1;
  lm.contextLength = 8;
  lm.vocabSize = 6;
  lm.tokenizer.model = "llama";
  // U+2581 is SentencePiece's space.
  lm.tokenizer.tokens = {"<unk>",
                         "<s>",
                         "</s>",
                         "\xe2\x96\x81"
                         "a",
                         "\xe2\x96\x81"
                         "b",
                         "c"};
  lm.tokenizer.scores = {0, 0, 0, -1, -2, -3};
  lm.tokenizer.tokenTypes = {2, 3, 3, 1, 1, 1};
  lm.tokenizer.bos = 1;
  lm.tokenizer.eos = 2;
  lm.tokenizer.unknown = 0;
  return model;
}

ModelSpec kernelModel() {
  ModelSpec model = addBiasModel();
  model.name = "test-kernels";
  model.constants.push_back(floatConstant("c0", {}, {1}));
  model.constants.push_back(floatConstant("c1", {}, {2}));
  model.constants.push_back(floatConstant("c2", {}, {3}));
  std::vector<Dim> shape345 = {fixed(3), fixed(4), fixed(5)};
  model.entryPoints.push_back(
      entry("add3d", {tensor("x", DType::F32, shape345), tensor("y", DType::F32, shape345)},
            {tensor("sum", DType::F32, shape345)}, {}, 240));
  model.entryPoints.push_back(
      entry("views", {tensor("a", DType::F32, {fixed(2), fixed(3)})},
            {tensor("transposed", DType::F32, {fixed(3), fixed(2)}),
             tensor("tail", DType::F32, {fixed(1), fixed(3)}), tensor("total", DType::F32, {})},
            {}, 64));
  for (int count : {9, 10}) {
    std::vector<TensorSpec> inputs;
    for (int i = 0; i < count; ++i)
      inputs.push_back(tensor(("x" + std::to_string(i)).c_str(), DType::F32, {}));
    model.entryPoints.push_back(entry(count == 9 ? "many_args_odd" : "many_args_even", inputs,
                                      {tensor("out", DType::F32, {})}, {1, 2, 3}, 4));
  }
  model.entryPoints.push_back(entry(
      "parallel_double", {tensor("x", DType::F32, {symbolic("N")})},
      {tensor("y", DType::F32, {symbolic("N")}), tensor("threads", DType::I64, {})}, {}, 65536));
  model.entryPoints.push_back(entry("positives", {tensor("x", DType::F32, {symbolic("")})},
                                    {tensor("y", DType::F32, {symbolic("")})}, {}, 4096));
  model.entryPoints.push_back(entry("increment_i64", {tensor("x", DType::I64, {symbolic("N")})},
                                    {tensor("y", DType::I64, {symbolic("N")})}, {}, 4096));
  model.entryPoints.push_back(entry("negative_size", {tensor("x", DType::F32, {fixed(4)})},
                                    {tensor("y", DType::F32, {symbolic("")})}, {}, 0));
  model.entryPoints.push_back(entry("wrong_static_size", {tensor("x", DType::F32, {fixed(4)})},
                                    {tensor("y", DType::F32, {fixed(4)})}, {}, 0));
  return model;
}

std::vector<uint8_t> serialize(const ModelSpec &model) {
  std::vector<uint8_t> bytes;
  std::string error;
  EXPECT_TRUE(writeArtifactToMemory(model, &bytes, &error)) << error;
  return bytes;
}

std::vector<uint8_t> mutated(const ModelSpec &spec,
                             const std::function<void(fb::Model *)> &mutate) {
  std::vector<uint8_t> bytes = serialize(spec);
  format::FileHeader header = format::decodeHeader(bytes.data());
  mutate(fb::GetMutableModel(bytes.data() + header.flatbufferOffset));
  format::sealChecksum(bytes.data(), bytes.size());
  return bytes;
}

std::string loadError(const std::vector<uint8_t> &bytes, uint32_t flags, llmc_status_code_t *code) {
  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = flags;
  llmc_model_t *model = nullptr;
  llmc_status_t status = llmc_model_load_memory(bytes.data(), bytes.size(), &options, &model);
  if (code)
    *code = llmc_status_code(status);
  if (!status) {
    EXPECT_NE(model, nullptr);
    llmc_model_release(model);
    return "";
  }
  EXPECT_EQ(model, nullptr);
  return consume(status);
}

Tensors::~Tensors() {
  for (llmc_tensor_t *tensor : tensors)
    llmc_tensor_release(tensor);
}

llmc_tensor_t *makeFloatTensor(const std::vector<int64_t> &dims, const std::vector<float> &values) {
  llmc_tensor_t *tensor = nullptr;
  llmc_status_t status =
      llmc_tensor_allocate(LLMC_DTYPE_F32, dims.size(), dims.data(), nullptr, &tensor);
  EXPECT_EQ(status, nullptr) << llmc_status_message(status);
  if (!tensor)
    return nullptr;
  EXPECT_EQ(llmc_tensor_element_count(tensor), values.size());
  if (!values.empty())
    std::memcpy(llmc_tensor_data(tensor), values.data(), values.size() * 4);
  return tensor;
}

std::vector<float> floatValues(const llmc_tensor_t *tensor) {
  std::vector<float> values(llmc_tensor_element_count(tensor));
  std::memcpy(values.data(), llmc_tensor_data(tensor), values.size() * 4);
  return values;
}

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/llmc-runtime-test-XXXXXX";
  if (!mkdtemp(&pattern[0]))
    ADD_FAILURE() << "mkdtemp failed";
  path_ = pattern;
}

namespace {

void removeTree(const std::string &path) {
  if (DIR *directory = opendir(path.c_str())) {
    while (dirent *entry = readdir(directory)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..")
        continue;
      std::string child = path + "/" + name;
      struct stat info;
      if (lstat(child.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
        removeTree(child);
      else
        unlink(child.c_str());
    }
    closedir(directory);
  }
  rmdir(path.c_str());
}

} // namespace

TempDir::~TempDir() { removeTree(path_); }

std::string consume(llmc_status_t status) {
  std::string message = status ? llmc_status_message(status) : "";
  if (status && message.empty())
    message = "(empty message)";
  llmc_status_free(status);
  return message;
}

} // namespace llmc::test
