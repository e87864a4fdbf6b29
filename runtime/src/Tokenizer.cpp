//===- Tokenizer.cpp - SentencePiece and GPT-2 BPE with llama.cpp's semantics -===//
#include "runtime/src/Tokenizer.h"

#include "runtime/src/Status.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace llmc::runtime {

namespace {

//===----------------------------------------------------------------------===//
// Unicode
//===----------------------------------------------------------------------===//

enum class UnicodeClass : uint8_t { Other, Letter, Number, Whitespace };

struct UnicodeRange {
  uint32_t first, last;
  UnicodeClass unicodeClass;
};

const UnicodeRange unicodeRanges[] = {
#include "runtime/src/UnicodeTables.inc"
};

/// Stands for a byte that starts no valid UTF-8 sequence; its class is "other".
constexpr uint32_t invalidCodePoint = 0x110000;

UnicodeClass classOf(uint32_t cp) {
  const UnicodeRange *begin = std::begin(unicodeRanges), *end = std::end(unicodeRanges);
  const UnicodeRange *it =
      std::upper_bound(begin, end, cp, [](uint32_t value, const UnicodeRange &range) {
        return value < range.first;
      });
  if (it == begin)
    return UnicodeClass::Other;
  --it;
  return cp <= it->last ? it->unicodeClass : UnicodeClass::Other;
}

/// Decodes one well-formed UTF-8 sequence (no overlong forms, surrogates or code points past
/// U+10FFFF) at the start of `bytes`; returns its length, or 0 if there is none.
size_t decodeUtf8(const uint8_t *bytes, size_t size, uint32_t *cp) {
  uint8_t lead = bytes[0];
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  size_t length;
  uint32_t value, minimum;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (size < length)
    return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((bytes[i] & 0xC0) != 0x80)
      return 0;
    value = (value << 6) | (bytes[i] & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return 0;
  *cp = value;
  return length;
}

void appendUtf8(uint32_t cp, std::string *out) {
  if (cp < 0x80) {
    out->push_back(char(cp));
  } else if (cp < 0x800) {
    out->push_back(char(0xC0 | (cp >> 6)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(char(0xE0 | (cp >> 12)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(char(0xF0 | (cp >> 18)));
    out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  }
}

/// GPT-2's reversible byte <-> code point mapping: printable Latin-1 bytes stand for themselves,
/// the other 68 bytes take U+0100 onwards in byte order.
struct ByteMapping {
  uint32_t codePointOfByte[256];
  int16_t byteOfCodePoint[256 + 68]; // -1 where no byte maps
  ByteMapping() {
    std::fill(std::begin(byteOfCodePoint), std::end(byteOfCodePoint), int16_t(-1));
    uint32_t next = 256;
    for (uint32_t byte = 0; byte < 256; ++byte) {
      bool printable = (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
                       (byte >= 0xAE && byte <= 0xFF);
      uint32_t cp = printable ? byte : next++;
      codePointOfByte[byte] = cp;
      byteOfCodePoint[cp] = int16_t(byte);
    }
  }
};

const ByteMapping &byteMapping() {
  static const ByteMapping mapping;
  return mapping;
}

// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
constexpr std::string_view spaceMarker = "\xE2\x96\x81";

/// llama.cpp's unicode_len_utf8: the sequence length a lead byte announces, 1 for a stray
/// continuation byte. SentencePiece splits text into "characters" this way, valid or not.
size_t announcedLength(uint8_t lead) {
  static const uint8_t lengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lengths[lead >> 4];
}

bool parseByteToken(std::string_view text, uint8_t *byte) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>')
    return false;
  unsigned value = 0;
  for (size_t i = 3; i < 5; ++i) {
    char c = text[i];
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = unsigned(c - '0');
    else if (c >= 'A' && c <= 'F')
      digit = unsigned(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f')
      digit = unsigned(c - 'a' + 10);
    else
      return false;
    value = value * 16 + digit;
  }
  *byte = uint8_t(value);
  return true;
}

/// A printable rendering of a token for error messages.
std::string quoted(std::string_view text) {
  std::string result = "'";
  for (char c : text.substr(0, 40)) {
    if (uint8_t(c) < 0x20 || c == '\'' || c == '\\')
      result += formatString("\\x%02X", unsigned(uint8_t(c)));
    else
      result += c;
  }
  if (text.size() > 40)
    result += "...";
  return result + "'";
}

struct CodePointUnit {
  uint32_t cp;
  uint32_t start; // byte offset
  uint32_t size;  // bytes
  UnicodeClass unicodeClass;
};

/// Splits `text` into words with the GPT-2 pattern
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// matched by hand as llama.cpp's unicode_regex_split_custom_gpt2 does. A byte that is not valid
/// UTF-8 is one unit of class "other" (llama.cpp would read it as U+FFFD, losing the byte).
void splitWords(std::string_view text, std::vector<CodePointUnit> &units,
                std::vector<std::string_view> &words) {
  units.clear();
  words.clear();
  const auto *bytes = reinterpret_cast<const uint8_t *>(text.data());
  for (size_t offset = 0; offset < text.size();) {
    uint32_t cp;
    size_t length = decodeUtf8(bytes + offset, text.size() - offset, &cp);
    if (length == 0)
      cp = invalidCodePoint, length = 1;
    UnicodeClass unicodeClass = cp == invalidCodePoint ? UnicodeClass::Other : classOf(cp);
    units.push_back({cp, uint32_t(offset), uint32_t(length), unicodeClass});
    offset += length;
  }

  const size_t count = units.size();
  // Past the end, the code point is none and the class matches nothing.
  auto cpAt = [&](size_t i) { return i < count ? units[i].cp : UINT32_MAX; };
  auto isClass = [&](size_t i, UnicodeClass c) { return i < count && units[i].unicodeClass == c; };
  size_t wordStart = 0;
  auto endWord = [&](size_t end) {
    if (end > wordStart) {
      size_t byteStart = units[wordStart].start;
      size_t byteEnd = end < count ? units[end].start : text.size();
      words.push_back(text.substr(byteStart, byteEnd - byteStart));
    }
    wordStart = end;
  };

  for (size_t pos = 0; pos < count;) {
    uint32_t cp = units[pos].cp;
    // 's|'t|'re|'ve|'m|'ll|'d
    if (cp == '\'' && pos + 1 < count) {
      uint32_t next = cpAt(pos + 1);
      if (next == 's' || next == 't' || next == 'm' || next == 'd') {
        pos += 2;
        endWord(pos);
        continue;
      }
      uint32_t after = cpAt(pos + 2);
      if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') ||
          (next == 'l' && after == 'l')) {
        pos += 3;
        endWord(pos);
        continue;
      }
    }
    // The optional leading space of the next three alternatives.
    size_t body = cp == ' ' ? pos + 1 : pos;
    UnicodeClass bodyClass = body < count ? units[body].unicodeClass : UnicodeClass::Whitespace;
    if (body < count && bodyClass != UnicodeClass::Whitespace) {
      // ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+
      pos = body;
      while (isClass(pos, bodyClass))
        ++pos;
      endWord(pos);
      continue;
    }
    size_t whitespace = 0;
    while (isClass(pos + whitespace, UnicodeClass::Whitespace))
      ++whitespace;
    // \s+(?!\S): a run followed by more text leaves its last space to the next word.
    if (whitespace > 1 && pos + whitespace < count) {
      pos += whitespace - 1;
      endWord(pos);
      continue;
    }
    if (whitespace > 0) {
      pos += whitespace;
      endWord(pos);
      continue;
    }
    // Unreachable (every unit is a letter, number, other or whitespace); no input may stall.
    endWord(++pos);
  }
}

} // namespace

void splitGPT2Words(std::string_view text, std::vector<std::string_view> *words) {
  std::vector<CodePointUnit> units;
  splitWords(text, units, *words);
}

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

struct Tokenizer::BytePairScratch {
  struct Symbol {
    int32_t prev, next;
    uint32_t start, size;
    int32_t id; // -1 when the symbol's bytes form no token
  };
  struct Bigram {
    int32_t rank;
    int32_t left, right;
    int32_t leftId, rightId;
  };
  std::vector<Symbol> symbols;
  std::vector<Bigram> heap;
  std::vector<CodePointUnit> units;
  std::vector<std::string_view> words;
};

Tokenizer::~Tokenizer() = default;

llmc_status_t Tokenizer::create(const TokenizerData &data, std::unique_ptr<Tokenizer> *out) {
  out->reset();
  const size_t count = data.tokens.size();
  const char *kindName = data.kind == TokenizerKind::SentencePiece ? "SentencePiece" : "GPT-2";
  if (count == 0)
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT, "the %s vocabulary has no tokens", kindName);
  if (count > size_t(INT32_MAX))
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                      "the vocabulary has %zu tokens, more than ids "
                      "can number",
                      count);
  if (!data.scores.empty() && data.scores.size() != count)
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                      "tokenizer.ggml.scores has %zu entries for %zu tokens", data.scores.size(),
                      count);
  if (!data.tokenTypes.empty() && data.tokenTypes.size() != count)
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                      "tokenizer.ggml.token_type has %zu entries for %zu tokens",
                      data.tokenTypes.size(), count);
  for (size_t i = 0; i < data.tokenTypes.size(); ++i) {
    int32_t type = data.tokenTypes[i];
    if (type < TokenTypeUndefined || type > TokenTypeByte)
      return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                        "token %zu has type %d; token types are 0 to 6", i, int(type));
  }
  struct NamedId {
    const char *name;
    int32_t id;
  };
  for (NamedId special : {NamedId{"bos_token_id", data.bos}, NamedId{"eos_token_id", data.eos},
                          NamedId{"unknown_token_id", data.unknown}}) {
    if (special.id < -1 || (special.id >= 0 && size_t(special.id) >= count))
      return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                        "tokenizer.ggml.%s is %d, outside the vocabulary of %zu tokens",
                        special.name, int(special.id), count);
  }
  if (data.addBos && data.bos < 0)
    return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                      "tokenizer.ggml.add_bos_token is true but there is no "
                      "tokenizer.ggml.bos_token_id");

  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
  Tokenizer &t = *tokenizer;
  t.tokenizerKind = data.kind;
  t.bosId = data.bos;
  t.eosId = data.eos;
  t.unknownId = data.unknown;
  t.addBosToken = data.addBos;
  t.addSpacePrefixFlag = data.kind == TokenizerKind::SentencePiece && data.addSpacePrefix;

  size_t totalSize = 0;
  for (std::string_view token : data.tokens)
    totalSize += token.size();
  t.storage.reserve(totalSize); // the views below must never move
  t.tokens.reserve(count);
  t.idOfText.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    size_t start = t.storage.size();
    t.storage.append(data.tokens[i].data(), data.tokens[i].size());
    std::string_view text(t.storage.data() + start, data.tokens[i].size());
    t.tokens.push_back(text);
    if (text.empty())
      continue; // never produced by encoding; llama.cpp renames these "[EMPTY_<id>]"
    auto inserted = t.idOfText.emplace(text, int32_t(i));
    if (!inserted.second)
      return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                        "duplicate token in the vocabulary: %s has ids %d and %zu",
                        quoted(text).c_str(), int(inserted.first->second), i);
  }
  t.scores = data.scores;
  if (t.scores.empty())
    t.scores.assign(count, 0.0f);
  t.types = data.tokenTypes;
  if (t.types.empty())
    t.types.assign(count, TokenTypeNormal);

  const ByteMapping &mapping = byteMapping();
  for (unsigned byte = 0; byte < 256; ++byte) {
    if (data.kind == TokenizerKind::SentencePiece) {
      // As llama.cpp's byte_to_token: <0xXX>, else the byte itself as a token.
      std::string name = formatString("<0x%02X>", byte);
      int32_t id = t.lookup(name);
      if (id < 0) {
        char raw = char(byte);
        id = t.lookup(std::string_view(&raw, 1));
      }
      t.byteTokens[byte] = id;
    } else {
      std::string encoded;
      appendUtf8(mapping.codePointOfByte[byte], &encoded);
      t.byteTokens[byte] = t.lookup(encoded);
    }
  }

  if (data.kind == TokenizerKind::BytePairGPT2) {
    t.mergeResult.reserve(data.merges.size());
    t.mergeRank.reserve(data.merges.size());
    std::string joined;
    for (size_t rank = 0; rank < data.merges.size(); ++rank) {
      std::string_view merge = data.merges[rank];
      // Split at the first space after the first byte, as llama.cpp does.
      size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
      if (space == std::string_view::npos)
        return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                          "merge %zu (%s) is not of the form \"left right\"", rank,
                          quoted(merge).c_str());
      std::string_view left = merge.substr(0, space), right = merge.substr(space + 1);
      int32_t leftId = t.lookup(left), rightId = t.lookup(right);
      if (leftId < 0 || rightId < 0)
        return makeStatus(LLMC_STATUS_INVALID_ARTIFACT,
                          "merge %zu (%s) names %s, which is not in the vocabulary", rank,
                          quoted(merge).c_str(), quoted(leftId < 0 ? left : right).c_str());
      uint64_t key = (uint64_t(uint32_t(leftId)) << 32) | uint32_t(rightId);
      t.mergeRank.emplace(key, int32_t(rank)); // a repeated pair keeps its first rank
      joined.assign(left.data(), left.size());
      joined.append(right.data(), right.size());
      t.mergeResult.push_back(t.lookup(joined));
    }
  }

  // Pieces, as llama.cpp's token_to_piece with special = false.
  t.pieces.resize(count);
  for (size_t i = 0; i < count; ++i) {
    std::string_view text = t.tokens[i];
    std::string &piece = t.pieces[i];
    uint8_t byte;
    switch (t.types[i]) {
    case TokenTypeUserDefined:
      piece.assign(text.data(), text.size());
      break;
    case TokenTypeByte:
      if (parseByteToken(text, &byte)) {
        piece.assign(1, char(byte));
        break;
      }
      [[fallthrough]]; // a "byte" token that does not say which byte: read it as text
    case TokenTypeNormal:
      if (data.kind == TokenizerKind::SentencePiece) {
        for (size_t at = 0; at < text.size();) {
          if (text.substr(at, spaceMarker.size()) == spaceMarker) {
            piece.push_back(' ');
            at += spaceMarker.size();
          } else {
            piece.push_back(text[at++]);
          }
        }
      } else {
        const auto *bytes = reinterpret_cast<const uint8_t *>(text.data());
        for (size_t at = 0; at < text.size();) {
          uint32_t cp;
          size_t length = decodeUtf8(bytes + at, text.size() - at, &cp);
          if (length == 0) {
            piece.push_back(text[at++]);
            continue;
          }
          // A character outside the byte alphabet stands for itself.
          if (cp < 256 + 68 && mapping.byteOfCodePoint[cp] >= 0)
            piece.push_back(char(mapping.byteOfCodePoint[cp]));
          else
            piece.append(text.data() + at, length);
          at += length;
        }
      }
      break;
    default: // control, unknown, unused and undefined tokens print nothing
      break;
    }
  }

  t.endOfGeneration.assign(count, 0);
  if (t.eosId >= 0)
    t.endOfGeneration[size_t(t.eosId)] = 1;
  for (std::string_view name : {"<|endoftext|>", "<|im_end|>", "<|eot_id|>", "</s>"}) {
    int32_t id = t.lookup(name);
    if (id >= 0 && t.types[size_t(id)] == TokenTypeControl)
      t.endOfGeneration[size_t(id)] = 1;
  }

  *out = std::move(tokenizer);
  return nullptr;
}

