//===- Status.h - Building llmc_status_t values inside the runtime ----------===//
#ifndef LLMC_RUNTIME_SRC_STATUS_H
#define LLMC_RUNTIME_SRC_STATUS_H

#include "llmc/runtime.h"

#include <string>

namespace llmc::runtime {

/// A status with a printf-formatted message.
llmc_status_t makeStatus(llmc_status_code_t code, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/// Replaces `status` (which must not be OK) by one whose message is "<prefix><old message>".
llmc_status_t prefixStatus(llmc_status_t status, const std::string &prefix);

/// printf into a std::string.
std::string formatString(const char *format, ...) __attribute__((format(printf, 1, 2)));

/// "[2, 3, 4]"; -1 is printed as "?".
std::string dimsString(const int64_t *dims, size_t rank);

} // namespace llmc::runtime

#define LLMC_RETURN_IF_ERROR(expression)                                                           \
  do {                                                                                             \
    llmc_status_t status_ = (expression);                                                          \
    if (status_)                                                                                   \
      return status_;                                                                              \
  } while (0)

#endif // LLMC_RUNTIME_SRC_STATUS_H
