//===- Npy.cpp - NumPy .npy files --------------------------------------------===//
//
// The format (numpy/lib/format.py): "\x93NUMPY", a major and minor version byte, a header
// length (2 bytes in version 1, 4 in versions 2 and 3), then a Python dict literal with the
// keys 'descr', 'fortran_order' and 'shape', padded with spaces and a newline, then the data.
//
//===----------------------------------------------------------------------===//
#include "runtime/tools/TensorFile.h"

#include <cstring>

namespace llmc::tensorfile {
namespace {

bool fail(std::string *error, std::string message) {
  *error = std::move(message);
  return false;
}

/// A parser for the one dict literal NumPy writes; anything else is refused.
class HeaderParser {
public:
  HeaderParser(const char *text, size_t size) : text_(text), size_(size) {}

  bool parse(std::string *descr, bool *fortranOrder, std::vector<int64_t> *shape,
             std::string *error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return fail(error, "the header is not a dict literal");
    for (;;) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(&key))
        return fail(error, "expected a quoted key at header byte " + std::to_string(position_));
      skipSpace();
      if (!consume(':'))
        return fail(error, "expected ':' after '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (peek() == '[')
          return fail(error, "structured dtypes are not supported");
        if (!parseString(descr))
          return fail(error, "'descr' is not a quoted string");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          *fortranOrder = true;
        else if (consumeWord("False"))
          *fortranOrder = false;
        else
          return fail(error, "'fortran_order' is neither True nor False");
        haveOrder = true;
      } else if (key == "shape") {
        if (!parseShape(shape, error))
          return false;
        haveShape = true;
      } else {
        return fail(error, "unknown key '" + key + "' in the header");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail(error, "expected ',' or '}' at header byte " + std::to_string(position_));
    }
    skipSpace();
    if (position_ != size_)
      return fail(error, "unexpected text after the header dict");
    if (!haveDescr || !haveOrder || !haveShape)
      return fail(error, std::string("the header lacks '") +
                             (!haveDescr   ? "descr"
                              : !haveOrder ? "fortran_order"
                                           : "shape") +
                             "'");
    return true;
  }

private:
  char peek() const { return position_ < size_ ? text_[position_] : '\0'; }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++position_;
    return true;
  }
  bool consumeWord(const char *word) {
    size_t length = std::strlen(word);
    if (size_ - position_ < length || std::memcmp(text_ + position_, word, length) != 0)
      return false;
    position_ += length;
    return true;
  }
  void skipSpace() {
    while (position_ < size_ && (text_[position_] == ' ' || text_[position_] == '\n' ||
                                 text_[position_] == '\t' || text_[position_] == '\r'))
      ++position_;
  }
  bool parseString(std::string *out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return false;
    ++position_;
    size_t start = position_;
    while (position_ < size_ && text_[position_] != quote)
      ++position_;
    if (position_ >= size_)
      return false;
    out->assign(text_ + start, position_ - start);
    ++position_;
    return true;
  }
  bool parseShape(std::vector<int64_t> *shape, std::string *error) {
    if (!consume('('))
      return fail(error, "'shape' is not a tuple");
    for (;;) {
      skipSpace();
      if (consume(')'))
        return true;
      if (peek() < '0' || peek() > '9')
        return fail(error, "'shape' holds something other than non-negative integers");
      int64_t value = 0;
      while (peek() >= '0' && peek() <= '9') {
        int digit = peek() - '0';
        if (value > (INT64_MAX - digit) / 10)
          return fail(error, "a 'shape' entry overflows 64 bits");
        value = value * 10 + digit;
        ++position_;
      }
      consume('L'); // Python 2 longs
      shape->push_back(value);
      if (shape->size() > LLMC_MAX_RANK)
        return fail(error, "'shape' has more than " + std::to_string(LLMC_MAX_RANK) +
                               " dims, the most llmc supports");
      skipSpace();
      if (consume(')'))
        return true;
      if (!consume(','))
        return fail(error, "expected ',' or ')' in 'shape'");
    }
  }

  const char *text_;
  size_t size_;
  size_t position_ = 0;
};

bool dtypeFromDescr(const std::string &descr, llmc_dtype_t *out, std::string *error) {
  if (descr.size() < 3)
    return fail(error, "unsupported dtype '" + descr + "'");
  char order = descr[0];
  std::string type = descr.substr(1);
  struct Known {
    const char *type;
    llmc_dtype_t dtype;
  };
  static const Known known[] = {
      {"f2", LLMC_DTYPE_F16}, {"f4", LLMC_DTYPE_F32}, {"f8", LLMC_DTYPE_F64},
      {"i1", LLMC_DTYPE_I8},  {"i2", LLMC_DTYPE_I16}, {"i4", LLMC_DTYPE_I32},
      {"i8", LLMC_DTYPE_I64}, {"u1", LLMC_DTYPE_U8},  {"u2", LLMC_DTYPE_U16},
      {"u4", LLMC_DTYPE_U32}, {"u8", LLMC_DTYPE_U64}, {"b1", LLMC_DTYPE_BOOL},
  };
  for (const Known &candidate : known) {
    if (type != candidate.type)
      continue;
    bool singleByte = llmc_dtype_size(candidate.dtype) == 1;
    if (order == '>' && !singleByte)
      return fail(error, "big-endian dtype '" + descr + "' is not supported");
    if (order != '<' && order != '|' && order != '=' && order != '>')
      return fail(error, "unsupported dtype '" + descr + "'");
    *out = candidate.dtype;
    return true;
  }
  return fail(error,
              "unsupported dtype '" + descr + "' (llmc reads f2, f4, f8, i1-i8, u1-u8 and b1)");
}