int32_t Tokenizer::lookup(std::string_view text) const {
  auto it = idOfText.find(text);
  return it == idOfText.end() ? -1 : it->second;
}

std::string Tokenizer::piece(int32_t id) const {
  if (id < 0 || size_t(id) >= pieces.size())
    return std::string();
  return pieces[size_t(id)];
}

std::string_view Tokenizer::tokenText(int32_t id) const {
  if (id < 0 || size_t(id) >= tokens.size())
    return std::string_view();
  return tokens[size_t(id)];
}

int32_t Tokenizer::tokenType(int32_t id) const {
  if (id < 0 || size_t(id) >= types.size())
    return TokenTypeUndefined;
  return types[size_t(id)];
}

bool Tokenizer::isEndOfGeneration(int32_t id) const {
  return id >= 0 && size_t(id) < endOfGeneration.size() && endOfGeneration[size_t(id)];
}

void Tokenizer::encode(std::string_view text, bool addBos, std::vector<int32_t> *out) const {
  out->clear();
  if (addBos && bosId >= 0)
    out->push_back(bosId);
  if (text.empty())
    return; // as llama.cpp: no space prefix for empty text
  if (tokenizerKind == TokenizerKind::SentencePiece)
    encodeSentencePiece(text, out);
  else
    encodeGPT2(text, out);
}

