//===- Allocator.h - The caller allocator, resolved ---------------------------===//
#ifndef LLMC_RUNTIME_SRC_ALLOCATOR_H
#define LLMC_RUNTIME_SRC_ALLOCATOR_H

#include "llmc/runtime.h"

namespace llmc::runtime {

/// `size` bytes (0 is rounded up to 1) aligned to `alignment` (a power of two) from malloc, or
/// NULL; free with alignedFree. The system allocator's functions, and the executor's for the
/// buffers it keeps. One of at least kHugeBufferBytes is aligned to 2 MiB and asks Linux for
/// transparent huge pages: a GEMM's operands span thousands of 4 KiB pages, and the TLB misses
/// cost it 5 to 15% on a virtual machine (where each miss walks two page tables). The block is
/// reused when freed, so the huge pages are faulted in once.
void *alignedAllocate(size_t size, size_t alignment);
void alignedFree(void *pointer);
constexpr size_t kHugeBufferBytes = size_t(4) << 20;

/// Whether the caller set `allocator` (both functions present); else runs use the system's.
bool isCallerAllocator(const llmc_allocator_t *allocator);

/// `allocator` if it is set (both functions present), else the system allocator.
llmc_allocator_t resolveAllocator(const llmc_allocator_t *allocator);

/// `size` bytes (0 is rounded up to 1) aligned to `alignment` (a power of two), or NULL.
void *allocate(const llmc_allocator_t &allocator, size_t size, size_t alignment);
void deallocate(const llmc_allocator_t &allocator, void *pointer);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_ALLOCATOR_H
