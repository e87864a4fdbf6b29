//===- Executor.cpp - A small pthread pool for parallel loops ----------------===//
//
// One loop runs at a time per executor. Its chunks are claimed with an atomic counter by the
// caller and by every worker that wakes in time; the loop's description lives on the caller's
// stack, and the caller returns only after the loop is closed to late workers and every
// worker that joined has left it.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/Executor.h"
#include "runtime/src/Allocator.h"
#include "runtime/src/Status.h"

#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <new>
#include <pthread.h>
#include <unistd.h>
#include <vector>

namespace {

/// Set while a thread runs a loop body, so that nested loops run inline instead of waiting on
/// the pool they are part of.
thread_local bool insideParallelBody = false;

struct Loop {
  llmc_parallel_body_t body;
  void *context;
  int64_t count;
  int64_t chunkSize;
  int64_t chunkCount;
  std::atomic<int64_t> nextChunk{0};

  void runChunks() {
    bool wasInside = insideParallelBody;
    insideParallelBody = true;
    for (;;) {
      int64_t chunk = nextChunk.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= chunkCount)
        break;
      int64_t begin = chunk * chunkSize;
      body(context, begin, begin + std::min(chunkSize, count - begin));
    }
    insideParallelBody = wasInside;
  }
};

/// A short pause in a spin loop.
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// How long an idle worker keeps polling for the next loop before it sleeps. Decode steps of
/// language models run a parallel loop every few microseconds; waking a sleeping thread costs
/// more than that, so workers stay awake across such bursts and sleep only when work stops.
constexpr auto kSpinTime = std::chrono::microseconds(200);

} // namespace

struct llmc_executor_t {
  size_t threadCount = 1; // including the calling thread
  // Buffers that generated code allocated in earlier calls on this executor, kept so that a
  // model run again and again (a benchmark, a server, a decode loop) reuses them instead of
  // asking the system for fresh pages (and faulting them in) on every call.
  std::mutex cacheMutex;
  std::vector<llmc::runtime::ServicesState::Allocation> cache;
  size_t cachedBytes = 0;
  std::vector<pthread_t> workers;
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
  pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER; // held by the thread running a loop
  // The open loop. A worker announces itself in `active` before it reads `loop`, and the
  // caller clears `loop` before it waits for `active` to drain (both sequentially consistent),
  // so a worker either sees the loop while the caller still waits for it, or sees null.
  std::atomic<Loop *> loop{nullptr};
  std::atomic<uint64_t> generation{0}; // bumped for each loop
  std::atomic<size_t> active{0};       // workers inside a loop
  std::atomic<size_t> sleepers{0};     // workers waiting on `wake`, guarded by mutex to change
  std::atomic<bool> stopping{false};

  /// Waits until the generation differs from `seen` (or stopping); spins first, then sleeps.
  void waitForWork(uint64_t seen) {
    auto deadline = std::chrono::steady_clock::now() + kSpinTime;
    for (unsigned spins = 0;; ++spins) {
      if (generation.load(std::memory_order_acquire) != seen || stopping.load())
        return;
      cpuRelax();
      if ((spins & 255) == 255 && std::chrono::steady_clock::now() > deadline)
        break;
    }
    pthread_mutex_lock(&mutex);
    sleepers.fetch_add(1);
    while (!stopping.load() && generation.load() == seen)
      pthread_cond_wait(&wake, &mutex);
    sleepers.fetch_sub(1);
    pthread_mutex_unlock(&mutex);
  }