int32_t Tokenizer::sentencePieceByteToken(uint8_t byte) const {
  int32_t id = byteTokens[byte];
  return id >= 0 ? id : unknownId;
}

// llama.cpp's llm_tokenizer_spm: start from characters and keep merging the adjacent pair whose
// concatenation is the token with the highest score (the leftmost pair on ties).
void Tokenizer::encodeSentencePiece(std::string_view text, std::vector<int32_t> *out) const {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 4 + spaceMarker.size());
  if (addSpacePrefixFlag)
    escaped.append(spaceMarker.data(), spaceMarker.size());
  for (char c : text) {
    if (c == ' ')
      escaped.append(spaceMarker.data(), spaceMarker.size());
    else
      escaped.push_back(c);
  }

  struct Symbol {
    int32_t prev, next;
    uint32_t start, size;
  };
  struct Bigram {
    float score;
    int32_t left, right;
    uint32_t size;
  };
  // std::priority_queue order: the "largest" bigram is merged first.
  auto lowerPriority = [](const Bigram &a, const Bigram &b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::vector<Symbol> symbols;
  std::vector<Bigram> heap;
  symbols.reserve(escaped.size());
  for (size_t offset = 0; offset < escaped.size();) {
    size_t length = std::min(announcedLength(uint8_t(escaped[offset])), escaped.size() - offset);
    int32_t index = int32_t(symbols.size());
    symbols.push_back({index - 1, offset + length == escaped.size() ? -1 : index + 1,
                       uint32_t(offset), uint32_t(length)});
    offset += length;
  }

  auto tryAddBigram = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0)
      return;
    const Symbol &l = symbols[size_t(left)], &r = symbols[size_t(right)];
    int32_t id = lookup(std::string_view(escaped.data() + l.start, l.size + r.size));
    if (id < 0)
      return;
    heap.push_back({scores[size_t(id)], left, right, l.size + r.size});
    std::push_heap(heap.begin(), heap.end(), lowerPriority);
  };
  for (int32_t i = 1; i < int32_t(symbols.size()); ++i)
    tryAddBigram(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lowerPriority);
    Bigram bigram = heap.back();
    heap.pop_back();
    Symbol &left = symbols[size_t(bigram.left)];
    Symbol &right = symbols[size_t(bigram.right)];
    // A bigram whose symbols have changed since it was queued is stale.
    if (left.size == 0 || right.size == 0 || left.size + right.size != bigram.size)
      continue;
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0)
      symbols[size_t(right.next)].prev = bigram.left;
    tryAddBigram(left.prev, bigram.left);
    tryAddBigram(bigram.left, left.next);
  }

  for (int32_t i = 0; i != -1; i = symbols[size_t(i)].next) {
    const Symbol &symbol = symbols[size_t(i)];
    std::string_view symbolText(escaped.data() + symbol.start, symbol.size);
    int32_t id = lookup(symbolText);
    if (id >= 0) {
      out->push_back(id);
      continue;
    }
    for (char c : symbolText) {
      int32_t byteId = sentencePieceByteToken(uint8_t(c));
      if (byteId >= 0)
        out->push_back(byteId);
    }
  }
}

