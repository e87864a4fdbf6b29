//===- GGUF.cpp - A hardened reader of GGUF files ----------------------------===//
#include "frontends/gguf/GGUF.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

namespace llmc::gguf {
namespace {

constexpr uint32_t kMaxDims = 4;       // GGML_MAX_DIMS
constexpr uint64_t kMaxNameBytes = 64; // GGML_MAX_NAME, tensor names
constexpr uint64_t kMaxKeyBytes = 65535;

/// The fewest bytes one value of `type` takes in the file; 0 for an unknown type.
uint64_t minimumBytes(uint32_t type) {
  switch (ValueType(type)) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::Bool:
    return 1;
  case ValueType::UInt16:
  case ValueType::Int16:
    return 2;
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::Float32:
    return 4;
  case ValueType::UInt64:
  case ValueType::Int64:
  case ValueType::Float64:
  case ValueType::String: // its length
    return 8;
  case ValueType::Array: // element type and count
    return 12;
  }
  return 0;
}

class Reader {
public:
  Reader(llvm::ArrayRef<uint8_t> bytes, std::string &error) : bytes(bytes), error(error) {}

  std::optional<File> run();

private:
  bool fail(const std::string &what) {
    if (error.empty())
      error = "offset " + std::to_string(position) + ": " + what;
    return false;
  }
  uint64_t remaining() const { return bytes.size() - position; }

  template <typename T> bool read(T &out, const char *field) {
    if (remaining() < sizeof(T))
      return fail(std::string(field) + ": the file ends after " + std::to_string(remaining()) +
                  " of its " + std::to_string(sizeof(T)) + " bytes");
    std::memcpy(&out, bytes.data() + position, sizeof(T));
    position += sizeof(T);
    return true;
  }

  bool readString(std::string &out, const std::string &field, uint64_t maxBytes) {
    std::string_view view;
    if (!readStringView(view, field, maxBytes))
      return false;
    out.assign(view);
    return true;
  }

  bool readStringView(std::string_view &out, const std::string &field, uint64_t maxBytes) {
    uint64_t length;
    if (!read(length, (field + " length").c_str()))
      return false;
    if (length > maxBytes)
      return fail(field + " is " + std::to_string(length) + " bytes long, more than the " +
                  std::to_string(maxBytes) + " allowed");
    if (length > remaining())
      return fail(field + " is " + std::to_string(length) + " bytes long, but only " +
                  std::to_string(remaining()) + " bytes remain in the file");
    out = std::string_view(reinterpret_cast<const char *>(bytes.data() + position), length);
    position += length;
    return true;
  }

  bool readValue(uint32_t type, Value &value, const std::string &field);

