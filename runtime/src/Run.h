//===- Run.h - Calling an entry point, with or without state ----------------===//
#ifndef LLMC_RUNTIME_SRC_RUN_H
#define LLMC_RUNTIME_SRC_RUN_H

#include "llmc/runtime.h"

namespace llmc::runtime {

/// llmc_model_run, plus the buffers of the entry point's states (one per entry of its `states`,
/// each the state's size, 64-byte aligned), which the code reads and writes in place. `states`
/// may be NULL only for an entry point without states.
llmc_status_t runEntryPoint(const llmc_model_t *model, size_t entry_point,
                            const llmc_tensor_t *const *inputs, size_t input_count,
                            void *const *states, const llmc_run_options_t *options,
                            llmc_tensor_t **out_outputs, size_t output_count);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_RUN_H
