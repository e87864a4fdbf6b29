//===- RunCommand.cpp - llmc-run: run an artifact on tensor files -------------===//
#include "runtime/cli/Cli.h"
#include "runtime/cli/CliSupport.h"
#include "runtime/tools/TensorFile.h"

#include <cmath>
#include <cstring>

namespace llmc::cli {
namespace {

using tensorfile::FileFormat;
using tensorfile::HostTensor;

const char kRunUsage[] =
    "usage: %s MODEL.llmc --input [NAME=]FILE ... [options]\n"
    "\n"
    "Runs an entry point of a compiled model on tensors read from ONNX TensorProto (.pb) or\n"
    "NumPy (.npy) files. Inputs without NAME= are taken in signature order.\n"
    "\n"
    "options:\n"
    "  --input [NAME=]FILE      an input tensor (repeat for each input)\n"
    "  --output-dir DIR         write the outputs as DIR/output_0.npy, output_1.npy, ...\n"
    "  --output-format npy|pb   the format of the written outputs (default npy)\n"
    "  --entry NAME             the entry point (default: the only one, or 'main')\n"
    "  --threads N              threads generated code may use (default 0: one per CPU)\n"
    "  --compare DIR            compare the outputs with DIR/output_K.pb (or .npy), the layout\n"
    "                           of ONNX test data; exit 1 on a mismatch\n"
    "  --rtol R, --atol A       float tolerance |got - expected| <= A + R * |expected|\n"
    "                           (defaults 1e-3 and 1e-5); integers and bools compare exactly\n"
    "  -h, --help               show this help\n"
    "\n"
    "exit codes: 0 success, 1 load, run or comparison failure, 2 bad usage\n";

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::string outputDir;
  FileFormat outputFormat = FileFormat::Npy;
  std::string entry;
  long long threads = 0;
  std::string compareDir;
  double rtol = 1e-3, atol = 1e-5;
  bool toleranceGiven = false;
};

/// Releases what a run holds, whatever path it leaves by.
struct RunState {
  llmc_model_t *model = nullptr;
  std::vector<llmc_tensor_t *> inputs, outputs;
  ~RunState() {
    for (llmc_tensor_t *tensor : inputs)
      llmc_tensor_release(tensor);
    for (llmc_tensor_t *tensor : outputs)
      llmc_tensor_release(tensor);
    llmc_model_release(model);
  }
};

int parseOptions(const Console &console, int argc, char **argv, Options *options, bool *help) {
  ArgumentReader reader(argc, argv);
  while (!reader.done()) {
    bool isOption;
    std::string argument = reader.next(&isOption);
    if (!isOption) {
      if (!options->model.empty())
        return console.usage("unexpected argument '" + argument + "'; the model is '" +
                             options->model + "'");
      options->model = argument;
      continue;
    }
    if (argument == "-h" || argument == "--help") {
      *help = true;
      return kSuccess;
    }
    std::string value;
    bool takesValue = argument == "--input" || argument == "--output-dir" ||
                      argument == "--output-format" || argument == "--entry" ||
                      argument == "--threads" || argument == "--compare" || argument == "--rtol" ||
                      argument == "--atol";
    if (!takesValue)
      return console.usage("unknown option '" + argument + "'");
    if (!reader.value(&value))
      return console.usage("option '" + argument + "' needs a value");
    if (argument == "--input") {
      options->inputs.push_back(value);
    } else if (argument == "--output-dir") {
      options->outputDir = value;
    } else if (argument == "--output-format") {
      if (value == "npy")
        options->outputFormat = FileFormat::Npy;
      else if (value == "pb")
        options->outputFormat = FileFormat::OnnxTensor;
      else
        return console.usage("--output-format is '" + value + "', expected npy or pb");
    } else if (argument == "--entry") {
      options->entry = value;
    } else if (argument == "--threads") {
      if (!parseInteger(value, 0, 4096, &options->threads))
        return console.usage("--threads is '" + value + "', expected an integer in [0, 4096]");
    } else if (argument == "--compare") {
      options->compareDir = value;
    } else {
      double *target = argument == "--rtol" ? &options->rtol : &options->atol;
      if (!parseNonNegativeDouble(value, target))
        return console.usage(argument + " is '" + value + "', expected a number >= 0");
      options->toleranceGiven = true;
    }
  }
  if (options->model.empty())
    return console.usage("no model given");
  if (options->toleranceGiven && options->compareDir.empty())
    return console.usage("--rtol and --atol need --compare");
  return kSuccess;
}

bool isFloat(llmc_dtype_t dtype) {
  return dtype == LLMC_DTYPE_F32 || dtype == LLMC_DTYPE_F16 || dtype == LLMC_DTYPE_BF16 ||
         dtype == LLMC_DTYPE_F64;
}

double floatAt(llmc_dtype_t dtype, const uint8_t *data, uint64_t index) {
  switch (dtype) {
  case LLMC_DTYPE_F32: {
    float value;
    std::memcpy(&value, data + 4 * index, 4);
    return value;
  }
  case LLMC_DTYPE_F64: {
    double value;
    std::memcpy(&value, data + 8 * index, 8);
    return value;
  }
  case LLMC_DTYPE_F16:
  case LLMC_DTYPE_BF16: {
    uint16_t bits;
    std::memcpy(&bits, data + 2 * index, 2);
    return dtype == LLMC_DTYPE_F16 ? tensorfile::halfToFloat(bits)
                                   : tensorfile::bfloat16ToFloat(bits);
  }
  default:
    return 0;
  }
}

/// An integer or bool element, sign- or zero-extended; *isUnsigned tells which.
uint64_t integerAt(llmc_dtype_t dtype, const uint8_t *data, uint64_t index, bool *isUnsigned) {
  size_t size = llmc_dtype_size(dtype);
  uint64_t raw = 0;
  std::memcpy(&raw, data + size * index, size);
  bool isSigned = dtype == LLMC_DTYPE_I8 || dtype == LLMC_DTYPE_I16 || dtype == LLMC_DTYPE_I32 ||
                  dtype == LLMC_DTYPE_I64;
  *isUnsigned = !isSigned;
  if (isSigned && size < 8 && (raw >> (8 * size - 1)) & 1)
    raw |= ~uint64_t(0) << (8 * size);
  return raw;
}

std::string indexString(uint64_t flat, const std::vector<int64_t> &dims) {
  std::vector<int64_t> index(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    index[d] = dims[d] ? int64_t(flat % uint64_t(dims[d])) : 0;
    flat = dims[d] ? flat / uint64_t(dims[d]) : 0;
  }
  return dimsString(index.data(), index.size());
}

std::string numberString(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

std::string integerString(uint64_t value, bool isUnsigned) {
  return isUnsigned ? std::to_string(value) : std::to_string(int64_t(value));
}

/// Compares one output; prints its line and returns whether it matched.
bool compareOutput(std::FILE *out, const std::string &label, const HostTensor &actual,
                   const HostTensor &expected, double rtol, double atol) {
  std::string shape = std::string(llmc_dtype_name(actual.dtype)) +
                      dimsString(actual.dims.data(), actual.dims.size());
  if (actual.dims != expected.dims) {
    std::fprintf(out, "%s: MISMATCH: shape %s, expected %s\n", label.c_str(),
                 dimsString(actual.dims.data(), actual.dims.size()).c_str(),
                 dimsString(expected.dims.data(), expected.dims.size()).c_str());
    return false;
  }
  bool floats = isFloat(actual.dtype) && isFloat(expected.dtype);
  if (actual.dtype != expected.dtype && !floats) {
    std::fprintf(out, "%s: MISMATCH: dtype %s, expected %s\n", label.c_str(),
                 llmc_dtype_name(actual.dtype), llmc_dtype_name(expected.dtype));
    return false;
  }
  uint64_t count = actual.elementCount();
  uint64_t mismatches = 0;
  if (floats) {
    double worstExcess = -INFINITY, maxError = 0;
    uint64_t worst = 0, maxAt = 0;
    for (uint64_t i = 0; i < count; ++i) {
      double got = floatAt(actual.dtype, actual.data.data(), i);
      double want = floatAt(expected.dtype, expected.data.data(), i);
      double error, excess;
      bool bad;
      if (std::isnan(got) || std::isnan(want)) {
        bad = !(std::isnan(got) && std::isnan(want));
        error = bad ? INFINITY : 0;
        excess = error;
      } else if (std::isinf(got) || std::isinf(want)) {
        bad = got != want;
        error = bad ? INFINITY : 0;
        excess = error;
      } else {
        error = std::fabs(got - want);
        excess = error - (atol + rtol * std::fabs(want));
        bad = excess > 0;
      }
      if (error > maxError) {
        maxError = error;
        maxAt = i;
      }
      if (bad) {
        ++mismatches;
        if (excess > worstExcess) {
          worstExcess = excess;
          worst = i;
        }
      }
    }
    if (!mismatches) {
      std::fprintf(out, "%s: ok, %s, max abs error %s%s\n", label.c_str(), shape.c_str(),
                   numberString(maxError).c_str(),
                   count ? (" at " + indexString(maxAt, actual.dims)).c_str() : "");
      return true;
    }
    double got = floatAt(actual.dtype, actual.data.data(), worst);
    double want = floatAt(expected.dtype, expected.data.data(), worst);
    std::fprintf(out,
                 "%s: MISMATCH: %llu of %llu elements outside atol %s + rtol %s * |expected|; "
                 "worst at %s: got %s, expected %s (abs error %s)\n",
                 label.c_str(), (unsigned long long)mismatches, (unsigned long long)count,
                 numberString(atol).c_str(), numberString(rtol).c_str(),
                 indexString(worst, actual.dims).c_str(), numberString(got).c_str(),
                 numberString(want).c_str(), numberString(std::fabs(got - want)).c_str());
    return false;
  }
  uint64_t first = 0;
  bool isUnsigned = false;
  for (uint64_t i = 0; i < count; ++i) {
    if (integerAt(actual.dtype, actual.data.data(), i, &isUnsigned) !=
        integerAt(expected.dtype, expected.data.data(), i, &isUnsigned)) {
      if (!mismatches)
        first = i;
      ++mismatches;
    }
  }
  if (!mismatches) {
    std::fprintf(out, "%s: ok, %s, exact\n", label.c_str(), shape.c_str());
    return true;
  }
  std::fprintf(
      out, "%s: MISMATCH: %llu of %llu elements differ; first at %s: got %s, expected %s\n",
      label.c_str(), (unsigned long long)mismatches, (unsigned long long)count,
      indexString(first, actual.dims).c_str(),
      integerString(integerAt(actual.dtype, actual.data.data(), first, &isUnsigned), isUnsigned)
          .c_str(),
      integerString(integerAt(expected.dtype, expected.data.data(), first, &isUnsigned), isUnsigned)
          .c_str());
  return false;
}

} // namespace

int runMain(int argc, char **argv, std::FILE *out, std::FILE *err) {
  Console console(argc > 0 ? argv[0] : "llmc-run", out, err);
  Options options;
  bool help = false;
  if (int code = parseOptions(console, argc, argv, &options, &help))
    return code;
  if (help) {
    std::fprintf(out, kRunUsage, console.program().c_str());
    if (console.program() == "llmc-run")
      std::fprintf(out, "\nllmc-run generate|bench|inspect MODEL.llmc ... runs those commands; "
                        "--help after one\nshows its options.\n");
    return kSuccess;
  }

  RunState state;
  if (llmc_status_t status = llmc_model_load_file(options.model.c_str(), nullptr, &state.model))
    return console.failure(status);

  size_t entry = 0;
  if (int code = selectEntryPoint(console, state.model, options.entry, &entry))
    return code;
  llmc_entry_point_info_t entryInfo;
  std::vector<llmc_tensor_signature_t> signatures;
  if (int code = inputSignatures(console, state.model, entry, &entryInfo, &signatures))
    return code;
  std::vector<std::string> files;
  if (int code = assignInputs(console, options.inputs, signatures, entryInfo.name, &files))
    return code;
  std::vector<HostTensor> inputs;
  if (int code = readInputs(console, files, signatures, &inputs))
    return code;
  if (int code = copyInputs(console, inputs, &state.inputs))
    return code;

  llmc_run_options_t runOptions;
  llmc_run_options_initialize(&runOptions);
  runOptions.thread_count = size_t(options.threads);
  state.outputs.assign(entryInfo.output_count, nullptr);
  if (llmc_status_t status =
          llmc_model_run(state.model, entry, state.inputs.data(), state.inputs.size(), &runOptions,
                         state.outputs.data(), state.outputs.size()))
    return console.failure(status);

  if (!options.outputDir.empty()) {
    std::string error;
    if (!makeDirectories(options.outputDir, &error))
      return console.failure("--output-dir: " + error);
  }
  bool allMatch = true;
  for (size_t k = 0; k < state.outputs.size(); ++k) {
    llmc_tensor_signature_t signature;
    if (llmc_status_t status = llmc_model_entry_point_output(state.model, entry, k, &signature))
      return console.failure(status);
    const llmc_tensor_t *tensor = state.outputs[k];
    HostTensor output;
    output.name = signature.name;
    output.dtype = llmc_tensor_dtype(tensor);
    output.dims.assign(llmc_tensor_dims(tensor),
                       llmc_tensor_dims(tensor) + llmc_tensor_rank(tensor));
    const uint8_t *data = static_cast<const uint8_t *>(llmc_tensor_data(tensor));
    output.data.assign(data, data + llmc_tensor_byte_size(tensor));
    std::string label = "output " + std::to_string(k) +
                        (signature.name[0] ? " '" + std::string(signature.name) + "'" : "");

    if (!options.outputDir.empty()) {
      std::string path = options.outputDir + "/output_" + std::to_string(k) +
                         (options.outputFormat == FileFormat::Npy ? ".npy" : ".pb");
      std::string error;
      if (!tensorfile::writeTensorFile(path, options.outputFormat, output, &error))
        return console.failure(error);
      std::fprintf(out, "%s: %s%s -> %s\n", label.c_str(), llmc_dtype_name(output.dtype),
                   dimsString(output.dims.data(), output.dims.size()).c_str(), path.c_str());
    } else if (options.compareDir.empty()) {
      std::fprintf(out, "%s: %s%s\n", label.c_str(), llmc_dtype_name(output.dtype),
                   dimsString(output.dims.data(), output.dims.size()).c_str());
    }

    if (!options.compareDir.empty()) {
      std::string base = options.compareDir + "/output_" + std::to_string(k);
      std::string path = fileExists(base + ".pb") ? base + ".pb" : base + ".npy";
      if (!fileExists(path))
        return console.failure("--compare: neither " + base + ".pb nor " + base + ".npy exists");
      HostTensor expected;
      std::string error;
      if (!tensorfile::readTensorFile(path, &expected, &error))
        return console.failure(error);
      if (isBfloat16Bits(expected, output.dtype))
        expected.dtype = LLMC_DTYPE_BF16;
      allMatch &= compareOutput(out, label, output, expected, options.rtol, options.atol);
    }
  }
  std::fflush(out);
  if (!allMatch)
    return console.failure("outputs differ from " + options.compareDir);
  return kSuccess;
}

int runMain(int argc, char **argv) { return runMain(argc, argv, stdout, stderr); }

} // namespace llmc::cli
