"""Writes an ONNX model with a symbolic batch dim (an MLP and a 1x1 conv) and two test data sets
of different batch sizes, with expected outputs computed here with NumPy."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main(root):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    k = rng.standard_normal((2, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
        helper.make_node("Add", ["h", "b"], ["a"], name="add"),
        helper.make_node("Relu", ["a"], ["r"], name="relu"),
        helper.make_node("Softmax", ["r"], ["y"], name="softmax", axis=-1),
        helper.make_node("Conv", ["img", "k"], ["c"], name="conv", kernel_shape=[1, 1]),
        helper.make_node("ReduceMean", ["c"], ["z"], name="mean", axes=[2, 3], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "dynamic_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
         helper.make_tensor_value_info("img", TensorProto.FLOAT, ["batch", 3, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 2])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
         numpy_helper.from_array(k, "k")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for index, batch in enumerate([1, 3]):
        x = rng.standard_normal((batch, 4)).astype(np.float32)
        img = rng.standard_normal((batch, 3, 5, 5)).astype(np.float32)
        logits = np.maximum(x.astype(np.float64) @ w + b, 0)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        y = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        z = np.einsum("nchw,fc->nf", img.astype(np.float64), k[:, :, 0, 0]) / 25.0
        data = os.path.join(root, f"test_data_set_{index}")
        os.makedirs(data, exist_ok=True)
        for name, array in [("input_0", x), ("input_1", img), ("output_0", y),
                            ("output_1", z.astype(np.float32))]:
            with open(os.path.join(data, name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(array).SerializeToString())
    bad = rng.standard_normal((2, 5)).astype(np.float32)
    with open(os.path.join(root, "bad_x.pb"), "wb") as f:
        f.write(numpy_helper.from_array(bad).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
