//===- TensorFileTest.cpp - .pb and .npy reading, writing and hostile files ---===//
//
// The fixtures in data/ were written by ONNX's and NumPy's own writers (data/generate.py), so
// the values checked here come from the reference implementations.
//
//===----------------------------------------------------------------------===//
#include "runtime/tools/TensorFile.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

namespace llmc::test {
namespace {

using namespace llmc::tensorfile;

HostTensor readFixture(const std::string &name) {
  HostTensor tensor;
  std::string error;
  EXPECT_TRUE(readTensorFile(std::string(LLMC_TEST_DATA_DIR) + "/" + name, &tensor, &error))
      << error;
  return tensor;
}

std::string readError(const std::string &path) {
  HostTensor tensor;
  std::string error;
  EXPECT_FALSE(readTensorFile(path, &tensor, &error)) << path;
  return error;
}

template <typename T> std::vector<T> valuesOf(const HostTensor &tensor) {
  EXPECT_EQ(tensor.data.size() % sizeof(T), 0u);
  std::vector<T> values(tensor.data.size() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), tensor.data.data(), tensor.data.size());
  return values;
}

using Dims = std::vector<int64_t>;

TEST(OnnxTensorTest, TypedFieldsFromOnnxHelper) {
  HostTensor t = readFixture("float_data.pb");
  EXPECT_EQ(t.name, "f");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_F32);
  EXPECT_EQ(t.dims, (Dims{2, 3}));
  EXPECT_EQ(valuesOf<float>(t), (std::vector<float>{1, 2, 3, 4, 5, 6.5}));

