//===- FuzzGGUF.cpp - libFuzzer target: the GGUF reader --------------------===//
//
// Parses the input with llmc::gguf::parse, the reader every GGUF path of llmc goes through
// (`llmc compile`, `llmc inspect`), and reads back what it returns: every key, value, tensor
// name and shape, and, for each tensor, the first and last byte of its data, which the reader
// promises are inside the input.
//
//===----------------------------------------------------------------------===//
#include "frontends/gguf/GGUF.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  std::optional<llmc::gguf::File> file =
      llmc::gguf::parse(llvm::ArrayRef<uint8_t>(data, size), error);
  if (!file)
    return 0;
  volatile size_t sink = 0;
  for (const llmc::gguf::KeyValue &entry : file->metadata) {
    const llmc::gguf::Value &value = entry.value;
    sink = sink + entry.key.size() + value.stringValue.size();
    if (std::optional<uint64_t> number = value.asUnsigned())
      sink = sink + *number;
    if (value.type != llmc::gguf::ValueType::Array)
      continue;
    for (uint64_t i = 0; i < value.count; ++i) {
      if (value.elementType == llmc::gguf::ValueType::String)
        sink = sink + value.stringAt(i).size();
      else if (std::optional<int64_t> element = value.integerAt(i))
        sink = sink + uint64_t(*element);
      else if (std::optional<double> element = value.floatAt(i))
        sink = sink + uint64_t(*element != 0);
    }
  }
  for (const llmc::gguf::TensorInfo &tensor : file->tensors) {
    sink = sink + tensor.name.size() + tensor.dims.size();
    if (tensor.bytes > 0) {
      const uint8_t *start = data + file->dataOffset + tensor.offset;
      sink = sink + start[0] + start[tensor.bytes - 1];
    }
  }
  (void)sink;
  return 0;
}
