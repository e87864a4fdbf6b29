"""Writes an ONNX model (opset 13) of bfloat16 MatMuls: two that llmc lowers to the bf16 GEMM
kernel (by a constant [257, 33] weight, and [100, 257] x [257, 65] of two inputs), and two too
small for it that stay on the linalg loops (a batched [2, 3, 40] x [2, 40, 5], and a [1, 600] x
[600, 1] product of ones, whose sum a bf16 accumulator would stop at 256). The expected outputs
are the products of the bf16 values in double, rounded to bf16."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper


def to_bf16(values):
    """float64 or float32 values rounded to bfloat16 (nearest, ties to even) as uint16 bits."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def from_bf16(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def tensor(name, bits, shape):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.BFLOAT16
    t.dims.extend(shape)
    t.raw_data = bits.astype("<u2").tobytes()
    return t


def main(root):
    rng = np.random.default_rng(17)
    shapes = {"x": (100, 257), "y": (257, 65), "s": (2, 3, 40), "t": (2, 40, 5)}
    values = {name: to_bf16(rng.standard_normal(shape)) for name, shape in shapes.items()}
    values["ones_a"] = to_bf16(np.ones((1, 600)))
    values["ones_b"] = to_bf16(np.ones((600, 1)))
    weight = to_bf16(rng.standard_normal((257, 33)))
    bf16 = TensorProto.BFLOAT16
    nodes = [helper.make_node("MatMul", ["x", "w"], ["by_weight"], name="by_weight"),
             helper.make_node("MatMul", ["x", "y"], ["by_input"], name="by_input"),
             helper.make_node("MatMul", ["s", "t"], ["batched"], name="batched"),
             helper.make_node("MatMul", ["ones_a", "ones_b"], ["ones"], name="ones")]
    inputs = ["x", "y", "s", "t", "ones_a", "ones_b"]
    products = {"by_weight": ("x", None), "by_input": ("x", "y"), "batched": ("s", "t"),
                "ones": ("ones_a", "ones_b")}
    expected = {}
    for output, (lhs, rhs) in products.items():
        right = from_bf16(weight) if rhs is None else from_bf16(values[rhs])
        expected[output] = to_bf16(from_bf16(values[lhs]) @ right)
    graph = helper.make_graph(
        nodes, "bf16_matmuls",
        [helper.make_tensor_value_info(name, bf16, list(values[name].shape)) for name in inputs],
        [helper.make_tensor_value_info(name, bf16, list(expected[name].shape))
         for name in products],
        [tensor("w", weight, weight.shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    data = os.path.join(root, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for i, name in enumerate(inputs):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(tensor(name, values[name], values[name].shape).SerializeToString())
    for i, name in enumerate(products):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(tensor(name, expected[name], expected[name].shape).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