  t = readFixture("int64_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_I64);
  EXPECT_EQ(valuesOf<int64_t>(t), (std::vector<int64_t>{-1, 0, int64_t(1) << 40}));

  t = readFixture("int8_in_int32_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_I8);
  EXPECT_EQ(valuesOf<int8_t>(t), (std::vector<int8_t>{-128, 0, 127}));

  t = readFixture("bool_in_int32_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_BOOL);
  EXPECT_EQ(t.dims, (Dims{2, 2}));
  EXPECT_EQ(valuesOf<uint8_t>(t), (std::vector<uint8_t>{1, 0, 1, 1}));

  t = readFixture("float16_in_int32_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_F16);
  std::vector<uint16_t> halves = valuesOf<uint16_t>(t);
  ASSERT_EQ(halves.size(), 3u);
  EXPECT_EQ(halfToFloat(halves[0]), 1.0f);
  EXPECT_EQ(halfToFloat(halves[1]), -2.5f);
  EXPECT_EQ(halfToFloat(halves[2]), 65504.0f);

  t = readFixture("bfloat16_in_int32_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_BF16);
  std::vector<uint16_t> bf = valuesOf<uint16_t>(t);
  ASSERT_EQ(bf.size(), 2u);
  EXPECT_EQ(bfloat16ToFloat(bf[0]), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(bf[1]), -3.0f);

  t = readFixture("double_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_F64);
  EXPECT_EQ(valuesOf<double>(t), (std::vector<double>{0.1, -1e300}));

  t = readFixture("uint64_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_U64);
  EXPECT_EQ(valuesOf<uint64_t>(t), (std::vector<uint64_t>{0, (uint64_t(1) << 63) + 5}));

  t = readFixture("uint32_in_uint64_data.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_U32);
  EXPECT_EQ(valuesOf<uint32_t>(t), (std::vector<uint32_t>{7, 4000000000u}));
}

TEST(OnnxTensorTest, RawDataFromNumpyHelper) {
  HostTensor t = readFixture("scalar_raw.pb");
  EXPECT_EQ(t.dims, Dims{});
  EXPECT_EQ(valuesOf<float>(t), (std::vector<float>{3.25f}));
  t = readFixture("uint16_raw.pb");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_U16);
  EXPECT_EQ(t.dims, (Dims{1, 2}));
  EXPECT_EQ(valuesOf<uint16_t>(t), (std::vector<uint16_t>{1, 65535}));
}

TEST(OnnxTensorTest, OnnxNodeTestData) {
  std::string path = std::string(LLMC_ONNX_NODE_TESTS) + "/test_add/test_data_set_0/input_0.pb";
  HostTensor t;
  std::string error;
  if (!readTensorFile(path, &t, &error))
    GTEST_SKIP() << "no ONNX test data here: " << error;
  EXPECT_EQ(t.name, "x");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_F32);
  EXPECT_EQ(t.dims, (Dims{3, 4, 5}));
  EXPECT_EQ(t.data.size(), 240u);
}

TEST(OnnxTensorTest, WriteReadRoundTripEveryDType) {
  for (int dtype = 0; dtype < LLMC_DTYPE_COUNT; ++dtype) {
    HostTensor tensor;
    tensor.name = "t" + std::to_string(dtype);
    tensor.dtype = llmc_dtype_t(dtype);
    tensor.dims = {2, 1, 3};
    tensor.data.resize(6 * llmc_dtype_size(tensor.dtype));
    for (size_t i = 0; i < tensor.data.size(); ++i)
      tensor.data[i] = tensor.dtype == LLMC_DTYPE_BOOL ? uint8_t(i & 1) : uint8_t(i * 7 + 1);
    std::vector<uint8_t> bytes;
    serializeOnnxTensor(tensor, &bytes);
    HostTensor back;
    std::string error;
    ASSERT_TRUE(parseOnnxTensor(bytes.data(), bytes.size(), &back, &error)) << error;
    EXPECT_EQ(back.name, tensor.name);
    EXPECT_EQ(back.dtype, tensor.dtype);
    EXPECT_EQ(back.dims, tensor.dims);
    EXPECT_EQ(back.data, tensor.data);
  }
}

std::string parseError(const std::vector<uint8_t> &bytes) {
  HostTensor tensor;
  std::string error;
  EXPECT_FALSE(parseOnnxTensor(bytes.data(), bytes.size(), &tensor, &error));
  return error;
}

TEST(OnnxTensorTest, HostileFilesAreRefused) {
  // Every truncation of a valid file is refused, or (when the cut falls between fields) parses
  // to something that is not the whole tensor.
  std::vector<uint8_t> valid = readBytes(std::string(LLMC_TEST_DATA_DIR) + "/float_data.pb");
  for (size_t length = 0; length < valid.size(); ++length) {
    HostTensor tensor;
    std::string error;
    std::vector<uint8_t> prefix(valid.begin(), valid.begin() + length);
    if (parseOnnxTensor(prefix.data(), prefix.size(), &tensor, &error)) {
      EXPECT_TRUE(tensor.data.size() != 24 || tensor.name != "f") << length;
    }
  }
  // data_type = FLOAT, raw_data declares 2^62 bytes.
  EXPECT_EQ(parseError({0x10, 0x01, 0x4a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40}),
            "field 9 at byte 2: length 4611686018427387904 exceeds the 0 bytes left in the file");
  // dims [2^62, 2^62]: the element count overflows.
  EXPECT_EQ(parseError({0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x08,
                        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x10, 0x01}),
            "the dims overflow a 64-bit element count");
  // dims [1000000000] with 4 bytes of raw data: no gigabyte is allocated.
  EXPECT_EQ(parseError({0x08, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0x10, 0x01, 0x4a, 0x04, 0, 0, 0, 0}),
            "raw_data has 4 bytes, but f32[1000000000] needs 4000000000");
  // float_data with too few values.
  EXPECT_EQ(parseError({0x08, 0x03, 0x10, 0x01, 0x22, 0x04, 0, 0, 0x80, 0x3f}),
            "float_data has 1 values, but f32[3] needs 3");
  // An 11-byte varint.
  EXPECT_EQ(parseError({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
            "field 1 at byte 0: truncated or overlong varint");
  EXPECT_EQ(parseError({0x08, 0x02}), "the tensor has no data_type");
  EXPECT_EQ(parseError({0x10, 0x08}), "data_type 8 (STRING) is not supported");
  EXPECT_EQ(parseError({0x10, 0x0e}), "data_type 14 (COMPLEX64) is not supported");
  EXPECT_EQ(parseError({0x10, 0x01, 0x70, 0x01}),
            "tensors with external data (data_location EXTERNAL) are not supported; save the "
            "tensor with its data inline");
  EXPECT_EQ(parseError({0x10, 0x01, 0x1b}), "field 3 at byte 2: unsupported wire type 3 "
                                            "(protobuf groups)");
  EXPECT_EQ(parseError({0x10, 0x01, 0x25, 0, 0}), "field 4 at byte 2: truncated 32-bit value");
  EXPECT_EQ(parseError({0x10, 0x06, 0x22, 0x04, 0, 0, 0x80, 0x3f}),
            "float_data is set, but data_type INT32 keeps its values in int32_data");
  EXPECT_EQ(parseError({0x10, 0x01, 0x22, 0x03, 0, 0, 0}),
            "packed float_data has 3 bytes, not a multiple of 4");
  EXPECT_EQ(parseError({0x10, 0x01, 0x4a, 0x00, 0x25, 0, 0, 0x80, 0x3f}),
            "both raw_data and float_data are set");
  EXPECT_EQ(parseError({0x00}), "invalid field number 0 at byte 0");
  EXPECT_EQ(
      parseError({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0x01}),
      "dims[0] is -1");
  std::vector<uint8_t> deep = {0x10, 0x01};
  for (int i = 0; i < 17; ++i)
    deep.insert(deep.end(), {0x08, 0x01});
  EXPECT_EQ(parseError(deep), "the tensor has more than 16 dims, the most llmc supports");
}

TEST(NpyTest, ReadsWhatNumpyWrites) {
  HostTensor t = readFixture("f32_2x3.npy");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_F32);
  EXPECT_EQ(t.dims, (Dims{2, 3}));
  EXPECT_EQ(valuesOf<float>(t), (std::vector<float>{0, 0.25, 0.5, 0.75, 1, 1.25}));
  t = readFixture("bool_3.npy");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_BOOL);
  EXPECT_EQ(valuesOf<uint8_t>(t), (std::vector<uint8_t>{1, 0, 1}));
  t = readFixture("i8_scalar.npy");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_I8);
  EXPECT_EQ(t.dims, Dims{});
  EXPECT_EQ(valuesOf<int8_t>(t), (std::vector<int8_t>{-7}));
  t = readFixture("f16_2.npy");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_F16);
  EXPECT_EQ(halfToFloat(valuesOf<uint16_t>(t)[1]), -1.0f);
  t = readFixture("u64_2.npy");
  EXPECT_EQ(valuesOf<uint64_t>(t), (std::vector<uint64_t>{1, ~uint64_t(0)}));
  t = readFixture("v2_header.npy");
  EXPECT_EQ(t.dtype, LLMC_DTYPE_I32);
  EXPECT_EQ(t.dims, (Dims{1, 3}));
  EXPECT_EQ(valuesOf<int32_t>(t), (std::vector<int32_t>{1, 2, 3}));
}

TEST(NpyTest, RefusesWhatItCannotRepresent) {
  std::string dir = LLMC_TEST_DATA_DIR;
  EXPECT_EQ(readError(dir + "/fortran.npy"),
            dir + "/fortran.npy: Fortran-order arrays are not supported; save a C-order array "
                  "(numpy.ascontiguousarray)");
  EXPECT_EQ(readError(dir + "/big_endian.npy"),
            dir + "/big_endian.npy: big-endian dtype '>i4' is not supported");
  EXPECT_EQ(readError(dir + "/structured.npy"),
            dir + "/structured.npy: structured dtypes are not supported");
  EXPECT_EQ(readError(dir + "/missing.npy").rfind(dir + "/missing.npy: cannot open: ", 0), 0u);
  EXPECT_EQ(readError(dir + "/generate.py"),
            dir + "/generate.py: unknown tensor file extension (expected .pb or .npy)");
}

TEST(NpyTest, HostileFilesAreRefused) {
  std::vector<uint8_t> valid = readBytes(std::string(LLMC_TEST_DATA_DIR) + "/f32_2x3.npy");
  for (size_t length = 0; length < valid.size(); ++length) {
    HostTensor tensor;
    std::string error;
    ASSERT_FALSE(parseNpy(valid.data(), length, &tensor, &error)) << length;
    ASSERT_NE(error, "");
  }
  auto npy = [](const std::string &header, size_t dataBytes) {
    std::vector<uint8_t> bytes = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(header.size()), uint8_t(header.size() >> 8)};
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.resize(bytes.size() + dataBytes);
    return bytes;
  };
  auto error = [](const std::vector<uint8_t> &bytes) {
    HostTensor tensor;
    std::string message;
    EXPECT_FALSE(parseNpy(bytes.data(), bytes.size(), &tensor, &message));
    return message;
  };
  EXPECT_EQ(
      error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }", 16)),
      "truncated: <f4 with 1000000000000 elements needs 4000000000000 bytes of data, the "
      "file has 16");
  EXPECT_EQ(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(4611686018427387904, 8), }",
                      0)),
            "the shape overflows a 64-bit element count");
  EXPECT_EQ(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(99999999999999999999,), }",
                      0)),
            "a 'shape' entry overflows 64 bits");
  EXPECT_EQ(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12)),
            "the file has 4 bytes after the data");
  EXPECT_EQ(error(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16)),
            "unsupported dtype '<c8' (llmc reads f2, f4, f8, i1-i8, u1-u8 and b1)");
  EXPECT_EQ(error(npy("{'descr': '<f4', 'shape': (2,), }", 8)), "the header lacks 'fortran_order'");
  EXPECT_EQ(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8)),
            "unknown key 'x' in the header");
  EXPECT_EQ(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8)),
            "'shape' holds something other than non-negative integers");
  std::vector<uint8_t> longHeader = npy("{", 0);
  longHeader[8] = 0xff;
  longHeader[9] = 0xff;
  EXPECT_EQ(error(longHeader), "the header length 65535 exceeds the 1 bytes left in the file");
  std::vector<uint8_t> version9 = npy("{}", 0);
  version9[6] = 9;
  EXPECT_EQ(error(version9), "unsupported .npy format version 9.0");
}

