"""Writes an ONNX model (opset 13) of f32 MatMuls that llmc lowers to the packed GEMM kernel: one
by a constant [257, 33] weight, one of two inputs ([100, 257] x [257, 65]), and one too small
for the kernel ([3, 5] x [5, 4]); and their expected outputs, products in double rounded to f32."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main(root):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((100, 257)).astype(np.float32)
    w = rng.standard_normal((257, 33)).astype(np.float32)
    y = rng.standard_normal((257, 65)).astype(np.float32)
    s = rng.standard_normal((3, 5)).astype(np.float32)
    t = rng.standard_normal((5, 4)).astype(np.float32)
    f32 = TensorProto.FLOAT
    nodes = [helper.make_node("MatMul", ["x", "w"], ["by_weight"], name="by_weight"),
             helper.make_node("MatMul", ["x", "y"], ["by_input"], name="by_input"),
             helper.make_node("MatMul", ["s", "t"], ["small"], name="small")]
    graph = helper.make_graph(
        nodes, "matmuls",
        [helper.make_tensor_value_info("x", f32, list(x.shape)),
         helper.make_tensor_value_info("y", f32, list(y.shape)),
         helper.make_tensor_value_info("s", f32, list(s.shape)),
         helper.make_tensor_value_info("t", f32, list(t.shape))],
        [helper.make_tensor_value_info("by_weight", f32, [100, 33]),
         helper.make_tensor_value_info("by_input", f32, [100, 65]),
         helper.make_tensor_value_info("small", f32, [3, 4])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    data = os.path.join(root, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for i, v in enumerate([x, y, s, t]):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())
    d = np.float64
    outputs = [x.astype(d) @ w.astype(d), x.astype(d) @ y.astype(d), s.astype(d) @ t.astype(d)]
    for i, v in enumerate(outputs):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v.astype(np.float32)).SerializeToString())


def big(root):
    """A product whose output (1100 x 1000 f32, 4.4 MB) the runtime copies out on the threads."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1100, 64)).astype(np.float32)
    w = rng.standard_normal((64, 1000)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "big",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1100, 1000])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "big.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    data = os.path.join(root, "big_set")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x).SerializeToString())
    expected = (x.astype(np.float64) @ w.astype(np.float64)).astype(np.float32)
    with open(os.path.join(data, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(expected).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
    big(sys.argv[1])
