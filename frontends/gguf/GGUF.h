//===- GGUF.h - A hardened reader of GGUF files (llama.cpp's model format) -*- C++ -*-===//
//
// Parses the GGUF v2/v3 container (ggml docs/gguf.md): the header, metadata key/values of
// every type, and tensor infos with their data offsets. Every count, length, offset, dimension
// and type is checked against the file before it is used, no allocation is larger than what
// the file can hold, and a bad file gives an error naming the field.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_FRONTENDS_GGUF_GGUF_H
#define LLMC_FRONTENDS_GGUF_GGUF_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmc::gguf {

/// Metadata value types, numbered as in the file.
enum class ValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

const char *valueTypeName(ValueType type);

/// One metadata value. Strings and arrays are views into the parsed bytes, which must outlive
/// the File; nothing is copied out of the file, so no allocation grows with what a count claims.
struct Value {
  ValueType type = ValueType::UInt8;
  uint64_t unsignedValue = 0;  ///< UInt*, Bool
  int64_t signedValue = 0;     ///< Int*
  double floatValue = 0;       ///< Float*
  llvm::StringRef stringValue; ///< String

  /// Arrays (of scalars or strings; arrays of arrays are refused): the element type, the count,
  /// the bytes of the elements, and for strings where each starts within them.
  ValueType elementType = ValueType::UInt8;
  uint64_t count = 0;
  llvm::ArrayRef<uint8_t> elementBytes;
  std::vector<uint64_t> stringStarts;

  /// A scalar (or array element `index`) as an unsigned integer, when it is an integer that
  /// is not negative; as a float, when it is a number.
  std::optional<uint64_t> asUnsigned() const;
  std::optional<double> asFloat() const;
  std::optional<double> floatAt(uint64_t index) const;
  std::optional<int64_t> integerAt(uint64_t index) const;
  llvm::StringRef stringAt(uint64_t index) const;
};

struct KeyValue {
  std::string key;
  Value value;
};

/// ggml tensor types, numbered as in ggml.h.
enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

/// The block layout of a tensor type: `blockElements` values take `blockBytes` bytes. Null
/// for a number that is no ggml type llmc knows.
struct TypeTraits {
  const char *name;
  uint64_t blockElements;
  uint64_t blockBytes;
};
const TypeTraits *typeTraits(uint32_t type);

/// One tensor info. `dims` are ggml's `ne`, fastest-varying first: a matrix with
/// ne = [n_in, n_out] is n_out rows of n_in values.
struct TensorInfo {
  std::string name;
  std::vector<uint64_t> dims;
  TensorType type = TensorType::F32;
  uint64_t offset = 0;   ///< from the start of the data section
  uint64_t elements = 0; ///< product of dims
  uint64_t bytes = 0;    ///< size of the data in the file
};

struct File {
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t dataOffset = 0; ///< where the data section starts in the file
  uint64_t fileSize = 0;
  std::vector<KeyValue> metadata;
  std::vector<TensorInfo> tensors;

  const Value *find(llvm::StringRef key) const;
  const TensorInfo *findTensor(llvm::StringRef name) const;
};

/// Parses a GGUF file held in `bytes`, which must outlive the result. Returns the parsed file,
/// or nothing with `error` set to a message naming the field and its byte offset.
std::optional<File> parse(llvm::ArrayRef<uint8_t> bytes, std::string &error);

} // namespace llmc::gguf

#endif // LLMC_FRONTENDS_GGUF_GGUF_H
