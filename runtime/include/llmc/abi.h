/*===- llmc/abi.h - What generated code sees of the runtime ------------------===
 *
 * The calling convention between the llmc runtime and the entry points of a compiled model,
 * shared by the runtime and the compiler. Every entry point is
 *
 *   void SYMBOL(void *results,
 *               Desc *input_0, ..., Desc *input_{n-1},
 *               Desc *state_0, ..., Desc *state_{s-1},
 *               Desc *constant_0, ..., Desc *constant_{k-1},
 *               Desc *scratch, const llmc_services_t *services);
 *
 * where Desc is MLIR's strided memref descriptor for the tensor's rank r:
 *
 *   struct { void *allocated; void *aligned; int64_t offset; int64_t sizes[r]; int64_t strides[r];
 *}
 *
 * (rank 0: the first three fields). Inputs are row-major and contiguous with offset 0 and
 * allocated == aligned; states are buffers the runtime keeps between calls (a KV cache), which
 * the code reads and writes in place; constants point into the read-only artifact mapping; scratch
 *is a rank-1 i8 buffer of the entry point's scratch size and alignment (a valid descriptor of size
 * 0 when it needs none). The callee writes one descriptor per output, back to back in output
 * order, into `results` (each 3 + 2r 8-byte words). Output descriptors may point into inputs,
 * constants, scratch or static data of the code object; the runtime copies every output out
 * before the call returns to the application and never frees them. Generated code must not
 * write to inputs or constants.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_ABI_H_
#define LLMC_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The version of llmc_services_t. Fields are only ever appended; `size` tells generated code
/// which ones exist.
#define LLMC_SERVICES_VERSION 3

/// A range of a parallel loop: iterations [begin, end).
typedef void (*llmc_parallel_body_t)(void *context, int64_t begin, int64_t end);

/// The runtime's services, passed as the last argument of every entry point.
typedef struct llmc_services_t {
  uint32_t version; ///< LLMC_SERVICES_VERSION of the runtime that filled this in.
  uint32_t size;    ///< sizeof(llmc_services_t) of that runtime.
  /// The most bodies that may run at once (1: parallel_for runs on the calling thread).
  int64_t thread_count;
  /// Runs body(context, begin, end) over disjoint ranges that cover [0, count), each at least
  /// `grain_size` iterations long except possibly the last, possibly on several threads, and
  /// returns once all have finished. A call from inside a body runs inline.
  void (*parallel_for)(const struct llmc_services_t *services, int64_t count, int64_t grain_size,
                       llmc_parallel_body_t body, void *context);
  /// The runtime's own state; generated code must not touch it.
  void *runtime_state;
  /// Version 2. Memory for buffers whose size is known only at run time: `size` bytes aligned to
  /// `alignment` (a power of two), valid until the call returns. The runtime frees every such
  /// buffer after it has copied the outputs out, so generated code never frees them. When memory
  /// is exhausted the call is abandoned and fails with LLMC_STATUS_RESOURCE_EXHAUSTED; this
  /// function never returns NULL.
  void *(*allocate)(const struct llmc_services_t *services, int64_t size, int64_t alignment);
  /// Version 3. Stops the call because the inputs' values cannot be computed with (for example
  /// a shape computed at run time that does not hold a tensor's elements): the call is
  /// abandoned and fails with LLMC_STATUS_INVALID_ARGUMENT carrying `message`, a NUL-terminated
  /// string in the code object. This function never returns. Generated code calls it only when
  /// `size` shows the field, and stays memory-safe without it.
  void (*fail)(const struct llmc_services_t *services, const char *message);
} llmc_services_t;

#ifdef __cplusplus
} // extern "C"
#endif

#endif // LLMC_ABI_H_
