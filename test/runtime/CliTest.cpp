//===- CliTest.cpp - llmc-run and llmc inspect, in process --------------------===//
#include "runtime/cli/Cli.h"
#include "runtime/tools/TensorFile.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <cstring>

namespace llmc::test {
namespace {

using namespace llmc::tensorfile;

struct Result {
  int exitCode;
  std::string out, err;
};

std::string slurp(std::FILE *file) {
  std::string text;
  std::rewind(file);
  char buffer[4096];
  size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    text.append(buffer, read);
  std::fclose(file);
  return text;
}

Result invoke(int (*command)(int, char **, std::FILE *, std::FILE *),
              std::vector<std::string> arguments) {
  std::vector<char *> argv;
  for (std::string &argument : arguments)
    argv.push_back(&argument[0]);
  argv.push_back(nullptr);
  std::FILE *out = std::tmpfile(), *err = std::tmpfile();
  int code = command(int(arguments.size()), argv.data(), out, err);
  return Result{code, slurp(out), slurp(err)};
}

Result llmcRun(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "llmc-run");
  return invoke(llmc::cli::runMain, arguments);
}

Result llmcInspect(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "llmc inspect");
  return invoke(llmc::cli::inspectMain, arguments);
}

const std::string kTestAdd = std::string(LLMC_ONNX_NODE_TESTS) + "/test_add/test_data_set_0";

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    model_ = dir_.file("kernels.llmc");
    std::string error;
    ASSERT_TRUE(artifact::writeArtifact(kernelModel(), model_, &error)) << error;
  }
  void writeTensor(const std::string &path, llmc_dtype_t dtype, std::vector<int64_t> dims,
                   const void *data, size_t bytes) {
    HostTensor tensor;
    tensor.dtype = dtype;
    tensor.dims = dims;
    tensor.data.assign(static_cast<const uint8_t *>(data),
                       static_cast<const uint8_t *>(data) + bytes);
    FileFormat format;
    ASSERT_TRUE(formatForPath(path, &format));
    std::string error;
    ASSERT_TRUE(writeTensorFile(path, format, tensor, &error)) << error;
  }
  bool haveOnnxTestData() {
    HostTensor tensor;
    std::string error;
    return readTensorFile(kTestAdd + "/input_0.pb", &tensor, &error);
  }

  TempDir dir_;
  std::string model_;
};

TEST_F(CliTest, RunsTheOnnxAddTestAndComparesWithItsOutput) {
  if (!haveOnnxTestData())
    GTEST_SKIP() << "no ONNX test data in " << kTestAdd;
  std::string outputs = dir_.file("out/nested");
  Result result =
      llmcRun({model_, "--entry", "add3d", "--input", kTestAdd + "/input_0.pb", "--input",
               kTestAdd + "/input_1.pb", "--output-dir", outputs, "--compare", kTestAdd});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_NE(result.out.find("output 0 'sum': f32[3, 4, 5] -> " + outputs + "/output_0.npy"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("output 0 'sum': ok, f32[3, 4, 5], max abs error "), std::string::npos)
      << result.out;

  // The .npy written matches the reference within tolerance, and in .pb form the comparison
  // can use it as a reference itself.
  HostTensor written, expected;
  std::string error;
  ASSERT_TRUE(readTensorFile(outputs + "/output_0.npy", &written, &error)) << error;
  ASSERT_TRUE(readTensorFile(kTestAdd + "/output_0.pb", &expected, &error)) << error;
  ASSERT_EQ(written.dims, expected.dims);

  result = llmcRun({model_, "--entry=add3d", "--input", "y=" + kTestAdd + "/input_1.pb", "--input",
                    "x=" + kTestAdd + "/input_0.pb", "--output-dir", outputs, "--output-format",
                    "pb", "--threads", "2"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  HostTensor pb;
  ASSERT_TRUE(readTensorFile(outputs + "/output_0.pb", &pb, &error)) << error;
  EXPECT_EQ(pb.name, "sum");
  EXPECT_EQ(pb.data, written.data);
}

TEST_F(CliTest, ComparisonReportsTheWorstElement) {
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {0, 0, 0, 0, 0, 0};
  writeTensor(dir_.file("a.npy"), LLMC_DTYPE_F32, {2, 3}, a, sizeof(a));
  writeTensor(dir_.file("b.npy"), LLMC_DTYPE_F32, {2, 3}, b, sizeof(b));
  std::string expectedDir = dir_.file("expected");
  std::string error;
  ASSERT_EQ(system(("mkdir -p " + expectedDir).c_str()), 0);
  // add_bias adds {10, 20, 30}; the reference is right except for two elements.
  float good[6] = {11, 22, 33, 14, 25, 36};
  float bad[6] = {11, 22.001f, 33, 14, 25, 40};
  writeTensor(expectedDir + "/output_0.pb", LLMC_DTYPE_F32, {2, 3}, good, sizeof(good));
  Result result = llmcRun({model_, "--entry", "add_bias", "--input", dir_.file("a.npy"), "--input",
                           dir_.file("b.npy"), "--compare", expectedDir});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "output 0 'out': ok, f32[2, 3], max abs error 0 at [0, 0]\n");

  writeTensor(expectedDir + "/output_0.pb", LLMC_DTYPE_F32, {2, 3}, bad, sizeof(bad));
  result = llmcRun({model_, "--entry", "add_bias", "--input", dir_.file("a.npy"), "--input",
                    dir_.file("b.npy"), "--compare", expectedDir});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.out,
            "output 0 'out': MISMATCH: 1 of 6 elements outside atol 1e-05 + rtol 0.001 * "
            "|expected|; worst at [1, 2]: got 36, expected 40 (abs error 4)\n");
  EXPECT_EQ(result.err, "llmc-run: error: outputs differ from " + expectedDir + "\n");

  // A looser tolerance accepts it; the default atol does not cover 22 vs 22.001 alone, but
  // rtol 1e-3 * 22 does.
  result = llmcRun({model_, "--entry", "add_bias", "--input", dir_.file("a.npy"), "--input",
                    dir_.file("b.npy"), "--compare", expectedDir, "--atol", "5"});
  EXPECT_EQ(result.exitCode, 0) << result.out;

  // Shapes must match exactly.
  writeTensor(expectedDir + "/output_0.pb", LLMC_DTYPE_F32, {3, 2}, good, sizeof(good));
  result = llmcRun({model_, "--entry", "add_bias", "--input", dir_.file("a.npy"), "--input",
                    dir_.file("b.npy"), "--compare", expectedDir});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.out, "output 0 'out': MISMATCH: shape [2, 3], expected [3, 2]\n");
}