  void workerMain() {
    uint64_t seen = 0;
    for (;;) {
      waitForWork(seen);
      if (stopping.load())
        break;
      seen = generation.load();
      active.fetch_add(1);
      if (Loop *current = loop.load())
        current->runChunks();
      active.fetch_sub(1);
    }
  }
  static void *workerEntry(void *self) {
    static_cast<llmc_executor_t *>(self)->workerMain();
    return nullptr;
  }
  void stop() {
    pthread_mutex_lock(&mutex);
    stopping.store(true);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mutex);
    for (pthread_t worker : workers)
      pthread_join(worker, nullptr);
    workers.clear();
  }
  void parallelFor(int64_t count, int64_t grainSize, llmc_parallel_body_t body, void *context) {
    if (count <= 0)
      return;
    grainSize = std::max<int64_t>(grainSize, 1);
    if (workers.empty() || insideParallelBody || count <= grainSize ||
        pthread_mutex_trylock(&submit) != 0) {
      body(context, 0, count);
      return;
    }
    // A few chunks per thread balance uneven bodies without making chunks tiny.
    int64_t chunks = int64_t(threadCount) * 4;
    Loop current;
    current.body = body;
    current.context = context;
    current.count = count;
    current.chunkSize = std::max(grainSize, count / chunks + (count % chunks != 0));
    current.chunkCount = count / current.chunkSize + (count % current.chunkSize != 0);
    loop.store(&current);
    generation.fetch_add(1);
    if (sleepers.load() > 0) {
      pthread_mutex_lock(&mutex);
      pthread_cond_broadcast(&wake);
      pthread_mutex_unlock(&mutex);
    }
    current.runChunks();
    loop.store(nullptr); // late workers must not join a loop whose description is going away
    while (active.load() != 0)
      cpuRelax();
    pthread_mutex_unlock(&submit);
  }
};

namespace llmc::runtime {

size_t onlineCpuCount() {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? size_t(cpus) : 1;
}

namespace {

void servicesParallelFor(const llmc_services_t *services, int64_t count, int64_t grainSize,
                         llmc_parallel_body_t body, void *context) {
  if (count <= 0 || !body)
    return;
  auto *state = static_cast<ServicesState *>(services->runtime_state);
  if (!state->executor && state->threadCount > 1 && !insideParallelBody) {
    llmc_status_t status = llmc_executor_create(state->threadCount, &state->executor);
    if (status) {
      // Parallelism is an optimization: without threads the loop still runs, on this thread.
      llmc_status_free(status);
      state->threadCount = 1;
    } else {
      state->ownsExecutor = true;
    }
  }
  if (!state->executor) {
    body(context, 0, count);
    return;
  }
  state->executor->parallelFor(count, grainSize, body, context);
}

/// The most bytes and buffers an executor's cache keeps.
constexpr size_t kCacheBytes = size_t(256) << 20;
constexpr size_t kCacheBuffers = 256;

/// A cached buffer of at least `size` bytes (and at most twice that, so that a small request
/// does not pin a large buffer) aligned to `alignment`, taken out of the cache; null if none.
void *takeCached(llmc_executor_t *executor, size_t size, size_t alignment) {
  std::lock_guard<std::mutex> lock(executor->cacheMutex);
  auto &cache = executor->cache;
  size_t best = cache.size();
  for (size_t i = 0; i < cache.size(); ++i)
    if (cache[i].size >= size && cache[i].size / 2 <= size && cache[i].alignment >= alignment &&
        (best == cache.size() || cache[i].size < cache[best].size))
      best = i;
  if (best == cache.size())
    return nullptr;
  void *memory = cache[best].memory;
  executor->cachedBytes -= cache[best].size;
  cache[best] = cache.back();
  cache.pop_back();
  return memory;
}

void *servicesAllocate(const llmc_services_t *services, int64_t size, int64_t alignment) {
  auto *state = static_cast<ServicesState *>(services->runtime_state);
  if (alignment < int64_t(sizeof(void *)) || (alignment & (alignment - 1)) != 0)
    alignment = 64;
  void *memory =
      size < 0 ? nullptr : takeBuffer(state->bufferCache, size_t(size), size_t(alignment));
  if (!memory) {
    // Generated code cannot handle a failure: abandon the call (see llmc_model_run).
    if (state->abandon)
      std::longjmp(*state->abandon, 1);
    std::abort();
  }
  std::lock_guard<std::mutex> lock(state->allocationsMutex);
  state->allocations.push_back({memory, size_t(size > 0 ? size : 1), size_t(alignment)});
  return memory;
}

void servicesFail(const llmc_services_t *services, const char *message) {
  auto *state = static_cast<ServicesState *>(services->runtime_state);
  // The message lives in the verified code object; bound it all the same.
  constexpr size_t kMaxMessage = 1024;
  state->failure = message ? std::string(message, strnlen(message, kMaxMessage)) : "";
  if (state->failure.empty())
    state->failure = "a run-time check of the model failed";
  if (state->abandon)
    std::longjmp(*state->abandon, 1);
  std::abort();
}

} // namespace

void *takeBuffer(llmc_executor_t *executor, size_t size, size_t alignment) {
  if (size == 0)
    size = 1;
  if (executor)
    if (void *memory = takeCached(executor, size, alignment))
      return memory;
  return alignedAllocate(size, alignment);
}

void returnBuffer(llmc_executor_t *executor, const ServicesState::Allocation &buffer) {
  if (executor) {
    std::lock_guard<std::mutex> lock(executor->cacheMutex);
    if (executor->cache.size() < kCacheBuffers &&
        executor->cachedBytes + buffer.size <= kCacheBytes) {
      executor->cache.push_back(buffer);
      executor->cachedBytes += buffer.size;
      return;
    }
  }
  alignedFree(buffer.memory);
}

void releaseAllocations(ServicesState *state) {
  std::lock_guard<std::mutex> lock(state->allocationsMutex);
  for (const ServicesState::Allocation &allocation : state->allocations)
    returnBuffer(state->bufferCache, allocation);
  state->allocations.clear();
}

void initializeServices(ServicesState *state, llmc_services_t *services) {
  std::memset(services, 0, sizeof(*services));
  services->version = LLMC_SERVICES_VERSION;
  services->size = sizeof(llmc_services_t);
  services->thread_count =
      int64_t(state->executor ? state->executor->threadCount : state->threadCount);
  services->parallel_for = servicesParallelFor;
  services->runtime_state = state;
  state->bufferCache = state->ownsExecutor ? nullptr : state->executor;
  services->allocate = servicesAllocate;
  services->fail = servicesFail;
}

void finishServices(ServicesState *state) {
  if (state->ownsExecutor)
    llmc_executor_release(state->executor);
  state->executor = nullptr;
  state->ownsExecutor = false;
}

} // namespace llmc::runtime

