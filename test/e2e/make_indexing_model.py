"""Writes an ONNX model (opset 16) of indexing ops on a batch known only at run time, fed
indices out of range and a k larger than its axis, and its expected outputs from numpy: an
exclusive CumSum, TopK, ScatterElements (updates at indices out of range are skipped) and
GatherND (indices out of range are clamped)."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def write(path, array):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def expected(x, k, idx, upd, rows):
    batch, width = x.shape
    cumsum = np.cumsum(x, axis=1) - x
    kept = min(max(int(k[0]), 0), width)
    order = np.argsort(-x, axis=1, kind="stable")[:, :kept]
    values = np.take_along_axis(x, order, axis=1)
    scattered = x.copy()
    for r in range(idx.shape[0]):
        for c in range(idx.shape[1]):
            i = idx[r, c] + (width if idx[r, c] < 0 else 0)
            if r < batch and 0 <= i < width:
                scattered[r, i] = upd[r, c]
    picked = np.clip(np.where(rows < 0, rows + batch, rows), 0, batch - 1)
    gathered = x[picked[:, 0]]
    return [cumsum, values, order.astype(np.int64), scattered, gathered]


def main(root):
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    axis = numpy_helper.from_array(np.array(1, dtype=np.int64), "axis")
    nodes = [
        helper.make_node("CumSum", ["x", "axis"], ["cumsum"], name="cumsum", exclusive=1),
        helper.make_node("TopK", ["x", "k"], ["values", "positions"], name="topk", axis=1),
        helper.make_node("ScatterElements", ["x", "idx", "upd"], ["scattered"], name="scatter",
                         axis=1),
        helper.make_node("GatherND", ["x", "rows"], ["gathered"], name="gather"),
    ]
    inputs = [helper.make_tensor_value_info("x", f32, ["batch", 5]),
              helper.make_tensor_value_info("k", i64, [1]),
              helper.make_tensor_value_info("idx", i64, [2, 2]),
              helper.make_tensor_value_info("upd", f32, [2, 2]),
              helper.make_tensor_value_info("rows", i64, [3, 1])]
    outputs = [helper.make_tensor_value_info(name, kind, shape)
               for name, kind, shape in [("cumsum", f32, ["batch", 5]),
                                         ("values", f32, ["batch", "k"]),
                                         ("positions", i64, ["batch", "k"]),
                                         ("scattered", f32, ["batch", 5]),
                                         ("gathered", f32, [3, 5])]]
    graph = helper.make_graph(nodes, "indexing", inputs, outputs, [axis])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)])
    model.ir_version = 8
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    rng = np.random.default_rng(7)
    cases = [
        (3, np.array([2]), np.array([[0, 7], [-1, -9]]), np.array([[1], [5], [-1]])),
        (2, np.array([9]), np.array([[4, -5], [99, 2]]), np.array([[-7], [0], [1]])),
    ]
    for number, (batch, k, idx, rows) in enumerate(cases):
        x = rng.standard_normal((batch, 5)).astype(np.float32)
        upd = rng.standard_normal((2, 2)).astype(np.float32)
        data = os.path.join(root, f"test_data_set_{number}")
        os.makedirs(data, exist_ok=True)
        for i, value in enumerate([x, k.astype(np.int64), idx.astype(np.int64), upd,
                                   rows.astype(np.int64)]):
            write(os.path.join(data, f"input_{i}.pb"), value)
        for i, value in enumerate(expected(x, k, idx.astype(np.int64), upd, rows)):
            write(os.path.join(data, f"output_{i}.pb"), value)


if __name__ == "__main__":
    main(sys.argv[1])
