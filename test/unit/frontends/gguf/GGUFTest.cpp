//===- GGUFTest.cpp - The GGUF reader on files written here, good and hostile ----===//
#include "frontends/gguf/GGUF.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace llmc::gguf;

namespace {

/// Writes GGUF bytes field by field, independently of the reader.
struct Writer {
  std::vector<uint8_t> bytes;

  template <typename T> Writer &put(T value) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    bytes.insert(bytes.end(), raw, raw + sizeof(T));
    return *this;
  }
  Writer &str(const std::string &s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  Writer &header(uint64_t tensors, uint64_t keys, uint32_t version = 3) {
    bytes.insert(bytes.end(), {'G', 'G', 'U', 'F'});
    return put<uint32_t>(version).put<uint64_t>(tensors).put<uint64_t>(keys);
  }
  Writer &key(const std::string &name, ValueType type) {
    return str(name).put<uint32_t>(uint32_t(type));
  }
  Writer &tensor(const std::string &name, std::vector<uint64_t> dims, TensorType type,
                 uint64_t offset) {
    str(name).put<uint32_t>(dims.size());
    for (uint64_t d : dims)
      put<uint64_t>(d);
    return put<uint32_t>(uint32_t(type)).put<uint64_t>(offset);
  }
  Writer &alignTo(uint64_t alignment) {
    while (bytes.size() % alignment)
      bytes.push_back(0);
    return *this;
  }
  Writer &zeros(uint64_t count) {
    bytes.insert(bytes.end(), count, 0);
    return *this;
  }
};

/// A file with every metadata type and three tensors of different ggml types.
std::vector<uint8_t> goodFile() {
  Writer w;
  w.header(3, 9);
  w.key("general.architecture", ValueType::String).str("llama");
  w.key("general.alignment", ValueType::UInt32).put<uint32_t>(64);
  w.key("llama.block_count", ValueType::UInt32).put<uint32_t>(2);
  w.key("llama.rope.freq_base", ValueType::Float32).put<float>(10000.0f);
  w.key("test.i8", ValueType::Int8).put<int8_t>(-3);
  w.key("test.u64", ValueType::UInt64).put<uint64_t>(1ull << 40);
  w.key("test.bool", ValueType::Bool).put<uint8_t>(1);
  w.key("tokenizer.ggml.tokens", ValueType::Array)
      .put<uint32_t>(uint32_t(ValueType::String))
      .put<uint64_t>(3)
      .str("<s>")
      .str("")
      .str("hello");
  w.key("tokenizer.ggml.scores", ValueType::Array)
      .put<uint32_t>(uint32_t(ValueType::Float32))
      .put<uint64_t>(2)
      .put<float>(-1.5f)
      .put<float>(2.0f);
  w.tensor("token_embd.weight", {8, 2}, TensorType::F32, 0);      // 64 bytes
  w.tensor("blk.0.attn_q.weight", {32, 2}, TensorType::Q8_0, 64); // 68 bytes
  w.tensor("output.weight", {64}, TensorType::Q4_0, 192);         // 36 bytes
  w.alignTo(64).zeros(192 + 36);
  return w.bytes;
}

TEST(GGUFTest, ReadsEveryFieldOfAGoodFile) {
  std::vector<uint8_t> bytes = goodFile();
  std::string error;
  std::optional<File> file = parse(bytes, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->version, 3u);
  EXPECT_EQ(file->alignment, 64u);
  EXPECT_EQ(file->dataOffset % 64, 0u);
  ASSERT_EQ(file->metadata.size(), 9u);
  EXPECT_EQ(file->find("general.architecture")->stringValue, "llama");
  EXPECT_EQ(*file->find("llama.block_count")->asUnsigned(), 2u);
  EXPECT_EQ(*file->find("llama.rope.freq_base")->asFloat(), 10000.0);
  EXPECT_EQ(file->find("test.i8")->signedValue, -3);
  EXPECT_FALSE(file->find("test.i8")->asUnsigned());
  EXPECT_EQ(*file->find("test.u64")->asUnsigned(), 1ull << 40);
  EXPECT_EQ(file->find("test.bool")->unsignedValue, 1u);
  const Value *tokens = file->find("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens->count, 3u);
  EXPECT_EQ(tokens->stringAt(0), "<s>");
  EXPECT_EQ(tokens->stringAt(1), "");
  EXPECT_EQ(tokens->stringAt(2), "hello");
  EXPECT_EQ(tokens->stringAt(3), "");
  const Value *scores = file->find("tokenizer.ggml.scores");
  EXPECT_EQ(*scores->floatAt(0), -1.5);
  EXPECT_EQ(*scores->floatAt(1), 2.0);
  EXPECT_FALSE(scores->floatAt(2));
  EXPECT_EQ(file->find("missing"), nullptr);

  ASSERT_EQ(file->tensors.size(), 3u);
  const TensorInfo *q8 = file->findTensor("blk.0.attn_q.weight");
  ASSERT_NE(q8, nullptr);
  EXPECT_EQ(q8->type, TensorType::Q8_0);
  EXPECT_EQ(q8->elements, 64u);
  EXPECT_EQ(q8->bytes, 68u);
  EXPECT_EQ(q8->offset, 64u);
  EXPECT_EQ(file->findTensor("token_embd.weight")->bytes, 64u);
  EXPECT_EQ(file->findTensor("output.weight")->bytes, 36u);
  EXPECT_EQ(file->dataOffset + 192 + 36, bytes.size());
}

TEST(GGUFTest, RefusesEveryTruncation) {
  std::vector<uint8_t> bytes = goodFile();
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::string error;
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    EXPECT_FALSE(parse(prefix, error)) << "prefix of " << length << " bytes";
    EXPECT_FALSE(error.empty()) << "prefix of " << length << " bytes";
  }
}

TEST(GGUFTest, SurvivesEveryFlippedByte) {
  std::vector<uint8_t> bytes = goodFile();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> copy = bytes;
    copy[i] ^= 0xff;
    std::string error;
    std::optional<File> file = parse(copy, error);
    EXPECT_EQ(bool(file), error.empty()) << "byte " << i;
  }
}

