//===- InspectCommand.cpp - llmc inspect: what an artifact holds ---------------===//
#include "runtime/cli/Cli.h"
#include "runtime/cli/CliSupport.h"

#include <string>

namespace llmc::cli {
namespace {

const char kInspectUsage[] =
    "usage: %s MODEL.llmc [--constants]\n"
    "\n"
    "Verifies a compiled model and prints its metadata: format version, model name, producer,\n"
    "target, required CPU features, entry point signatures, constants and code objects. The\n"
    "artifact does not need to match this machine, and none of its code is loaded.\n"
    "\n"
    "options:\n"
    "  --constants   list every constant, not only their count and size\n"
    "  -h, --help    show this help\n";

std::string bytesString(uint64_t bytes) {
  std::string exact = std::to_string(bytes) + " bytes";
  const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  if (unit < 0)
    return exact;
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f %s", value, units[unit]);
  return exact + " (" + buffer + ")";
}

#define LLMC_RETURN_IF_ERROR_CLI(expression)                                                       \
  do {                                                                                             \
    if (llmc_status_t status_ = (expression))                                                      \
      return status_;                                                                              \
  } while (0)

/// Prints the model. A failing query would be a runtime bug: the model has been verified.
llmc_status_t printModel(std::FILE *out, const std::string &path, const llmc_model_t *model,
                         bool listConstants) {
  llmc_model_info_t info;
  llmc_model_info(model, &info);
  std::fprintf(out, "file: %s, %s\n", path.c_str(), bytesString(info.file_size).c_str());
  std::fprintf(out, "format version: %u\n", info.format_version);
  std::fprintf(out, "model: %s\n", info.name[0] ? info.name : "(unnamed)");
  std::fprintf(out, "producer: %s\n", info.producer[0] ? info.producer : "(unknown)");
  std::fprintf(out, "target: %s\n", info.triple);
  std::fprintf(out, "cpu: %s\n", info.cpu[0] ? info.cpu : "(generic)");
  std::string features;
  for (size_t i = 0; i < info.feature_count; ++i)
    features += (i ? " " : "") + std::string(llmc_model_feature(model, i));
  std::fprintf(out, "features: %s\n", features.empty() ? "(none)" : features.c_str());
  llmc_status_t host = llmc_model_check_host(model);
  std::fprintf(out, "runs on this machine: %s%s\n", host ? "no, " : "yes",
               host ? llmc_status_message(host) : "");
  llmc_status_free(host);

  std::fprintf(out, "entry points: %zu\n", info.entry_point_count);
  for (size_t e = 0; e < info.entry_point_count; ++e) {
    llmc_entry_point_info_t entry;
    LLMC_RETURN_IF_ERROR_CLI(llmc_model_entry_point_info(model, e, &entry));
    std::fprintf(out, "  %s: symbol %s in code object %zu, scratch %s (aligned to %llu)\n",
                 entry.name, entry.symbol, entry.code_object,
                 bytesString(entry.scratch_bytes).c_str(),
                 (unsigned long long)entry.scratch_alignment);
    for (size_t i = 0; i < entry.input_count; ++i) {
      llmc_tensor_signature_t signature;
      LLMC_RETURN_IF_ERROR_CLI(llmc_model_entry_point_input(model, e, i, &signature));
      std::fprintf(out, "    input %zu %s: %s\n", i, signature.name[0] ? signature.name : "-",
                   signatureString(signature).c_str());
    }
    for (size_t i = 0; i < entry.output_count; ++i) {
      llmc_tensor_signature_t signature;
      LLMC_RETURN_IF_ERROR_CLI(llmc_model_entry_point_output(model, e, i, &signature));
      std::fprintf(out, "    output %zu %s: %s\n", i, signature.name[0] ? signature.name : "-",
                   signatureString(signature).c_str());
    }
    std::string constants;
    for (size_t k = 0; k < entry.constant_count; ++k) {
      size_t index;
      LLMC_RETURN_IF_ERROR_CLI(llmc_model_entry_point_constant(model, e, k, &index));
      if (k == 16) {
        constants += " ...";
        break;
      }
      constants += (k ? ", " : "") + std::to_string(index);
    }
    std::fprintf(out, "    constants: %zu%s%s%s\n", entry.constant_count,
                 entry.constant_count ? " (" : "", constants.c_str(),
                 entry.constant_count ? ")" : "");
    if (entry.state_count) {
      std::string states;
      for (size_t k = 0; k < entry.state_count; ++k) {
        size_t index;
        LLMC_RETURN_IF_ERROR_CLI(llmc_model_entry_point_state(model, e, k, &index));
        if (k == 8) {
          states += " ...";
          break;
        }
        states += (k ? ", " : "") + std::to_string(index);
      }
      std::fprintf(out, "    states: %zu (%s)\n", entry.state_count, states.c_str());
    }
  }
  if (info.state_count) {
    std::fprintf(out, "states: %zu, %s\n", info.state_count, bytesString(info.state_bytes).c_str());
    for (size_t k = 0; k < info.state_count; ++k) {
      llmc_state_info_t state;
      LLMC_RETURN_IF_ERROR_CLI(llmc_model_state_info(model, k, &state));
      if (k == 4 && info.state_count > 5) {
        std::fprintf(out, "  ... %zu more\n", info.state_count - k);
        break;
      }
      std::fprintf(out, "  %zu %s: %s%s, %s\n", k, state.name, llmc_dtype_name(state.dtype),
                   dimsString(state.dims, state.rank).c_str(), bytesString(state.size).c_str());
    }
  }
  llmc_language_model_info_t lm;
  llmc_status_t lmStatus = llmc_model_language_model_info(model, &lm);
  if (!lmStatus)
    std::fprintf(out,
                 "language model: %s, context %lld tokens, vocabulary %lld, tokenizer %s "
                 "(bos %d, eos %d%s)\n",
                 lm.architecture, (long long)lm.context_length, (long long)lm.vocab_size,
                 lm.tokenizer_model, lm.bos, lm.eos, lm.add_bos ? ", prompts start with bos" : "");
  llmc_status_free(lmStatus);

  std::fprintf(out, "constants: %zu, %s\n", info.constant_count,
               bytesString(info.constant_bytes).c_str());
  if (listConstants) {
    for (size_t c = 0; c < info.constant_count; ++c) {
      llmc_constant_info_t constant;
      LLMC_RETURN_IF_ERROR_CLI(llmc_model_constant_info(model, c, &constant));
      std::fprintf(out, "  %zu %s: %s%s, %llu bytes at offset %llu\n", c,
                   constant.name[0] ? constant.name : "-", llmc_dtype_name(constant.dtype),
                   dimsString(constant.dims, constant.rank).c_str(),
                   (unsigned long long)constant.size, (unsigned long long)constant.offset);
    }
  }
  std::fprintf(out, "code objects: %zu\n", info.code_object_count);
  for (size_t c = 0; c < info.code_object_count; ++c) {
    llmc_code_object_info_t code;
    LLMC_RETURN_IF_ERROR_CLI(llmc_model_code_object_info(model, c, &code));
    std::fprintf(out, "  %zu: %s for %s, %s at offset %llu\n", c, code.format, code.triple,
                 bytesString(code.size).c_str(), (unsigned long long)code.offset);
  }
  return nullptr;
}

} // namespace

int inspectMain(int argc, char **argv, std::FILE *out, std::FILE *err) {
  Console console(argc > 0 ? argv[0] : "llmc inspect", out, err);
  ArgumentReader reader(argc, argv);
  std::string path;
  bool listConstants = false;
  while (!reader.done()) {
    bool isOption;
    std::string argument = reader.next(&isOption);
    if (!isOption) {
      if (!path.empty())
        return console.usage("unexpected argument '" + argument + "'; the model is '" + path + "'");
      path = argument;
    } else if (argument == "-h" || argument == "--help") {
      std::fprintf(out, kInspectUsage, console.program().c_str());
      return kSuccess;
    } else if (argument == "--constants") {
      listConstants = true;
    } else {
      return console.usage("unknown option '" + argument + "'");
    }
  }
  if (path.empty())
    return console.usage("no model given");

  llmc_model_load_options_t options;
  llmc_model_load_options_initialize(&options);
  options.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
  llmc_model_t *model = nullptr;
  if (llmc_status_t status = llmc_model_load_file(path.c_str(), &options, &model))
    return console.failure(status);
  llmc_status_t status = printModel(out, path, model, listConstants);
  llmc_model_release(model);
  std::fflush(out);
  if (status)
    return console.failure(status);
  return kSuccess;
}

int inspectMain(int argc, char **argv) { return inspectMain(argc, argv, stdout, stderr); }

} // namespace llmc::cli
