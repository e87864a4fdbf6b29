"""Writes an ONNX model (opset 13) with constant quantization parameters (which become
llm.quantize/llm.dequantize), casts of hostile floats (NaN, +-1e30) to integers, and unsigned
division by zero, with expected outputs computed by numpy."""
import os
import sys

import numpy as np
from onnx import TensorProto as T, helper, numpy_helper


def quantize(x, scale, zero_point, lowest, highest, dtype):
    y = np.clip(np.rint(x / scale) + zero_point.astype(np.float32), lowest, highest)
    return np.where(np.isnan(y), 0, y).astype(dtype)


def saturate(x, dtype):
    info = np.iinfo(dtype)
    y = np.clip(np.trunc(np.where(np.isnan(x), 0, x)), info.min, info.max)
    return y.astype(np.float64).astype(dtype)


def main(root):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((2, 3, 4)) * 10).astype(np.float32)
    x[0, 0, :4] = [np.nan, 1e30, -1e30, 2.5]  # with scale 1, 2.5 is a tie: half to even gives 2
    scales = np.array([0.5, 0.25, 2.0], np.float32)
    zero_points = np.array([128, 10, 250], np.uint8)
    scale = np.array(1.0, np.float32)
    zero_point = np.array(-3, np.int8)
    a = np.array([200, 3, 255, 0], np.uint8)
    b = np.array([0, 2, 16, 3], np.uint8)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "scales", "zero_points"], ["q"], axis=1),
        helper.make_node("DequantizeLinear", ["q", "scales", "zero_points"], ["d"], axis=1),
        helper.make_node("QuantizeLinear", ["x", "scale", "zero_point"], ["q8"]),
        helper.make_node("Cast", ["x"], ["u8"], to=T.UINT8),
        helper.make_node("Cast", ["x"], ["i32"], to=T.INT32),
        helper.make_node("Div", ["a", "b"], ["div"]),
        helper.make_node("BitShift", ["a", "b"], ["shr"], direction="RIGHT"),
    ]
    outputs = [("q", T.UINT8), ("d", T.FLOAT), ("q8", T.INT8), ("u8", T.UINT8), ("i32", T.INT32),
               ("div", T.UINT8), ("shr", T.UINT8)]
    graph = helper.make_graph(
        nodes, "quantization",
        [helper.make_tensor_value_info("x", T.FLOAT, [2, 3, 4]),
         helper.make_tensor_value_info("a", T.UINT8, [4]),
         helper.make_tensor_value_info("b", T.UINT8, [4])],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs],
        [numpy_helper.from_array(scales, "scales"),
         numpy_helper.from_array(zero_points, "zero_points"),
         numpy_helper.from_array(scale, "scale"),
         numpy_helper.from_array(zero_point, "zero_point")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    s3, z3 = scales.reshape(1, 3, 1), zero_points.reshape(1, 3, 1)
    q = quantize(x, s3, z3, 0, 255, np.uint8)
    expected = [
        q, ((q.astype(np.float32) - z3.astype(np.float32)) * s3).astype(np.float32),
        quantize(x, scale, zero_point, -128, 127, np.int8), saturate(x, np.uint8),
        saturate(x, np.int32), np.where(b == 0, 0, a // np.maximum(b, 1)).astype(np.uint8),
        np.where(b >= 8, 0, a >> np.minimum(b, 7)).astype(np.uint8)]
    data = os.path.join(root, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for i, value in enumerate([x, a, b]):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value).SerializeToString())
    for i, value in enumerate(expected):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
