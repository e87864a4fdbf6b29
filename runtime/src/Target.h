//===- Target.h - Does an artifact's target match this machine? --------------===//
#ifndef LLMC_RUNTIME_SRC_TARGET_H
#define LLMC_RUNTIME_SRC_TARGET_H

#include "llmc/runtime.h"

#include <string>
#include <vector>

namespace llmc::runtime {

/// The architecture this runtime was built for, as triples spell it: "x86_64", "aarch64", ...
const char *hostArchitecture();

/// The canonical architecture of a triple: its first component, with aliases folded
/// ("amd64" -> "x86_64", "arm64" -> "aarch64").
std::string tripleArchitecture(const char *triple);

/// The ELF e_machine for an architecture, or -1 when this runtime does not know it.
int elfMachineForArchitecture(const std::string &architecture);

/// Checks that code for `triple` can run here: same architecture, and not another OS.
/// `what` starts the message ("artifact", "code_objects[1]").
llmc_status_t checkTripleRunsHere(const char *what, const char *triple);

enum class FeatureSupport { Present, Missing, Unknown };

/// Whether this machine has a CPU feature, spelled as LLVM spells it without the sign
/// ("avx2", "avx512f", "amx-tile", "dotprod"). Unknown for names this runtime cannot check.
FeatureSupport hostFeatureSupport(const std::string &feature);

/// The feature names hostFeatureSupport knows for this architecture.
std::vector<std::string> knownHostFeatures();

/// Checks every "+feature" of `features` that this runtime knows ("-feature" and unknown
/// names are not requirements it can check), and asks the kernel for the AMX tile state when
/// an AMX feature is required and `enable` is set.
llmc_status_t checkFeaturesRunHere(const std::vector<const char *> &features, bool enable);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_TARGET_H
