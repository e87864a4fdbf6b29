//===- InspectGGUF.cpp - `llmc inspect MODEL.gguf`: what a GGUF file holds ---===//
#include "frontends/gguf/GGUF.h"
#include "tools/llmc/Commands.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace llmc::gguf;

namespace {

void printScalar(llvm::raw_ostream &os, const Value &value) {
  switch (value.type) {
  case ValueType::String:
    os << '"';
    os.write_escaped(value.stringValue.take_front(80));
    os << (value.stringValue.size() > 80 ? "...\"" : "\"");
    break;
  case ValueType::Bool:
    os << (value.unsignedValue ? "true" : "false");
    break;
  case ValueType::Float32:
  case ValueType::Float64:
    os << llvm::format("%g", value.floatValue);
    break;
  case ValueType::Int8:
  case ValueType::Int16:
  case ValueType::Int32:
  case ValueType::Int64:
    os << value.signedValue;
    break;
  default:
    os << value.unsignedValue;
  }
}

void printArray(llvm::raw_ostream &os, const Value &value) {
  os << "array of " << value.count << ' ' << valueTypeName(value.elementType) << " [";
  uint64_t shown = std::min<uint64_t>(value.count, 4);
  for (uint64_t i = 0; i < shown; ++i) {
    if (i)
      os << ", ";
    if (value.elementType == ValueType::String) {
      os << '"';
      os.write_escaped(value.stringAt(i).take_front(40));
      os << '"';
    } else if (value.elementType == ValueType::Float32 || value.elementType == ValueType::Float64) {
      os << llvm::format("%g", *value.floatAt(i));
    } else if (std::optional<int64_t> v = value.integerAt(i)) {
      os << *v;
    } else {
      os << "?";
    }
  }
  os << (value.count > shown ? ", ...]" : "]");
}

} // namespace

int llmc::driver::inspectGGUF(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) {
    llvm::errs() << "llmc inspect: error: " << path << ": " << buffer.getError().message() << "\n";
    return 1;
  }
  llvm::ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
                                (*buffer)->getBufferSize());
  std::string error;
  std::optional<File> file = parse(bytes, error);
  if (!file) {
    llvm::errs() << "llmc inspect: error: " << path << ": " << error << "\n";
    return 1;
  }
  llvm::raw_ostream &os = llvm::outs();
  os << path << ": GGUF v" << file->version << ", " << file->metadata.size() << " metadata keys, "
     << file->tensors.size() << " tensors, data at byte " << file->dataOffset << " (alignment "
     << file->alignment << ")\n";
  os << "metadata:\n";
  for (const KeyValue &entry : file->metadata) {
    os << "  " << entry.key << ": ";
    if (entry.value.type == ValueType::Array) {
      printArray(os, entry.value);
    } else {
      os << valueTypeName(entry.value.type) << ' ';
      printScalar(os, entry.value);
    }
    os << "\n";
  }
  os << "tensors:\n";
  for (const TensorInfo &tensor : file->tensors) {
    os << "  " << tensor.name << ": " << typeTraits(uint32_t(tensor.type))->name << " [";
    for (size_t d = 0; d < tensor.dims.size(); ++d)
      os << (d ? ", " : "") << tensor.dims[d];
    os << "], " << tensor.bytes << " bytes at data offset " << tensor.offset << "\n";
  }
  return 0;
}
