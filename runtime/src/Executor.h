//===- Executor.h - The thread pool behind llmc_services_t.parallel_for ------===//
#ifndef LLMC_RUNTIME_SRC_EXECUTOR_H
#define LLMC_RUNTIME_SRC_EXECUTOR_H

#include "llmc/abi.h"
#include "llmc/runtime.h"

#include <csetjmp>
#include <mutex>
#include <string>
#include <vector>

namespace llmc::runtime {

/// The online CPUs, at least 1.
size_t onlineCpuCount();

/// What the services of one call point at: a caller executor, or the thread count for one the
/// call creates when generated code first asks for a parallel loop.
struct ServicesState {
  llmc_executor_t *executor = nullptr;
  size_t threadCount = 1;
  bool ownsExecutor = false;
  /// The caller's executor, whose buffer cache serves and takes back this call's buffers (null
  /// without one).
  llmc_executor_t *bufferCache = nullptr;
  /// A buffer generated code allocated during the call.
  struct Allocation {
    void *memory;
    size_t size;
    size_t alignment;
  };
  /// Buffers generated code allocated during the call, released by releaseAllocations.
  std::vector<Allocation> allocations;
  std::mutex allocationsMutex;
  /// Where an exhausted allocation or a failed check jumps back to (set by the caller around
  /// the call).
  std::jmp_buf *abandon = nullptr;
  /// The message of the check that stopped the call; empty when memory ran out instead.
  std::string failure;
};

/// Fills `services` for one call. `state` must outlive the call.
void initializeServices(ServicesState *state, llmc_services_t *services);

/// Releases an executor the call created.
void finishServices(ServicesState *state);

/// Releases the buffers generated code allocated: into the caller executor's cache, for the
/// next call of the same sizes, or freed. Call after the outputs are copied out.
void releaseAllocations(ServicesState *state);

/// A buffer of at least `size` bytes aligned to `alignment`: one that `executor` (may be null)
/// keeps from an earlier call, else a new one from the system (null when memory is out).
void *takeBuffer(llmc_executor_t *executor, size_t size, size_t alignment);
/// Gives a buffer from takeBuffer back: into `executor`'s cache while it has room, else freed.
void returnBuffer(llmc_executor_t *executor, const ServicesState::Allocation &buffer);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_EXECUTOR_H
