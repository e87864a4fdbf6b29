//===- TokenizerTest.cpp - SentencePiece and GPT-2 BPE against llama.cpp's rules -===//
//
// The vocabularies are built here, small enough that every expected id sequence can be derived
// by hand from llama.cpp's algorithms (src/llama-vocab.cpp, src/unicode.cpp); the comments give
// the derivations.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/Tokenizer.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace llmc::test {
namespace {

using runtime::splitGPT2Words;
using runtime::TextStream;
using runtime::Tokenizer;
using runtime::TokenizerData;
using runtime::TokenizerKind;
using runtime::TokenType;
using Ids = std::vector<int32_t>;
using Words = std::vector<std::string>;

const std::string marker = "\xE2\x96\x81"; // U+2581, SentencePiece's space

/// Owns the strings a TokenizerData views.
struct Vocabulary {
  TokenizerKind kind;
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  std::map<std::string, int32_t> ids;
  int32_t bos = -1, eos = -1, unknown = -1;
  bool addBos = false, addSpacePrefix = false;

  int32_t add(const std::string &text, float score = 0.0f,
              int32_t type = runtime::TokenTypeNormal) {
    auto it = ids.find(text);
    if (it != ids.end())
      return it->second;
    int32_t id = int32_t(tokens.size());
    tokens.push_back(text);
    scores.push_back(score);
    types.push_back(type);
    ids[text] = id;
    return id;
  }
  int32_t id(const std::string &text) const {
    auto it = ids.find(text);
    EXPECT_NE(it, ids.end()) << "no token " << text;
    return it == ids.end() ? -1 : it->second;
  }
  TokenizerData data() const {
    TokenizerData data;
    data.kind = kind;
    for (const std::string &token : tokens)
      data.tokens.push_back(token);
    data.scores = scores;
    data.tokenTypes = types;
    for (const std::string &merge : merges)
      data.merges.push_back(merge);
    data.bos = bos;
    data.eos = eos;
    data.unknown = unknown;
    data.addBos = addBos;
    data.addSpacePrefix = addSpacePrefix;
    return data;
  }
  std::unique_ptr<Tokenizer> build() const {
    std::unique_ptr<Tokenizer> tokenizer;
    llmc_status_t status = Tokenizer::create(data(), &tokenizer);
    EXPECT_EQ(status, nullptr) << llmc_status_message(status);
    llmc_status_free(status);
    return tokenizer;
  }
};

/// <unk> 0, <s> 1, </s> 2, then <0x00>..<0xFF> as ids 3..258, as in Llama's vocabulary.
Vocabulary sentencePieceBase(bool withBytes = true) {
  Vocabulary v;
  v.kind = TokenizerKind::SentencePiece;
  v.unknown = v.add("<unk>", 0.0f, runtime::TokenTypeUnknown);
  v.bos = v.add("<s>", 0.0f, runtime::TokenTypeControl);
  v.eos = v.add("</s>", 0.0f, runtime::TokenTypeControl);
  if (withBytes) {
    for (int byte = 0; byte < 256; ++byte) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", byte);
      v.add(name, 0.0f, runtime::TokenTypeByte);
    }
  }
  return v;
}

int32_t byteId(int byte) { return 3 + byte; }

Ids encode(const Tokenizer &tokenizer, const std::string &text, bool addBos = false) {
  Ids ids;
  tokenizer.encode(text, addBos, &ids);
  return ids;
}

std::string decode(const Tokenizer &tokenizer, const Ids &ids, bool stripLeadingSpace = true) {
  TextStream stream(tokenizer, stripLeadingSpace);
  std::string text;
  for (int32_t id : ids)
    text += stream.push(id);
  return text + stream.flush();
}

//===----------------------------------------------------------------------===//
// SentencePiece
//===----------------------------------------------------------------------===//

