//===- CallTrampoline.cpp - Variable-arity calls into generated code ---------===//
//
// An entry point takes (results, inputs..., constants..., scratch, services): a count known only
// from the artifact. Every argument is a pointer, so under the x86-64 System V and AArch64
// procedure call standards the call is: the first 6 (x86-64) or 8 (AArch64) in integer
// registers, the rest in 8-byte stack slots in order, the stack 16-byte aligned at the call.
// That is a dozen instructions of assembly, which supports any count, where templates would
// instantiate one call per arity.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/CallTrampoline.h"

#include <utility>

extern "C" void llmc_runtime_call_with_pointer_args(void *function, void *const *args,
                                                    size_t count);

#if defined(__x86_64__)
// rdi = function, rsi = args, rdx = count.
__asm__(R"(
  .pushsection .text
  .p2align 4
  .globl llmc_runtime_call_with_pointer_args
  .hidden llmc_runtime_call_with_pointer_args
  .type llmc_runtime_call_with_pointer_args, @function
llmc_runtime_call_with_pointer_args:
  .cfi_startproc
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsp, %rbp
  .cfi_def_cfa_register %rbp
  movq %rdi, %r11
  movq %rsi, %r10
  movq %rdx, %rcx
  subq $6, %rdx
  jbe 2f
  testq $1, %rdx
  jz 1f
  subq $8, %rsp
1:
  decq %rcx
  pushq (%r10,%rcx,8)
  cmpq $6, %rcx
  ja 1b
2:
  movq (%r10), %rdi
  movq 8(%r10), %rsi
  movq 16(%r10), %rdx
  movq 24(%r10), %rcx
  movq 32(%r10), %r8
  movq 40(%r10), %r9
  callq *%r11
  leave
  .cfi_def_cfa %rsp, 8
  ret
  .cfi_endproc
  .size llmc_runtime_call_with_pointer_args, .-llmc_runtime_call_with_pointer_args
  .popsection
)");
#define LLMC_HAVE_ASSEMBLY_TRAMPOLINE 1
#elif defined(__aarch64__)
// x0 = function, x1 = args, x2 = count.
__asm__(R"(
  .pushsection .text
  .p2align 2
  .globl llmc_runtime_call_with_pointer_args
  .hidden llmc_runtime_call_with_pointer_args
  .type llmc_runtime_call_with_pointer_args, %function
llmc_runtime_call_with_pointer_args:
  .cfi_startproc
  stp x29, x30, [sp, #-16]!
  .cfi_def_cfa_offset 16
  .cfi_offset x29, -16
  .cfi_offset x30, -8
  mov x29, sp
  .cfi_def_cfa x29, 16
  mov x16, x0
  mov x17, x1
  subs x9, x2, #8
  b.ls 2f
  add x10, x9, #1
  and x10, x10, #-2
  lsl x10, x10, #3
  sub sp, sp, x10
  mov x11, #0
1:
  add x12, x11, #8
  ldr x13, [x17, x12, lsl #3]
  str x13, [sp, x11, lsl #3]
  add x11, x11, #1
  cmp x11, x9
  b.lo 1b
2:
  ldp x0, x1, [x17]
  ldp x2, x3, [x17, #16]
  ldp x4, x5, [x17, #32]
  ldp x6, x7, [x17, #48]
  blr x16
  mov sp, x29
  .cfi_def_cfa sp, 16
  ldp x29, x30, [sp], #16
  .cfi_def_cfa_offset 0
  .cfi_restore x29
  .cfi_restore x30
  ret
  .cfi_endproc
  .size llmc_runtime_call_with_pointer_args, .-llmc_runtime_call_with_pointer_args
  .popsection
)");
#define LLMC_HAVE_ASSEMBLY_TRAMPOLINE 1
#endif

namespace llmc::runtime {
namespace {

constexpr size_t kMaxPortableArguments = 32;

template <size_t... I>
void callArity(void *function, void *const *args, std::index_sequence<I...>) {
  // Calling through a type whose parameters are all void* is what the ABI sees for any pointer
  // parameters, which is all entry points have.
  using Function = void (*)(decltype((void)I, static_cast<void *>(nullptr))...);
  reinterpret_cast<Function>(function)(args[I]...);
}

template <size_t... N>
bool dispatch(void *function, void *const *args, size_t count, std::index_sequence<N...>) {
  bool called = false;
  ((count == N ? (callArity(function, args, std::make_index_sequence<N>()), called = true) : false),
   ...);
  return called;
}

} // namespace

bool callWithPointerArgumentsPortable(void *function, void *const *args, size_t count) {
  return dispatch(function, args, count, std::make_index_sequence<kMaxPortableArguments + 1>());
}

size_t maxPointerArguments() {
#ifdef LLMC_HAVE_ASSEMBLY_TRAMPOLINE
  return size_t(-1);
#else
  return kMaxPortableArguments;
#endif
}

void callWithPointerArguments(void *function, void *const *args, size_t count) {
#ifdef LLMC_HAVE_ASSEMBLY_TRAMPOLINE
  llmc_runtime_call_with_pointer_args(function, args, count);
#else
  callWithPointerArgumentsPortable(function, args, count);
#endif
}

} // namespace llmc::runtime