const char *descrForDType(llmc_dtype_t dtype) {
  switch (dtype) {
  case LLMC_DTYPE_F32:
    return "<f4";
  case LLMC_DTYPE_F16:
    return "<f2";
  case LLMC_DTYPE_BF16:
    return "<f4"; // widened, see serializeNpy
  case LLMC_DTYPE_F64:
    return "<f8";
  case LLMC_DTYPE_I8:
    return "|i1";
  case LLMC_DTYPE_I16:
    return "<i2";
  case LLMC_DTYPE_I32:
    return "<i4";
  case LLMC_DTYPE_I64:
    return "<i8";
  case LLMC_DTYPE_U8:
    return "|u1";
  case LLMC_DTYPE_U16:
    return "<u2";
  case LLMC_DTYPE_U32:
    return "<u4";
  case LLMC_DTYPE_U64:
    return "<u8";
  case LLMC_DTYPE_BOOL:
    return "|b1";
  }
  return "|u1";
}

} // namespace

bool parseNpy(const uint8_t *data, size_t size, HostTensor *out, std::string *error) {
  static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(data, magic, 6) != 0)
    return fail(error, "not a .npy file (no \\x93NUMPY magic)");
  unsigned major = data[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = size_t(data[8]) | size_t(data[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return fail(error, "truncated .npy header");
    headerLength =
        size_t(data[8]) | size_t(data[9]) << 8 | size_t(data[10]) << 16 | size_t(data[11]) << 24;
    headerStart = 12;
  } else {
    return fail(error, "unsupported .npy format version " + std::to_string(major) + "." +
                           std::to_string(data[7]));
  }
  if (headerLength > size - headerStart)
    return fail(error, "the header length " + std::to_string(headerLength) + " exceeds the " +
                           std::to_string(size - headerStart) + " bytes left in the file");

  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  HeaderParser parser(reinterpret_cast<const char *>(data + headerStart), headerLength);
  if (!parser.parse(&descr, &fortranOrder, &shape, error))
    return false;
  if (fortranOrder)
    return fail(error, "Fortran-order arrays are not supported; save a C-order array "
                       "(numpy.ascontiguousarray)");
  llmc_dtype_t dtype;
  if (!dtypeFromDescr(descr, &dtype, error))
    return false;
  uint64_t count = 1, bytes;
  for (int64_t dim : shape)
    if (__builtin_mul_overflow(count, uint64_t(dim), &count))
      return fail(error, "the shape overflows a 64-bit element count");
  if (__builtin_mul_overflow(count, llmc_dtype_size(dtype), &bytes))
    return fail(error, "the shape overflows a 64-bit byte count");
  size_t dataStart = headerStart + headerLength;
  size_t available = size - dataStart;
  if (available < bytes)
    return fail(error, "truncated: " + descr + " with " + std::to_string(count) +
                           " elements needs " + std::to_string(bytes) +
                           " bytes of data, the file has " + std::to_string(available));
  if (available > bytes)
    return fail(error,
                "the file has " + std::to_string(available - bytes) + " bytes after the data");
  out->name.clear();
  out->dtype = dtype;
  out->dims = shape;
  out->data.assign(data + dataStart, data + size);
  if (dtype == LLMC_DTYPE_BOOL)
    for (uint8_t &byte : out->data)
      byte = byte != 0;
  return true;
}

void serializeNpy(const HostTensor &tensor, std::vector<uint8_t> *out) {
  std::string header = std::string("{'descr': '") + descrForDType(tensor.dtype) +
                       "', 'fortran_order': False, 'shape': (";
  // Python's tuple syntax: (), (3,), (2, 3).
  for (size_t i = 0; i < tensor.dims.size(); ++i)
    header += (i ? ", " : "") + std::to_string(tensor.dims[i]);
  if (tensor.dims.size() == 1)
    header += ",";
  header += "), }";
  // Pad with spaces so that the data starts 64-byte aligned, then end with a newline.
  bool version2 = header.size() + 1 + 10 > 65535;
  size_t prefix = version2 ? 12 : 10;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  uint8_t start[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(version2 ? 2 : 1), 0};
  size_t length = header.size();
  for (size_t i = 0; i < (version2 ? 4u : 2u); ++i)
    start[8 + i] = uint8_t(length >> (8 * i));
  out->assign(start, start + prefix);
  out->insert(out->end(), header.begin(), header.end());
  if (tensor.dtype == LLMC_DTYPE_BF16) {
    size_t count = tensor.data.size() / 2;
    out->reserve(out->size() + count * 4);
    for (size_t i = 0; i < count; ++i) {
      uint32_t bits = uint32_t(tensor.data[2 * i] | tensor.data[2 * i + 1] << 8) << 16;
      for (int b = 0; b < 4; ++b)
        out->push_back(uint8_t(bits >> (8 * b)));
    }
    return;
  }
  out->insert(out->end(), tensor.data.begin(), tensor.data.end());
}

} // namespace llmc::tensorfile
