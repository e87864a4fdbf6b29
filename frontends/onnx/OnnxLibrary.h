//===- OnnxLibrary.h - The calls into libonnx that may throw ----------------===//
#ifndef LLMC_FRONTENDS_ONNX_ONNXLIBRARY_H
#define LLMC_FRONTENDS_ONNX_ONNXLIBRARY_H

#include <onnx/onnx_pb.h>

#include <string>

namespace llmc::onnx_frontend {

/// The newest IR version and default-domain opset libonnx (1.12) knows.
inline constexpr int64_t kLibraryMaxIRVersion = 8;
inline constexpr int64_t kLibraryMaxOpset = 17;

/// Runs libonnx's checker and shape inference on a model the project's own validation has
/// already accepted. Returns false with the library's message when either throws; the model
/// is then imported without the inferred shapes (the llm ops infer their own).
bool runLibraryChecks(const std::string &path, onnx::ModelProto &model, std::string &message);

} // namespace llmc::onnx_frontend

#endif // LLMC_FRONTENDS_ONNX_ONNXLIBRARY_H