TEST(TokenizerSentencePieceTest, HighestScoreMergesFirst) {
  Vocabulary v = sentencePieceBase();
  int32_t a = v.add("a"), b = v.add("b"), c = v.add("c");
  int32_t ab = v.add("ab", -1.0f), bc = v.add("bc", -2.0f);
  auto t = v.build();
  // Bigrams "ab" (-1) and "bc" (-2): "ab" wins; "abc" is no token, so [ab, c].
  EXPECT_EQ(encode(*t, "abc"), (Ids{ab, c}));
  EXPECT_EQ(encode(*t, "bca"), (Ids{bc, a}));
  EXPECT_EQ(encode(*t, "cab"), (Ids{c, ab}));
  EXPECT_EQ(encode(*t, "b"), (Ids{b}));

  Vocabulary w = sentencePieceBase();
  a = w.add("a"), b = w.add("b"), c = w.add("c");
  ab = w.add("ab", -2.0f), bc = w.add("bc", -1.0f);
  t = w.build();
  EXPECT_EQ(encode(*t, "abc"), (Ids{a, bc}));
}

TEST(TokenizerSentencePieceTest, BestPairNeedNotBeLeftmost) {
  Vocabulary v = sentencePieceBase();
  int32_t a = v.add("a");
  v.add("b");
  v.add("aa", -5.0f);
  int32_t ab = v.add("ab", -1.0f);
  auto t = v.build();
  // "aab": bigrams aa (-5) at 0 and ab (-1) at 1; ab merges first, then "aab" is no token.
  // A left-to-right greedy tokenizer would give [aa, b].
  EXPECT_EQ(encode(*t, "aab"), (Ids{a, ab}));
}

TEST(TokenizerSentencePieceTest, TiesGoToTheLeftmostPair) {
  Vocabulary v = sentencePieceBase();
  v.add("a"), v.add("b");
  int32_t c = v.add("c");
  int32_t ab = v.add("ab", -1.0f);
  v.add("bc", -1.0f);
  auto t = v.build();
  EXPECT_EQ(encode(*t, "abc"), (Ids{ab, c}));

  // "aaaa" with "aa": pairs at 0, 1 and 2 tie; 0 merges, 1 goes stale, 2 merges.
  Vocabulary w = sentencePieceBase();
  w.add("a");
  int32_t aa = w.add("aa", -1.0f);
  t = w.build();
  EXPECT_EQ(encode(*t, "aaaa"), (Ids{aa, aa}));
  EXPECT_EQ(encode(*t, "aaa"), (Ids{aa, w.id("a")}));
}

TEST(TokenizerSentencePieceTest, MergesChainIntoLongerTokens) {
  Vocabulary v = sentencePieceBase();
  for (const char *c : {"h", "e", "l", "o", "w", "r", "d"})
    v.add(c);
  v.add(marker);
  std::string prefix = marker;
  for (char c : std::string("hello")) {
    prefix += c;
    v.add(prefix, -float(prefix.size()));
  }
  prefix = marker;
  for (char c : std::string("world")) {
    prefix += c;
    v.add(prefix, -float(prefix.size()));
  }
  v.addSpacePrefix = true;
  v.addBos = true;
  auto t = v.build();
  int32_t hello = v.id(marker + "hello"), world = v.id(marker + "world");
  EXPECT_EQ(encode(*t, "hello world", true), (Ids{1, hello, world}));
  EXPECT_EQ(encode(*t, "hello world"), (Ids{hello, world}));
  EXPECT_EQ(decode(*t, {hello, world}), "hello world");
  EXPECT_EQ(decode(*t, {hello, world}, false), " hello world");

  // Without the space prefix "hello" has no ▁ and stays in characters.
  v.addSpacePrefix = false;
  t = v.build();
  EXPECT_EQ(encode(*t, "hello world"),
            (Ids{v.id("h"), v.id("e"), v.id("l"), v.id("l"), v.id("o"), world}));
  EXPECT_EQ(decode(*t, encode(*t, "hello world")), "hello world");
}

TEST(TokenizerSentencePieceTest, EmptyText) {
  Vocabulary v = sentencePieceBase();
  v.add(marker);
  v.addSpacePrefix = true;
  v.addBos = true;
  auto t = v.build();
  // As SentencePiece: encode('') is [] or [BOS]; no space prefix for empty text.
  EXPECT_EQ(encode(*t, "", true), (Ids{1}));
  EXPECT_EQ(encode(*t, ""), (Ids{}));
}

