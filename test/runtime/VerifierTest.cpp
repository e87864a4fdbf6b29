//===- VerifierTest.cpp - Truncated, corrupted and crafted artifacts ----------===//
//
// Every artifact here is refused with a status naming what is wrong; none may crash. Crafted
// artifacts get a correct checksum (format::sealChecksum), so that the check under test, not
// the checksum, is what refuses them.
//
//===----------------------------------------------------------------------===//
#include "runtime/format/ArtifactFormat.h"
#include "runtime/schema/llmc_generated.h"
#include "runtime/src/Target.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>

namespace llmc::test {
namespace {

using namespace llmc::artifact;
namespace fmt = llmc::format;

TEST(VerifierTest, EveryTruncationIsRefused) {
  std::vector<uint8_t> bytes = serialize(addBiasModel());
  ASSERT_EQ(loadError(bytes), "");
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    llmc_status_code_t code;
    std::string error = loadError(prefix, 0, &code);
    ASSERT_NE(error, "") << "a " << length << "-byte prefix loaded";
    ASSERT_EQ(code, LLMC_STATUS_INVALID_ARTIFACT) << error;
    if (length >= 64) {
      ASSERT_EQ(error, "the header says the file is " + std::to_string(bytes.size()) +
                           " bytes, but it is " + std::to_string(length) + " bytes (truncated)");
    }
  }
  EXPECT_EQ(loadError({}), "the buffer is 0 bytes, smaller than the 64-byte llmc header "
                           "(truncated?)");
}

TEST(VerifierTest, TruncatedFilesAreRefused) {
  std::vector<uint8_t> bytes = serialize(addBiasModel());
  TempDir dir;
  for (size_t length :
       {size_t(0), size_t(1), size_t(63), size_t(64), bytes.size() / 2, bytes.size() - 1}) {
    std::string path = dir.file("truncated.llmc");
    writeBytes(path, std::vector<uint8_t>(bytes.begin(), bytes.begin() + length));
    llmc_model_t *model = nullptr;
    std::string error = consume(llmc_model_load_file(path.c_str(), nullptr, &model));
    EXPECT_EQ(model, nullptr);
    EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << error;
    EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  }
}

TEST(VerifierTest, EveryFlippedByteIsRefused) {
  std::vector<uint8_t> bytes = serialize(addBiasModel());
  ASSERT_EQ(loadError(bytes), "");
  for (size_t position = 0; position < bytes.size(); ++position) {
    std::vector<uint8_t> corrupted = bytes;
    corrupted[position] ^= 0xff;
    std::string error = loadError(corrupted);
    ASSERT_NE(error, "") << "flipping byte " << position << " went unnoticed";
    // Past the header only the checksum can notice; the header fields fail their own checks.
    if (position >= fmt::kHeaderSize || (position >= 40 && position < 48)) {
      ASSERT_EQ(error.rfind("checksum mismatch", 0), 0u) << position << ": " << error;
    }
  }
}

TEST(VerifierTest, HeaderChecksNameTheField) {
  std::vector<uint8_t> bytes = serialize(addBiasModel());
  auto withHeader = [&](std::function<void(fmt::FileHeader &)> mutate) {
    std::vector<uint8_t> copy = bytes;
    fmt::FileHeader header = fmt::decodeHeader(copy.data());
    mutate(header);
    fmt::encodeHeader(header, copy.data());
    fmt::sealChecksum(copy.data(), copy.size());
    return copy;
  };
  llmc_status_code_t code;
  EXPECT_EQ(loadError(withHeader([](fmt::FileHeader &h) { h.magic[0] = 'X'; })),
            "not an llmc artifact: the file starts with 58 4c 4d 43 0d 0a 1a 0a, expected the "
            "magic 4c 4c 4d 43 0d 0a 1a 0a");
  EXPECT_EQ(loadError(withHeader([](fmt::FileHeader &h) { h.formatVersion = 2; }), 0, &code),
            "the artifact has format version 2, but this runtime reads version 1");
  EXPECT_EQ(code, LLMC_STATUS_UNSUPPORTED);
  EXPECT_EQ(loadError(withHeader([](fmt::FileHeader &h) { h.headerSize = 128; })),
            "header size is 128, expected 64");
  EXPECT_EQ(loadError(withHeader([](fmt::FileHeader &h) { h.flags = 4; })),
            "header flags are 0x4 (reserved 0x0, 0x0), expected 0");
  EXPECT_EQ(loadError(withHeader([](fmt::FileHeader &h) { h.flatbufferOffset = 60; })),
            "flatbuffer offset 60 is not an 8-byte aligned offset after the header");
  EXPECT_EQ(loadError(withHeader([](fmt::FileHeader &h) { h.flatbufferSize = 1ULL << 40; })),
            "flatbuffer size 1099511627776 is outside [8, 2147483646]");
  std::string error =
      loadError(withHeader([&](fmt::FileHeader &h) { h.flatbufferSize = bytes.size(); }));
  EXPECT_EQ(error, "the flatbuffer (offset 64, size " + std::to_string(bytes.size()) +
                       ") ends past the end of the " + std::to_string(bytes.size()) + "-byte file");
  // A flatbuffer that does not start where the header says is refused, whatever is there.
  EXPECT_NE(loadError(withHeader([](fmt::FileHeader &h) { h.flatbufferOffset = 72; })), "");

  std::vector<uint8_t> bad = bytes;
  fmt::storeLE(bad.data() + fmt::kChecksumOffset, 0x1234, 8);
  EXPECT_EQ(loadError(bad).rfind("checksum mismatch: the header says 0x0000000000001234, the "
                                 "contents hash to 0x",
                                 0),
            0u);
}

TEST(VerifierTest, SemanticChecksNameTheFieldAndValues) {
  ModelSpec spec = addBiasModel();
  std::vector<uint8_t> valid = serialize(spec);
  uint64_t fileSize = valid.size();
  std::string size = std::to_string(fileSize);
  uint64_t end = (fileSize + 63) / 64 * 64;

  struct Case {
    std::string expected;
    std::function<void(fb::Model *)> mutate;
  };
  const Case cases[] = {
      {"entry_points[0] ('add_bias').constants[0] is 7, but the artifact has 1 constants",
       [](fb::Model *m) {
         m->mutable_entry_points()->GetMutableObject(0)->mutable_constants()->Mutate(0, 7);
       }},
      {"constants[0] ('bias'): offset " + std::to_string(end) +
           " + size 12 ends past the end of the " + size + "-byte file",
       [&](fb::Model *m) { m->mutable_constants()->GetMutableObject(0)->mutate_offset(end); }},
      {"constants[0] ('bias'): offset 18446744073709551552 + size 12 ends past the end of the " +
           size + "-byte file",
       [](fb::Model *m) {
         m->mutable_constants()->GetMutableObject(0)->mutate_offset(~uint64_t(63));
       }},
      {"constants[0] ('bias').size is 18446744073709551615, but f32[3] needs 12 bytes",
       [](fb::Model *m) {
         m->mutable_constants()->GetMutableObject(0)->mutate_size(~uint64_t(0));
       }},
      {"constants[0] ('bias').offset 4097 is not a multiple of 64",
       [](fb::Model *m) { m->mutable_constants()->GetMutableObject(0)->mutate_offset(4097); }},
      {"constants[0] ('bias').offset is 0, inside the header or the metadata (data starts at ",
       [](fb::Model *m) { m->mutable_constants()->GetMutableObject(0)->mutate_offset(0); }},
      {"constants[0] ('bias').dims[0] is -5; constants have static sizes >= 0",
       [](fb::Model *m) {
         m->mutable_constants()->GetMutableObject(0)->mutable_dims()->Mutate(0, -5);
       }},
      {"constants[0] ('bias'): f32[9223372036854775807] has more bytes than a 64-bit size holds",
       [](fb::Model *m) {
         m->mutable_constants()->GetMutableObject(0)->mutable_dims()->Mutate(0, INT64_MAX);
       }},
      {"constants[0] ('bias').dtype is 99, not a known dtype",
       [](fb::Model *m) {
         m->mutable_constants()->GetMutableObject(0)->mutate_dtype(fb::DType(99));
       }},
      {"entry_points[0] ('add_bias').inputs[0] ('a').dims[1] is -7; expected a size >= 0, or -1 "
       "for a dynamic dim",
       [](fb::Model *m) {
         m->mutable_entry_points()
             ->GetMutableObject(0)
             ->mutable_inputs()
             ->GetMutableObject(0)
             ->mutable_dims()
             ->Mutate(1, -7);
       }},
      {"entry_points[0] ('add_bias').outputs[0] ('out').dtype is 13, not a known dtype",
       [](fb::Model *m) {
         m->mutable_entry_points()
             ->GetMutableObject(0)
             ->mutable_outputs()
             ->GetMutableObject(0)
             ->mutate_dtype(fb::DType(13));
       }},
      {"entry_points[0] ('add_bias').code_object is 3, but the artifact has 1 code objects",
       [](fb::Model *m) { m->mutable_entry_points()->GetMutableObject(0)->mutate_code_object(3); }},
      {"entry_points[0] ('add_bias').scratch_alignment is 3; expected a power of two up to 65536",
       [](fb::Model *m) {
         m->mutable_entry_points()->GetMutableObject(0)->mutate_scratch_alignment(3);
       }},
      {"entry_points[0] ('add_bias').scratch_bytes is 9223372036854775808, more than this runtime "
       "can allocate",
       [](fb::Model *m) {
         m->mutable_entry_points()->GetMutableObject(0)->mutate_scratch_bytes(uint64_t(1) << 63);
       }},
      {"code_objects[0].offset " + std::to_string(end + 1) + " is not a multiple of 64",
       [&](fb::Model *m) {
         m->mutable_code_objects()->GetMutableObject(0)->mutate_offset(end + 1);
       }},
      {"code_objects[0]: offset " + std::to_string(end - 64) +
           " + size 18446744073709551615 ends past the end of the " + size + "-byte file",
       [&](fb::Model *m) {
         m->mutable_code_objects()->GetMutableObject(0)->mutate_offset(end - 64);
         m->mutable_code_objects()->GetMutableObject(0)->mutate_size(~uint64_t(0));
       }},
      {"code_objects[0].size is 0",
       [](fb::Model *m) { m->mutable_code_objects()->GetMutableObject(0)->mutate_size(0); }},
      {"format_version is 7 in the metadata, but 1 in the header",
       [](fb::Model *m) { m->mutate_format_version(7); }},
  };
  for (const Case &c : cases) {
    std::vector<uint8_t> bytes = mutated(spec, c.mutate);
    llmc_status_code_t code;
    std::string error = loadError(bytes, 0, &code);
    EXPECT_EQ(error.substr(0, c.expected.size()), c.expected);
    EXPECT_EQ(code, LLMC_STATUS_INVALID_ARTIFACT) << error;
    // The same refusal without loading code: verification does not depend on the machine.
    EXPECT_EQ(loadError(bytes, LLMC_MODEL_LOAD_FLAG_NO_CODE), error);
  }
}

/// Walks every query of a loaded model, so that a mutation that passes verification is also
/// read in full.
void queryEverything(llmc_model_t *model) {
  llmc_model_info_t info;
  llmc_model_info(model, &info);
  for (size_t i = 0; i < info.feature_count; ++i)
    ASSERT_NE(llmc_model_feature(model, i), nullptr);
  for (size_t e = 0; e < info.entry_point_count; ++e) {
    llmc_entry_point_info_t entry;
    ASSERT_EQ(consume(llmc_model_entry_point_info(model, e, &entry)), "");
    for (size_t i = 0; i < entry.input_count + entry.output_count; ++i) {
      llmc_tensor_signature_t signature;
      ASSERT_EQ(
          consume(i < entry.input_count
                      ? llmc_model_entry_point_input(model, e, i, &signature)
                      : llmc_model_entry_point_output(model, e, i - entry.input_count, &signature)),
          "");
      for (size_t d = 0; d < signature.rank; ++d)
        ASSERT_GE(signature.dims[d], -1);
    }
    for (size_t k = 0; k < entry.constant_count; ++k) {
      size_t index;
      ASSERT_EQ(consume(llmc_model_entry_point_constant(model, e, k, &index)), "");
      ASSERT_LT(index, info.constant_count);
    }
  }
  for (size_t c = 0; c < info.constant_count; ++c) {
    llmc_constant_info_t constant;
    ASSERT_EQ(consume(llmc_model_constant_info(model, c, &constant)), "");
    ASSERT_LE(constant.offset + constant.size, info.file_size);
  }
  llmc_status_free(llmc_model_check_host(model));
}

TEST(VerifierTest, RandomMutationsWithValidChecksum) {
  // Mutations of the metadata with the checksum fixed up, so that the verifier and the
  // semantic checks see them. None may crash; those that load must be consistent. Set
  // LLMC_MUTATION_ITERATIONS for a longer run (under a sanitizer, say).
  std::vector<uint8_t> valid = serialize(kernelModel());
  fmt::FileHeader header = fmt::decodeHeader(valid.data());
  const char *env = std::getenv("LLMC_MUTATION_ITERATIONS");
  int iterations = env ? std::atoi(env) : 3000;
  std::mt19937_64 random(20240601);
  const uint64_t interesting[] = {0,
                                  1,
                                  0x7f,
                                  0x80,
                                  0xff,
                                  0xffff,
                                  0x7fffffff,
                                  0x80000000,
                                  0xffffffff,
                                  ~uint64_t(0),
                                  uint64_t(1) << 62,
                                  64,
                                  4096,
                                  valid.size(),
                                  valid.size() - 64};
  int loaded = 0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    std::vector<uint8_t> bytes = valid;
    int mutations = 1 + int(random() % 4);
    for (int m = 0; m < mutations; ++m) {
      size_t position = header.flatbufferOffset + random() % header.flatbufferSize;
      switch (random() % 3) {
      case 0:
        bytes[position] = uint8_t(random());
        break;
      case 1:
        bytes[position] ^= uint8_t(1u << (random() % 8));
        break;
      default: {
        position &= ~size_t(3);
        uint64_t value = interesting[random() % (sizeof(interesting) / sizeof(interesting[0]))];
        size_t width = random() % 2 ? 8 : 4;
        if (position + width <= header.flatbufferOffset + header.flatbufferSize)
          fmt::storeLE(bytes.data() + position, value, int(width));
      }
      }
    }
    fmt::sealChecksum(bytes.data(), bytes.size());
    llmc_model_load_options_t options;
    llmc_model_load_options_initialize(&options);
    options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
    llmc_model_t *model = nullptr;
    llmc_status_t status = llmc_model_load_memory(bytes.data(), bytes.size(), &options, &model);
    if (status) {
      ASSERT_EQ(model, nullptr);
      ASSERT_NE(std::string(llmc_status_message(status)), "");
      llmc_status_free(status);
      continue;
    }
    ++loaded;
    queryEverything(model);
    llmc_model_release(model);
  }
  // Most single-byte changes land in names or padding and load; the point is that none crash.
  EXPECT_GT(loaded, 0);
}

