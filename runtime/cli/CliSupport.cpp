//===- CliSupport.cpp - Shared pieces of the llmc-run and inspect command lines ===//
#include "runtime/cli/CliSupport.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

namespace llmc::cli {

Console::Console(const char *argv0, std::FILE *out, std::FILE *err) : out_(out), err_(err) {
  // A driver passes "llmc run"; a binary its path, of which the name is enough.
  std::string name = argv0 && *argv0 ? argv0 : "llmc-run";
  if (name.find(' ') == std::string::npos) {
    size_t slash = name.rfind('/');
    if (slash != std::string::npos)
      name = name.substr(slash + 1);
  }
  program_ = name;
}

int Console::usage(const std::string &message) const {
  std::fprintf(err_, "%s: error: %s (see '%s --help')\n", program_.c_str(), message.c_str(),
               program_.c_str());
  return kUsage;
}

int Console::failure(const std::string &message) const {
  std::fprintf(err_, "%s: error: %s\n", program_.c_str(), message.c_str());
  return kFailure;
}

int Console::failure(llmc_status_t status) const {
  std::string message = llmc_status_message(status);
  llmc_status_free(status);
  return failure(message);
}

std::string ArgumentReader::next(bool *isOption) {
  std::string argument = argv_[index_++];
  haveInlineValue_ = false;
  *isOption = argument.size() > 1 && argument[0] == '-';
  if (*isOption && argument.compare(0, 2, "--") == 0) {
    size_t equals = argument.find('=');
    if (equals != std::string::npos) {
      inlineValue_ = argument.substr(equals + 1);
      haveInlineValue_ = true;
      argument.resize(equals);
    }
  }
  return argument;
}

bool ArgumentReader::value(std::string *out) {
  if (haveInlineValue_) {
    *out = inlineValue_;
    haveInlineValue_ = false;
    return true;
  }
  if (index_ >= argc_)
    return false;
  *out = argv_[index_++];
  return true;
}

std::string dimsString(const int64_t *dims, size_t rank) {
  std::string result = "[";
  for (size_t i = 0; i < rank; ++i)
    result += (i ? ", " : "") + std::to_string(dims[i]);
  return result + "]";
}

std::string signatureString(const llmc_tensor_signature_t &signature) {
  std::string result = std::string(llmc_dtype_name(signature.dtype)) + "[";
  for (size_t i = 0; i < signature.rank; ++i) {
    if (i)
      result += ", ";
    if (signature.dims[i] >= 0)
      result += std::to_string(signature.dims[i]);
    else if (signature.dim_symbols[i][0])
      result += signature.dim_symbols[i];
    else
      result += "?";
  }
  return result + "]";
}

bool parseNonNegativeDouble(const std::string &text, double *out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (*end || errno || !std::isfinite(value) || value < 0)
    return false;
  *out = value;
  return true;
}

bool parseInteger(const std::string &text, long long minimum, long long maximum, long long *out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (*end || errno || value < minimum || value > maximum)
    return false;
  *out = value;
  return true;
}

bool makeDirectories(const std::string &path, std::string *error) {
  std::string prefix;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos)
      slash = path.size();
    prefix = path.substr(0, slash);
    start = slash + 1;
    if (prefix.empty())
      continue;
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      *error = "cannot create directory '" + prefix + "': " + std::strerror(errno);
      return false;
    }
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    *error = "'" + path + "' is not a directory";
    return false;
  }
  return true;
}

} // namespace llmc::cli