TEST(TokenizerSentencePieceTest, LeadingAndRepeatedSpaces) {
  Vocabulary v = sentencePieceBase();
  int32_t space = v.add(marker);
  int32_t a = v.add("a");
  int32_t twoSpaces = v.add(marker + marker, -0.5f);
  int32_t spaceA = v.add(marker + "a", -1.0f);
  v.addSpacePrefix = true;
  auto t = v.build();
  // "  a" -> "▁▁▁a": pairs ▁▁ (0), ▁▁ (1), ▁a (2); 0 merges, 1 goes stale, then ▁a.
  EXPECT_EQ(encode(*t, "  a"), (Ids{twoSpaces, spaceA}));
  EXPECT_EQ(decode(*t, {twoSpaces, spaceA}), "  a");
  // "a  " -> "▁a▁▁": ▁▁ (-0.5) merges first, then ▁a (-1); "a▁▁" and "▁a▁▁" are no tokens.
  EXPECT_EQ(encode(*t, "a  "), (Ids{spaceA, twoSpaces}));
  // " " -> "▁▁".
  EXPECT_EQ(encode(*t, " "), (Ids{twoSpaces}));
  // "a a" -> "▁a▁a".
  EXPECT_EQ(encode(*t, "a a"), (Ids{spaceA, spaceA}));
  (void)space, (void)a;
}

TEST(TokenizerSentencePieceTest, ByteFallbackForUnknownCharacters) {
  Vocabulary v = sentencePieceBase();
  int32_t a = v.add("a");
  int32_t u = v.add("\xC3\xBC"); // ü is in the vocabulary, é is not
  auto t = v.build();
  EXPECT_EQ(encode(*t, "a\xC3\xA9"), (Ids{a, byteId(0xC3), byteId(0xA9)}));
  EXPECT_EQ(encode(*t, "\xC3\xBC"), (Ids{u}));
  // 中 (E4 B8 AD) and an emoji (F0 9F 98 80) fall back to their bytes.
  EXPECT_EQ(encode(*t, "\xE4\xB8\xAD"), (Ids{byteId(0xE4), byteId(0xB8), byteId(0xAD)}));
  EXPECT_EQ(encode(*t, "\xF0\x9F\x98\x80"),
            (Ids{byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80)}));
  // A newline is no token in Llama's vocabulary: <0x0A>.
  EXPECT_EQ(encode(*t, "a\na"), (Ids{a, byteId('\n'), a}));
  EXPECT_EQ(t->piece(byteId('\n')), "\n");
}

TEST(TokenizerSentencePieceTest, InvalidUtf8) {
  Vocabulary v = sentencePieceBase();
  int32_t a = v.add("a");
  v.add("b");
  v.add("ab", -1.0f);
  auto t = v.build();
  // llama.cpp splits by the length the lead byte announces: 0xFF announces 4 bytes, so
  // "\xFF" and "b" form one symbol, which is no token and falls back to bytes.
  EXPECT_EQ(encode(*t, "a\xFF"
                       "b"),
            (Ids{a, byteId(0xFF), byteId('b')}));
  // A lone continuation byte is a symbol of its own.
  EXPECT_EQ(encode(*t, "\x80"
                       "ab"),
            (Ids{byteId(0x80), v.id("ab")}));
  // A truncated sequence at the end.
  EXPECT_EQ(encode(*t, "a\xE4\xB8"), (Ids{a, byteId(0xE4), byteId(0xB8)}));
  EXPECT_EQ(decode(*t, encode(*t, "a\xFF"
                                  "b\x80")),
            "a\xFF"
            "b\x80");
}

TEST(TokenizerSentencePieceTest, UnknownIdWithoutByteTokens) {
  Vocabulary v = sentencePieceBase(/*withBytes=*/false);
  int32_t a = v.add("a");
  auto t = v.build();
  EXPECT_EQ(encode(*t, "aza"), (Ids{a, 0, a}));
  EXPECT_EQ(encode(*t, "\xC3\xA9"), (Ids{0, 0}));
  EXPECT_EQ(t->piece(0), ""); // unknown prints nothing, as llama.cpp
}