TEST_F(CliTest, IntegerComparisonIsExact) {
  int64_t x[3] = {1, 2, 3};
  writeTensor(dir_.file("x.npy"), LLMC_DTYPE_I64, {3}, x, sizeof(x));
  std::string expectedDir = dir_.file("expected");
  ASSERT_EQ(system(("mkdir -p " + expectedDir).c_str()), 0);
  int64_t wrong[3] = {2, 3, 5};
  writeTensor(expectedDir + "/output_0.npy", LLMC_DTYPE_I64, {3}, wrong, sizeof(wrong));
  Result result = llmcRun({model_, "--entry", "increment_i64", "--input", dir_.file("x.npy"),
                           "--compare", expectedDir});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.out, "output 0 'y': MISMATCH: 1 of 3 elements differ; first at [2]: got 4, "
                        "expected 5\n");
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  float a[3] = {1, 2, 3};
  writeTensor(dir_.file("a.npy"), LLMC_DTYPE_F32, {1, 3}, a, sizeof(a));
  std::string input = dir_.file("a.npy");
  struct Case {
    std::vector<std::string> arguments;
    int exitCode;
    std::string err;
  };
  const Case cases[] = {
      {{}, 2, "llmc-run: error: no model given (see 'llmc-run --help')\n"},
      {{model_, "--bogus"},
       2,
       "llmc-run: error: unknown option '--bogus' (see 'llmc-run --help')\n"},
      {{model_, "--threads", "many"},
       2,
       "llmc-run: error: --threads is 'many', expected an integer in [0, 4096] (see 'llmc-run "
       "--help')\n"},
      {{model_, "--input"},
       2,
       "llmc-run: error: option '--input' needs a value (see 'llmc-run --help')\n"},
      {{model_, "--output-format", "csv"},
       2,
       "llmc-run: error: --output-format is 'csv', expected npy or pb (see 'llmc-run --help')\n"},
      {{model_, "--rtol", "0.1"},
       2,
       "llmc-run: error: --rtol and --atol need --compare (see 'llmc-run --help')\n"},
      {{model_, "--input", input},
       2,
       "llmc-run: error: the model has several entry points; choose one with --entry (the "
       "model has no entry point 'main' (it has 'add_bias', 'add3d', 'views', 'many_args_odd', "
       "'many_args_even', 'parallel_double', 'positives', 'increment_i64', 'negative_size', "
       "'wrong_static_size')) (see 'llmc-run --help')\n"},
      {{model_, "--entry", "add_bias", "--input", input},
       2,
       "llmc-run: error: missing input 'b': entry point 'add_bias' takes 2 inputs ('a', 'b') "
       "(see 'llmc-run --help')\n"},
      {{model_, "--entry", "add_bias", "--input", input, "--input", input, "--input", input},
       2,
       "llmc-run: error: too many inputs: entry point 'add_bias' takes 2 inputs ('a', 'b') (see "
       "'llmc-run --help')\n"},
      {{model_, "--entry", "add_bias", "--input", "a=" + input, "--input", "a=" + input},
       2,
       "llmc-run: error: input 'a' is given twice (see 'llmc-run --help')\n"},
      {{model_, "--entry", "add_bias", "--input", "c=" + input},
       2,
       "llmc-run: error: --input 'c=" + input +
           "': no input is named 'c'; entry point 'add_bias' takes 2 inputs ('a', 'b') (see "
           "'llmc-run --help')\n"},
      {{model_, "--entry", "add_bias", "--input", input, "--input", dir_.file("none.npy")},
       1,
       "llmc-run: error: " + dir_.file("none.npy") + ": cannot open: No such file or directory\n"},
      {{dir_.file("none.llmc")},
       1,
       "llmc-run: error: cannot open '" + dir_.file("none.llmc") +
           "': No such file or directory\n"},
  };
  for (const Case &c : cases) {
    Result result = llmcRun(c.arguments);
    EXPECT_EQ(result.exitCode, c.exitCode) << result.err;
    EXPECT_EQ(result.err, c.err);
  }
  Result help = llmcRun({"--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_EQ(help.out.rfind("usage: llmc-run MODEL.llmc --input [NAME=]FILE ...", 0), 0u);
}

TEST_F(CliTest, RuntimeErrorsExitWithOne) {
  float a[8] = {};
  writeTensor(dir_.file("a.npy"), LLMC_DTYPE_F32, {2, 4}, a, sizeof(a));
  Result result = llmcRun({model_, "--entry", "add_bias", "--input", dir_.file("a.npy"), "--input",
                           dir_.file("a.npy")});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.err, "llmc-run: error: entry point 'add_bias': input 'a' dim 1 is 4, "
                        "expected 3\n");

  std::vector<uint8_t> bytes = readBytes(model_);
  bytes[bytes.size() / 2] ^= 1;
  writeBytes(model_, bytes);
  result = llmcRun({model_, "--entry", "add_bias"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.err.rfind("llmc-run: error: " + model_ + ": checksum mismatch", 0), 0u)
      << result.err;
}

TEST_F(CliTest, Bfloat16InputsComeFromFloat32Files) {
  artifact::ModelSpec spec = addBiasModel(); // only to reuse the code object
  // No kernel takes bf16; the conversion is checked through the input validation message,
  // which names the converted dtype when the shape is wrong.
  spec.entryPoints[0].inputs[0].dtype = artifact::DType::BF16;
  std::string path = dir_.file("bf16.llmc");
  std::string error;
  ASSERT_TRUE(artifact::writeArtifact(spec, path, &error)) << error;
  float a[4] = {1, 2, 3, 4};
  writeTensor(dir_.file("a.npy"), LLMC_DTYPE_F32, {1, 4}, a, sizeof(a));
  Result result = llmcRun({path, "--input", dir_.file("a.npy"), "--input", dir_.file("a.npy")});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.err, "llmc-run: error: entry point 'add_bias': input 'a' dim 1 is 4, "
                        "expected 3\n");
}

