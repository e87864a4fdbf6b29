//===- LLMDialect.h - The llm dialect ---------------------------------------===//
#ifndef LLMC_DIALECTS_LLM_IR_LLMDIALECT_H
#define LLMC_DIALECTS_LLM_IR_LLMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "dialects/llm/IR/LLMDialect.h.inc"

#endif // LLMC_DIALECTS_LLM_IR_LLMDIALECT_H