void Tokenizer::encodeGPT2(std::string_view text, std::vector<int32_t> *out) const {
  BytePairScratch scratch;
  splitWords(text, scratch.units, scratch.words);
  for (std::string_view word : scratch.words)
    bytePairWord(word, scratch, out);
}

// llama.cpp's llm_tokenizer_bpe_session on one word: start from the GPT-2 characters of its
// bytes and keep applying the merge of lowest rank (the leftmost on ties).
void Tokenizer::bytePairWord(std::string_view word, BytePairScratch &scratch,
                             std::vector<int32_t> *out) const {
  using Symbol = BytePairScratch::Symbol;
  using Bigram = BytePairScratch::Bigram;
  std::vector<Symbol> &symbols = scratch.symbols;
  std::vector<Bigram> &heap = scratch.heap;
  symbols.clear();
  heap.clear();
  auto lowerPriority = [](const Bigram &a, const Bigram &b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  };
  const int32_t size = int32_t(word.size());
  for (int32_t i = 0; i < size; ++i)
    symbols.push_back(
        {i - 1, i + 1 == size ? -1 : i + 1, uint32_t(i), 1u, byteTokens[uint8_t(word[size_t(i)])]});

  auto addBigram = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0)
      return;
    int32_t leftId = symbols[size_t(left)].id, rightId = symbols[size_t(right)].id;
    if (leftId < 0 || rightId < 0)
      return;
    auto it = mergeRank.find((uint64_t(uint32_t(leftId)) << 32) | uint32_t(rightId));
    if (it == mergeRank.end())
      return;
    heap.push_back({it->second, left, right, leftId, rightId});
    std::push_heap(heap.begin(), heap.end(), lowerPriority);
  };
  for (int32_t i = 1; i < size; ++i)
    addBigram(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lowerPriority);
    Bigram bigram = heap.back();
    heap.pop_back();
    Symbol &left = symbols[size_t(bigram.left)];
    Symbol &right = symbols[size_t(bigram.right)];
    // Stale unless both symbols are still the adjacent tokens the bigram was made of.
    if (left.size == 0 || right.size == 0 || left.next != bigram.right ||
        left.id != bigram.leftId || right.id != bigram.rightId)
      continue;
    left.size += right.size;
    left.id = mergeResult[size_t(bigram.rank)];
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0)
      symbols[size_t(right.next)].prev = bigram.left;
    addBigram(left.prev, bigram.left);
    addBigram(bigram.left, left.next);
  }

  for (int32_t i = 0; i != -1 && size > 0; i = symbols[size_t(i)].next) {
    const Symbol &symbol = symbols[size_t(i)];
    if (symbol.id >= 0) {
      out->push_back(symbol.id);
      continue;
    }
    // A merge whose result is not a token, or a byte without a token: one token per byte where
    // there is one (llama.cpp drops what has none).
    for (uint32_t j = 0; j < symbol.size; ++j) {
      int32_t id = byteTokens[uint8_t(word[symbol.start + j])];
      if (id >= 0)
        out->push_back(id);
    }
  }
}

