//===- Status.cpp - llmc_status_t: a code and a message ---------------------===//
#include "runtime/src/Status.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct llmc_status_s {
  llmc_status_code_t code;
  char message[1];
};

namespace {

// Returned when the memory for a status itself cannot be allocated; never freed.
llmc_status_s outOfMemoryStatus = {LLMC_STATUS_RESOURCE_EXHAUSTED,
                                   {0}}; // message read through outOfMemoryMessage
const char outOfMemoryMessage[] = "out of memory while reporting an error";

llmc_status_t allocateStatus(llmc_status_code_t code, const char *message, size_t length) {
  auto *status = static_cast<llmc_status_s *>(std::malloc(sizeof(llmc_status_s) + length));
  if (!status)
    return &outOfMemoryStatus;
  status->code = code;
  std::memcpy(status->message, message, length);
  status->message[length] = '\0';
  return status;
}

std::string vformat(const char *format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  char small[256];
  int length = std::vsnprintf(small, sizeof(small), format, copy);
  va_end(copy);
  if (length < 0)
    return "(unprintable message)";
  if (size_t(length) < sizeof(small))
    return std::string(small, size_t(length));
  std::string result(size_t(length), '\0');
  std::vsnprintf(&result[0], result.size() + 1, format, args);
  return result;
}

} // namespace

namespace llmc::runtime {

llmc_status_t makeStatus(llmc_status_code_t code, const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::string message = vformat(format, args);
  va_end(args);
  return allocateStatus(code, message.data(), message.size());
}

llmc_status_t prefixStatus(llmc_status_t status, const std::string &prefix) {
  if (!status || status == &outOfMemoryStatus)
    return status;
  std::string message = prefix + status->message;
  llmc_status_t result = allocateStatus(status->code, message.data(), message.size());
  llmc_status_free(status);
  return result;
}

std::string formatString(const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::string result = vformat(format, args);
  va_end(args);
  return result;
}

std::string dimsString(const int64_t *dims, size_t rank) {
  std::string result = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      result += ", ";
    result += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  return result + "]";
}

} // namespace llmc::runtime

extern "C" {

llmc_status_code_t llmc_status_code(llmc_status_t status) {
  return status ? status->code : LLMC_STATUS_OK;
}

const char *llmc_status_message(llmc_status_t status) {
  if (!status)
    return "";
  if (status == &outOfMemoryStatus)
    return outOfMemoryMessage;
  return status->message;
}

const char *llmc_status_code_name(llmc_status_code_t code) {
  switch (code) {
  case LLMC_STATUS_OK:
    return "ok";
  case LLMC_STATUS_INVALID_ARGUMENT:
    return "invalid argument";
  case LLMC_STATUS_NOT_FOUND:
    return "not found";
  case LLMC_STATUS_INVALID_ARTIFACT:
    return "invalid artifact";
  case LLMC_STATUS_UNSUPPORTED:
    return "unsupported";
  case LLMC_STATUS_RESOURCE_EXHAUSTED:
    return "resource exhausted";
  case LLMC_STATUS_IO_ERROR:
    return "i/o error";
  case LLMC_STATUS_FAILED_PRECONDITION:
    return "failed precondition";
  case LLMC_STATUS_INTERNAL:
    return "internal error";
  }
  return "unknown status code";
}

void llmc_status_free(llmc_status_t status) {
  if (status && status != &outOfMemoryStatus)
    std::free(status);
}

} // extern "C"
