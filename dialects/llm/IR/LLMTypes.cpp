//===- LLMTypes.cpp - Types of the llm dialect ------------------------------===//
#include "dialects/llm/IR/LLMTypes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace llmc::llm;

namespace {

struct FormatTraits {
  GGMLFormat format;
  const char *name;
  int64_t blockElements, blockBytes;
};

constexpr FormatTraits kFormats[] = {
    {GGMLFormat::Q4_0, "q4_0", 32, 18},
    {GGMLFormat::Q8_0, "q8_0", 32, 34},
    {GGMLFormat::Q4_K, "q4_k", 256, 144},
    {GGMLFormat::Q6_K, "q6_k", 256, 210},
};

const FormatTraits &traitsOf(GGMLFormat format) {
  for (const FormatTraits &traits : kFormats)
    if (traits.format == format)
      return traits;
  llvm_unreachable("every GGMLFormat has traits");
}

} // namespace

std::optional<GGMLFormat> llmc::llm::parseGGMLFormat(llvm::StringRef name) {
  for (const FormatTraits &traits : kFormats)
    if (name == traits.name)
      return traits.format;
  return std::nullopt;
}

int64_t GGMLBlockType::getBlockElements() const { return traitsOf(getFormat()).blockElements; }
int64_t GGMLBlockType::getBlockBytes() const { return traitsOf(getFormat()).blockBytes; }
llvm::StringRef GGMLBlockType::getFormatName() const { return traitsOf(getFormat()).name; }

Type GGMLBlockType::parse(AsmParser &parser) {
  StringRef name;
  llvm::SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&name) || parser.parseGreater())
    return {};
  std::optional<GGMLFormat> format = parseGGMLFormat(name);
  if (!format) {
    parser.emitError(loc) << "unknown ggml block format '" << name
                          << "' (expected q4_0, q8_0, q4_k or q6_k)";
    return {};
  }
  return GGMLBlockType::get(parser.getContext(), *format);
}

void GGMLBlockType::print(AsmPrinter &printer) const { printer << "<" << getFormatName() << ">"; }

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/IR/LLMTypes.cpp.inc"

void LLMDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/llm/IR/LLMTypes.cpp.inc"
      >();
}
