//===- ArtifactTest.cpp - Writer -> loader round trips and the file layout ----===//
#include "runtime/format/ArtifactFormat.h"
#include "runtime/format/XXHash64.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <cstring>

namespace llmc::test {
namespace {

using namespace llmc::artifact;
namespace fmt = llmc::format;

TEST(XXHash64Test, MatchesReferenceVectors) {
  // Reference values from libxxhash 0.8.1 (XXH64 with seeds 0 and 12345).
  struct Vector {
    std::string input;
    uint64_t seed0, seed12345;
  };
  std::string long771;
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 256; ++i)
      long771 += char(i);
  long771 += "xyz";
  const Vector vectors[] = {
      {"", 0xef46db3751d8e999ULL, 0x95584af7701f808dULL},
      {"a", 0xd24ec4f1a98c6e5bULL, 0x747b860523d69ab6ULL},
      {"abc", 0x44bc2cf5ad770999ULL, 0x1700e64f6f23509ULL},
      {"Nobody inspects the spammish repetition", 0xfbcea83c8a378bf1ULL, 0x81a876428a9313bULL},
      {long771, 0xe921a1b45bd779f8ULL, 0x6b1b5d671fb93b43ULL},
  };
  for (const Vector &v : vectors) {
    EXPECT_EQ(fmt::XXHash64::hash(v.input.data(), v.input.size()), v.seed0) << v.input.size();
    EXPECT_EQ(fmt::XXHash64::hash(v.input.data(), v.input.size(), 12345), v.seed12345);
    // Streaming in uneven pieces gives the same digest.
    fmt::XXHash64 state;
    for (size_t i = 0; i < v.input.size(); i += 7)
      state.update(v.input.data() + i, std::min<size_t>(7, v.input.size() - i));
    EXPECT_EQ(state.digest(), v.seed0);
  }
}

TEST(ArtifactTest, MetadataRoundTrips) {
  ModelSpec spec = kernelModel();
  spec.cpu = "skylake-avx512";
  spec.features = {"+avx2", "-avx512f", "+fma"};
  std::vector<uint8_t> bytes = serialize(spec);

  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
  ModelHandle handle;
  ASSERT_EQ(consume(llmc_model_load_memory(bytes.data(), bytes.size(), &options, &handle.model)),
            "");
  llmc_model_info_t info;
  llmc_model_info(handle.model, &info);
  EXPECT_EQ(info.format_version, 1u);
  EXPECT_STREQ(info.name, "test-kernels");
  EXPECT_STREQ(info.producer, "llmc-runtime-tests");
  EXPECT_EQ(std::string(info.triple), hostTriple());
  EXPECT_STREQ(info.cpu, "skylake-avx512");
  ASSERT_EQ(info.feature_count, 3u);
  EXPECT_STREQ(llmc_model_feature(handle.model, 0), "+avx2");
  EXPECT_STREQ(llmc_model_feature(handle.model, 1), "-avx512f");
  EXPECT_STREQ(llmc_model_feature(handle.model, 2), "+fma");
  EXPECT_EQ(llmc_model_feature(handle.model, 3), nullptr);
  EXPECT_EQ(info.entry_point_count, spec.entryPoints.size());
  EXPECT_EQ(info.constant_count, 4u);
  EXPECT_EQ(info.constant_bytes, 12u + 3 * 4u);
  EXPECT_EQ(info.code_object_count, 1u);
  EXPECT_EQ(info.file_size, bytes.size());
  EXPECT_FALSE(info.code_loaded);

  for (size_t e = 0; e < spec.entryPoints.size(); ++e) {
    const EntryPointSpec &expected = spec.entryPoints[e];
    llmc_entry_point_info_t entry;
    ASSERT_EQ(consume(llmc_model_entry_point_info(handle.model, e, &entry)), "");
    EXPECT_EQ(entry.name, expected.name);
    EXPECT_EQ(entry.symbol, expected.symbol);
    EXPECT_EQ(entry.code_object, 0u);
    EXPECT_EQ(entry.scratch_bytes, expected.scratchBytes);
    EXPECT_EQ(entry.scratch_alignment, 64u);
    ASSERT_EQ(entry.input_count, expected.inputs.size());
    ASSERT_EQ(entry.output_count, expected.outputs.size());
    ASSERT_EQ(entry.constant_count, expected.constants.size());
    for (size_t i = 0; i < entry.input_count + entry.output_count; ++i) {
      bool isInput = i < entry.input_count;
      size_t index = isInput ? i : i - entry.input_count;
      const TensorSpec &tensor = isInput ? expected.inputs[index] : expected.outputs[index];
      llmc_tensor_signature_t signature;
      ASSERT_EQ(consume(isInput
                            ? llmc_model_entry_point_input(handle.model, e, index, &signature)
                            : llmc_model_entry_point_output(handle.model, e, index, &signature)),
                "");
      EXPECT_EQ(signature.name, tensor.name);
      EXPECT_EQ(int(signature.dtype), int(tensor.dtype));
      ASSERT_EQ(signature.rank, tensor.dims.size());
      for (size_t d = 0; d < signature.rank; ++d) {
        EXPECT_EQ(signature.dims[d], tensor.dims[d].size >= 0 ? tensor.dims[d].size : -1);
        EXPECT_EQ(signature.dim_symbols[d],
                  tensor.dims[d].size >= 0 ? std::string() : tensor.dims[d].symbol);
      }
    }
    for (size_t k = 0; k < entry.constant_count; ++k) {
      size_t constant;
      ASSERT_EQ(consume(llmc_model_entry_point_constant(handle.model, e, k, &constant)), "");
      EXPECT_EQ(constant, expected.constants[k]);
    }
  }

  for (size_t c = 0; c < spec.constants.size(); ++c) {
    llmc_constant_info_t constant;
    ASSERT_EQ(consume(llmc_model_constant_info(handle.model, c, &constant)), "");
    EXPECT_EQ(constant.name, spec.constants[c].name);
    EXPECT_EQ(constant.rank, spec.constants[c].dims.size());
    EXPECT_EQ(constant.size, spec.constants[c].bytes.size());
    EXPECT_EQ(constant.offset % 64, 0u);
    EXPECT_EQ(std::memcmp(constant.data, spec.constants[c].bytes.data(), constant.size), 0);
  }
  llmc_code_object_info_t code;
  ASSERT_EQ(consume(llmc_model_code_object_info(handle.model, 0, &code)), "");
  EXPECT_STREQ(code.format, "elf-shared-object");
  EXPECT_EQ(code.size, spec.codeObjects[0].bytes.size());
  EXPECT_EQ(code.offset % 64, 0u);
  EXPECT_FALSE(code.loaded);
  EXPECT_EQ(std::memcmp(bytes.data() + code.offset, spec.codeObjects[0].bytes.data(), code.size),
            0);

  size_t index = 99;
  EXPECT_EQ(consume(llmc_model_find_entry_point(handle.model, "views", &index)), "");
  EXPECT_EQ(index, 2u);
  EXPECT_EQ(consume(llmc_model_find_entry_point(handle.model, "nope", &index)),
            "the model has no entry point 'nope' (it has 'add_bias', 'add3d', 'views', "
            "'many_args_odd', 'many_args_even', 'parallel_double', 'positives', "
            "'increment_i64', 'negative_size', 'wrong_static_size')");
  EXPECT_NE(consume(llmc_model_entry_point_info(handle.model, 99, nullptr)), "");
  EXPECT_NE(consume(llmc_model_constant_info(handle.model, 99, nullptr)), "");
}

TEST(ArtifactTest, FileLayoutFollowsTheFormat) {
  ModelSpec spec = addBiasModel();
  // A large constant goes to a page boundary.
  ConstantSpec large{"large", DType::U8, {70000}, std::vector<uint8_t>(70000, 7)};
  spec.constants.push_back(large);
  std::vector<uint8_t> bytes = serialize(spec);
  fmt::FileHeader header = fmt::decodeHeader(bytes.data());
  EXPECT_EQ(std::memcmp(header.magic, "LLMC\r\n\x1a\n", 8), 0);
  EXPECT_EQ(header.formatVersion, 1u);
  EXPECT_EQ(header.headerSize, 64u);
  EXPECT_EQ(header.flatbufferOffset, 64u);
  EXPECT_EQ(header.fileSize, bytes.size());
  EXPECT_EQ(header.checksum, fmt::computeChecksum(bytes.data(), bytes.size()));
  EXPECT_EQ(std::memcmp(bytes.data() + 64 + 4, "LLMC", 4), 0) << "flatbuffer file identifier";

  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
  ModelHandle handle;
  ASSERT_EQ(consume(llmc_model_load_memory(bytes.data(), bytes.size(), &options, &handle.model)),
            "");
  llmc_constant_info_t constant;
  ASSERT_EQ(consume(llmc_model_constant_info(handle.model, 1, &constant)), "");
  EXPECT_EQ(constant.offset % 4096, 0u);
  EXPECT_GE(constant.offset, header.flatbufferOffset + header.flatbufferSize);
}

TEST(ArtifactTest, WriteToFileAndMapIt) {
  TempDir dir;
  std::string path = dir.file("model.llmc");
  std::string error;
  ASSERT_TRUE(writeArtifact(addBiasModel(), path, &error)) << error;
  ModelHandle handle;
  ASSERT_EQ(consume(llmc_model_load_file(path.c_str(), nullptr, &handle.model)), "");
  llmc_model_info_t info;
  llmc_model_info(handle.model, &info);
  EXPECT_TRUE(info.code_loaded);
  llmc_constant_info_t constant;
  ASSERT_EQ(consume(llmc_model_constant_info(handle.model, 0, &constant)), "");
  // Constants are read in place from the 64-byte aligned mapping, never copied.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(constant.data) % 64, 0u);
  float bias[3];
  std::memcpy(bias, constant.data, sizeof(bias));
  EXPECT_EQ(bias[2], 30.0f);

  // Overwriting leaves no temporary files behind.
  ASSERT_TRUE(writeArtifact(addBiasModel(), path, &error)) << error;
  EXPECT_FALSE(writeArtifact(addBiasModel(), dir.file("missing/model.llmc"), &error));
  EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST(ArtifactTest, WriterRefusesInvalidModels) {
  struct Case {
    const char *expected;
    void (*mutate)(ModelSpec &);
  };
  const Case cases[] = {
      {"the model has no target triple", [](ModelSpec &m) { m.triple.clear(); }},
      {"the model has no code object", [](ModelSpec &m) { m.codeObjects.clear(); }},
      {"code object 0 is empty", [](ModelSpec &m) { m.codeObjects[0].bytes.clear(); }},
      {"the model has no entry point", [](ModelSpec &m) { m.entryPoints.clear(); }},
      {"constant 0 'bias' has 8 bytes of data, but f32[3] needs 12",
       [](ModelSpec &m) { m.constants[0].bytes.resize(8); }},
      {"constant 0 'bias' dim 0 is -3; constants are static",
       [](ModelSpec &m) { m.constants[0].dims[0] = -3; }},
      {"constant 0 'bias' with dims [4611686018427387904, 4] is too large",
       [](ModelSpec &m) {
         m.constants[0].dims = {int64_t(1) << 62, 4};
       }},
      {"entry point 'add_bias' constant argument 0 is constant 5, but the model has 1",
       [](ModelSpec &m) { m.entryPoints[0].constants[0] = 5; }},
      {"entry point 'add_bias' uses code object 2, but the model has 1",
       [](ModelSpec &m) { m.entryPoints[0].codeObject = 2; }},
      {"entry point 'add_bias' has scratch alignment 48; expected a power of two up to 65536",
       [](ModelSpec &m) { m.entryPoints[0].scratchAlignment = 48; }},
      {"entry point 'add_bias' has no symbol", [](ModelSpec &m) { m.entryPoints[0].symbol = ""; }},
      {"entry point 'add_bias' has no outputs",
       [](ModelSpec &m) { m.entryPoints[0].outputs.clear(); }},
      {"entry point 'add_bias' has two inputs named 'a'",
       [](ModelSpec &m) { m.entryPoints[0].inputs[1].name = "a"; }},
      {"two entry points are named 'add_bias'",
       [](ModelSpec &m) { m.entryPoints.push_back(m.entryPoints[0]); }},
      {"entry point 'add_bias' input 0 'a' has rank 17, more than the supported 16",
       [](ModelSpec &m) { m.entryPoints[0].inputs[0].dims.resize(17); }},
  };
  for (const Case &c : cases) {
    ModelSpec spec = addBiasModel();
    c.mutate(spec);
    std::vector<uint8_t> bytes;
    std::string error;
    EXPECT_FALSE(writeArtifactToMemory(spec, &bytes, &error)) << c.expected;
    EXPECT_EQ(error, c.expected);
  }
}

TEST(ArtifactTest, StaticDimsDropSymbols) {
  ModelSpec spec = addBiasModel();
  spec.entryPoints[0].inputs[0].dims[1].symbol = "M"; // static size 3 wins
  std::vector<uint8_t> bytes = serialize(spec);
  ModelHandle handle;
  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
  ASSERT_EQ(consume(llmc_model_load_memory(bytes.data(), bytes.size(), &options, &handle.model)),
            "");
  llmc_tensor_signature_t signature;
  ASSERT_EQ(consume(llmc_model_entry_point_input(handle.model, 0, 0, &signature)), "");
  EXPECT_EQ(signature.dims[1], 3);
  EXPECT_STREQ(signature.dim_symbols[1], "");
  EXPECT_STREQ(signature.dim_symbols[0], "N");
}

TEST(ArtifactTest, MemoryLoadCopiesOnlyWhenNeeded) {
  std::vector<uint8_t> bytes = serialize(addBiasModel());
  // An aligned buffer is used in place.
  void *aligned = nullptr;
  ASSERT_EQ(posix_memalign(&aligned, 64, bytes.size() + 1), 0);
  std::memcpy(aligned, bytes.data(), bytes.size());
  {
    ModelHandle handle;
    ASSERT_EQ(consume(llmc_model_load_memory(aligned, bytes.size(), nullptr, &handle.model)), "");
    llmc_constant_info_t constant;
    ASSERT_EQ(consume(llmc_model_constant_info(handle.model, 0, &constant)), "");
    EXPECT_EQ(static_cast<const uint8_t *>(constant.data) - static_cast<uint8_t *>(aligned),
              ptrdiff_t(constant.offset));
  }
  // A misaligned one (or LLMC_MODEL_LOAD_FLAG_COPY_BUFFER) is copied, and the copy is aligned.
  uint8_t *misaligned = static_cast<uint8_t *>(aligned) + 1;
  std::memmove(misaligned, aligned, bytes.size());
  {
    ModelHandle handle;
    ASSERT_EQ(consume(llmc_model_load_memory(misaligned, bytes.size(), nullptr, &handle.model)),
              "");
    std::memset(misaligned, 0, bytes.size()); // the model does not depend on the buffer
    llmc_constant_info_t constant;
    ASSERT_EQ(consume(llmc_model_constant_info(handle.model, 0, &constant)), "");
    EXPECT_EQ(reinterpret_cast<uintptr_t>(constant.data) % 64, 0u);
    float bias[3];
    std::memcpy(bias, constant.data, sizeof(bias));
    EXPECT_EQ(bias[0], 10.0f);
  }
  std::free(aligned);
}

TEST(ArtifactTest, StatusBasics) {
  EXPECT_EQ(llmc_status_code(nullptr), LLMC_STATUS_OK);
  EXPECT_STREQ(llmc_status_message(nullptr), "");
  EXPECT_STREQ(llmc_status_code_name(LLMC_STATUS_INVALID_ARTIFACT), "invalid artifact");
  llmc_status_free(nullptr);
  llmc_model_t *model = reinterpret_cast<llmc_model_t *>(1);
  llmc_status_t status = llmc_model_load_file("/nonexistent/model.llmc", nullptr, &model);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(llmc_status_code(status), LLMC_STATUS_NOT_FOUND);
  EXPECT_EQ(consume(status), "cannot open '/nonexistent/model.llmc': No such file or directory");
  EXPECT_EQ(consume(llmc_model_load_file("/tmp", nullptr, &model)), "'/tmp' is not a regular file");
}

} // namespace
} // namespace llmc::test
