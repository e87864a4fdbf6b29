//===- CallTrampoline.h - Calls a function with any number of pointer args ---===//
#ifndef LLMC_RUNTIME_SRC_CALLTRAMPOLINE_H
#define LLMC_RUNTIME_SRC_CALLTRAMPOLINE_H

#include <cstddef>

namespace llmc::runtime {

/// The number of entries `args` must have at least, whatever `count` is: the register
/// arguments are loaded unconditionally.
inline constexpr size_t kMinArgumentSlots = 8;

/// The largest `count` callWithPointerArguments supports on this architecture.
size_t maxPointerArguments();

/// Calls `function` as `void function(void *args[0], ..., void *args[count - 1])` following the
/// C calling convention, where every argument is a pointer. Entry points take a number of
/// descriptors that is only known at run time, which no C++ call expression can express.
/// `args` has at least max(count, kMinArgumentSlots) entries.
void callWithPointerArguments(void *function, void *const *args, size_t count);

/// The portable version (a switch over fixed arities, up to 32 arguments), used on
/// architectures without the assembly trampoline; exposed so that tests can compare the two.
bool callWithPointerArgumentsPortable(void *function, void *const *args, size_t count);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_CALLTRAMPOLINE_H
