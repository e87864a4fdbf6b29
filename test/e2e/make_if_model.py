"""Writes an ONNX model whose If branches compute on values captured from the outer graph (one
branch through a Relu and a Softmax, the other a Mul), with data sets for both conditions and
NumPy expected outputs."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main(root):
    f32 = TensorProto.FLOAT
    then_graph = helper.make_graph(
        [helper.make_node("Add", ["x", "y"], ["s"], name="then_add"),
         helper.make_node("Relu", ["s"], ["r"], name="then_relu"),
         helper.make_node("Softmax", ["r"], ["then_out"], name="then_softmax", axis=-1)],
        "then_body", [], [helper.make_tensor_value_info("then_out", f32, [2, 3])])
    else_graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "y"], ["else_out"], name="else_mul")],
        "else_body", [], [helper.make_tensor_value_info("else_out", f32, [2, 3])])
    graph = helper.make_graph(
        [helper.make_node("If", ["cond"], ["z"], name="branch", then_branch=then_graph,
                          else_branch=else_graph)],
        "if_model",
        [helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x", f32, [2, 3]),
         helper.make_tensor_value_info("y", f32, [2, 3])],
        [helper.make_tensor_value_info("z", f32, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    rng = np.random.default_rng(2)
    for index, cond in enumerate([True, False]):
        x = rng.standard_normal((2, 3)).astype(np.float32)
        y = rng.standard_normal((2, 3)).astype(np.float32)
        if cond:
            r = np.maximum(x.astype(np.float64) + y, 0)
            e = np.exp(r - r.max(axis=1, keepdims=True))
            z = e / e.sum(axis=1, keepdims=True)
        else:
            z = x.astype(np.float64) * y
        data = os.path.join(root, f"test_data_set_{index}")
        os.makedirs(data, exist_ok=True)
        arrays = [np.array(cond), x, y]
        for i, array in enumerate(arrays):
            with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(array).SerializeToString())
        with open(os.path.join(data, "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(z.astype(np.float32)).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