/// Lays out an artifact from a flatbuffer built by hand, with `blob` at offset 4096.
std::vector<uint8_t> assemble(flatbuffers::FlatBufferBuilder &builder,
                              const std::vector<uint8_t> &blob) {
  EXPECT_LT(builder.GetSize() + 64, 4096u);
  std::vector<uint8_t> bytes(4096 + blob.size(), 0);
  std::memcpy(bytes.data() + 64, builder.GetBufferPointer(), builder.GetSize());
  std::memcpy(bytes.data() + 4096, blob.data(), blob.size());
  fmt::FileHeader header = {};
  std::memcpy(header.magic, fmt::kMagic, 8);
  header.formatVersion = 1;
  header.headerSize = 64;
  header.flatbufferOffset = 64;
  header.flatbufferSize = builder.GetSize();
  header.fileSize = bytes.size();
  fmt::encodeHeader(header, bytes.data());
  fmt::sealChecksum(bytes.data(), bytes.size());
  return bytes;
}

struct RawModel {
  bool withName = true;
  bool withCodeObject = true;
  bool withEntryPoint = true;
  size_t inputRank = 2;
  std::vector<std::string> symbols; // dim_symbols of the input
  std::string symbol = "add_bias";
  std::string entryName = "add_bias";
  std::string feature = "+sse2";
  const char *identifier = "LLMC";
};

