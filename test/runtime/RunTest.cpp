//===- RunTest.cpp - Loading real code objects and calling their entry points -===//
#include "runtime/src/CallTrampoline.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>

namespace llmc::test {
namespace {

using namespace llmc::artifact;

class RunTest : public ::testing::Test {
protected:
  void SetUp() override {
    bytes_ = serialize(kernelModel());
    path_ = dir_.file("kernels.llmc");
    writeBytes(path_, bytes_);
    ASSERT_EQ(consume(llmc_model_load_file(path_.c_str(), nullptr, &handle_.model)), "");
  }

  size_t entry(const char *name) {
    size_t index = 0;
    EXPECT_EQ(consume(llmc_model_find_entry_point(handle_.model, name, &index)), "");
    return index;
  }

  /// Runs `name`; returns the status message ("" on success).
  std::string run(const char *name, std::vector<llmc_tensor_t *> inputs,
                  std::vector<llmc_tensor_t *> *outputs,
                  const llmc_run_options_t *options = nullptr) {
    llmc_entry_point_info_t info;
    EXPECT_EQ(consume(llmc_model_entry_point_info(handle_.model, entry(name), &info)), "");
    outputs->assign(info.output_count, nullptr);
    std::string error =
        consume(llmc_model_run(handle_.model, entry(name), inputs.data(), inputs.size(), options,
                               outputs->data(), outputs->size()));
    for (llmc_tensor_t *output : *outputs)
      if (output)
        outputs_.add(output);
    return error;
  }