  llvm::ArrayRef<uint8_t> bytes;
  std::string &error;
  uint64_t position = 0;
};

bool Reader::readValue(uint32_t type, Value &value, const std::string &field) {
  if (minimumBytes(type) == 0)
    return fail(field + " has unknown value type " + std::to_string(type));
  value.type = ValueType(type);
  switch (value.type) {
  case ValueType::UInt8: {
    uint8_t v;
    if (!read(v, field.c_str()))
      return false;
    value.unsignedValue = v;
    return true;
  }
  case ValueType::Int8: {
    int8_t v;
    if (!read(v, field.c_str()))
      return false;
    value.signedValue = v;
    return true;
  }
  case ValueType::UInt16: {
    uint16_t v;
    if (!read(v, field.c_str()))
      return false;
    value.unsignedValue = v;
    return true;
  }
  case ValueType::Int16: {
    int16_t v;
    if (!read(v, field.c_str()))
      return false;
    value.signedValue = v;
    return true;
  }
  case ValueType::UInt32: {
    uint32_t v;
    if (!read(v, field.c_str()))
      return false;
    value.unsignedValue = v;
    return true;
  }
  case ValueType::Int32: {
    int32_t v;
    if (!read(v, field.c_str()))
      return false;
    value.signedValue = v;
    return true;
  }
  case ValueType::UInt64:
    return read(value.unsignedValue, field.c_str());
  case ValueType::Int64:
    return read(value.signedValue, field.c_str());
  case ValueType::Float32: {
    float v;
    if (!read(v, field.c_str()))
      return false;
    value.floatValue = v;
    return true;
  }
  case ValueType::Float64:
    return read(value.floatValue, field.c_str());
  case ValueType::Bool: {
    uint8_t v;
    if (!read(v, field.c_str()))
      return false;
    if (v > 1)
      return fail(field + " is a bool holding " + std::to_string(v));
    value.unsignedValue = v;
    return true;
  }
  case ValueType::String: {
    std::string_view view;
    if (!readStringView(view, field, std::numeric_limits<uint64_t>::max()))
      return false;
    value.stringValue = llvm::StringRef(view.data(), view.size());
    return true;
  }
  case ValueType::Array: {
    uint32_t elementType;
    uint64_t count;
    if (!read(elementType, (field + " element type").c_str()) ||
        !read(count, (field + " count").c_str()))
      return false;
    uint64_t each = minimumBytes(elementType);
    if (each == 0)
      return fail(field + " has unknown element type " + std::to_string(elementType));
    if (ValueType(elementType) == ValueType::Array)
      return fail(field + " is an array of arrays, which llmc does not read");
    if (count > remaining() / each)
      return fail(field + " has " + std::to_string(count) + " elements, more than the " +
                  std::to_string(remaining()) + " remaining bytes can hold");
    value.elementType = ValueType(elementType);
    value.count = count;
    uint64_t start = position;
    if (value.elementType == ValueType::String) {
      // One offset per string, each string taking at least 8 bytes: never more than the file.
      value.stringStarts.reserve(count);
      for (uint64_t i = 0; i < count; ++i) {
        value.stringStarts.push_back(position - start);
        std::string_view ignored;
        if (!readStringView(ignored, field + "[" + std::to_string(i) + "]",
                            std::numeric_limits<uint64_t>::max()))
          return false;
      }
    } else {
      position += count * each;
      if (value.elementType == ValueType::Bool)
        for (uint64_t i = 0; i < count; ++i)
          if (bytes[start + i] > 1)
            return fail(field + "[" + std::to_string(i) + "] is a bool holding " +
                        std::to_string(bytes[start + i]));
    }
    value.elementBytes = bytes.slice(start, position - start);
    return true;
  }
  }
  return fail(field + " has unknown value type " + std::to_string(type));
}

std::optional<File> Reader::run() {
  File file;
  file.fileSize = bytes.size();
  char magic[4];
  if (!read(magic, "magic"))
    return std::nullopt;
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    fail("magic is not 'GGUF'; this is not a GGUF file");
    return std::nullopt;
  }
  if (!read(file.version, "version"))
    return std::nullopt;
  if (file.version == 1) {
    fail("version 1 (32-bit counts) is not supported; convert the file to GGUF v3");
    return std::nullopt;
  }
  if (file.version != 2 && file.version != 3) {
    bool bigEndian = file.version == 0x02000000u || file.version == 0x03000000u;
    fail(bigEndian ? std::string("big-endian GGUF files are not supported")
                   : "version " + std::to_string(file.version) + " is not 2 or 3");
    return std::nullopt;
  }
  uint64_t tensorCount, keyCount;
  if (!read(tensorCount, "tensor count") || !read(keyCount, "metadata key/value count"))
    return std::nullopt;
  // A key/value takes at least 8 (key length) + 4 (type) + 1 bytes, a tensor info at least
  // 8 (name length) + 4 (dims) + 8 (one dim) + 4 (type) + 8 (offset).
  if (keyCount > remaining() / 13) {
    fail("metadata key/value count " + std::to_string(keyCount) + " is more than the file holds");
    return std::nullopt;
  }
  if (tensorCount > remaining() / 32) {
    fail("tensor count " + std::to_string(tensorCount) + " is more than the file holds");
    return std::nullopt;
  }

  llvm::StringSet<> keys;
  // Entries are appended as they parse, never reserved from a count: memory follows what the
  // file really holds.
  for (uint64_t i = 0; i < keyCount; ++i) {
    KeyValue &entry = file.metadata.emplace_back();
    std::string field = "metadata key " + std::to_string(i);
    if (!readString(entry.key, field, kMaxKeyBytes))
      return std::nullopt;
    if (entry.key.empty()) {
      fail(field + " is empty");
      return std::nullopt;
    }
    if (!keys.insert(entry.key).second) {
      fail("metadata key '" + entry.key + "' appears twice");
      return std::nullopt;
    }
    uint32_t type;
    if (!read(type, ("type of '" + entry.key + "'").c_str()) ||
        !readValue(type, entry.value, "'" + entry.key + "'"))
      return std::nullopt;
  }

  if (const Value *alignment = file.find("general.alignment")) {
    if (alignment->type != ValueType::UInt32 || alignment->unsignedValue == 0 ||
        !llvm::isPowerOf2_64(alignment->unsignedValue)) {
      fail("general.alignment must be a uint32 power of two, got a " +
           std::string(valueTypeName(alignment->type)) + " " +
           std::to_string(alignment->unsignedValue));
      return std::nullopt;
    }
    file.alignment = alignment->unsignedValue;
  }

