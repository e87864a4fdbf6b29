//===- OnnxTensor.cpp - onnx.TensorProto in the protobuf wire format ----------===//
//
// The fields read (onnx/onnx.proto): dims = 1, data_type = 2, segment = 3, float_data = 4,
// int32_data = 5, string_data = 6, int64_data = 7, name = 8, raw_data = 9, double_data = 10,
// uint64_data = 11, data_location = 14. The file is scanned once to find the fields, the sizes
// they imply are checked against the dims, and only then is the data decoded.
//
//===----------------------------------------------------------------------===//
#include "runtime/tools/TensorFile.h"

#include <cstring>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "tensor data is little-endian in both formats and in memory");

namespace llmc::tensorfile {
namespace {

enum WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

enum Field {
  DimsField = 1,
  DataTypeField = 2,
  SegmentField = 3,
  FloatDataField = 4,
  Int32DataField = 5,
  StringDataField = 6,
  Int64DataField = 7,
  NameField = 8,
  RawDataField = 9,
  DoubleDataField = 10,
  Uint64DataField = 11,
  DataLocationField = 14,
};

bool fail(std::string *error, std::string message) {
  *error = std::move(message);
  return false;
}

class Reader {
public:
  Reader(const uint8_t *data, size_t size) : data_(data), size_(size) {}
  bool atEnd() const { return position_ >= size_; }
  size_t position() const { return position_; }
  size_t remaining() const { return size_ - position_; }

  bool varint(uint64_t *out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (position_ >= size_)
        return false;
      uint8_t byte = data_[position_++];
      if (shift == 63 && byte > 1)
        return false; // more than 64 bits
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        *out = value;
        return true;
      }
    }
    return false;
  }
  bool skip(size_t count) {
    if (count > remaining())
      return false;
    position_ += count;
    return true;
  }
  const uint8_t *here() const { return data_ + position_; }

private:
  const uint8_t *data_;
  size_t size_;
  size_t position_ = 0;
};

/// Where one occurrence of a repeated numeric field lies in the file.
struct Occurrence {
  bool packed;         // a length-delimited run of values, at data/size
  const uint8_t *data; // packed values, or the bytes of one fixed-size value
  size_t size;
  uint64_t varint; // one unpacked varint value
  int wireType;
};

struct NumericField {
  std::vector<Occurrence> occurrences;
  bool present() const { return !occurrences.empty(); }
};

/// Counts the varints in a packed run; false if the run ends inside one.
bool countVarints(const uint8_t *data, size_t size, uint64_t *count) {
  uint64_t n = 0;
  for (size_t i = 0; i < size; ++i)
    if (!(data[i] & 0x80))
      ++n;
  if (size && (data[size - 1] & 0x80))
    return false;
  *count += n;
  return true;
}

/// The number of values in a repeated field whose values have `fixedSize` bytes (0: varints).
bool countValues(const NumericField &field, size_t fixedSize, const char *name, uint64_t *count,
                 std::string *error) {
  *count = 0;
  for (const Occurrence &occurrence : field.occurrences) {
    if (!occurrence.packed) {
      ++*count;
      continue;
    }
    if (fixedSize) {
      if (occurrence.size % fixedSize)
        return fail(error, std::string("packed ") + name + " has " +
                               std::to_string(occurrence.size) + " bytes, not a multiple of " +
                               std::to_string(fixedSize));
      *count += occurrence.size / fixedSize;
    } else if (!countVarints(occurrence.data, occurrence.size, count)) {
      return fail(error, std::string("packed ") + name + " ends inside a varint");
    }
  }
  return true;
}

/// Calls `sink(raw)` for each value, where raw is the varint or the little-endian fixed bits.
template <typename Sink> void forEachValue(const NumericField &field, size_t fixedSize, Sink sink) {
  for (const Occurrence &occurrence : field.occurrences) {
    if (fixedSize) {
      for (size_t i = 0; i + fixedSize <= occurrence.size; i += fixedSize) {
        uint64_t raw = 0;
        std::memcpy(&raw, occurrence.data + i, fixedSize);
        sink(raw);
      }
    } else {
      Reader reader(occurrence.data, occurrence.size);
      uint64_t raw;
      while (!reader.atEnd() && reader.varint(&raw))
        sink(raw);
    }
  }
}

