//===- Target.cpp - Host architecture, OS and CPU features -------------------===//
#include "runtime/src/Target.h"

#include "runtime/src/Status.h"

#include <cerrno>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

namespace llmc::runtime {

const char *hostArchitecture() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
  return "aarch64_be";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "powerpc64le";
#elif defined(__s390x__)
  return "s390x";
#else
  return "unknown";
#endif
}

std::string tripleArchitecture(const char *triple) {
  std::string arch(triple, std::strcspn(triple, "-"));
  for (char &c : arch)
    if (c >= 'A' && c <= 'Z')
      c = char(c - 'A' + 'a');
  if (arch == "amd64" || arch == "x86-64" || arch == "x64")
    return "x86_64";
  if (arch == "arm64")
    return "aarch64";
  return arch;
}

int elfMachineForArchitecture(const std::string &architecture) {
  if (architecture == "x86_64")
    return 62; // EM_X86_64
  if (architecture == "aarch64" || architecture == "aarch64_be")
    return 183; // EM_AARCH64
  if (architecture == "riscv64")
    return 243; // EM_RISCV
  if (architecture == "powerpc64le" || architecture == "ppc64le")
    return 21; // EM_PPC64
  if (architecture == "s390x")
    return 22; // EM_S390
  return -1;
}

llmc_status_t checkTripleRunsHere(const char *what, const char *triple) {
  std::string arch = tripleArchitecture(triple);
  if (arch != hostArchitecture())
    return makeStatus(LLMC_STATUS_UNSUPPORTED, "%s targets %s, but this machine is %s", what,
                      triple, hostArchitecture());
  // Code objects are ELF shared objects loaded with the system dynamic loader, so code built
  // for another OS cannot run even on the right architecture. A triple that names linux is
  // fine (also "aarch64-none-linux-gnu"); one without an OS ("x86_64") is taken as generic.
  static const char *const otherSystems[] = {
      "darwin",    "macos",   "ios",  "tvos", "watchos", "windows", "win32",  "mingw",
      "cygwin",    "msvc",    "uefi", "cuda", "amdhsa",  "amdpal",  "wasi",   "emscripten",
      "none",      "elf",     "eabi", "hurd", "fuchsia", "freebsd", "netbsd", "openbsd",
      "dragonfly", "solaris", "aix",  "zos",  "haiku"};
  bool namesLinux = false;
  const char *otherSystem = nullptr;
  for (const char *rest = std::strchr(triple, '-'); rest; rest = std::strchr(rest, '-')) {
    ++rest;
    size_t length = std::strcspn(rest, "-");
    if (length >= 5 && std::strncmp(rest, "linux", 5) == 0)
      namesLinux = true;
    for (const char *system : otherSystems)
      if (length >= std::strlen(system) && std::strncmp(rest, system, std::strlen(system)) == 0)
        otherSystem = system;
  }
  if (!namesLinux && otherSystem)
    return makeStatus(LLMC_STATUS_UNSUPPORTED,
                      "%s targets %s, but this runtime runs code for linux only", what, triple);
  return nullptr;
}