  llvm::StringSet<> names;
  for (uint64_t i = 0; i < tensorCount; ++i) {
    TensorInfo &tensor = file.tensors.emplace_back();
    std::string field = "tensor " + std::to_string(i) + " name";
    if (!readString(tensor.name, field, kMaxNameBytes))
      return std::nullopt;
    if (!names.insert(tensor.name).second) {
      fail("tensor name '" + tensor.name + "' appears twice");
      return std::nullopt;
    }
    std::string what = "tensor '" + tensor.name + "'";
    uint32_t rank;
    if (!read(rank, (what + " dim count").c_str()))
      return std::nullopt;
    if (rank == 0 || rank > kMaxDims) {
      fail(what + " has " + std::to_string(rank) + " dims, expected 1 to " +
           std::to_string(kMaxDims));
      return std::nullopt;
    }
    tensor.dims.resize(rank);
    tensor.elements = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      if (!read(tensor.dims[d], (what + " dim " + std::to_string(d)).c_str()))
        return std::nullopt;
      uint64_t size = tensor.dims[d];
      if (size == 0 || size > uint64_t(std::numeric_limits<int64_t>::max()) ||
          tensor.elements > uint64_t(std::numeric_limits<int64_t>::max()) / size) {
        fail(what + " dim " + std::to_string(d) + " is " + std::to_string(size) +
             (size == 0 ? "" : ", and the element count overflows"));
        return std::nullopt;
      }
      tensor.elements *= size;
    }
    uint32_t type;
    if (!read(type, (what + " type").c_str()))
      return std::nullopt;
    const TypeTraits *traits = typeTraits(type);
    if (!traits) {
      fail(what + " has unknown ggml type " + std::to_string(type));
      return std::nullopt;
    }
    tensor.type = TensorType(type);
    if (tensor.dims[0] % traits->blockElements != 0) {
      fail(what + " has " + std::to_string(tensor.dims[0]) + " values per row, not a multiple of " +
           traits->name + "'s block of " + std::to_string(traits->blockElements));
      return std::nullopt;
    }
    uint64_t blocks = tensor.elements / traits->blockElements;
    if (blocks > std::numeric_limits<uint64_t>::max() / traits->blockBytes) {
      fail(what + " is too large");
      return std::nullopt;
    }
    tensor.bytes = blocks * traits->blockBytes;
    if (!read(tensor.offset, (what + " offset").c_str()))
      return std::nullopt;
    if (tensor.offset % file.alignment != 0) {
      fail(what + " offset " + std::to_string(tensor.offset) + " is not a multiple of the " +
           std::to_string(file.alignment) + "-byte alignment");
      return std::nullopt;
    }
  }

  uint64_t dataOffset = llvm::alignTo(position, file.alignment);
  file.dataOffset = dataOffset;
  if (!file.tensors.empty() && dataOffset > bytes.size()) {
    fail("the data section would start at " + std::to_string(dataOffset) +
         ", past the end of the file");
    return std::nullopt;
  }
  uint64_t dataBytes = dataOffset > bytes.size() ? 0 : bytes.size() - dataOffset;
  for (const TensorInfo &tensor : file.tensors)
    if (tensor.offset > dataBytes || tensor.bytes > dataBytes - tensor.offset) {
      error = "tensor '" + tensor.name + "': its " + std::to_string(tensor.bytes) +
              " bytes at data offset " + std::to_string(tensor.offset) + " run past the " +
              std::to_string(dataBytes) + "-byte data section";
      return std::nullopt;
    }
  std::vector<const TensorInfo *> byOffset;
  for (const TensorInfo &tensor : file.tensors)
    byOffset.push_back(&tensor);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorInfo *a, const TensorInfo *b) { return a->offset < b->offset; });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i - 1]->offset + byOffset[i - 1]->bytes > byOffset[i]->offset) {
      error = "tensor '" + byOffset[i]->name + "' overlaps tensor '" + byOffset[i - 1]->name + "'";
      return std::nullopt;
    }
  return file;
}

} // namespace

const char *valueTypeName(ValueType type) {
  static const char *names[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                "int32",  "float32", "bool",   "string", "array",
                                "uint64", "int64",   "float64"};
  uint32_t index = uint32_t(type);
  return index < std::size(names) ? names[index] : "unknown";
}

