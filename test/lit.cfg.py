# lit configuration of the llmc test suite.
import os

import lit.formats

config.name = "llmc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.llmc_obj_root, "test")

# Our tools first, then FileCheck, not and split-file from LLVM 22.
config.environment["PATH"] = os.pathsep.join(
    [config.llmc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
)
config.substitutions.append(("%llmc_src_root", config.llmc_src_root))
config.substitutions.append(("%llmc_obj_root", config.llmc_obj_root))
config.substitutions.append(("%python", config.python_executable))

# The ONNX backend test suite, from Debian's libonnx-testdata.
onnx_data = "/usr/share/libonnx-testdata/data"
if os.path.isdir(os.path.join(onnx_data, "node")):
    config.available_features.add("onnx-testdata")
    config.substitutions.append(("%onnx_node", os.path.join(onnx_data, "node")))