using namespace llmc::runtime;

extern "C" {

llmc_status_t llmc_executor_create(size_t thread_count, llmc_executor_t **out_executor) {
  if (!out_executor)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_executor_create: out_executor is NULL");
  *out_executor = nullptr;
  if (thread_count == 0)
    thread_count = onlineCpuCount();
  if (thread_count > 4096)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_executor_create: %zu threads is more than the supported 4096",
                      thread_count);
  auto *executor = new (std::nothrow) llmc_executor_t();
  if (!executor)
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "cannot allocate an executor");
  executor->threadCount = thread_count;
  executor->workers.reserve(thread_count - 1);
  for (size_t i = 1; i < thread_count; ++i) {
    pthread_t worker;
    int error = pthread_create(&worker, nullptr, llmc_executor_t::workerEntry, executor);
    if (error) {
      executor->stop();
      delete executor;
      return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "cannot start worker thread %zu of %zu: %s",
                        i, thread_count - 1, std::strerror(error));
    }
    executor->workers.push_back(worker);
  }
  *out_executor = executor;
  return nullptr;
}

void llmc_executor_release(llmc_executor_t *executor) {
  if (!executor)
    return;
  executor->stop();
  for (const ServicesState::Allocation &allocation : executor->cache)
    alignedFree(allocation.memory);
  delete executor;
}

size_t llmc_executor_thread_count(const llmc_executor_t *executor) {
  return executor ? executor->threadCount : 0;
}

} // extern "C"
