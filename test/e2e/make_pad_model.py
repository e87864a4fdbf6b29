"""Writes an ONNX model (opset 13) padding one input three ways with constant pads, as exported
CNNs do, and its expected outputs from numpy.pad."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main(root):
    pads = np.array([0, 1, 2, 0, 2, 1], dtype=np.int64)  # begin per dim, then end per dim
    value = np.array(1.5, dtype=np.float32)
    nodes = [helper.make_node("Pad", ["x", "pads", "value"], ["constant"], name="pad_constant"),
             helper.make_node("Pad", ["x", "pads"], ["edge"], name="pad_edge", mode="edge"),
             helper.make_node("Pad", ["x", "pads"], ["reflect"], name="pad_reflect",
                              mode="reflect")]
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes, "pads", [helper.make_tensor_value_info("x", f32, [2, 3, 4])],
        [helper.make_tensor_value_info(n, f32, None) for n in ["constant", "edge", "reflect"]],
        [numpy_helper.from_array(pads, "pads"), numpy_helper.from_array(value, "value")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    widths = [(0, 0), (1, 2), (2, 1)]
    outputs = [np.pad(x, widths, mode="constant", constant_values=1.5),
               np.pad(x, widths, mode="edge"), np.pad(x, widths, mode="reflect")]
    data = os.path.join(root, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x).SerializeToString())
    for i, y in enumerate(outputs):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(y).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
