/*===- parallel.c - Generated loops on the runtime's threads ------------------===
 *
 * llmc_mk_parallel_loop runs a loop body that llmc-parallelize-loops outlined from a linalg op
 * over chunks of [0, count) on the services' parallel_for. The outlined body is an MLIR function
 * of three 64-bit integers (the context's address, begin, end), which is what this file calls;
 * the trampoline adapts it to parallel_for's body type.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

typedef struct {
  llmc_loop_body_t body;
  int64_t context;
} llmc_loop_t;

static void llmc_loop_trampoline(void *context, int64_t begin, int64_t end) {
  const llmc_loop_t *loop = (const llmc_loop_t *)context;
  loop->body(loop->context, begin, end);
}

void llmc_mk_parallel_loop(int64_t context, llmc_loop_body_t body, int64_t count, int64_t grain,
                           const llmc_services_t *services) {
  llmc_loop_t loop = {body, context};
  llmc_parallel(services, count, grain, llmc_loop_trampoline, &loop);
}