namespace {

#if defined(__x86_64__)

enum Register { EAX, EBX, ECX, EDX };

// XCR0 state components that the OS must enable for a feature's registers to be usable.
constexpr uint64_t kXcrAvx = 0x6;                // SSE and AVX state
constexpr uint64_t kXcrAvx512 = 0xe6;            // plus opmask, ZMM_Hi256, Hi16_ZMM
constexpr uint64_t kXcrAmx = (3ULL << 17) | 0x6; // XTILECFG and XTILEDATA

struct X86Feature {
  const char *name;
  unsigned leaf, subleaf;
  Register reg;
  unsigned bit;
  uint64_t xcr0;
};

// LLVM's names for x86 features (llvm/lib/Target/X86/X86.td) and where CPUID reports them.
const X86Feature kX86Features[] = {
    {"cx8", 1, 0, EDX, 8, 0},
    {"cmov", 1, 0, EDX, 15, 0},
    {"mmx", 1, 0, EDX, 23, 0},
    {"fxsr", 1, 0, EDX, 24, 0},
    {"sse", 1, 0, EDX, 25, 0},
    {"sse2", 1, 0, EDX, 26, 0},
    {"sse3", 1, 0, ECX, 0, 0},
    {"pclmul", 1, 0, ECX, 1, 0},
    {"ssse3", 1, 0, ECX, 9, 0},
    {"fma", 1, 0, ECX, 12, kXcrAvx},
    {"cx16", 1, 0, ECX, 13, 0},
    {"sse4.1", 1, 0, ECX, 19, 0},
    {"sse4.2", 1, 0, ECX, 20, 0},
    {"crc32", 1, 0, ECX, 20, 0},
    {"movbe", 1, 0, ECX, 22, 0},
    {"popcnt", 1, 0, ECX, 23, 0},
    {"aes", 1, 0, ECX, 25, 0},
    {"xsave", 1, 0, ECX, 26, 0},
    {"avx", 1, 0, ECX, 28, kXcrAvx},
    {"f16c", 1, 0, ECX, 29, kXcrAvx},
    {"rdrnd", 1, 0, ECX, 30, 0},
    {"fsgsbase", 7, 0, EBX, 0, 0},
    {"bmi", 7, 0, EBX, 3, 0},
    {"avx2", 7, 0, EBX, 5, kXcrAvx},
    {"bmi2", 7, 0, EBX, 8, 0},
    {"avx512f", 7, 0, EBX, 16, kXcrAvx512},
    {"evex512", 7, 0, EBX, 16, kXcrAvx512},
    {"avx512dq", 7, 0, EBX, 17, kXcrAvx512},
    {"rdseed", 7, 0, EBX, 18, 0},
    {"adx", 7, 0, EBX, 19, 0},
    {"avx512ifma", 7, 0, EBX, 21, kXcrAvx512},
    {"clflushopt", 7, 0, EBX, 23, 0},
    {"clwb", 7, 0, EBX, 24, 0},
    {"avx512cd", 7, 0, EBX, 28, kXcrAvx512},
    {"sha", 7, 0, EBX, 29, 0},
    {"avx512bw", 7, 0, EBX, 30, kXcrAvx512},
    {"avx512vl", 7, 0, EBX, 31, kXcrAvx512},
    {"avx512vbmi", 7, 0, ECX, 1, kXcrAvx512},
    {"avx512vbmi2", 7, 0, ECX, 6, kXcrAvx512},
    {"gfni", 7, 0, ECX, 8, 0},
    {"vaes", 7, 0, ECX, 9, kXcrAvx},
    {"vpclmulqdq", 7, 0, ECX, 10, kXcrAvx},
    {"avx512vnni", 7, 0, ECX, 11, kXcrAvx512},
    {"avx512bitalg", 7, 0, ECX, 12, kXcrAvx512},
    {"avx512vpopcntdq", 7, 0, ECX, 14, kXcrAvx512},
    {"rdpid", 7, 0, ECX, 22, 0},
    {"cldemote", 7, 0, ECX, 25, 0},
    {"movdiri", 7, 0, ECX, 27, 0},
    {"movdir64b", 7, 0, ECX, 28, 0},
    {"avx512vp2intersect", 7, 0, EDX, 8, kXcrAvx512},
    {"serialize", 7, 0, EDX, 14, 0},
    {"tsxldtrk", 7, 0, EDX, 16, 0},
    {"amx-bf16", 7, 0, EDX, 22, kXcrAmx},
    {"avx512fp16", 7, 0, EDX, 23, kXcrAvx512},
    {"amx-tile", 7, 0, EDX, 24, kXcrAmx},
    {"amx-int8", 7, 0, EDX, 25, kXcrAmx},
    {"avxvnni", 7, 1, EAX, 4, kXcrAvx},
    {"avx512bf16", 7, 1, EAX, 5, kXcrAvx512},
    {"amx-fp16", 7, 1, EAX, 21, kXcrAmx},
    {"avxifma", 7, 1, EAX, 23, kXcrAvx},
    {"avxvnniint8", 7, 1, EDX, 4, kXcrAvx},
    {"avxneconvert", 7, 1, EDX, 5, kXcrAvx},
    {"amx-complex", 7, 1, EDX, 8, kXcrAmx},
    {"avxvnniint16", 7, 1, EDX, 10, kXcrAvx},
    {"xsaveopt", 0xd, 1, EAX, 0, 0},
    {"xsavec", 0xd, 1, EAX, 1, 0},
    {"xsaves", 0xd, 1, EAX, 3, 0},
    {"sahf", 0x80000001, 0, ECX, 0, 0},
    {"lzcnt", 0x80000001, 0, ECX, 5, 0},
    {"sse4a", 0x80000001, 0, ECX, 6, 0},
    {"prfchw", 0x80000001, 0, ECX, 8, 0},
    {"xop", 0x80000001, 0, ECX, 11, kXcrAvx},
    {"fma4", 0x80000001, 0, ECX, 16, kXcrAvx},
    {"tbm", 0x80000001, 0, ECX, 21, 0},
};

bool cpuid(unsigned leaf, unsigned subleaf, unsigned out[4]) {
  unsigned maximum = __get_cpuid_max(leaf & 0x80000000u, nullptr);
  if (maximum < leaf)
    return false;
  __cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
  return true;
}

uint64_t readXcr0() {
  unsigned regs[4];
  if (!cpuid(1, 0, regs) || !(regs[ECX] & (1u << 27))) // OSXSAVE
    return 0;
  unsigned low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return uint64_t(low) | uint64_t(high) << 32;
}

bool x86HasFeature(const X86Feature &feature) {
  static const uint64_t xcr0 = readXcr0();
  unsigned regs[4];
  if (!cpuid(feature.leaf, feature.subleaf, regs))
    return false;
  if (!(regs[feature.reg] & (1u << feature.bit)))
    return false;
  return (xcr0 & feature.xcr0) == feature.xcr0;
}

// The kernel interface for AMX (Linux 5.16+, arch/x86/include/uapi/asm/prctl.h).
constexpr int kArchGetXcompPerm = 0x1022;
constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

llmc_status_t requestAmxPermission(const char *feature) {
  unsigned long permitted = 0;
  if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &permitted) == 0 &&
      (permitted & (1ul << kXfeatureXtiledata)))
    return nullptr;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0)
    return makeStatus(LLMC_STATUS_UNSUPPORTED,
                      "artifact needs CPU feature '%s', but the kernel refused the AMX tile "
                      "state (arch_prctl(ARCH_REQ_XCOMP_PERM): %s)",
                      feature, std::strerror(errno));
  return nullptr;
}

