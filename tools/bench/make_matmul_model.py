"""Writes an ONNX model (opset 13) of one f32 MatMul, Y = X [M, K] x W [K, N] with W a constant,
for timing llmc's GEMM end to end with `llmc bench`:

    make_matmul_model.py OUT.onnx [M [N [K]]]     (default 1024 x 1024 x 1024)
"""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main(path, m=1024, n=1024, k=1024):
    w = np.random.default_rng(1).uniform(-1, 1, (k, n)).astype(np.float32)
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul")], "matmul",
        [helper.make_tensor_value_info("x", f32, [m, k])],
        [helper.make_tensor_value_info("y", f32, [m, n])], [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1], *[int(a) for a in sys.argv[2:5]])