const char *onnxTypeName(int64_t type) {
  static const char *const names[] = {
      "UNDEFINED",      "FLOAT",      "UINT8",          "INT8",       "UINT16",   "INT16",
      "INT32",          "INT64",      "STRING",         "BOOL",       "FLOAT16",  "DOUBLE",
      "UINT32",         "UINT64",     "COMPLEX64",      "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
      "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",      "INT4"};
  if (type >= 0 && type < int64_t(sizeof(names) / sizeof(names[0])))
    return names[type];
  return "unknown";
}

} // namespace

uint64_t HostTensor::elementCount() const {
  uint64_t count = 1;
  for (int64_t dim : dims)
    count *= uint64_t(dim);
  return count;
}

bool dtypeFromOnnx(int64_t onnxType, llmc_dtype_t *out) {
  switch (onnxType) {
  case 1:
    *out = LLMC_DTYPE_F32;
    return true;
  case 2:
    *out = LLMC_DTYPE_U8;
    return true;
  case 3:
    *out = LLMC_DTYPE_I8;
    return true;
  case 4:
    *out = LLMC_DTYPE_U16;
    return true;
  case 5:
    *out = LLMC_DTYPE_I16;
    return true;
  case 6:
    *out = LLMC_DTYPE_I32;
    return true;
  case 7:
    *out = LLMC_DTYPE_I64;
    return true;
  case 9:
    *out = LLMC_DTYPE_BOOL;
    return true;
  case 10:
    *out = LLMC_DTYPE_F16;
    return true;
  case 11:
    *out = LLMC_DTYPE_F64;
    return true;
  case 12:
    *out = LLMC_DTYPE_U32;
    return true;
  case 13:
    *out = LLMC_DTYPE_U64;
    return true;
  case 16:
    *out = LLMC_DTYPE_BF16;
    return true;
  default:
    return false;
  }
}

int onnxFromDType(llmc_dtype_t dtype) {
  switch (dtype) {
  case LLMC_DTYPE_F32:
    return 1;
  case LLMC_DTYPE_U8:
    return 2;
  case LLMC_DTYPE_I8:
    return 3;
  case LLMC_DTYPE_U16:
    return 4;
  case LLMC_DTYPE_I16:
    return 5;
  case LLMC_DTYPE_I32:
    return 6;
  case LLMC_DTYPE_I64:
    return 7;
  case LLMC_DTYPE_BOOL:
    return 9;
  case LLMC_DTYPE_F16:
    return 10;
  case LLMC_DTYPE_F64:
    return 11;
  case LLMC_DTYPE_U32:
    return 12;
  case LLMC_DTYPE_U64:
    return 13;
  case LLMC_DTYPE_BF16:
    return 16;
  }
  return 0;
}