#elif defined(__aarch64__)

// Bits of AT_HWCAP and AT_HWCAP2 (arch/arm64/include/uapi/asm/hwcap.h), named as LLVM names
// the features.
struct Aarch64Feature {
  const char *name;
  int word; // 1: AT_HWCAP, 2: AT_HWCAP2
  unsigned bit;
};

const Aarch64Feature kAarch64Features[] = {
    {"fp-armv8", 1, 0}, {"neon", 1, 1},       {"aes", 1, 3},      {"sha2", 1, 6},
    {"crc", 1, 7},      {"lse", 1, 8},        {"fullfp16", 1, 9}, {"rdm", 1, 12},
    {"jsconv", 1, 13},  {"complxnum", 1, 14}, {"rcpc", 1, 15},    {"sha3", 1, 17},
    {"sm4", 1, 19},     {"dotprod", 1, 20},   {"sve", 1, 22},     {"fp16fml", 1, 23},
    {"sve2", 2, 1},     {"i8mm", 2, 13},      {"bf16", 2, 14},    {"sme", 2, 23},
};

#endif

} // namespace

FeatureSupport hostFeatureSupport(const std::string &feature) {
#if defined(__x86_64__)
  if (feature == "64bit" || feature == "x87")
    return FeatureSupport::Present;
  for (const X86Feature &known : kX86Features)
    if (feature == known.name)
      return x86HasFeature(known) ? FeatureSupport::Present : FeatureSupport::Missing;
#elif defined(__aarch64__)
  static const unsigned long hwcap[3] = {0, getauxval(AT_HWCAP), getauxval(AT_HWCAP2)};
  for (const Aarch64Feature &known : kAarch64Features)
    if (feature == known.name)
      return (hwcap[known.word] >> known.bit) & 1 ? FeatureSupport::Present
                                                  : FeatureSupport::Missing;
#endif
  return FeatureSupport::Unknown;
}

std::vector<std::string> knownHostFeatures() {
  std::vector<std::string> names;
#if defined(__x86_64__)
  for (const X86Feature &known : kX86Features)
    names.push_back(known.name);
#elif defined(__aarch64__)
  for (const Aarch64Feature &known : kAarch64Features)
    names.push_back(known.name);
#endif
  return names;
}

llmc_status_t checkFeaturesRunHere(const std::vector<const char *> &features, bool enable) {
  for (const char *spelled : features) {
    if (spelled[0] == '-')
      continue; // a feature the code must not use is never a requirement
    std::string name(spelled[0] == '+' ? spelled + 1 : spelled);
    for (char &c : name)
      if (c >= 'A' && c <= 'Z')
        c = char(c - 'A' + 'a');
    if (hostFeatureSupport(name) == FeatureSupport::Missing)
      return makeStatus(LLMC_STATUS_UNSUPPORTED,
                        "artifact needs CPU feature '%s', which this machine (%s) does not have",
                        name.c_str(), hostArchitecture());
#if defined(__x86_64__)
    if (enable && name.compare(0, 4, "amx-") == 0)
      LLMC_RETURN_IF_ERROR(requestAmxPermission(name.c_str()));
#endif
  }
  return nullptr;
}

} // namespace llmc::runtime