std::vector<uint8_t> buildRaw(const RawModel &raw) {
  std::vector<uint8_t> code = hostKernels();
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::CodeObject>> codeObjects;
  if (raw.withCodeObject)
    codeObjects.push_back(fb::CreateCodeObject(builder, builder.CreateString("elf-shared-object"),
                                               builder.CreateString(hostTriple()), 4096,
                                               code.size()));
  std::vector<flatbuffers::Offset<fb::EntryPoint>> entries;
  if (raw.withEntryPoint) {
    std::vector<int64_t> dims(raw.inputRank, 2);
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> symbols;
    if (!raw.symbols.empty())
      symbols = builder.CreateVectorOfStrings(raw.symbols);
    auto input = fb::CreateTensorSignature(builder, builder.CreateString("a"), fb::DType::F32,
                                           builder.CreateVector(dims), symbols);
    auto output = fb::CreateTensorSignature(builder, builder.CreateString("out"), fb::DType::F32,
                                            builder.CreateVector(std::vector<int64_t>{2}));
    std::vector<flatbuffers::Offset<fb::TensorSignature>> inputs{input}, outputs{output};
    entries.push_back(fb::CreateEntryPoint(
        builder, builder.CreateString(raw.entryName), builder.CreateString(raw.symbol), 0,
        builder.CreateVector(inputs), builder.CreateVector(outputs),
        builder.CreateVector(std::vector<uint32_t>{}), 0, 64));
  }
  // Everything a table refers to is created before the table starts.
  auto features = builder.CreateVector(
      std::vector<flatbuffers::Offset<flatbuffers::String>>{builder.CreateString(raw.feature)});
  auto name = builder.CreateString("raw");
  auto triple = builder.CreateString(hostTriple());
  auto entriesVector = builder.CreateVector(entries);
  auto codeObjectsVector = builder.CreateVector(codeObjects);
  fb::ModelBuilder model(builder);
  model.add_format_version(1);
  if (raw.withName)
    model.add_name(name);
  model.add_triple(triple);
  model.add_features(features);
  model.add_entry_points(entriesVector);
  model.add_code_objects(codeObjectsVector);
  // EndTable rather than model.Finish(), which asserts that required fields are present.
  flatbuffers::Offset<fb::Model> root(builder.EndTable(model.start_));
  builder.Finish(root, raw.identifier);
  return assemble(builder, code);
}

