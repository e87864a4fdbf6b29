"""Writes window nodes (pooling, ConvTranspose) on symbolic spatial dims that llmc cannot import,
each of which must be a diagnostic naming the node."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def save(root, name, node, inputs, initializers=()):
    graph = helper.make_graph(
        [node], name, inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def main(root):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "h", "w"])
    # The pads of SAME depend on the run-time size; excluded from the divisor, they cannot be
    # applied ahead of the pooling.
    save(root, "avg_same_exclude", helper.make_node(
        "AveragePool", ["x"], ["y"], name="avg", kernel_shape=[3, 3], strides=[2, 2],
        auto_pad="SAME_UPPER"), [x])
    save(root, "max_same_indices", helper.make_node(
        "MaxPool", ["x"], ["y", "i"], name="max", kernel_shape=[3, 3], strides=[2, 2],
        auto_pad="SAME_LOWER"), [x])
    weight = numpy_helper.from_array(np.ones((3, 2, 3, 3), np.float32), "w")
    save(root, "transpose_output_shape", helper.make_node(
        "ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], output_shape=[10, 10]),
        [x], [weight])
    save(root, "transpose_dynamic_weight", helper.make_node(
        "ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2]),
        [x, helper.make_tensor_value_info("w", TensorProto.FLOAT, [3, 2, "k", "k"])])


if __name__ == "__main__":
    main(sys.argv[1])