TEST(NpyTest, WriteReadRoundTrip) {
  for (int dtype = 0; dtype < LLMC_DTYPE_COUNT; ++dtype) {
    for (Dims dims : {Dims{}, Dims{4}, Dims{2, 3}, Dims{0, 5}}) {
      HostTensor tensor;
      tensor.dtype = llmc_dtype_t(dtype);
      tensor.dims = dims;
      tensor.data.resize(tensor.elementCount() * llmc_dtype_size(tensor.dtype));
      for (size_t i = 0; i < tensor.data.size(); ++i)
        tensor.data[i] = tensor.dtype == LLMC_DTYPE_BOOL ? uint8_t(i % 2) : uint8_t(i + 1);
      std::vector<uint8_t> bytes;
      serializeNpy(tensor, &bytes);
      EXPECT_EQ((bytes.size() - tensor.data.size() * (dtype == LLMC_DTYPE_BF16 ? 2 : 1)) % 64, 0u)
          << "the data starts 64-byte aligned";
      HostTensor back;
      std::string error;
      ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), &back, &error)) << error;
      EXPECT_EQ(back.dims, tensor.dims);
      if (tensor.dtype == LLMC_DTYPE_BF16) {
        // Written as float32, exactly.
        EXPECT_EQ(back.dtype, LLMC_DTYPE_F32);
        std::vector<float> widened = valuesOf<float>(back);
        std::vector<uint16_t> original = valuesOf<uint16_t>(tensor);
        ASSERT_EQ(widened.size(), original.size());
        for (size_t i = 0; i < original.size(); ++i)
          EXPECT_EQ(floatToBfloat16(widened[i]), original[i]);
      } else {
        EXPECT_EQ(back.dtype, tensor.dtype);
        EXPECT_EQ(back.data, tensor.data);
      }
    }
  }
}

