//===- HostileFieldsTest.cpp - Every index, offset and size field, set wrong ---===//
//
// The loader against crafted artifacts whose checksum is valid, so that only the structural and
// semantic checks stand between the bytes and the runtime (docs/security.md). Every index,
// offset and size field of the schema and of the header is set in turn to -1, the size it
// indexes or measures, that size + 1, INT32_MAX and UINT64_MAX (as the field's type holds them),
// and every such artifact must be refused as INVALID_ARTIFACT, with NO_CODE and without. Shapes
// get the same treatment: dims of -1 (where a static size is required), 0 (where the data
// says otherwise), INT64_MAX, and dims whose product overflows.
//
//===----------------------------------------------------------------------===//
#include "runtime/format/ArtifactFormat.h"
#include "runtime/schema/llmc_generated.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmc::test {
namespace {

using namespace llmc::artifact;
namespace fmt = llmc::format;

/// The five values of the grid for a field that indexes or measures something of `size`.
std::vector<uint64_t> gridValues(uint64_t size) {
  return {~uint64_t(0) /* -1 */, size, size + 1, uint64_t(INT32_MAX), UINT64_MAX};
}

/// Expects `bytes` to be refused as an invalid artifact, naming the case on failure.
void expectRefused(const std::vector<uint8_t> &bytes, const std::string &what) {
  for (uint32_t flags : {uint32_t(LLMC_MODEL_LOAD_FLAG_NO_CODE), uint32_t(0)}) {
    llmc_status_code_t code = LLMC_STATUS_OK;
    std::string error = loadError(bytes, flags, &code);
    EXPECT_NE(error, "") << what << " was accepted";
    EXPECT_EQ(code, LLMC_STATUS_INVALID_ARTIFACT) << what << ": " << error;
  }
}

/// A mutation of the model's flatbuffer, named for the report.
struct Mutation {
  std::string what;
  std::function<void(fb::Model *)> apply;
};

void expectAllRefused(const ModelSpec &spec, const std::vector<Mutation> &mutations) {
  ASSERT_FALSE(mutations.empty());
  for (const Mutation &mutation : mutations)
    expectRefused(mutated(spec, mutation.apply), mutation.what);
}

TEST(HostileFieldsTest, HeaderOffsetsAndSizes) {
  const std::vector<uint8_t> valid = serialize(addBiasModel());
  const uint64_t size = valid.size();
  struct Field {
    const char *name;
    std::function<void(fmt::FileHeader &, uint64_t)> set;
  };
  const Field fields[] = {
      {"flatbufferOffset", [](fmt::FileHeader &h, uint64_t v) { h.flatbufferOffset = v; }},
      {"flatbufferSize", [](fmt::FileHeader &h, uint64_t v) { h.flatbufferSize = v; }},
      {"fileSize", [](fmt::FileHeader &h, uint64_t v) { h.fileSize = v; }},
      {"headerSize", [](fmt::FileHeader &h, uint64_t v) { h.headerSize = uint32_t(v); }},
  };
  for (const Field &field : fields)
    for (uint64_t value : gridValues(size)) {
      // The recorded file size is the one field whose right value is the file's size.
      if (std::string(field.name) == "fileSize" && value == size)
        value = size - 1;
      std::vector<uint8_t> bytes = valid;
      fmt::FileHeader header = fmt::decodeHeader(bytes.data());
      field.set(header, value);
      fmt::encodeHeader(header, bytes.data());
      fmt::sealChecksum(bytes.data(), bytes.size());
      expectRefused(bytes, std::string("header.") + field.name + " = " + std::to_string(value));
    }
}

TEST(HostileFieldsTest, IndicesOffsetsAndSizesOfTheModel) {
  ModelSpec spec = addBiasModel();
  const std::vector<uint8_t> valid = serialize(spec);
  const fmt::FileHeader header = fmt::decodeHeader(valid.data());
  const fb::Model *model = fb::GetModel(valid.data() + header.flatbufferOffset);
  const uint64_t fileSize = valid.size();
  std::vector<Mutation> mutations;
  for (uint32_t e = 0; e < model->entry_points()->size(); ++e) {
    const fb::EntryPoint *entry = model->entry_points()->Get(e);
    std::string name = "entry_points[" + std::to_string(e) + "]";
    for (uint64_t value : gridValues(model->code_objects()->size()))
      mutations.push_back(
          {name + ".code_object = " + std::to_string(uint32_t(value)), [e, value](fb::Model *m) {
             m->mutable_entry_points()->GetMutableObject(e)->mutate_code_object(uint32_t(value));
           }});
    for (uint32_t k = 0; k < entry->constants()->size(); ++k)
      for (uint64_t value : gridValues(model->constants()->size()))
        mutations.push_back(
            {name + ".constants[" + std::to_string(k) + "] = " + std::to_string(uint32_t(value)),
             [e, k, value](fb::Model *m) {
               m->mutable_entry_points()->GetMutableObject(e)->mutable_constants()->Mutate(
                   k, uint32_t(value));
             }});
  }
  for (uint32_t c = 0; c < model->constants()->size(); ++c) {
    std::string name = "constants[" + std::to_string(c) + "]";
    for (uint64_t value : gridValues(fileSize)) {
      mutations.push_back({name + ".offset = " + std::to_string(value), [c, value](fb::Model *m) {
                             m->mutable_constants()->GetMutableObject(c)->mutate_offset(value);
                           }});
      mutations.push_back({name + ".size = " + std::to_string(value), [c, value](fb::Model *m) {
                             m->mutable_constants()->GetMutableObject(c)->mutate_size(value);
                           }});
    }
  }
  for (uint32_t c = 0; c < model->code_objects()->size(); ++c) {
    std::string name = "code_objects[" + std::to_string(c) + "]";
    for (uint64_t value : gridValues(fileSize)) {
      mutations.push_back({name + ".offset = " + std::to_string(value), [c, value](fb::Model *m) {
                             m->mutable_code_objects()->GetMutableObject(c)->mutate_offset(value);
                           }});
      mutations.push_back({name + ".size = " + std::to_string(value), [c, value](fb::Model *m) {
                             m->mutable_code_objects()->GetMutableObject(c)->mutate_size(value);
                           }});
    }
  }
  expectAllRefused(spec, mutations);
}

TEST(HostileFieldsTest, IndicesOfALanguageModel) {
  ModelSpec spec = languageModel();
  const std::vector<uint8_t> valid = serialize(spec);
  const fmt::FileHeader header = fmt::decodeHeader(valid.data());
  const fb::Model *model = fb::GetModel(valid.data() + header.flatbufferOffset);
  const uint64_t entries = model->entry_points()->size(), states = model->states()->size();
  const uint64_t tokens = model->language_model()->tokenizer()->tokens()->size();
  std::vector<Mutation> mutations;
  for (uint64_t value : gridValues(entries)) {
    mutations.push_back(
        {"language_model.prefill = " + std::to_string(uint32_t(value)),
         [value](fb::Model *m) { m->mutable_language_model()->mutate_prefill(uint32_t(value)); }});
    mutations.push_back(
        {"language_model.decode = " + std::to_string(uint32_t(value)),
         [value](fb::Model *m) { m->mutable_language_model()->mutate_decode(uint32_t(value)); }});
  }
  for (uint32_t e = 0; e < entries; ++e)
    for (uint32_t k = 0; k < model->entry_points()->Get(e)->states()->size(); ++k)
      for (uint64_t value : gridValues(states))
        mutations.push_back(
            {"entry_points[" + std::to_string(e) + "].states[" + std::to_string(k) +
                 "] = " + std::to_string(uint32_t(value)),
             [e, k, value](fb::Model *m) {
               m->mutable_entry_points()->GetMutableObject(e)->mutable_states()->Mutate(
                   k, uint32_t(value));
             }});
  // Token ids are int32 with -1 for "none": every other value outside [0, tokens) is refused.
  for (int64_t value : {int64_t(tokens), int64_t(tokens) + 1, int64_t(INT32_MAX),
                        int64_t(INT32_MIN), int64_t(-2)}) {
    auto id = int32_t(value);
    std::string suffix = " = " + std::to_string(id);
    mutations.push_back({"tokenizer.bos" + suffix, [id](fb::Model *m) {
                           m->mutable_language_model()->mutable_tokenizer()->mutate_bos(id);
                         }});
    mutations.push_back({"tokenizer.eos" + suffix, [id](fb::Model *m) {
                           m->mutable_language_model()->mutable_tokenizer()->mutate_eos(id);
                         }});
    mutations.push_back({"tokenizer.unknown" + suffix, [id](fb::Model *m) {
                           m->mutable_language_model()->mutable_tokenizer()->mutate_unknown(id);
                         }});
    mutations.push_back({"tokenizer.padding" + suffix, [id](fb::Model *m) {
                           m->mutable_language_model()->mutable_tokenizer()->mutate_padding(id);
                         }});
  }
  expectAllRefused(spec, mutations);
}

TEST(HostileFieldsTest, Shapes) {
  ModelSpec spec = addBiasModel();
  const std::vector<uint8_t> valid = serialize(spec);
  const fmt::FileHeader header = fmt::decodeHeader(valid.data());
  const fb::Model *model = fb::GetModel(valid.data() + header.flatbufferOffset);
  std::vector<Mutation> mutations;
  // A constant's dims must be static and match its bytes: -1, 0 (its data is not empty),
  // INT64_MAX and INT64_MIN are refused, and so are dims whose product overflows int64 even
  // though each is positive.
  for (uint32_t c = 0; c < model->constants()->size(); ++c) {
    const auto *dims = model->constants()->Get(c)->dims();
    for (uint32_t d = 0; d < dims->size(); ++d)
      for (int64_t value : {int64_t(-1), int64_t(0), INT64_MAX, INT64_MIN})
        mutations.push_back({"constants[" + std::to_string(c) + "].dims[" + std::to_string(d) +
                                 "] = " + std::to_string(value),
                             [c, d, value](fb::Model *m) {
                               m->mutable_constants()->GetMutableObject(c)->mutable_dims()->Mutate(
                                   d, value);
                             }});
    if (dims->size() >= 2)
      mutations.push_back(
          {"constants[" + std::to_string(c) + "].dims with a product past 2^64", [c](fb::Model *m) {
             auto *mutableDims = m->mutable_constants()->GetMutableObject(c)->mutable_dims();
             mutableDims->Mutate(0, int64_t(1) << 32);
             mutableDims->Mutate(1, int64_t(1) << 32);
           }});
  }
  // A signature's dims are a static size >= 0 or -1 (dynamic): -2, INT64_MIN and INT64_MAX are
  // refused.
  for (uint32_t e = 0; e < model->entry_points()->size(); ++e) {
    const fb::EntryPoint *entry = model->entry_points()->Get(e);
    for (uint32_t i = 0; i < entry->inputs()->size(); ++i)
      for (uint32_t d = 0; d < entry->inputs()->Get(i)->dims()->size(); ++d)
        for (int64_t value : {int64_t(-2), INT64_MIN, INT64_MAX})
          mutations.push_back({"entry_points[" + std::to_string(e) + "].inputs[" +
                                   std::to_string(i) + "].dims[" + std::to_string(d) +
                                   "] = " + std::to_string(value),
                               [e, i, d, value](fb::Model *m) {
                                 m->mutable_entry_points()
                                     ->GetMutableObject(e)
                                     ->mutable_inputs()
                                     ->GetMutableObject(i)
                                     ->mutable_dims()
                                     ->Mutate(d, value);
                               }});
  }
  expectAllRefused(spec, mutations);

  // A language model's states: static sizes (-1 and INT64_MAX are refused) whose bytes fit.
  ModelSpec language = languageModel();
  const std::vector<uint8_t> languageBytes = serialize(language);
  const fb::Model *languageModelFb =
      fb::GetModel(languageBytes.data() + fmt::decodeHeader(languageBytes.data()).flatbufferOffset);
  std::vector<Mutation> stateMutations;
  for (uint32_t s = 0; s < languageModelFb->states()->size(); ++s)
    for (uint32_t d = 0; d < languageModelFb->states()->Get(s)->dims()->size(); ++d)
      for (int64_t value : {int64_t(-1), INT64_MAX, int64_t(1) << 62})
        stateMutations.push_back(
            {"states[" + std::to_string(s) + "].dims[" + std::to_string(d) +
                 "] = " + std::to_string(value),
             [s, d, value](fb::Model *m) {
               m->mutable_states()->GetMutableObject(s)->mutable_dims()->Mutate(d, value);
             }});
  expectAllRefused(language, stateMutations);
}

} // namespace
} // namespace llmc::test