TEST(VerifierTest, HandBuiltFlatbuffers) {
  EXPECT_EQ(loadError(buildRaw(RawModel())), "");
  RawModel raw;
  raw.withName = false;
  EXPECT_EQ(loadError(buildRaw(raw)).rfind("the metadata flatbuffer (", 0), 0u)
      << "a required field is missing: the generated verifier refuses it";
  raw = RawModel();
  raw.identifier = "NOPE";
  EXPECT_EQ(loadError(buildRaw(raw)), "the metadata's file identifier is 'NOPE', expected 'LLMC'");
  raw = RawModel();
  raw.withCodeObject = false;
  EXPECT_EQ(loadError(buildRaw(raw)),
            "code_objects is empty; an artifact needs at least one code object");
  raw = RawModel();
  raw.withEntryPoint = false;
  EXPECT_EQ(loadError(buildRaw(raw)),
            "entry_points is empty; an artifact needs at least one entry point");
  raw = RawModel();
  raw.inputRank = 17;
  EXPECT_EQ(loadError(buildRaw(raw)),
            "entry_points[0] ('add_bias').inputs[0] ('a') has rank 17, more than the supported 16");
  raw = RawModel();
  raw.symbols = {"N"};
  EXPECT_EQ(loadError(buildRaw(raw)),
            "entry_points[0] ('add_bias').inputs[0] ('a').dim_symbols has 1 entries, but the "
            "tensor has rank 2");
  raw = RawModel();
  raw.symbol = "";
  EXPECT_EQ(loadError(buildRaw(raw)), "entry_points[0] ('add_bias').symbol is empty");
  raw = RawModel();
  raw.symbol = std::string("add\0bias", 8);
  EXPECT_EQ(loadError(buildRaw(raw)),
            "entry_points[0] ('add_bias').symbol ('add') contains a NUL byte");
  raw = RawModel();
  raw.entryName = "\x01\xff'";
  EXPECT_EQ(loadError(buildRaw(raw), LLMC_MODEL_LOAD_FLAG_NO_CODE), "");
  raw = RawModel();
  raw.feature = "";
  EXPECT_EQ(loadError(buildRaw(raw)), "features[0] is empty");
  raw = RawModel();
  raw.symbol = "no_such_symbol";
  llmc_status_code_t code;
  EXPECT_EQ(loadError(buildRaw(raw), 0, &code),
            "entry point 'add_bias': code_objects[0] does not export the symbol 'no_such_symbol'");
  EXPECT_EQ(code, LLMC_STATUS_NOT_FOUND);
}

