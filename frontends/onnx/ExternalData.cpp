//===- ExternalData.cpp - Tensor data stored beside an ONNX model -----------===//
#include "frontends/onnx/ExternalData.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace llmc::onnx_frontend {

bool readExternalData(const onnx::TensorProto &tensor, llvm::StringRef modelDirectory,
                      std::vector<char> &bytes, std::string &error) {
  std::string where = "tensor '" + tensor.name() + "': external data ";
  std::string location;
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    const std::string &value = entry.value();
    if (entry.key() == "location") {
      location = value;
    } else if (entry.key() == "offset" || entry.key() == "length") {
      if (value.empty() || value.size() > 19 ||
          value.find_first_not_of("0123456789") != std::string::npos) {
        error = where + entry.key() + " '" + value + "' is not a non-negative integer";
        return false;
      }
      uint64_t number = std::stoull(value);
      if (entry.key() == "offset") {
        offset = number;
      } else {
        length = number;
        hasLength = true;
      }
    }
  }
  if (location.empty()) {
    error = where + "has an empty location";
    return false;
  }
  if (location.find('\0') != std::string::npos) {
    error = where + "location contains a NUL byte";
    return false;
  }
  if (llvm::sys::path::is_absolute(location) || location.front() == '/' ||
      location.front() == '\\') {
    error = where + "location '" + location + "' is absolute; it must be relative to the model";
    return false;
  }
  for (auto it = llvm::sys::path::begin(location), end = llvm::sys::path::end(location); it != end;
       ++it)
    if (*it == "..") {
      error = where + "location '" + location + "' leaves the model's folder";
      return false;
    }
  // Symlinks may still point outside: compare the resolved paths.
  llvm::SmallString<256> directory, file, joined(modelDirectory.empty() ? "." : modelDirectory);
  llvm::sys::path::append(joined, location);
  if (llvm::sys::fs::real_path(modelDirectory.empty() ? "." : modelDirectory, directory) ||
      llvm::sys::fs::real_path(joined, file)) {
    error = where + "file '" + location + "' does not exist next to the model";
    return false;
  }
  llvm::SmallString<256> prefix = directory;
  llvm::sys::path::append(prefix, "");
  if (!llvm::StringRef(file).starts_with(prefix)) {
    error = where + "location '" + location + "' resolves to '" + std::string(file) +
            "', outside the model's folder";
    return false;
  }
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(file, status) || !llvm::sys::fs::is_regular_file(status)) {
    error = where + "'" + location + "' is not a regular file";
    return false;
  }
  uint64_t size = status.getSize();
  if (offset > size || (hasLength && length > size - offset)) {
    error = where + "range [" + std::to_string(offset) + ", " +
            std::to_string(offset + (hasLength ? length : 0)) + ") is outside '" + location +
            "' (" + std::to_string(size) + " bytes)";
    return false;
  }
  if (!hasLength)
    length = size - offset;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFileSlice(file, length, offset, /*IsVolatile=*/false);
  if (!buffer) {
    error = where + "cannot read '" + location + "': " + buffer.getError().message();
    return false;
  }
  bytes.assign((*buffer)->getBufferStart(), (*buffer)->getBufferEnd());
  return true;
}

} // namespace llmc::onnx_frontend