const TypeTraits *typeTraits(uint32_t type) {
  static const TypeTraits f32{"F32", 1, 4}, f16{"F16", 1, 2}, q4_0{"Q4_0", 32, 18},
      q4_1{"Q4_1", 32, 20}, q5_0{"Q5_0", 32, 22}, q5_1{"Q5_1", 32, 24}, q8_0{"Q8_0", 32, 34},
      q8_1{"Q8_1", 32, 36}, q2_k{"Q2_K", 256, 84}, q3_k{"Q3_K", 256, 110}, q4_k{"Q4_K", 256, 144},
      q5_k{"Q5_K", 256, 176}, q6_k{"Q6_K", 256, 210}, q8_k{"Q8_K", 256, 292}, i8{"I8", 1, 1},
      i16{"I16", 1, 2}, i32{"I32", 1, 4}, i64{"I64", 1, 8}, f64{"F64", 1, 8}, bf16{"BF16", 1, 2};
  switch (TensorType(type)) {
  case TensorType::F32:
    return &f32;
  case TensorType::F16:
    return &f16;
  case TensorType::Q4_0:
    return &q4_0;
  case TensorType::Q4_1:
    return &q4_1;
  case TensorType::Q5_0:
    return &q5_0;
  case TensorType::Q5_1:
    return &q5_1;
  case TensorType::Q8_0:
    return &q8_0;
  case TensorType::Q8_1:
    return &q8_1;
  case TensorType::Q2_K:
    return &q2_k;
  case TensorType::Q3_K:
    return &q3_k;
  case TensorType::Q4_K:
    return &q4_k;
  case TensorType::Q5_K:
    return &q5_k;
  case TensorType::Q6_K:
    return &q6_k;
  case TensorType::Q8_K:
    return &q8_k;
  case TensorType::I8:
    return &i8;
  case TensorType::I16:
    return &i16;
  case TensorType::I32:
    return &i32;
  case TensorType::I64:
    return &i64;
  case TensorType::F64:
    return &f64;
  case TensorType::BF16:
    return &bf16;
  }
  return nullptr;
}

std::optional<uint64_t> Value::asUnsigned() const {
  switch (type) {
  case ValueType::UInt8:
  case ValueType::UInt16:
  case ValueType::UInt32:
  case ValueType::UInt64:
    return unsignedValue;
  case ValueType::Int8:
  case ValueType::Int16:
  case ValueType::Int32:
  case ValueType::Int64:
    if (signedValue >= 0)
      return uint64_t(signedValue);
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

std::optional<double> Value::asFloat() const {
  if (type == ValueType::Float32 || type == ValueType::Float64)
    return floatValue;
  if (std::optional<uint64_t> v = asUnsigned())
    return double(*v);
  if (type == ValueType::Int8 || type == ValueType::Int16 || type == ValueType::Int32 ||
      type == ValueType::Int64)
    return double(signedValue);
  return std::nullopt;
}

namespace {
template <typename T> T loadAt(llvm::ArrayRef<uint8_t> bytes, uint64_t index) {
  T value;
  std::memcpy(&value, bytes.data() + index * sizeof(T), sizeof(T));
  return value;
}
} // namespace

std::optional<int64_t> Value::integerAt(uint64_t index) const {
  if (type != ValueType::Array || index >= count)
    return std::nullopt;
  switch (elementType) {
  case ValueType::UInt8:
  case ValueType::Bool:
    return loadAt<uint8_t>(elementBytes, index);
  case ValueType::Int8:
    return loadAt<int8_t>(elementBytes, index);
  case ValueType::UInt16:
    return loadAt<uint16_t>(elementBytes, index);
  case ValueType::Int16:
    return loadAt<int16_t>(elementBytes, index);
  case ValueType::UInt32:
    return loadAt<uint32_t>(elementBytes, index);
  case ValueType::Int32:
    return loadAt<int32_t>(elementBytes, index);
  case ValueType::Int64:
    return loadAt<int64_t>(elementBytes, index);
  case ValueType::UInt64: {
    uint64_t v = loadAt<uint64_t>(elementBytes, index);
    if (v > uint64_t(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return int64_t(v);
  }
  default:
    return std::nullopt;
  }
}

std::optional<double> Value::floatAt(uint64_t index) const {
  if (type != ValueType::Array || index >= count)
    return std::nullopt;
  if (elementType == ValueType::Float32)
    return loadAt<float>(elementBytes, index);
  if (elementType == ValueType::Float64)
    return loadAt<double>(elementBytes, index);
  if (std::optional<int64_t> v = integerAt(index))
    return double(*v);
  return std::nullopt;
}

llvm::StringRef Value::stringAt(uint64_t index) const {
  if (type != ValueType::Array || elementType != ValueType::String || index >= count)
    return {};
  uint64_t start = stringStarts[index];
  uint64_t length = loadAt<uint64_t>(elementBytes.drop_front(start), 0);
  return llvm::StringRef(reinterpret_cast<const char *>(elementBytes.data() + start + 8), length);
}

const Value *File::find(llvm::StringRef key) const {
  for (const KeyValue &entry : metadata)
    if (entry.key == key)
      return &entry.value;
  return nullptr;
}

const TensorInfo *File::findTensor(llvm::StringRef name) const {
  for (const TensorInfo &tensor : tensors)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

std::optional<File> parse(llvm::ArrayRef<uint8_t> bytes, std::string &error) {
  error.clear();
  return Reader(bytes, error).run();
}

} // namespace llmc::gguf
