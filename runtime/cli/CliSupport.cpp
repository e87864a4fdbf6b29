//===- CliSupport.cpp - Shared pieces of the llmc-run and inspect command lines ===//
#include "runtime/cli/CliSupport.h"

#include "runtime/cli/Cli.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

using llmc::tensorfile::HostTensor;

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

std::string inputLabel(const llmc_tensor_signature_t &signature, size_t index) {
  if (signature.name[0])
    return "'" + std::string(signature.name) + "'";
  return std::to_string(index);
}

bool fileExists(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

int assignInputs(const Console &console, const std::vector<std::string> &specs,
                 const std::vector<llmc_tensor_signature_t> &signatures, const char *entryName,
                 std::vector<std::string> *files) {
  std::string names;
  for (size_t i = 0; i < signatures.size(); ++i)
    names += (i ? ", " : "") + inputLabel(signatures[i], i);
  std::string takes = "entry point '" + std::string(entryName) + "' takes " +
                      std::to_string(signatures.size()) + " input" +
                      (signatures.size() == 1 ? "" : "s") +
                      (signatures.empty() ? "" : " (" + names + ")");
  files->assign(signatures.size(), std::string());
  std::vector<std::string> positional;
  for (const std::string &spec : specs) {
    size_t equals = spec.find('=');
    bool named = false;
    if (equals != std::string::npos) {
      std::string name = spec.substr(0, equals);
      for (size_t i = 0; i < signatures.size(); ++i) {
        if (name != signatures[i].name)
          continue;
        if (!(*files)[i].empty())
          return console.usage("input '" + name + "' is given twice");
        (*files)[i] = spec.substr(equals + 1);
        named = true;
      }
      if (!named && !fileExists(spec))
        return console.usage("--input '" + spec + "': no input is named '" + name + "'; " + takes);
    }
    if (!named)
      positional.push_back(spec);
  }
  size_t next = 0;
  for (const std::string &file : positional) {
    while (next < files->size() && !(*files)[next].empty())
      ++next;
    if (next == files->size())
      return console.usage("too many inputs: " + takes);
    (*files)[next++] = file;
  }
  for (size_t i = 0; i < files->size(); ++i)
    if ((*files)[i].empty())
      return console.usage("missing input " + inputLabel(signatures[i], i) + ": " + takes);
  return kSuccess;
}

bool isBfloat16Bits(const HostTensor &tensor, llmc_dtype_t expected) {
  return expected == LLMC_DTYPE_BF16 && tensor.dtype == LLMC_DTYPE_U16;
}

void adaptInput(const llmc_tensor_signature_t &signature, HostTensor *tensor) {
  if (isBfloat16Bits(*tensor, signature.dtype)) {
    tensor->dtype = LLMC_DTYPE_BF16;
    return;
  }
  if (signature.dtype == LLMC_DTYPE_BF16 && tensor->dtype == LLMC_DTYPE_F32) {
    size_t count = tensor->data.size() / 4;
    std::vector<uint8_t> converted(count * 2);
    for (size_t i = 0; i < count; ++i) {
      float value;
      std::memcpy(&value, tensor->data.data() + 4 * i, 4);
      uint16_t bits = tensorfile::floatToBfloat16(value);
      std::memcpy(converted.data() + 2 * i, &bits, 2);
    }
    tensor->data.swap(converted);
    tensor->dtype = LLMC_DTYPE_BF16;
  }
}

int selectEntryPoint(const Console &console, llmc_model_t *model, const std::string &name,
                     size_t *entry) {
  llmc_model_info_t info;
  llmc_model_info(model, &info);
  *entry = 0;
  if (!name.empty()) {
    if (llmc_status_t status = llmc_model_find_entry_point(model, name.c_str(), entry)) {
      std::string message = llmc_status_message(status);
      llmc_status_free(status);
      return console.usage("--entry: " + message);
    }
  } else if (info.entry_point_count > 1) {
    if (llmc_status_t status = llmc_model_find_entry_point(model, "main", entry)) {
      std::string message = llmc_status_message(status);
      llmc_status_free(status);
      return console.usage("the model has several entry points; choose one with --entry (" +
                           message + ")");
    }
  }
  return kSuccess;
}

int inputSignatures(const Console &console, llmc_model_t *model, size_t entry,
                    llmc_entry_point_info_t *info,
                    std::vector<llmc_tensor_signature_t> *signatures) {
  if (llmc_status_t status = llmc_model_entry_point_info(model, entry, info))
    return console.failure(status);
  signatures->assign(info->input_count, llmc_tensor_signature_t());
  for (size_t i = 0; i < info->input_count; ++i)
    if (llmc_status_t status = llmc_model_entry_point_input(model, entry, i, &(*signatures)[i]))
      return console.failure(status);
  return kSuccess;
}

int readInputs(const Console &console, const std::vector<std::string> &files,
               const std::vector<llmc_tensor_signature_t> &signatures,
               std::vector<tensorfile::HostTensor> *inputs) {
  inputs->assign(files.size(), tensorfile::HostTensor());
  for (size_t i = 0; i < files.size(); ++i) {
    std::string error;
    if (!tensorfile::readTensorFile(files[i], &(*inputs)[i], &error))
      return console.failure(error);
    adaptInput(signatures[i], &(*inputs)[i]);
  }
  return kSuccess;
}

int copyInputs(const Console &console, std::vector<tensorfile::HostTensor> &inputs,
               std::vector<llmc_tensor_t *> *tensors) {
  // Copied into tensors of the runtime's allocator, as an application would allocate them:
  // large ones get huge pages, which a product reading them repays on every call.
  for (tensorfile::HostTensor &input : inputs) {
    llmc_tensor_t *tensor = nullptr;
    if (llmc_status_t status = llmc_tensor_allocate(input.dtype, input.dims.size(),
                                                    input.dims.data(), nullptr, &tensor))
      return console.failure(status);
    tensors->push_back(tensor);
    if (!input.data.empty())
      std::memcpy(llmc_tensor_data(tensor), input.data.data(), input.data.size());
    std::vector<uint8_t>().swap(input.data);
  }
  return kSuccess;
}

int runRuntimeCommand(const char *program, int argc, char **argv) {
  struct Command {
    const char *name;
    int (*main)(int, char **);
  };
  static const Command kCommands[] = {
      {"run", runMain}, {"generate", generateMain}, {"bench", benchMain}, {"inspect", inspectMain}};
  if (argc < 2)
    return -1;
  for (const Command &command : kCommands)
    if (std::strcmp(argv[1], command.name) == 0) {
      std::string name = std::string(program) + " " + command.name;
      argv[1] = name.data();
      return command.main(argc - 1, argv + 1);
    }
  return -1;
}

} // namespace llmc::cli