  TempDir dir_;
  std::string path_;
  std::vector<uint8_t> bytes_;
  ModelHandle handle_;
  Tensors inputs_, outputs_;
};

std::vector<int64_t> dimsOf(const llmc_tensor_t *tensor) {
  return std::vector<int64_t>(llmc_tensor_dims(tensor),
                              llmc_tensor_dims(tensor) + llmc_tensor_rank(tensor));
}

TEST_F(RunTest, AddWithConstantAndSymbolicDims) {
  llmc_tensor_t *a = inputs_.add(makeFloatTensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  llmc_tensor_t *b = inputs_.add(makeFloatTensor({2, 3}, {0.5, 0.5, 0.5, -1, -1, -1}));
  std::vector<llmc_tensor_t *> outputs;
  ASSERT_EQ(run("add_bias", {a, b}, &outputs), "");
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(llmc_tensor_dtype(outputs[0]), LLMC_DTYPE_F32);
  EXPECT_EQ(dimsOf(outputs[0]), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(floatValues(outputs[0]),
            (std::vector<float>{11.5, 22.5, 33.5, 13, 24, 35})); // a + b + bias {10, 20, 30}

  // N is symbolic: another batch size runs through the same entry point.
  llmc_tensor_t *a5 = inputs_.add(makeFloatTensor({5, 3}, std::vector<float>(15, 1)));
  llmc_tensor_t *b5 = inputs_.add(makeFloatTensor({5, 3}, std::vector<float>(15, 2)));
  ASSERT_EQ(run("add_bias", {a5, b5}, &outputs), "");
  EXPECT_EQ(dimsOf(outputs[0]), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(floatValues(outputs[0])[14], 33.0f);
}

TEST_F(RunTest, InputValidationNamesTheInputAndDim) {
  llmc_tensor_t *a = inputs_.add(makeFloatTensor({2, 3}, std::vector<float>(6, 1)));
  llmc_tensor_t *wrongDim = inputs_.add(makeFloatTensor({2, 4}, std::vector<float>(8, 1)));
  llmc_tensor_t *otherN = inputs_.add(makeFloatTensor({3, 3}, std::vector<float>(9, 1)));
  llmc_tensor_t *rank1 = inputs_.add(makeFloatTensor({6}, std::vector<float>(6, 1)));
  llmc_tensor_t *ints = nullptr;
  int64_t dims[] = {2, 3};
  ASSERT_EQ(consume(llmc_tensor_allocate(LLMC_DTYPE_I32, 2, dims, nullptr, &ints)), "");
  inputs_.add(ints);

  std::vector<llmc_tensor_t *> outputs;
  EXPECT_EQ(run("add_bias", {a, wrongDim}, &outputs),
            "entry point 'add_bias': input 'b' dim 1 is 4, expected 3");
  EXPECT_EQ(outputs[0], nullptr);
  EXPECT_EQ(run("add_bias", {a, otherN}, &outputs),
            "entry point 'add_bias': input 'b' dim 0 is 3, but input 'a' dim 0 set N to 2");
  EXPECT_EQ(run("add_bias", {a, rank1}, &outputs),
            "entry point 'add_bias': input 'b' has rank 1 (dims [6]), expected rank 2 ([?, 3])");
  EXPECT_EQ(run("add_bias", {ints, a}, &outputs),
            "entry point 'add_bias': input 'a' has dtype i32, expected f32");
  EXPECT_EQ(run("add_bias", {a}, &outputs), "entry point 'add_bias' takes 2 inputs, got 1");
  EXPECT_EQ(run("add_bias", {a, nullptr}, &outputs), "entry point 'add_bias': input 'b' is NULL");

  llmc_tensor_t *out[2] = {nullptr, nullptr};
  llmc_tensor_t *in[] = {a, a};
  EXPECT_EQ(consume(llmc_model_run(handle_.model, entry("add_bias"), in, 2, nullptr, out, 2)),
            "entry point 'add_bias' has 1 outputs, but output_count is 2");
  EXPECT_EQ(consume(llmc_model_run(handle_.model, 99, in, 2, nullptr, out, 1)),
            "llmc_model_run: entry point 99 is out of range (the model has 10)");
}

TEST_F(RunTest, StridedAliasingOutputsOfMixedRank) {
  llmc_tensor_t *a = inputs_.add(makeFloatTensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  std::vector<llmc_tensor_t *> outputs;
  ASSERT_EQ(run("views", {a}, &outputs), "");
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_EQ(dimsOf(outputs[0]), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(floatValues(outputs[0]), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(dimsOf(outputs[1]), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(floatValues(outputs[1]), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(llmc_tensor_rank(outputs[2]), 0u);
  EXPECT_EQ(floatValues(outputs[2]), (std::vector<float>{21}));
  // Outputs are copies: they do not alias the input they were views of.
  EXPECT_NE(llmc_tensor_data(outputs[0]), llmc_tensor_data(a));
}

TEST_F(RunTest, ArgumentsPassedOnTheStack) {
  for (int count : {9, 10}) {
    std::vector<llmc_tensor_t *> inputs;
    float expected = 100 * 1 + 200 * 2 + 300 * 3; // constants c0..c2 = 1, 2, 3
    for (int i = 0; i < count; ++i) {
      inputs.push_back(inputs_.add(makeFloatTensor({}, {float(i + 1)})));
      expected += float((i + 1) * (i + 1));
    }
    std::vector<llmc_tensor_t *> outputs;
    ASSERT_EQ(run(count == 9 ? "many_args_odd" : "many_args_even", inputs, &outputs), "");
    EXPECT_EQ(floatValues(outputs[0]), (std::vector<float>{expected})) << count;
  }
}

int64_t threadCountOf(const llmc_tensor_t *tensor) {
  int64_t value;
  std::memcpy(&value, llmc_tensor_data(tensor), 8);
  return value;
}

TEST_F(RunTest, ServicesParallelFor) {
  std::vector<float> values(5000);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = float(i);
  llmc_tensor_t *x = inputs_.add(makeFloatTensor({5000}, values));
  for (size_t threads : {size_t(1), size_t(3), size_t(0)}) {
    llmc_run_options_t options;
    llmc_run_options_initialize(&options);
    options.thread_count = threads;
    std::vector<llmc_tensor_t *> outputs;
    ASSERT_EQ(run("parallel_double", {x}, &outputs, &options), "");
    std::vector<float> y = floatValues(outputs[0]);
    ASSERT_EQ(y.size(), values.size());
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_EQ(y[i], 2 * values[i]) << i;
    EXPECT_EQ(llmc_tensor_dtype(outputs[1]), LLMC_DTYPE_I64);
    if (threads)
      EXPECT_EQ(threadCountOf(outputs[1]), int64_t(threads));
    else
      EXPECT_GE(threadCountOf(outputs[1]), 1);
  }

  // A shared executor, used by several threads running the model at once.
  llmc_executor_t *executor = nullptr;
  ASSERT_EQ(consume(llmc_executor_create(4, &executor)), "");
  EXPECT_EQ(llmc_executor_thread_count(executor), 4u);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int iteration = 0; iteration < 25; ++iteration) {
        llmc_run_options_t options;
        llmc_run_options_initialize(&options);
        options.executor = executor;
        llmc_tensor_t *input[] = {x};
        llmc_tensor_t *output[2] = {nullptr, nullptr};
        llmc_status_t status =
            llmc_model_run(handle_.model, entry("parallel_double"), input, 1, &options, output, 2);
        if (status || floatValues(output[0])[4999] != 9998.0f || threadCountOf(output[1]) != 4)
          ++failures;
        llmc_status_free(status);
        llmc_tensor_release(output[0]);
        llmc_tensor_release(output[1]);
      }
    });
  }
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  llmc_executor_release(executor);
}

TEST_F(RunTest, ConcurrentCallsShareOneModel) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int iteration = 0; iteration < 200; ++iteration) {
        float value = float(t * 1000 + iteration);
        llmc_tensor_t *a = makeFloatTensor({1, 3}, {value, value, value});
        llmc_tensor_t *b = makeFloatTensor({1, 3}, {0, 0, 0});
        llmc_tensor_t *in[] = {a, b};
        llmc_tensor_t *out = nullptr;
        llmc_status_t status =
            llmc_model_run(handle_.model, entry("add_bias"), in, 2, nullptr, &out, 1);
        if (status || floatValues(out) != std::vector<float>{value + 10, value + 20, value + 30})
          ++failures;
        llmc_status_free(status);
        llmc_tensor_release(out);
        llmc_tensor_release(a);
        llmc_tensor_release(b);
      }
    });
  }
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(RunTest, DataDependentOutputDims) {
  llmc_tensor_t *x = inputs_.add(makeFloatTensor({6}, {1, -2, 3, 0, -5, 6}));
  std::vector<llmc_tensor_t *> outputs;
  ASSERT_EQ(run("positives", {x}, &outputs), "");
  EXPECT_EQ(dimsOf(outputs[0]), (std::vector<int64_t>{3}));
  EXPECT_EQ(floatValues(outputs[0]), (std::vector<float>{1, 3, 6}));

  llmc_tensor_t *none = inputs_.add(makeFloatTensor({2}, {-1, -1}));
  ASSERT_EQ(run("positives", {none}, &outputs), "");
  EXPECT_EQ(dimsOf(outputs[0]), (std::vector<int64_t>{0}));
  EXPECT_EQ(llmc_tensor_byte_size(outputs[0]), 0u);

  llmc_tensor_t *empty = inputs_.add(makeFloatTensor({0}, {}));
  ASSERT_EQ(run("positives", {empty}, &outputs), "");
  EXPECT_EQ(dimsOf(outputs[0]), (std::vector<int64_t>{0}));
}

TEST_F(RunTest, IntegerTensorsAndWrappedMemory) {
  int64_t values[] = {-5, 0, 41};
  int64_t dims[] = {3};
  llmc_tensor_t *x = nullptr;
  ASSERT_EQ(consume(llmc_tensor_wrap(LLMC_DTYPE_I64, 1, dims, values, sizeof(values), &x)), "");
  inputs_.add(x);
  EXPECT_EQ(llmc_tensor_data(x), values);
  std::vector<llmc_tensor_t *> outputs;
  ASSERT_EQ(run("increment_i64", {x}, &outputs), "");
  int64_t result[3];
  ASSERT_EQ(llmc_tensor_byte_size(outputs[0]), sizeof(result));
  std::memcpy(result, llmc_tensor_data(outputs[0]), sizeof(result));
  EXPECT_EQ(result[0], -4);
  EXPECT_EQ(result[2], 42);
  EXPECT_EQ(values[0], -5) << "inputs are never written";

  llmc_tensor_t *bad = nullptr;
  EXPECT_EQ(consume(llmc_tensor_wrap(LLMC_DTYPE_I64, 1, dims, values, 16, &bad)),
            "llmc_tensor_wrap: i64[3] needs 24 bytes, but 16 were given");
  int64_t negative[] = {-1};
  EXPECT_EQ(consume(llmc_tensor_allocate(LLMC_DTYPE_F32, 1, negative, nullptr, &bad)),
            "tensor dim 0 is -1; sizes must be >= 0");
  int64_t huge[] = {int64_t(1) << 40, int64_t(1) << 40};
  llmc_status_t status = llmc_tensor_allocate(LLMC_DTYPE_F32, 2, huge, nullptr, &bad);
  EXPECT_EQ(llmc_status_code(status), LLMC_STATUS_RESOURCE_EXHAUSTED);
  EXPECT_EQ(consume(status), "tensor f32[1099511627776, 1099511627776] is too large to represent");
  EXPECT_EQ(bad, nullptr);
}

TEST_F(RunTest, BrokenOutputDescriptorsAreReported) {
  llmc_tensor_t *x = inputs_.add(makeFloatTensor({4}, {1, 2, 3, 4}));
  std::vector<llmc_tensor_t *> outputs;
  EXPECT_EQ(run("negative_size", {x}, &outputs),
            "entry point 'negative_size' returned output 'y' with dim 0 = -3, which is negative");
  EXPECT_EQ(outputs[0], nullptr);
  EXPECT_EQ(run("wrong_static_size", {x}, &outputs),
            "entry point 'wrong_static_size' returned output 'y' with dim 0 = 5, but its "
            "signature says 4");
}

TEST_F(RunTest, CallerAllocatorIsUsed) {
  struct Counting {
    int allocations = 0, frees = 0;
  } counting;
  llmc_run_options_t options;
  llmc_run_options_initialize(&options);
  options.allocator.self = &counting;
  options.allocator.allocate = [](void *self, size_t size, size_t alignment) -> void * {
    static_cast<Counting *>(self)->allocations++;
    void *pointer = nullptr;
    return posix_memalign(&pointer, alignment, size) == 0 ? pointer : nullptr;
  };
  options.allocator.deallocate = [](void *self, void *pointer) {
    static_cast<Counting *>(self)->frees++;
    std::free(pointer);
  };
  llmc_tensor_t *a = inputs_.add(makeFloatTensor({1, 3}, {1, 2, 3}));
  llmc_tensor_t *in[] = {a, a};
  llmc_tensor_t *out = nullptr;
  ASSERT_EQ(consume(llmc_model_run(handle_.model, entry("add_bias"), in, 2, &options, &out, 1)),
            "");
  EXPECT_EQ(counting.allocations, 2) << "scratch and the output";
  EXPECT_EQ(counting.frees, 1) << "scratch";
  llmc_tensor_release(out);
  EXPECT_EQ(counting.frees, 2);

  // An allocator that fails: a status, not a crash.
  options.allocator.allocate = [](void *, size_t, size_t) -> void * { return nullptr; };
  EXPECT_EQ(consume(llmc_model_run(handle_.model, entry("add_bias"), in, 2, &options, &out, 1)),
            "entry point 'add_bias': cannot allocate 4096 bytes of scratch");
  EXPECT_EQ(out, nullptr);
}

TEST(SystemAllocator, AlignsAndReusesFreedBlocks) {
  llmc_allocator_t system = llmc_allocator_system();
  for (size_t alignment : {size_t(1), size_t(8), size_t(64), size_t(4096), size_t(2) << 20})
    for (size_t size : {size_t(0), size_t(1), size_t(100), size_t(1) << 20}) {
      void *pointer = system.allocate(system.self, size, alignment);
      ASSERT_NE(pointer, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(pointer) % alignment, 0u)
          << size << " bytes aligned to " << alignment;
      std::memset(pointer, 0xab, size);
      system.deallocate(system.self, pointer);
    }
  system.deallocate(system.self, nullptr);
  EXPECT_EQ(system.allocate(system.self, SIZE_MAX - 8, 64), nullptr);

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer quarantines freed blocks, so malloc cannot reuse them";
#endif
#endif
  // A run's output, allocated and freed call after call, takes the freed block again: with
  // posix_memalign, glibc grew its heap on most of these calls (by 16 MiB each), and each call
  // faulted in fresh pages. Touching the whole block keeps the check honest.
  constexpr size_t kOutput = (size_t(16) << 20) + 128;
  std::set<void *> blocks;
  for (int call = 0; call < 12; ++call) {
    void *pointer = system.allocate(system.self, kOutput, 64);
    ASSERT_NE(pointer, nullptr);
    std::memset(pointer, call, kOutput);
    blocks.insert(pointer);
    system.deallocate(system.self, pointer);
  }
  EXPECT_LE(blocks.size(), 2u) << "the freed block is reused";
}

TEST_F(RunTest, ModelsLoadedWithoutCodeCannotRun) {
  llmc_model_load_options_t load;
  llmc_model_load_options_initialize(&load);
  load.flags = LLMC_MODEL_LOAD_FLAG_NO_CODE;
  ModelHandle inspectOnly;
  ASSERT_EQ(
      consume(llmc_model_load_memory(bytes_.data(), bytes_.size(), &load, &inspectOnly.model)), "");
  llmc_tensor_t *a = inputs_.add(makeFloatTensor({1, 3}, {1, 2, 3}));
  llmc_tensor_t *in[] = {a, a};
  llmc_tensor_t *out = nullptr;
  llmc_status_t status = llmc_model_run(inspectOnly.model, 0, in, 2, nullptr, &out, 1);
  EXPECT_EQ(llmc_status_code(status), LLMC_STATUS_FAILED_PRECONDITION);
  EXPECT_EQ(consume(status), "entry point 'add_bias' cannot run: the model was loaded without "
                             "its code (LLMC_MODEL_LOAD_FLAG_NO_CODE)");
}

TEST_F(RunTest, ManyModelsLoadAndUnload) {
  // Each load gets its own copy of the code; descriptor numbers are reused across loads
  // without handing back a stale library.
  for (int i = 0; i < 20; ++i) {
    ModelSpec spec = addBiasModel();
    std::vector<float> bias = {float(i), 0, 0};
    std::memcpy(spec.constants[0].bytes.data(), bias.data(), 12);
    std::vector<uint8_t> bytes = serialize(spec);
    ModelHandle handle;
    ASSERT_EQ(consume(llmc_model_load_memory(bytes.data(), bytes.size(), nullptr, &handle.model)),
              "");
    llmc_model_retain(handle.model);
    llmc_model_release(handle.model);
    llmc_tensor_t *a = makeFloatTensor({1, 3}, {0, 0, 0});
    llmc_tensor_t *in[] = {a, a};
    llmc_tensor_t *out = nullptr;
    ASSERT_EQ(consume(llmc_model_run(handle.model, 0, in, 2, nullptr, &out, 1)), "");
    EXPECT_EQ(floatValues(out)[0], float(i));
    llmc_tensor_release(out);
    llmc_tensor_release(a);
  }
}

// The assembly trampoline against the portable one, on a function that checks every argument.
void *observed[40];
int observedCount;

void recordTwelve(void *a0, void *a1, void *a2, void *a3, void *a4, void *a5, void *a6, void *a7,
                  void *a8, void *a9, void *a10, void *a11) {
  void *all[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
  std::memcpy(observed, all, sizeof(all));
  observedCount = 12;
}

void recordThirteen(void *a0, void *a1, void *a2, void *a3, void *a4, void *a5, void *a6, void *a7,
                    void *a8, void *a9, void *a10, void *a11, void *a12) {
  void *all[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12};
  std::memcpy(observed, all, sizeof(all));
  observedCount = 13;
}

void recordTwo(void *a0, void *a1) {
  observed[0] = a0;
  observed[1] = a1;
  observedCount = 2;
}

TEST(CallTrampolineTest, PassesEveryArgumentInOrder) {
  std::vector<void *> args(16);
  for (size_t i = 0; i < args.size(); ++i)
    args[i] = reinterpret_cast<void *>(uintptr_t(0x1000 + i));
  struct Case {
    void *function;
    size_t count;
  };
  const Case cases[] = {{reinterpret_cast<void *>(&recordTwo), 2},
                        {reinterpret_cast<void *>(&recordTwelve), 12},
                        {reinterpret_cast<void *>(&recordThirteen), 13}};
  for (const Case &c : cases) {
    for (bool portable : {false, true}) {
      std::memset(observed, 0, sizeof(observed));
      observedCount = 0;
      if (portable)
        ASSERT_TRUE(
            llmc::runtime::callWithPointerArgumentsPortable(c.function, args.data(), c.count));
      else
        llmc::runtime::callWithPointerArguments(c.function, args.data(), c.count);
      ASSERT_EQ(observedCount, int(c.count));
      for (size_t i = 0; i < c.count; ++i)
        EXPECT_EQ(observed[i], args[i])
            << "argument " << i << " of " << c.count << (portable ? " (portable)" : "");
    }
  }
}

} // namespace
} // namespace llmc::test
