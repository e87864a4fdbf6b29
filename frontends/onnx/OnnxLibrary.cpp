//===- OnnxLibrary.cpp - The calls into libonnx that may throw --------------===//
// The only translation unit built with -fexceptions: libonnx reports errors by throwing.
#include "frontends/onnx/OnnxLibrary.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <exception>

namespace llmc::onnx_frontend {

bool runLibraryChecks(const std::string &path, onnx::ModelProto &model, std::string &message) {
  try {
    // Given the path, the checker resolves external data next to the model.
    onnx::checker::check_model(path);
    onnx::shape_inference::InferShapes(model);
    return true;
  } catch (const std::exception &error) {
    message = error.what();
  } catch (...) {
    message = "unknown error";
  }
  return false;
}

} // namespace llmc::onnx_frontend