//===----------------------------------------------------------------------===//
// TextStream
//===----------------------------------------------------------------------===//

namespace {

/// The length of the longest prefix of `text` that does not end inside a UTF-8 sequence that
/// could still complete.
size_t completePrefix(const std::string &text) {
  size_t size = text.size();
  // Find the last byte that is not a continuation byte, at most 3 bytes back.
  size_t lead = size;
  for (size_t back = 1; back <= 4 && back <= size; ++back) {
    if ((uint8_t(text[size - back]) & 0xC0) != 0x80) {
      lead = size - back;
      break;
    }
  }
  if (lead == size)
    return size; // only continuation bytes at the end: nothing can complete them
  uint8_t first = uint8_t(text[lead]);
  size_t expected = first >= 0xC2 && first <= 0xDF   ? 2
                    : first >= 0xE0 && first <= 0xEF ? 3
                    : first >= 0xF0 && first <= 0xF4 ? 4
                                                     : 1;
  return size - lead < expected ? lead : size;
}

} // namespace

TextStream::TextStream(const Tokenizer &tokenizer, bool stripLeadingSpace)
    : tokenizer(tokenizer), stripNext(stripLeadingSpace && tokenizer.addSpacePrefix()) {}

std::string TextStream::push(int32_t id) {
  std::string piece = tokenizer.piece(id);
  if (stripNext) {
    stripNext = false;
    if (!piece.empty() && piece[0] == ' ')
      piece.erase(0, 1);
  }
  held += piece;
  size_t complete = completePrefix(held);
  std::string result = held.substr(0, complete);
  held.erase(0, complete);
  return result;
}

std::string TextStream::flush() {
  std::string result;
  result.swap(held);
  return result;
}

} // namespace llmc::runtime
