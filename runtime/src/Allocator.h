//===- Allocator.h - The caller allocator, resolved ---------------------------===//
#ifndef LLMC_RUNTIME_SRC_ALLOCATOR_H
#define LLMC_RUNTIME_SRC_ALLOCATOR_H

#include "llmc/runtime.h"

namespace llmc::runtime {

/// `allocator` if it is set (both functions present), else the system allocator.
llmc_allocator_t resolveAllocator(const llmc_allocator_t *allocator);

/// `size` bytes (0 is rounded up to 1) aligned to `alignment` (a power of two), or NULL.
void *allocate(const llmc_allocator_t &allocator, size_t size, size_t alignment);
void deallocate(const llmc_allocator_t &allocator, void *pointer);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_ALLOCATOR_H