bool parseOnnxTensor(const uint8_t *data, size_t size, HostTensor *out, std::string *error) {
  Reader reader(data, size);
  std::vector<int64_t> dims;
  bool haveType = false;
  int64_t onnxType = 0;
  std::string name;
  const uint8_t *raw = nullptr;
  size_t rawSize = 0;
  bool haveRaw = false;
  NumericField floatData, int32Data, int64Data, doubleData, uint64Data;

  while (!reader.atEnd()) {
    size_t start = reader.position();
    uint64_t key;
    if (!reader.varint(&key))
      return fail(error, "truncated or malformed field key at byte " + std::to_string(start));
    uint64_t field = key >> 3;
    int wire = int(key & 7);
    std::string where = "field " + std::to_string(field) + " at byte " + std::to_string(start);
    if (field == 0)
      return fail(error, "invalid field number 0 at byte " + std::to_string(start));

    uint64_t value = 0;
    const uint8_t *payload = nullptr;
    size_t payloadSize = 0;
    switch (wire) {
    case Varint:
      if (!reader.varint(&value))
        return fail(error, where + ": truncated or overlong varint");
      break;
    case Fixed64:
    case Fixed32:
      payload = reader.here();
      payloadSize = wire == Fixed64 ? 8 : 4;
      if (!reader.skip(payloadSize))
        return fail(error, where + ": truncated " + std::to_string(payloadSize * 8) + "-bit value");
      break;
    case LengthDelimited: {
      uint64_t length;
      if (!reader.varint(&length))
        return fail(error, where + ": truncated length");
      if (length > reader.remaining())
        return fail(error, where + ": length " + std::to_string(length) + " exceeds the " +
                               std::to_string(reader.remaining()) + " bytes left in the file");
      payload = reader.here();
      payloadSize = size_t(length);
      reader.skip(payloadSize);
      break;
    }
    default:
      return fail(error, where + ": unsupported wire type " + std::to_string(wire) +
                             (wire == 3 || wire == 4 ? " (protobuf groups)" : ""));
    }

    auto expectWire = [&](std::initializer_list<int> allowed, const char *fieldName) {
      for (int w : allowed)
        if (w == wire)
          return true;
      *error = std::string(fieldName) + " (" + where + ") has wire type " + std::to_string(wire);
      return false;
    };
    auto addNumeric = [&](NumericField &target, int valueWire, const char *fieldName) {
      if (!expectWire({valueWire, LengthDelimited}, fieldName))
        return false;
      Occurrence occurrence;
      occurrence.packed = wire == LengthDelimited;
      occurrence.data = payload;
      occurrence.size = payloadSize;
      occurrence.varint = value;
      occurrence.wireType = wire;
      target.occurrences.push_back(occurrence);
      return true;
    };

    switch (field) {
    case DimsField:
      if (!expectWire({Varint, LengthDelimited}, "dims"))
        return false;
      if (wire == Varint) {
        dims.push_back(int64_t(value));
      } else {
        Reader packed(payload, payloadSize);
        while (!packed.atEnd()) {
          uint64_t dim;
          if (!packed.varint(&dim))
            return fail(error, "packed dims (" + where + ") ends inside a varint");
          dims.push_back(int64_t(dim));
          if (dims.size() > LLMC_MAX_RANK)
            break;
        }
      }
      if (dims.size() > LLMC_MAX_RANK)
        return fail(error, "the tensor has more than " + std::to_string(LLMC_MAX_RANK) +
                               " dims, the most llmc supports");
      break;
    case DataTypeField:
      if (!expectWire({Varint}, "data_type"))
        return false;
      haveType = true;
      onnxType = int64_t(value);
      break;
    case NameField:
      if (!expectWire({LengthDelimited}, "name"))
        return false;
      name.assign(reinterpret_cast<const char *>(payload), payloadSize);
      break;
    case RawDataField:
      if (!expectWire({LengthDelimited}, "raw_data"))
        return false;
      raw = payload;
      rawSize = payloadSize;
      haveRaw = true;
      break;
    case FloatDataField:
      if (!addNumeric(floatData, Fixed32, "float_data"))
        return false;
      break;
    case Int32DataField:
      if (!addNumeric(int32Data, Varint, "int32_data"))
        return false;
      break;
    case Int64DataField:
      if (!addNumeric(int64Data, Varint, "int64_data"))
        return false;
      break;
    case DoubleDataField:
      if (!addNumeric(doubleData, Fixed64, "double_data"))
        return false;
      break;
    case Uint64DataField:
      if (!addNumeric(uint64Data, Varint, "uint64_data"))
        return false;
      break;
    case SegmentField:
      return fail(error, "segmented tensors (field segment) are not supported");
    case StringDataField:
      return fail(error, "string tensors (field string_data) are not supported");
    case DataLocationField:
      if (wire == Varint && value == 1)
        return fail(error, "tensors with external data (data_location EXTERNAL) are not "
                           "supported; save the tensor with its data inline");
      break;
    default:
      break; // doc_string, external_data entries, metadata_props: not needed
    }
  }

  if (!haveType)
    return fail(error, "the tensor has no data_type");
  llmc_dtype_t dtype;
  if (!dtypeFromOnnx(onnxType, &dtype))
    return fail(error, "data_type " + std::to_string(onnxType) + " (" + onnxTypeName(onnxType) +
                           ") is not supported");
  uint64_t count = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0)
      return fail(error, "dims[" + std::to_string(i) + "] is " + std::to_string(dims[i]));
    if (__builtin_mul_overflow(count, uint64_t(dims[i]), &count))
      return fail(error, "the dims overflow a 64-bit element count");
  }
  size_t elementSize = llmc_dtype_size(dtype);
  uint64_t bytes;
  if (__builtin_mul_overflow(count, elementSize, &bytes))
    return fail(error, "the dims overflow a 64-bit byte count");

  // Which typed field this data type keeps its values in, and how they are encoded.
  const NumericField *typed = nullptr;
  const char *typedName = "";
  size_t fixedSize = 0;
  switch (dtype) {
  case LLMC_DTYPE_F32:
    typed = &floatData, typedName = "float_data", fixedSize = 4;
    break;
  case LLMC_DTYPE_F64:
    typed = &doubleData, typedName = "double_data", fixedSize = 8;
    break;
  case LLMC_DTYPE_I64:
    typed = &int64Data, typedName = "int64_data";
    break;
  case LLMC_DTYPE_U32:
  case LLMC_DTYPE_U64:
    typed = &uint64Data, typedName = "uint64_data";
    break;
  default: // int8, int16, int32, uint8, uint16, bool, float16, bfloat16
    typed = &int32Data, typedName = "int32_data";
    break;
  }
  const NumericField *all[] = {&floatData, &int32Data, &int64Data, &doubleData, &uint64Data};
  const char *allNames[] = {"float_data", "int32_data", "int64_data", "double_data", "uint64_data"};
  for (size_t i = 0; i < 5; ++i) {
    if (!all[i]->present() || all[i] == typed)
      continue;
    return fail(error, std::string(allNames[i]) + " is set, but data_type " +
                           onnxTypeName(onnxType) + " keeps its values in " + typedName);
  }
  if (haveRaw && typed->present())
    return fail(error, std::string("both raw_data and ") + typedName + " are set");

  std::string shape = std::string(llmc_dtype_name(dtype)) + "[";
  for (size_t i = 0; i < dims.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(dims[i]);
  shape += "]";

  out->name = name;
  out->dtype = dtype;
  out->dims = dims;
  out->data.clear();
  if (haveRaw || !typed->present()) {
    if (rawSize != bytes)
      return fail(error, "raw_data has " + std::to_string(rawSize) + " bytes, but " + shape +
                             " needs " + std::to_string(bytes));
    out->data.assign(raw, raw + rawSize);
    if (dtype == LLMC_DTYPE_BOOL)
      for (uint8_t &byte : out->data)
        byte = byte != 0;
    return true;
  }

  uint64_t values;
  if (!countValues(*typed, fixedSize, typedName, &values, error))
    return false;
  if (values != count)
    return fail(error, std::string(typedName) + " has " + std::to_string(values) + " values, but " +
                           shape + " needs " + std::to_string(count));
  // `values` values were found in the file, each at least one byte: the allocation is bounded
  // by elementSize times the file size.
  out->data.resize(size_t(bytes));
  uint8_t *cursor = out->data.data();
  auto store = [&](uint64_t rawValue) {
    std::memcpy(cursor, &rawValue, elementSize); // little-endian host: the low bytes
    cursor += elementSize;
  };
  for (const Occurrence &occurrence : typed->occurrences) {
    if (occurrence.packed) {
      NumericField single;
      single.occurrences.push_back(occurrence);
      forEachValue(single, fixedSize, store);
    } else if (occurrence.wireType == Varint) {
      store(occurrence.varint);
    } else {
      uint64_t rawValue = 0;
      std::memcpy(&rawValue, occurrence.data, fixedSize);
      store(rawValue);
    }
  }
  if (dtype == LLMC_DTYPE_BOOL)
    for (uint8_t &byte : out->data)
      byte = byte != 0;
  return true;
}

