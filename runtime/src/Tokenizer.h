//===- Tokenizer.h - GGUF vocabularies: text to token ids and back ----------===//
//
// The two tokenizers of GGUF models, with llama.cpp's semantics (src/llama-vocab.cpp):
// SentencePiece BPE (tokenizer.ggml.model = "llama") and GPT-2 byte-level BPE ("gpt2").
// Plain C++17 without exceptions: a bad vocabulary is an llmc_status_t, and encoding never fails.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_RUNTIME_SRC_TOKENIZER_H
#define LLMC_RUNTIME_SRC_TOKENIZER_H

#include "llmc/runtime.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmc::runtime {

enum class TokenizerKind {
  SentencePiece, ///< tokenizer.ggml.model = "llama"
  BytePairGPT2,  ///< tokenizer.ggml.model = "gpt2"
};

/// tokenizer.ggml.token_type values.
enum TokenType : int32_t {
  TokenTypeUndefined = 0,
  TokenTypeNormal = 1,
  TokenTypeUnknown = 2,
  TokenTypeControl = 3,
  TokenTypeUserDefined = 4,
  TokenTypeUnused = 5,
  TokenTypeByte = 6,
};

/// A vocabulary as GGUF stores it. The views need to live only until Tokenizer::create returns,
/// which copies what it keeps.
struct TokenizerData {
  TokenizerKind kind = TokenizerKind::SentencePiece;
  std::vector<std::string_view> tokens; ///< tokenizer.ggml.tokens
  /// tokenizer.ggml.scores (SentencePiece merge priorities); empty means all 0.
  std::vector<float> scores;
  /// tokenizer.ggml.token_type (TokenType values); empty means all normal.
  std::vector<int32_t> tokenTypes;
  /// tokenizer.ggml.merges ("left right", by rank), used by BytePairGPT2 only.
  std::vector<std::string_view> merges;
  int32_t bos = -1, eos = -1, unknown = -1; ///< -1: none
  bool addBos = true;                       ///< tokenizer.ggml.add_bos_token
  bool addSpacePrefix = true;               ///< tokenizer.ggml.add_space_prefix (SentencePiece)
};

/// An immutable, validated vocabulary; encode() and piece() may be called from several threads.
class Tokenizer {
public:
  /// Validates `data` (ids in range, scores and types sized like the tokens, types known, no
  /// duplicate tokens, merges of the form "left right" naming existing tokens, a BOS id when
  /// addBos) and builds the lookup tables. A bad vocabulary is LLMC_STATUS_INVALID_ARTIFACT
  /// naming what is wrong.
  static llmc_status_t create(const TokenizerData &data, std::unique_ptr<Tokenizer> *out);

  /// Appends the ids of `text` to `out` (which is cleared first), BOS first when `addBos` and the
  /// vocabulary has one. Never fails: bytes that form no token (invalid UTF-8 included) become
  /// <0xXX> byte tokens (SentencePiece; the unknown id if those are missing) or GPT-2 byte
  /// characters. Special-token text in `text` is not parsed: "<s>" is three characters.
  void encode(std::string_view text, bool addBos, std::vector<int32_t> *out) const;

  /// The bytes token `id` stands for: SentencePiece U+2581 becomes ' ' and <0xXX> that byte;
  /// GPT-2 characters map back to their bytes; control, unknown and unused tokens give "", as
  /// does an id out of range.
  std::string piece(int32_t id) const;

  size_t vocabSize() const { return tokens.size(); }
  TokenizerKind kind() const { return tokenizerKind; }
  int32_t bos() const { return bosId; }
  int32_t eos() const { return eosId; }
  /// tokenizer.ggml.add_bos_token, as given to create().
  bool addBos() const { return addBosToken; }
  /// tokenizer.ggml.add_space_prefix for SentencePiece; always false for GPT-2.
  bool addSpacePrefix() const { return addSpacePrefixFlag; }
  /// True for EOS and for control tokens named <|endoftext|>, <|im_end|>, <|eot_id|> or </s>.
  bool isEndOfGeneration(int32_t id) const;
  /// The token's text as stored in the vocabulary ("" out of range).
  std::string_view tokenText(int32_t id) const;
  /// The token's TokenType (TokenTypeUndefined out of range).
  int32_t tokenType(int32_t id) const;

  ~Tokenizer();

private:
  Tokenizer() = default;
  void encodeSentencePiece(std::string_view text, std::vector<int32_t> *out) const;
  void encodeGPT2(std::string_view text, std::vector<int32_t> *out) const;
  struct BytePairScratch;
  void bytePairWord(std::string_view word, BytePairScratch &scratch,
                    std::vector<int32_t> *out) const;
  int32_t lookup(std::string_view text) const;
  int32_t sentencePieceByteToken(uint8_t byte) const;

  TokenizerKind tokenizerKind = TokenizerKind::SentencePiece;
  std::string storage;                  // every token's text, back to back
  std::vector<std::string_view> tokens; // views into storage
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> pieces; // piece() of every id, precomputed
  std::unordered_map<std::string_view, int32_t> idOfText;
  // GPT-2: rank of the merge (leftId, rightId), and the id its result forms (-1 if none).
  std::unordered_map<uint64_t, int32_t> mergeRank;
  std::vector<int32_t> mergeResult;
  int32_t byteTokens[256] = {}; // per byte: GPT-2 character token or <0xXX> token, -1 if none
  std::vector<uint8_t> endOfGeneration;
  int32_t bosId = -1, eosId = -1, unknownId = -1;
  bool addBosToken = true;
  bool addSpacePrefixFlag = true;
};

/// The words of GPT-2's pre-tokenizer pattern
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// as views into `text`, in order and covering it. Each byte that is not valid UTF-8 counts as
/// one character that is neither letter, number nor space.
void splitGPT2Words(std::string_view text, std::vector<std::string_view> *words);

/// Turns a stream of ids into text whose every chunk is complete UTF-8: bytes of a character
/// split across tokens (byte-fallback tokens) are held back until the character completes.
/// Bytes that can never complete (invalid UTF-8) are passed through as they are.
class TextStream {
public:
  /// `stripLeadingSpace`: drop one leading space from the first token's piece when the
  /// vocabulary is SentencePiece with add_space_prefix, as llama.cpp's detokenizer does for text
  /// that begins a sequence. Pass false when the ids continue text already shown (generated
  /// tokens after a prompt), whose first space is real. Like llama.cpp, only the first id fed is
  /// stripped, so a leading BOS (whose piece is "") uses up the strip.
  explicit TextStream(const Tokenizer &tokenizer, bool stripLeadingSpace = true);

  /// Adds `id`'s piece and returns the text that is now complete (possibly "").
  std::string push(int32_t id);

  /// Returns whatever is held back, complete or not, and empties the stream.
  std::string flush();

  /// Bytes held back so far.
  size_t pending() const { return held.size(); }

private:
  const Tokenizer &tokenizer;
  bool stripNext;
  std::string held;
};

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_TOKENIZER_H