TEST(VerifierTest, CodeObjectsMustBeSharedObjectsForTheirTriple) {
  ModelSpec spec = addBiasModel();
  spec.codeObjects[0].bytes.assign(100, 0x90);
  EXPECT_EQ(loadError(serialize(spec)),
            "code_objects[0] has format 'elf-shared-object' but starts with 90 90 90 90, not an "
            "ELF header");
  spec = addBiasModel();
  spec.codeObjects[0].bytes.resize(16);
  EXPECT_EQ(loadError(serialize(spec)), "code_objects[0] is 16 bytes, too small for an ELF header");
  spec = addBiasModel();
  spec.codeObjects[0].bytes[16] = 1; // ET_REL
  EXPECT_EQ(loadError(serialize(spec)),
            "code_objects[0] is an ELF of type 1, expected a shared object (ET_DYN, 3)");
  spec = addBiasModel();
  spec.codeObjects[0].bytes = aarch64Kernels();
  spec.codeObjects[0].triple = "x86_64-unknown-linux-gnu";
  EXPECT_EQ(loadError(serialize(spec)),
            "code_objects[0] is an ELF for machine 183, but its triple x86_64-unknown-linux-gnu "
            "needs machine 62");
  spec = addBiasModel();
  spec.codeObjects[0].format = "ptx";
  llmc_status_code_t code;
  EXPECT_EQ(loadError(serialize(spec), 0, &code),
            "entry point 'add_bias' is in code_objects[0] of format 'ptx'; this runtime loads "
            "'elf-shared-object'");
  EXPECT_EQ(code, LLMC_STATUS_UNSUPPORTED);
}

