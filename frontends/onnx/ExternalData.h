//===- ExternalData.h - Tensor data stored beside an ONNX model -------------===//
#ifndef LLMC_FRONTENDS_ONNX_EXTERNALDATA_H
#define LLMC_FRONTENDS_ONNX_EXTERNALDATA_H

#include <onnx/onnx_pb.h>

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llmc::onnx_frontend {

/// Reads the bytes of a tensor whose data_location is EXTERNAL. `location` must name a regular
/// file inside `modelDirectory`: empty names, NUL bytes, absolute paths, `..` components and
/// symlinks that resolve outside the folder are refused, and `offset` and `length` must lie
/// inside the file. Returns false with a message naming the tensor and the problem.
bool readExternalData(const onnx::TensorProto &tensor, llvm::StringRef modelDirectory,
                      std::vector<char> &bytes, std::string &error);

} // namespace llmc::onnx_frontend

#endif // LLMC_FRONTENDS_ONNX_EXTERNALDATA_H