TEST(TokenizerSentencePieceTest, PiecesAndEndOfGeneration) {
  Vocabulary v = sentencePieceBase();
  int32_t word = v.add(marker + "x" + marker + "y");
  int32_t user = v.add("<tool>", 0.0f, runtime::TokenTypeUserDefined);
  int32_t unused = v.add("<unused0>", 0.0f, runtime::TokenTypeUnused);
  int32_t imEnd = v.add("<|im_end|>", 0.0f, runtime::TokenTypeControl);
  int32_t normalEnd = v.add("<|eot_id|>"); // not control: no end of generation
  auto t = v.build();
  EXPECT_EQ(t->piece(word), " x y");
  EXPECT_EQ(t->piece(user), "<tool>");
  EXPECT_EQ(t->piece(unused), "");
  EXPECT_EQ(t->piece(1), "");
  EXPECT_EQ(t->piece(2), "");
  EXPECT_EQ(t->piece(byteId(0x41)), "A");
  EXPECT_EQ(t->piece(-1), "");
  EXPECT_EQ(t->piece(int32_t(t->vocabSize())), "");
  EXPECT_TRUE(t->isEndOfGeneration(2));
  EXPECT_TRUE(t->isEndOfGeneration(imEnd));
  EXPECT_FALSE(t->isEndOfGeneration(normalEnd));
  EXPECT_FALSE(t->isEndOfGeneration(1));
  EXPECT_FALSE(t->isEndOfGeneration(-3));
  EXPECT_EQ(t->bos(), 1);
  EXPECT_EQ(t->eos(), 2);
  EXPECT_EQ(t->vocabSize(), v.tokens.size());
}

TEST(TokenizerSentencePieceTest, RandomUtf8RoundTrips) {
  Vocabulary v = sentencePieceBase();
  v.add(marker);
  const std::vector<std::string> alphabet = {"a",
                                             "b",
                                             "e",
                                             " ",
                                             "  ",
                                             "\n",
                                             "\t",
                                             "\xC3\xA9",
                                             "\xC3\xBC",
                                             "\xE4\xB8\xAD",
                                             "\xE6\x96\x87",
                                             "\xF0\x9F\x98\x80",
                                             "'",
                                             ".",
                                             "1",
                                             "\xCE\xB1"};
  for (const char *token : {"a", "b", "e", "ab", "ba", "be", "\xC3\xA9", "\xE4\xB8\xAD"})
    v.add(token, -float(std::string(token).size()));
  for (const std::string &prefix : {marker + "a", marker + "b", marker + "ab", marker + marker})
    v.add(prefix, -1.5f);
  for (bool spacePrefix : {true, false}) {
    v.addSpacePrefix = spacePrefix;
    auto t = v.build();
    std::mt19937 random(spacePrefix ? 1 : 2);
    for (int round = 0; round < 500; ++round) {
      std::string text;
      size_t length = random() % 20;
      for (size_t i = 0; i < length; ++i)
        text += alphabet[random() % alphabet.size()];
      Ids ids = encode(*t, text);
      EXPECT_EQ(decode(*t, ids), text) << "space prefix " << spacePrefix;
    }
  }
}

//===----------------------------------------------------------------------===//
// GPT-2 byte-level BPE
//===----------------------------------------------------------------------===//

