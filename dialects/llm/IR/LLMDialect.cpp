//===- LLMDialect.cpp - The llm dialect -------------------------------------===//
#include "dialects/llm/IR/LLMDialect.h"

#include "dialects/llm/IR/LLMOps.h"

using namespace mlir;
using namespace llmc::llm;

#include "dialects/llm/IR/LLMDialect.cpp.inc"

void LLMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/llm/IR/LLMOps.cpp.inc"
      >();
  registerTypes();
}

Operation *LLMDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                           Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