namespace {

void appendVarint(std::vector<uint8_t> *out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(uint8_t(value) | 0x80);
    value >>= 7;
  }
  out->push_back(uint8_t(value));
}

void appendKey(std::vector<uint8_t> *out, int field, int wire) {
  appendVarint(out, uint64_t(field) << 3 | uint64_t(wire));
}

} // namespace

void serializeOnnxTensor(const HostTensor &tensor, std::vector<uint8_t> *out) {
  out->clear();
  // Field order and encoding as onnx's own serializer: dims unpacked (proto2), then
  // data_type, name and raw_data.
  for (int64_t dim : tensor.dims) {
    appendKey(out, DimsField, Varint);
    appendVarint(out, uint64_t(dim));
  }
  appendKey(out, DataTypeField, Varint);
  appendVarint(out, uint64_t(onnxFromDType(tensor.dtype)));
  if (!tensor.name.empty()) {
    appendKey(out, NameField, LengthDelimited);
    appendVarint(out, tensor.name.size());
    out->insert(out->end(), tensor.name.begin(), tensor.name.end());
  }
  appendKey(out, RawDataField, LengthDelimited);
  appendVarint(out, tensor.data.size());
  out->insert(out->end(), tensor.data.begin(), tensor.data.end());
}

} // namespace llmc::tensorfile
