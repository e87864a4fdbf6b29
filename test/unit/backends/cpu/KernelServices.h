//===- KernelServices.h - llmc_services_t tables for the kernel tests and bench ---===//
//
// An inline table (thread_count 1) and a small persistent thread pool whose parallel_for really
// runs the ranges on its threads: the caller takes the first range, each worker one of the
// others. Workers spin briefly, then yield, while they wait for work.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_UNIT_BACKENDS_CPU_KERNELSERVICES_H
#define LLMC_TEST_UNIT_BACKENDS_CPU_KERNELSERVICES_H

#include "llmc/abi.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace llmc::test {

/// services->allocate for the test tables: aligned memory that lives until the process ends
/// (the runtime frees such buffers after each call; the tests make few calls).
inline void *testAllocate(const llmc_services_t *, int64_t size, int64_t alignment) {
  struct Arena {
    std::mutex mutex;
    std::vector<void *> blocks;
    ~Arena() {
      for (void *block : blocks)
        std::free(block);
    }
  };
  static Arena arena;
  if (alignment < 16)
    alignment = 16;
  size_t bytes = (size_t)(size > 0 ? size : 1);
  void *block =
      std::aligned_alloc((size_t)alignment, (bytes + alignment - 1) / alignment * alignment);
  if (!block)
    std::abort();
  std::lock_guard<std::mutex> lock(arena.mutex);
  arena.blocks.push_back(block);
  return block;
}

/// A services table that runs every parallel_for inline.
inline llmc_services_t inlineServices() {
  llmc_services_t s{};
  s.version = LLMC_SERVICES_VERSION;
  s.size = sizeof(llmc_services_t);
  s.thread_count = 1;
  s.allocate = testAllocate;
  s.parallel_for = [](const llmc_services_t *, int64_t count, int64_t, llmc_parallel_body_t body,
                      void *context) {
    if (count > 0)
      body(context, 0, count);
  };
  return s;
}

/// A services table backed by `threads` threads (the caller and threads - 1 workers).
class KernelPool {
public:
  explicit KernelPool(int threads) : threads_(threads < 1 ? 1 : threads) {
    services_.version = LLMC_SERVICES_VERSION;
    services_.size = sizeof(llmc_services_t);
    services_.thread_count = threads_;
    services_.allocate = testAllocate;
    services_.parallel_for = &KernelPool::parallelFor;
    services_.runtime_state = this;
    for (int i = 1; i < threads_; ++i)
      workers_.emplace_back([this, i] { work(i); });
  }
  ~KernelPool() {
    stop_.store(true);
    generation_.fetch_add(1);
    for (std::thread &t : workers_)
      t.join();
  }
  KernelPool(const KernelPool &) = delete;
  KernelPool &operator=(const KernelPool &) = delete;

  const llmc_services_t *services() const { return &services_; }
  /// Ranges that ran on a worker thread since the pool was made.
  int64_t workerRanges() const { return workerRanges_.load(); }

private:
  static void parallelFor(const llmc_services_t *s, int64_t count, int64_t grain,
                          llmc_parallel_body_t body, void *context) {
    auto *pool = static_cast<KernelPool *>(s->runtime_state);
    if (count <= 0)
      return;
    if (grain < 1)
      grain = 1;
    int64_t ranges = count / grain;
    if (ranges > pool->threads_)
      ranges = pool->threads_;
    if (ranges <= 1 || insideBody()) {
      body(context, 0, count);
      return;
    }
    pool->body_ = body;
    pool->context_ = context;
    pool->count_ = count;
    pool->ranges_ = ranges;
    pool->pending_.store(pool->threads_ - 1);
    pool->generation_.fetch_add(1, std::memory_order_release);
    pool->runRange(0);
    while (pool->pending_.load(std::memory_order_acquire) != 0)
      std::this_thread::yield();
  }

  static bool &insideBody() {
    thread_local bool inside = false;
    return inside;
  }

  void runRange(int64_t index) {
    if (index >= ranges_)
      return;
    insideBody() = true;
    body_(context_, count_ * index / ranges_, count_ * (index + 1) / ranges_);
    insideBody() = false;
  }

  void work(int index) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t now;
      int spins = 0;
      while ((now = generation_.load(std::memory_order_acquire)) == seen) {
        if (++spins > 2000)
          std::this_thread::yield();
      }
      seen = now;
      if (stop_.load())
        return;
      if (index < ranges_)
        workerRanges_.fetch_add(1);
      runRange(index);
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  int threads_;
  llmc_services_t services_{};
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> workerRanges_{0};
  llmc_parallel_body_t body_ = nullptr;
  void *context_ = nullptr;
  int64_t count_ = 0, ranges_ = 0;
};

} // namespace llmc::test

#endif // LLMC_TEST_UNIT_BACKENDS_CPU_KERNELSERVICES_H