std::string errorOf(const std::vector<uint8_t> &bytes) {
  std::string error;
  EXPECT_FALSE(parse(bytes, error));
  return error;
}

TEST(GGUFTest, NamesWhatIsWrong) {
  EXPECT_NE(errorOf({'G', 'G', 'M', 'L', 3, 0, 0, 0}).find("not a GGUF file"), std::string::npos);
  EXPECT_NE(errorOf(Writer().header(0, 0, 1).bytes).find("version 1"), std::string::npos);
  EXPECT_NE(errorOf(Writer().header(0, 0, 0x03000000).bytes).find("big-endian"), std::string::npos);
  EXPECT_NE(errorOf(Writer().header(0, 0, 7).bytes).find("version 7"), std::string::npos);
  // Counts that the file cannot hold are refused before anything is allocated.
  EXPECT_NE(errorOf(Writer().header(1ull << 62, 0).bytes).find("tensor count"), std::string::npos);
  EXPECT_NE(errorOf(Writer().header(0, ~0ull).bytes).find("key/value count"), std::string::npos);
  {
    Writer w;
    w.header(0, 1).key("a", ValueType::Array).put<uint32_t>(uint32_t(ValueType::UInt64));
    w.put<uint64_t>(1ull << 61);
    EXPECT_NE(errorOf(w.bytes).find("'a' has 2305843009213693952 elements"), std::string::npos);
  }
  {
    Writer w;
    w.header(0, 1).key("s", ValueType::String).put<uint64_t>(~0ull);
    EXPECT_NE(errorOf(w.bytes).find("'s' is 18446744073709551615 bytes long"), std::string::npos);
  }
  {
    Writer w;
    w.header(0, 1).key("a", ValueType::Array).put<uint32_t>(uint32_t(ValueType::Array));
    w.put<uint64_t>(1).put<uint32_t>(0).put<uint64_t>(0);
    EXPECT_NE(errorOf(w.bytes).find("array of arrays"), std::string::npos);
  }
  {
    Writer w;
    w.header(0, 1).key("t", ValueType(13)).put<uint32_t>(0);
    EXPECT_NE(errorOf(w.bytes).find("'t' has unknown value type 13"), std::string::npos);
  }
  {
    Writer w;
    w.header(0, 2).key("k", ValueType::UInt8).put<uint8_t>(1).key("k", ValueType::UInt8);
    w.put<uint8_t>(2);
    EXPECT_NE(errorOf(w.bytes).find("'k' appears twice"), std::string::npos);
  }
  {
    Writer w;
    w.header(0, 1).key("general.alignment", ValueType::UInt32).put<uint32_t>(24);
    EXPECT_NE(errorOf(w.bytes).find("power of two"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {4}, TensorType(99), 0).alignTo(32).zeros(16);
    EXPECT_NE(errorOf(w.bytes).find("tensor 'w' has unknown ggml type 99"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {1ull << 40, 1ull << 40}, TensorType::F32, 0).alignTo(32);
    EXPECT_NE(errorOf(w.bytes).find("overflows"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {5, 0}, TensorType::F32, 0).alignTo(32);
    EXPECT_NE(errorOf(w.bytes).find("tensor 'w' dim 1 is 0"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {1, 1, 1, 1, 1}, TensorType::F32, 0);
    EXPECT_NE(errorOf(w.bytes).find("has 5 dims"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {16}, TensorType::Q4_0, 0).alignTo(32).zeros(64);
    EXPECT_NE(errorOf(w.bytes).find("not a multiple of Q4_0's block of 32"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {4}, TensorType::F32, 8).alignTo(32).zeros(64);
    EXPECT_NE(errorOf(w.bytes).find("not a multiple of the 32-byte alignment"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor("w", {64}, TensorType::F32, 32).alignTo(32).zeros(64);
    EXPECT_NE(errorOf(w.bytes).find("run past the 64-byte data section"), std::string::npos);
  }
  {
    Writer w;
    w.header(2, 0).tensor("a", {16}, TensorType::F32, 0).tensor("b", {16}, TensorType::F32, 32);
    w.alignTo(32).zeros(96);
    EXPECT_NE(errorOf(w.bytes).find("'b' overlaps tensor 'a'"), std::string::npos);
  }
  {
    Writer w;
    w.header(2, 0).tensor("a", {4}, TensorType::F32, 0).tensor("a", {4}, TensorType::F32, 32);
    w.alignTo(32).zeros(64);
    EXPECT_NE(errorOf(w.bytes).find("'a' appears twice"), std::string::npos);
  }
  {
    Writer w;
    w.header(1, 0).tensor(std::string(65, 'x'), {4}, TensorType::F32, 0);
    EXPECT_NE(errorOf(w.bytes).find("tensor 0 name is 65 bytes long"), std::string::npos);
  }
}

} // namespace
