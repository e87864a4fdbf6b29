//===- TensorFile.h - ONNX TensorProto (.pb) and NumPy (.npy) tensor files ----===//
//
// Reads and writes the two tensor file formats llmc-run takes, without protobuf or Python: the
// protobuf wire format of onnx.TensorProto is parsed by hand. Parsers are hardened for hostile
// files: every length is checked against the bytes that remain, sizes are checked for overflow,
// and nothing is allocated before the file has been shown to hold that much data.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_RUNTIME_TOOLS_TENSORFILE_H
#define LLMC_RUNTIME_TOOLS_TENSORFILE_H

#include "llmc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace llmc::tensorfile {

/// A dense row-major little-endian tensor held in memory.
struct HostTensor {
  std::string name; // the TensorProto's name; empty for .npy
  llmc_dtype_t dtype = LLMC_DTYPE_F32;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;

  uint64_t elementCount() const;
};

enum class FileFormat { OnnxTensor, Npy };

/// The format a path's extension names (".pb", ".npy"); false for anything else.
bool formatForPath(const std::string &path, FileFormat *out);

/// ONNX data_type <-> llmc dtype. Returns false for types llmc has no dtype for.
bool dtypeFromOnnx(int64_t onnxType, llmc_dtype_t *out);
int onnxFromDType(llmc_dtype_t dtype);

/// Parses a serialized onnx.TensorProto: dims, data_type, name, and the data from raw_data or
/// from the typed field the data type uses (float_data, int32_data, int64_data, double_data,
/// uint64_data), packed or not.
bool parseOnnxTensor(const uint8_t *data, size_t size, HostTensor *out, std::string *error);

/// Serializes as an onnx.TensorProto with dims, data_type, name and raw_data.
void serializeOnnxTensor(const HostTensor &tensor, std::vector<uint8_t> *out);

/// Parses a .npy file (format versions 1, 2 and 3; little-endian or single-byte dtypes;
/// C order).
bool parseNpy(const uint8_t *data, size_t size, HostTensor *out, std::string *error);

/// Serializes as .npy (version 1, or 2 for very long headers). NumPy has no bfloat16, so bf16
/// tensors are written as float32, which holds every bf16 value exactly.
void serializeNpy(const HostTensor &tensor, std::vector<uint8_t> *out);

/// Reads a tensor file, choosing the format by extension. Errors start with the path.
bool readTensorFile(const std::string &path, HostTensor *out, std::string *error);

/// Writes a tensor file in the given format. Errors start with the path.
bool writeTensorFile(const std::string &path, FileFormat format, const HostTensor &tensor,
                     std::string *error);

/// Reads a whole file; errors start with the path.
bool readFile(const std::string &path, std::vector<uint8_t> *out, std::string *error);

/// IEEE half and bfloat16 bits to float, and float to bfloat16 bits (round to nearest even,
/// NaN kept quiet).
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);

} // namespace llmc::tensorfile

#endif // LLMC_RUNTIME_TOOLS_TENSORFILE_H