TEST(VerifierTest, WrongArchitectureIsRefusedClearly) {
  std::string host = llmc::runtime::hostArchitecture();
  ModelSpec spec = addBiasModel();
  spec.triple = otherTriple();
  spec.codeObjects[0] = CodeObjectSpec{"elf-shared-object", spec.triple, otherKernels()};
  std::vector<uint8_t> bytes = serialize(spec);
  llmc_status_code_t code;
  std::string expected = "artifact targets " + otherTriple() + ", but this machine is " + host;
  EXPECT_EQ(loadError(bytes, 0, &code), expected);
  EXPECT_EQ(code, LLMC_STATUS_UNSUPPORTED);
  // It still verifies and can be inspected.
  EXPECT_EQ(loadError(bytes, LLMC_MODEL_LOAD_FLAG_NO_CODE), "");

  TempDir dir;
  std::string path = dir.file("other.llmc");
  writeBytes(path, bytes);
  llmc_model_t *model = nullptr;
  EXPECT_EQ(consume(llmc_model_load_file(path.c_str(), nullptr, &model)), path + ": " + expected);

  // A code object for another architecture inside an artifact for this one.
  spec = addBiasModel();
  spec.codeObjects[0] = CodeObjectSpec{"elf-shared-object", otherTriple(), otherKernels()};
  EXPECT_EQ(loadError(serialize(spec)),
            "code_objects[0] targets " + otherTriple() + ", but this machine is " + host);

  // Other operating systems, and the spellings of this architecture.
  spec = addBiasModel();
  spec.triple = host + "-apple-macosx14.0";
  EXPECT_EQ(loadError(serialize(spec)),
            "artifact targets " + spec.triple + ", but this runtime runs code for linux only");
  spec.triple = host + "-pc-linux-gnu";
  EXPECT_EQ(loadError(serialize(spec)), "");
  spec.triple = host == "x86_64" ? "amd64" : "arm64";
  EXPECT_EQ(loadError(serialize(spec)), "");
  spec.triple = host + "-none-linux-gnu";
  EXPECT_EQ(loadError(serialize(spec)), "");
}

