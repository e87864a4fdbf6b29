//===- LanguageModelTest.cpp - The language-model metadata and its C API ---===//
#include "test/runtime/TestSupport.h"

#include <gtest/gtest.h>

#include <functional>

using namespace llmc::test;
using llmc::artifact::ModelSpec;
namespace fb = llmc::fb;

TEST(LanguageModelTest, MetadataIsExposed) {
  std::vector<uint8_t> bytes = serialize(languageModel());
  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
  ModelHandle handle;
  ASSERT_EQ(consume(llmc_model_load_memory(bytes.data(), bytes.size(), &options, &handle.model)),
            "");
  llmc_language_model_info_t info;
  ASSERT_EQ(consume(llmc_model_language_model_info(handle.model, &info)), "");
  EXPECT_STREQ(info.architecture, "llama");
  EXPECT_STREQ(info.tokenizer_model, "llama");
  EXPECT_EQ(info.context_length, 8);
  EXPECT_EQ(info.vocab_size, 6);
  EXPECT_EQ(info.bos, 1);
  EXPECT_EQ(info.eos, 2);
  EXPECT_TRUE(info.add_bos);

  // The tokenizer works on a model loaded without code.
  int32_t ids[8];
  size_t count = 0;
  EXPECT_EQ(consume(llmc_tokenize(handle.model, "a b", 3, true, ids, 8, &count)), "");
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(ids[1], 3);
  EXPECT_EQ(ids[2], 4);
  EXPECT_EQ(consume(llmc_tokenize(handle.model, "a b", 3, true, ids, 2, &count)),
            "llmc_tokenize: the text needs 3 ids, but capacity is 2");
  char piece[8];
  size_t length = 0;
  EXPECT_EQ(consume(llmc_token_piece(handle.model, 4, piece, sizeof(piece), &length)), "");
  EXPECT_EQ(std::string(piece, length), " b");
  EXPECT_EQ(consume(llmc_token_piece(handle.model, 6, piece, sizeof(piece), &length)),
            "llmc_token_piece: id 6 is not a token id below 6");

  // Generating needs the code; running a stateful entry point needs a generator.
  llmc_generator_t *generator = nullptr;
  EXPECT_EQ(consume(llmc_generator_create(handle.model, nullptr, &generator)),
            "llmc_generator_create: model 'tiny-lm' was loaded without its code");
  EXPECT_EQ(generator, nullptr);
}

TEST(LanguageModelTest, OtherModelsAreNotLanguageModels) {
  std::vector<uint8_t> bytes = serialize(addBiasModel());
  ModelHandle handle;
  ASSERT_EQ(consume(llmc_model_load_memory(bytes.data(), bytes.size(), nullptr, &handle.model)),
            "");
  llmc_language_model_info_t info;
  llmc_status_t status = llmc_model_language_model_info(handle.model, &info);
  EXPECT_EQ(llmc_status_code(status), LLMC_STATUS_NOT_FOUND);
  EXPECT_EQ(consume(status), "llmc_model_language_model_info: model 'add-bias' is not a language "
                             "model (compile a GGUF file to get one)");
}

TEST(LanguageModelTest, VerifierChecksStatesAndTheLanguageModel) {
  ModelSpec spec = languageModel();
  struct Case {
    std::string expected;
    std::function<void(fb::Model *)> change;
  };
  const Case cases[] = {
      {"entry_points[1] ('decode').states[1] is 9, but the artifact has 2 states",
       [](fb::Model *m) {
         m->mutable_entry_points()->GetMutableObject(1)->mutable_states()->Mutate(1, 9);
       }},
      {"entry_points[0] ('prefill').states names state 0 twice",
       [](fb::Model *m) {
         m->mutable_entry_points()->GetMutableObject(0)->mutable_states()->Mutate(1, 0);
       }},
      {"states[0] ('blk.0.k_cache').dims[1] is -2; states have static sizes >= 0",
       [](fb::Model *m) {
         m->mutable_states()->GetMutableObject(0)->mutable_dims()->Mutate(1, -2);
       }},
      {"states[1] ('blk.0.v_cache'): the states need more memory than this runtime allocates (64 "
       "TiB)",
       [](fb::Model *m) {
         m->mutable_states()->GetMutableObject(1)->mutable_dims()->Mutate(0, int64_t(1) << 60);
       }},
      {"language_model names entry points 0 and 5, but the artifact has 2",
       [](fb::Model *m) { m->mutable_language_model()->mutate_decode(5); }},
      {"language_model.context_length is 0; expected 1 to 2^24",
       [](fb::Model *m) { m->mutable_language_model()->mutate_context_length(0); }},
      {"language_model.decode ('prefill') must take tokens i32[1] and start i64[]",
       [](fb::Model *m) { m->mutable_language_model()->mutate_decode(0); }},
      {"language_model.prefill ('prefill') must return logits f32[1, 7]",
       [](fb::Model *m) { m->mutable_language_model()->mutate_vocab_size(7); }},
      {"language_model.decode ('decode') and prefill use different states",
       [](fb::Model *m) {
         m->mutable_entry_points()->GetMutableObject(1)->mutable_states()->Mutate(0, 1);
         m->mutable_entry_points()->GetMutableObject(1)->mutable_states()->Mutate(1, 0);
       }},
      {"language_model.tokenizer.bos is 6, not -1 or a token id below 6",
       [](fb::Model *m) { m->mutable_language_model()->mutable_tokenizer()->mutate_bos(6); }},
      {"language_model.tokenizer.eos is -7, not -1 or a token id below 6",
       [](fb::Model *m) { m->mutable_language_model()->mutable_tokenizer()->mutate_eos(-7); }},
  };
  for (const Case &c : cases) {
    std::string error = loadError(mutated(spec, c.change), LLMC_MODEL_LOAD_FLAG_NO_CODE);
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
  }
}

TEST(LanguageModelTest, WriterRefusesInconsistentTokenizers) {
  ModelSpec spec = languageModel();
  spec.languageModel.tokenizer.scores.pop_back();
  std::vector<uint8_t> bytes;
  std::string error;
  EXPECT_FALSE(llmc::artifact::writeArtifactToMemory(spec, &bytes, &error));
  EXPECT_EQ(error, "the tokenizer's scores or token types do not match its tokens");
  spec = languageModel();
  spec.entryPoints[1].states = {0, 2};
  EXPECT_FALSE(llmc::artifact::writeArtifactToMemory(spec, &bytes, &error));
  EXPECT_EQ(error, "entry point 'decode' state argument 1 is state 2, but the model has 2");
}