/// The UTF-8 of GPT-2's character for `byte`.
std::string gpt2Char(uint8_t byte) {
  bool printable =
      (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE);
  uint32_t cp = byte;
  if (!printable) {
    cp = 256;
    for (unsigned b = 0; b < byte; ++b)
      if (!((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE)))
        ++cp;
  }
  std::string out;
  if (cp < 0x80) {
    out += char(cp);
  } else {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string gpt2Encode(const std::string &bytes) {
  std::string out;
  for (char c : bytes)
    out += gpt2Char(uint8_t(c));
  return out;
}

/// The 256 byte characters as ids 0..255 (so a lone byte's id is its value), then merges.
Vocabulary gpt2Base() {
  Vocabulary v;
  v.kind = TokenizerKind::BytePairGPT2;
  for (int byte = 0; byte < 256; ++byte)
    v.add(gpt2Char(uint8_t(byte)));
  return v;
}

/// Adds the merge of two byte strings (given raw, encoded here) and the token it forms.
int32_t addMerge(Vocabulary &v, const std::string &left, const std::string &right) {
  v.merges.push_back(gpt2Encode(left) + " " + gpt2Encode(right));
  return v.add(gpt2Encode(left + right));
}

Words split(const std::string &text) {
  std::vector<std::string_view> views;
  splitGPT2Words(text, &views);
  return Words(views.begin(), views.end());
}

TEST(TokenizerGPT2Test, PreTokenizerFollowsTheGPT2Pattern) {
  EXPECT_EQ(split("Hello, world!"), (Words{"Hello", ",", " world", "!"}));
  EXPECT_EQ(split("I'm don't"), (Words{"I", "'m", " don", "'t"}));
  EXPECT_EQ(split("they'll we've you're he'd it's"),
            (Words{"they", "'ll", " we", "'ve", " you", "'re", " he", "'d", " it", "'s"}));
  // Contractions are lowercase only in GPT-2's pattern.
  EXPECT_EQ(split("IT'S"), (Words{"IT", "'", "S"}));
  EXPECT_EQ(split("'s"), (Words{"'s"}));
  EXPECT_EQ(split("abc123 4567 x"), (Words{"abc", "123", " 4567", " x"}));
  EXPECT_EQ(split("123abc"), (Words{"123", "abc"}));
  // \s+(?!\S) leaves the last space of a run to the next word; \s+ takes a run at the end.
  EXPECT_EQ(split("a  b"), (Words{"a", " ", " b"}));
  EXPECT_EQ(split("a   \n\nb"), (Words{"a", "   \n", "\n", "b"}));
  EXPECT_EQ(split("a  "), (Words{"a", "  "}));
  EXPECT_EQ(split("  a"), (Words{" ", " a"}));
  EXPECT_EQ(split("\t\tx"), (Words{"\t", "\t", "x"}));
  EXPECT_EQ(split("a\nb"), (Words{"a", "\n", "b"}));
  EXPECT_EQ(split(" !!  ?"), (Words{" !!", " ", " ?"}));
  // Non-ASCII letters and numbers (² is No, 日本語 Lo, U+3000 is a space).
  EXPECT_EQ(split("h\xC3\xA9llo w\xC3\xB6rld"), (Words{"h\xC3\xA9llo", " w\xC3\xB6rld"}));
  EXPECT_EQ(split("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
            (Words{"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"}));
  EXPECT_EQ(split("x\xC2\xB2"), (Words{"x", "\xC2\xB2"}));
  EXPECT_EQ(split("a\xE3\x80\x80"
                  "b"),
            (Words{"a", "\xE3\x80\x80", "b"}));
  // Bytes that are not UTF-8 are "other" characters.
  EXPECT_EQ(split("\xFF\xFE"
                  "ab \x80"),
            (Words{"\xFF\xFE", "ab", " \x80"}));
  EXPECT_EQ(split(""), (Words{}));
}

TEST(TokenizerGPT2Test, MergesApplyByRank) {
  Vocabulary v = gpt2Base();
  int32_t spaceT = addMerge(v, " ", "t"); // rank 0
  int32_t he = addMerge(v, "h", "e");     // rank 1
  int32_t spaceThe = addMerge(v, " t", "he");
  int32_t er = addMerge(v, "e", "r");
  int32_t be = addMerge(v, "b", "e");
  auto t = v.build();
  // "the": (t,h) is no merge, (h,e) is: [t, he].
  EXPECT_EQ(encode(*t, "the"), (Ids{'t', he}));
  // " the": Ġt (rank 0), then he (1), then Ġt+he.
  EXPECT_EQ(encode(*t, " the"), (Ids{spaceThe}));
  // "her": he (1) beats er (3); then he+r is no merge.
  EXPECT_EQ(encode(*t, "her"), (Ids{he, 'r'}));
  // "ber": er (3) beats be (4).
  EXPECT_EQ(encode(*t, "ber"), (Ids{'b', er}));
  EXPECT_EQ(encode(*t, " to"), (Ids{spaceT, 'o'}));
  EXPECT_EQ(decode(*t, {spaceThe, he, 'r'}), " theher");
  (void)be;
}

TEST(TokenizerGPT2Test, EqualRanksMergeLeftmostFirst) {
  Vocabulary v = gpt2Base();
  int32_t aa = addMerge(v, "a", "a");
  auto t = v.build();
  EXPECT_EQ(encode(*t, "aaa"), (Ids{aa, 'a'}));
  EXPECT_EQ(encode(*t, "aaaa"), (Ids{aa, aa}));
  int32_t aaaa = addMerge(v, "aa", "aa");
  t = v.build();
  EXPECT_EQ(encode(*t, "aaaaa"), (Ids{aaaa, 'a'}));
}

TEST(TokenizerGPT2Test, WordsBoundMerges) {
  Vocabulary v = gpt2Base();
  int32_t nQuote = addMerge(v, "n", "'"); // rank 0: would win if "don't" were one word
  int32_t quoteT = addMerge(v, "'", "t");
  int32_t do_ = addMerge(v, "d", "o");
  int32_t aSpace = addMerge(v, "a", " ");
  int32_t twelve = addMerge(v, "1", "2");
  int32_t spaceOne = addMerge(v, " ", "1");
  auto t = v.build();
  // The pattern splits "don't" into "don" and "'t" before any merge.
  EXPECT_EQ(encode(*t, "don't"), (Ids{do_, 'n', quoteT}));
  // "a b": the space belongs to " b", so "a " never forms.
  EXPECT_EQ(encode(*t, "a b"), (Ids{'a', ' ', 'b'}));
  // Digits: " 12" is one word; Ġ1 (rank 5) loses to 12 (rank 4).
  EXPECT_EQ(encode(*t, "x 12"), (Ids{'x', ' ', twelve}));
  EXPECT_EQ(encode(*t, "x 13"), (Ids{'x', spaceOne, '3'}));
  // Newlines are words of their own, as bytes 0x0A.
  EXPECT_EQ(encode(*t, "a\n\nb"), (Ids{'a', '\n', '\n', 'b'}));
  (void)nQuote, (void)aSpace;
}

TEST(TokenizerGPT2Test, NonAsciiAndInvalidBytes) {
  Vocabulary v = gpt2Base();
  int32_t eAcute = addMerge(v, "\xC3", "\xA9"); // é as two byte characters
  int32_t spaceEAcute = addMerge(v, " ", "\xC3\xA9");
  auto t = v.build();
  EXPECT_EQ(encode(*t, "\xC3\xA9"), (Ids{eAcute}));
  EXPECT_EQ(encode(*t, "a \xC3\xA9"), (Ids{'a', spaceEAcute}));
  EXPECT_EQ(t->piece(spaceEAcute), " \xC3\xA9");
  // Invalid UTF-8 still maps byte for byte.
  EXPECT_EQ(encode(*t, "\xFF\xC3"), (Ids{0xFF, 0xC3}));
  EXPECT_EQ(encode(*t, ""), (Ids{}));
  EXPECT_EQ(t->piece(' '), " ");
  EXPECT_EQ(t->piece('\n'), "\n");
  EXPECT_EQ(t->piece(0), std::string(1, '\0'));
}

TEST(TokenizerGPT2Test, BosAndEndOfText) {
  Vocabulary v = gpt2Base();
  int32_t endOfText = v.add("<|endoftext|>", 0.0f, runtime::TokenTypeControl);
  v.bos = v.eos = endOfText;
  v.addBos = true;
  auto t = v.build();
  EXPECT_EQ(encode(*t, "a", true), (Ids{endOfText, 'a'}));
  EXPECT_EQ(encode(*t, "", true), (Ids{endOfText}));
  EXPECT_EQ(t->piece(endOfText), "");
  EXPECT_TRUE(t->isEndOfGeneration(endOfText));
  // The special token's text is not parsed out of the input.
  EXPECT_EQ(encode(*t, "<|endoftext|>").size(), std::string("<|endoftext|>").size());
  // GPT-2 never strips a leading space.
  EXPECT_EQ(decode(*t, {' ', 'a'}), " a");
}

TEST(TokenizerGPT2Test, RandomBytesRoundTrip) {
  Vocabulary v = gpt2Base();
  for (const char *pair : {"th", "he", "in", "er", "an", " t", " a", "  ", "\xC3\xA9"})
    addMerge(v, std::string(1, pair[0]), std::string(pair + 1));
  addMerge(v, " t", "he");
  addMerge(v, "\xC3\xA9", "\xC3\xA9");
  auto t = v.build();
  std::mt19937 random(7);
  const std::string common = "the an er in \n\t'sé12";
  for (int round = 0; round < 1000; ++round) {
    std::string text;
    size_t length = random() % 24;
    for (size_t i = 0; i < length; ++i) {
      // Half the bytes from common text so that merges fire, half arbitrary.
      text += random() % 2 ? common[random() % common.size()] : char(random() % 256);
    }
    Ids ids = encode(*t, text);
    std::string pieces;
    for (int32_t id : ids)
      pieces += t->piece(id);
    EXPECT_EQ(pieces, text);
    EXPECT_EQ(decode(*t, ids), text);
  }
}

//===----------------------------------------------------------------------===//
// TextStream
//===----------------------------------------------------------------------===//

TEST(TokenizerTextStreamTest, HoldsBackSplitCharacters) {
  Vocabulary v = sentencePieceBase();
  int32_t a = v.add("a");
  int32_t spaceA = v.add(marker + "a");
  auto t = v.build();
  TextStream stream(*t, /*stripLeadingSpace=*/false);
  EXPECT_EQ(stream.push(a), "a");
  // 中 = E4 B8 AD, one byte token at a time.
  EXPECT_EQ(stream.push(byteId(0xE4)), "");
  EXPECT_EQ(stream.pending(), 1u);
  EXPECT_EQ(stream.push(byteId(0xB8)), "");
  EXPECT_EQ(stream.push(byteId(0xAD)), "\xE4\xB8\xAD");
  EXPECT_EQ(stream.pending(), 0u);
  // An emoji split 1 + 3, followed by text in the same push.
  EXPECT_EQ(stream.push(byteId(0xF0)), "");
  EXPECT_EQ(stream.push(byteId(0x9F)), "");
  EXPECT_EQ(stream.push(byteId(0x98)), "");
  EXPECT_EQ(stream.push(byteId(0x80)), "\xF0\x9F\x98\x80");
  EXPECT_EQ(stream.push(spaceA), " a");
  // An incomplete tail comes out on flush.
  EXPECT_EQ(stream.push(byteId(0xC3)), "");
  EXPECT_EQ(stream.flush(), "\xC3");
  EXPECT_EQ(stream.flush(), "");
  // A byte that can never complete is not held: a stray continuation, an invalid lead, or a
  // lead followed by a non-continuation.
  EXPECT_EQ(stream.push(byteId(0x80)), "\x80");
  EXPECT_EQ(stream.push(byteId(0xFF)), "\xFF");
  EXPECT_EQ(stream.push(byteId(0xE4)), "");
  EXPECT_EQ(stream.push(a), "\xE4"
                            "a");
}

TEST(TokenizerTextStreamTest, DropsTheSpacePrefixLikeLlamaCpp) {
  Vocabulary v = sentencePieceBase();
  int32_t spaceA = v.add(marker + "a");
  v.addSpacePrefix = true;
  v.addBos = true;
  auto t = v.build();
  EXPECT_EQ(decode(*t, {spaceA, spaceA}), "a a");
  EXPECT_EQ(decode(*t, {spaceA, spaceA}, false), " a a");
  // llama.cpp strips only the first token's piece: after a BOS the space stays.
  EXPECT_EQ(decode(*t, {1, spaceA}), " a");
  // Without add_space_prefix nothing is stripped.
  v.addSpacePrefix = false;
  t = v.build();
  EXPECT_EQ(decode(*t, {spaceA}), " a");
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

std::string createError(const TokenizerData &data) {
  std::unique_ptr<Tokenizer> tokenizer;
  llmc_status_t status = Tokenizer::create(data, &tokenizer);
  EXPECT_NE(status, nullptr);
  if (!status)
    return "";
  EXPECT_EQ(llmc_status_code(status), LLMC_STATUS_INVALID_ARTIFACT);
  EXPECT_EQ(tokenizer, nullptr);
  std::string message = llmc_status_message(status);
  llmc_status_free(status);
  return message;
}

TEST(TokenizerValidationTest, RefusesBadVocabularies) {
  Vocabulary v = sentencePieceBase();
  v.add("a");
  TokenizerData data = v.data();
  data.scores.pop_back();
  EXPECT_NE(createError(data).find("tokenizer.ggml.scores has 259 entries for 260 tokens"),
            std::string::npos);

  data = v.data();
  data.tokenTypes.push_back(1);
  EXPECT_NE(createError(data).find("token_type has 261 entries"), std::string::npos);

  data = v.data();
  data.tokenTypes[5] = 9;
  EXPECT_NE(createError(data).find("token 5 has type 9"), std::string::npos);

  data = v.data();
  data.bos = 260;
  EXPECT_NE(createError(data).find("bos_token_id is 260, outside the vocabulary of 260"),
            std::string::npos);
  data = v.data();
  data.eos = -2;
  EXPECT_NE(createError(data).find("eos_token_id is -2"), std::string::npos);
  data = v.data();
  data.unknown = 1000;
  EXPECT_NE(createError(data).find("unknown_token_id is 1000"), std::string::npos);

  data = v.data();
  data.addBos = true;
  data.bos = -1;
  EXPECT_NE(createError(data).find("add_bos_token is true"), std::string::npos);

  data = v.data();
  data.tokens.clear();
  data.scores.clear();
  data.tokenTypes.clear();
  EXPECT_NE(createError(data).find("no tokens"), std::string::npos);

  data = v.data();
  data.tokens[4] = "a";
  EXPECT_NE(createError(data).find("duplicate token in the vocabulary: 'a' has ids 4 and 259"),
            std::string::npos);

  Vocabulary g = gpt2Base();
  addMerge(g, "a", "b");
  data = g.data();
  data.merges.push_back("a zz");
  EXPECT_NE(createError(data).find("merge 1 ('a zz') names 'zz', which is not in the vocabulary"),
            std::string::npos);
  data = g.data();
  data.merges.push_back("ab");
  EXPECT_NE(createError(data).find("merge 1 ('ab') is not of the form"), std::string::npos);
  data = g.data();
  data.merges.push_back("");
  EXPECT_NE(createError(data).find("merge 1"), std::string::npos);

  // Empty tokens are allowed (llama.cpp renames them) but never produced.
  data = v.data();
  data.tokens[3] = "";
  std::unique_ptr<Tokenizer> tokenizer;
  llmc_status_t status = Tokenizer::create(data, &tokenizer);
  EXPECT_EQ(status, nullptr) << llmc_status_message(status);
  llmc_status_free(status);
}

//===----------------------------------------------------------------------===//
// Size: a Llama-sized vocabulary and a 10 KB text
//===----------------------------------------------------------------------===//

TEST(TokenizerScaleTest, LargeVocabularyAndLongText) {
  std::mt19937 random(3);
  const std::string letters = "abcdefghijklmnopqrstuvwxyz";
  Vocabulary s = sentencePieceBase();
  s.add(marker);
  for (char c : letters)
    s.add(std::string(1, c), -10.0f);
  while (s.tokens.size() < 32000) {
    std::string token = random() % 3 ? "" : marker;
    size_t length = 2 + random() % 6;
    for (size_t i = 0; i < length; ++i)
      token += letters[random() % letters.size()];
    s.add(token, -float(random() % 1000) / 100.0f);
  }
  s.addSpacePrefix = true;
  auto spm = s.build();

  // Merges that grow letter strings (with or without a leading space), as trained ones do.
  Vocabulary g = gpt2Base();
  std::vector<std::string> grown;
  for (char c : letters)
    grown.push_back(std::string(1, c));
  grown.push_back(gpt2Encode(" "));
  while (g.merges.size() < 20000) {
    const std::string left = grown[random() % grown.size()];
    const std::string right(1, letters[random() % letters.size()]);
    std::string merged = left + right;
    if (g.ids.count(merged) || merged.size() > 10)
      continue;
    g.merges.push_back(left + " " + right);
    g.add(merged);
    grown.push_back(merged);
  }
  auto gpt2 = g.build();

  std::string text;
  while (text.size() < 10240) {
    size_t word = 1 + random() % 9;
    for (size_t i = 0; i < word; ++i)
      text += letters[random() % letters.size()];
    text += random() % 10 ? " " : ".\n";
  }
  for (const Tokenizer *t : {spm.get(), gpt2.get()}) {
    Ids ids;
    auto start = std::chrono::steady_clock::now();
    t->encode(text, false, &ids);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Reported, not asserted: the tests check behaviour, benchmarks check speed.
    std::printf("encoded %zu bytes into %zu tokens in %.2f ms\n", text.size(), ids.size(),
                seconds * 1e3);
    EXPECT_LT(ids.size(), text.size());
    EXPECT_EQ(decode(*t, ids), text);
  }
}

} // namespace
} // namespace llmc::test
