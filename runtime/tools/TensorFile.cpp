//===- TensorFile.cpp - Tensor files by extension, and float conversions ------===//
#include "runtime/tools/TensorFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace llmc::tensorfile {
namespace {

bool endsWith(const std::string &text, const char *suffix) {
  size_t length = std::strlen(suffix);
  return text.size() >= length && text.compare(text.size() - length, length, suffix) == 0;
}

} // namespace

bool formatForPath(const std::string &path, FileFormat *out) {
  if (endsWith(path, ".pb")) {
    *out = FileFormat::OnnxTensor;
    return true;
  }
  if (endsWith(path, ".npy")) {
    *out = FileFormat::Npy;
    return true;
  }
  return false;
}

bool readFile(const std::string &path, std::vector<uint8_t> *out, std::string *error) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat info;
  if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
    *error = path + ": not a regular file";
    std::fclose(file);
    return false;
  }
  // The size comes from the file system, so the buffer is never larger than the file.
  out->resize(size_t(info.st_size));
  size_t read = out->empty() ? 0 : std::fread(out->data(), 1, out->size(), file);
  bool failed = read != out->size() || std::ferror(file);
  std::fclose(file);
  if (failed) {
    *error = path + ": cannot read " + std::to_string(out->size()) + " bytes";
    return false;
  }
  return true;
}

bool readTensorFile(const std::string &path, HostTensor *out, std::string *error) {
  FileFormat format;
  if (!formatForPath(path, &format)) {
    *error = path + ": unknown tensor file extension (expected .pb or .npy)";
    return false;
  }
  std::vector<uint8_t> bytes;
  if (!readFile(path, &bytes, error))
    return false;
  std::string message;
  bool ok = format == FileFormat::OnnxTensor
                ? parseOnnxTensor(bytes.data(), bytes.size(), out, &message)
                : parseNpy(bytes.data(), bytes.size(), out, &message);
  if (!ok)
    *error = path + ": " + message;
  return ok;
}

bool writeTensorFile(const std::string &path, FileFormat format, const HostTensor &tensor,
                     std::string *error) {
  std::vector<uint8_t> bytes;
  if (format == FileFormat::OnnxTensor)
    serializeOnnxTensor(tensor, &bytes);
  else
    serializeNpy(tensor, &bytes);
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file) {
    *error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  bool ok = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = (std::fclose(file) == 0) && ok;
  if (!ok)
    *error = path + ": cannot write: " + std::strerror(errno);
  return ok;
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  uint32_t result;
  if (exponent == 0x1f) {
    result = sign | 0x7f800000u | (mantissa << 13); // inf or NaN
  } else if (exponent == 0) {
    if (mantissa == 0) {
      result = sign;
    } else { // subnormal: normalize
      int shift = 0;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        ++shift;
      }
      mantissa &= 0x3ff;
      result = sign | uint32_t(127 - 15 - shift + 1) << 23 | (mantissa << 13);
    }
  } else {
    result = sign | (exponent + 127 - 15) << 23 | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &result, 4);
  return value;
}

float bfloat16ToFloat(uint16_t bits) {
  uint32_t widened = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &widened, 4);
  return value;
}

uint16_t floatToBfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x40); // NaN stays a quiet NaN
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

} // namespace llmc::tensorfile