TEST_F(CliTest, InspectPrintsTheArtifact) {
  Result result = llmcInspect({model_});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  std::string size = std::to_string(readBytes(model_).size());
  const char *expectedLines[] = {
      "format version: 1\n",
      "model: test-kernels\n",
      "producer: llmc-runtime-tests\n",
      "cpu: generic\n",
      "features: +sse2\n",
      "runs on this machine: yes\n",
      "entry points: 10\n",
      ("  add_bias: symbol add_bias in code object 0, scratch 4096 bytes (4.0 KiB) (aligned to "
       "64)\n"),
      "    input 0 a: f32[N, 3]\n",
      "    input 1 b: f32[N, 3]\n",
      "    output 0 out: f32[N, 3]\n",
      "    constants: 1 (0)\n",
      "    output 2 total: f32[]\n",
      "    input 0 x: f32[?]\n",
      "    output 1 threads: i64[]\n",
      "constants: 4, 24 bytes\n",
      "code objects: 1\n",
  };
  for (const char *line : expectedLines)
    EXPECT_NE(result.out.find(line), std::string::npos) << line << "\nin:\n" << result.out;
  EXPECT_EQ(result.out.rfind("file: " + model_ + ", " + size + " bytes", 0), 0u) << result.out;
  EXPECT_NE(result.out.find("target: " + hostTriple() + "\n"), std::string::npos);
  EXPECT_NE(result.out.find("  0: elf-shared-object for " + hostTriple() + ", "),
            std::string::npos);

  result = llmcInspect({model_, "--constants"});
  EXPECT_NE(result.out.find("  0 bias: f32[3], 12 bytes at offset "), std::string::npos)
      << result.out;

  // Artifacts for other machines can be inspected.
  artifact::ModelSpec spec = addBiasModel();
  spec.triple = otherTriple();
  spec.codeObjects[0] = artifact::CodeObjectSpec{"elf-shared-object", spec.triple, otherKernels()};
  std::string path = dir_.file("other.llmc");
  std::string error;
  ASSERT_TRUE(artifact::writeArtifact(spec, path, &error)) << error;
  result = llmcInspect({path});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_NE(result.out.find("runs on this machine: no, artifact targets " + otherTriple() +
                            ", but this machine is "),
            std::string::npos)
      << result.out;

  result = llmcInspect({});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_EQ(result.err, "llmc inspect: error: no model given (see 'llmc inspect --help')\n");
  std::vector<uint8_t> bytes = readBytes(model_);
  bytes.resize(100);
  writeBytes(path, bytes);
  result = llmcInspect({path});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.err, "llmc inspect: error: " + path + ": the header says the file is " + size +
                            " bytes, but it is 100 bytes (truncated)\n");
}

} // namespace
} // namespace llmc::test