TEST(TensorFileTest, RandomMutationsNeverCrash) {
  // Set LLMC_MUTATION_ITERATIONS for a longer run under a sanitizer.
  const char *env = std::getenv("LLMC_MUTATION_ITERATIONS");
  int iterations = env ? std::atoi(env) : 2000;
  std::mt19937_64 random(7);
  const char *fixtures[] = {"float_data.pb",  "int64_data.pb",  "bool_in_int32_data.pb",
                            "double_data.pb", "uint64_data.pb", "scalar_raw.pb",
                            "f32_2x3.npy",    "v2_header.npy",  "u64_2.npy"};
  for (const char *fixture : fixtures) {
    std::vector<uint8_t> valid = readBytes(std::string(LLMC_TEST_DATA_DIR) + "/" + fixture);
    bool npy = std::string(fixture).find(".npy") != std::string::npos;
    for (int iteration = 0; iteration < iterations; ++iteration) {
      std::vector<uint8_t> bytes = valid;
      int mutations = 1 + int(random() % 3);
      for (int m = 0; m < mutations; ++m) {
        size_t position = random() % bytes.size();
        if (random() % 4 == 0)
          bytes.resize(position); // truncate
        else if (!bytes.empty())
          bytes[position % bytes.size()] = uint8_t(random());
        if (bytes.empty())
          break;
      }
      HostTensor tensor;
      std::string error;
      bool ok = npy ? parseNpy(bytes.data(), bytes.size(), &tensor, &error)
                    : parseOnnxTensor(bytes.data(), bytes.size(), &tensor, &error);
      if (ok) {
        ASSERT_EQ(tensor.data.size(), tensor.elementCount() * llmc_dtype_size(tensor.dtype))
            << fixture;
        ASSERT_LE(tensor.data.size(), bytes.size() * 8) << "no allocation beyond the file";
      } else {
        ASSERT_NE(error, "");
      }
    }
  }
}

TEST(FloatConversionTest, HalfAndBfloat16) {
  EXPECT_EQ(halfToFloat(0x0001), 5.9604644775390625e-08f); // smallest subnormal
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
  EXPECT_TRUE(std::isinf(halfToFloat(0xfc00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_EQ(halfToFloat(0x8000), -0.0f);
  EXPECT_EQ(floatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(floatToBfloat16(1.00390625f), 0x3f80) << "ties round to even";
  EXPECT_EQ(floatToBfloat16(1.01171875f), 0x3f82);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBfloat16(NAN))));
}

} // namespace
} // namespace llmc::test