TEST(VerifierTest, CpuFeatures) {
  ModelSpec spec = addBiasModel();
  // Unknown features and features the code must not use are no requirement.
  spec.features = {"+made-up-feature", "-avx512f", "+prefer-256-bit"};
  EXPECT_EQ(loadError(serialize(spec)), "");

  std::string present, missing;
  for (const std::string &name : llmc::runtime::knownHostFeatures()) {
    auto support = llmc::runtime::hostFeatureSupport(name);
    if (support == llmc::runtime::FeatureSupport::Present && present.empty())
      present = name;
    if (support == llmc::runtime::FeatureSupport::Missing && missing.empty())
      missing = name;
  }
  if (!present.empty()) {
    spec.features = {"+" + present};
    EXPECT_EQ(loadError(serialize(spec)), "") << present;
  }
#if defined(__x86_64__)
  // AMX needs the kernel's permission for the tile state, which loading requests.
  if (llmc::runtime::hostFeatureSupport("amx-tile") == llmc::runtime::FeatureSupport::Present) {
    spec.features = {"+amx-tile", "+amx-int8"};
    EXPECT_EQ(loadError(serialize(spec)), "");
  }
#endif
  if (missing.empty())
    GTEST_SKIP() << "this machine has every CPU feature the runtime knows";
  spec.features = {"+" + missing};
  std::vector<uint8_t> bytes = serialize(spec);
  llmc_status_code_t code;
  EXPECT_EQ(loadError(bytes, 0, &code), "artifact needs CPU feature '" + missing +
                                            "', which this machine (" +
                                            llmc::runtime::hostArchitecture() + ") does not have");
  EXPECT_EQ(code, LLMC_STATUS_UNSUPPORTED);
  EXPECT_EQ(loadError(bytes, LLMC_MODEL_LOAD_FLAG_NO_CODE), "");
}

} // namespace
} // namespace llmc::test
