"""Generates models/tiny_cnn: a small image classifier in ONNX (conv, batch norm, relu, max pool,
depthwise conv, global average pool, flatten, gemm, softmax) with deterministic weights, one
input and the expected output computed independently here with NumPy.

Run with Debian's Python: /usr/bin/python3 models/make_tiny_cnn.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_cnn")


def conv2d(x, w, b, stride, pad, groups=1):
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, f, oh, ow), dtype=np.float64)
    fg = f // groups
    for g in range(groups):
        xs = x[:, g * cg:(g + 1) * cg]
        for o in range(g * fg, (g + 1) * fg):
            for i in range(oh):
                for j in range(ow):
                    patch = xs[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    y[:, o, i, j] = np.sum(patch * w[o], axis=(1, 2, 3))
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def main():
    rng = np.random.default_rng(0)
    f32 = np.float32
    w1 = (rng.standard_normal((8, 3, 3, 3)) * 0.3).astype(f32)
    b1 = (rng.standard_normal(8) * 0.1).astype(f32)
    gamma = (1.0 + rng.standard_normal(8) * 0.1).astype(f32)
    beta = (rng.standard_normal(8) * 0.1).astype(f32)
    mean = (rng.standard_normal(8) * 0.1).astype(f32)
    var = (1.0 + rng.random(8)).astype(f32)
    w2 = (rng.standard_normal((8, 1, 3, 3)) * 0.3).astype(f32)
    w3 = (rng.standard_normal((10, 8)) * 0.5).astype(f32)
    b3 = (rng.standard_normal(10) * 0.1).astype(f32)
    x = rng.standard_normal((1, 3, 16, 16)).astype(f32)

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1],
                         strides=[1, 1], kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["bn1"],
                         name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="dwconv", pads=[1, 1, 1, 1],
                         group=8, kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "w3", "b3"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    initializers = [numpy_helper.from_array(a, n) for n, a in
                    [("w1", w1), ("b1", b1), ("gamma", gamma), ("beta", beta), ("mean", mean),
                     ("var", var), ("w2", w2), ("w3", w3), ("b3", b3)]]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="llmc models/make_tiny_cnn.py")
    model.ir_version = 7
    onnx.checker.check_model(model)

    # The reference, in float64.
    h = conv2d(x.astype(np.float64), w1, b1, 1, 1)
    h = (h - mean.reshape(1, -1, 1, 1)) / np.sqrt(var.reshape(1, -1, 1, 1) + 1e-5)
    h = h * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)
    h = np.maximum(h, 0)
    h = h.reshape(1, 8, 8, 2, 8, 2).max(axis=(3, 5))
    h = np.maximum(conv2d(h, w2, None, 1, 1, groups=8), 0)
    h = h.mean(axis=(2, 3))
    logits = h @ w3.T.astype(np.float64) + b3
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = (e / e.sum(axis=1, keepdims=True)).astype(f32)

    data = os.path.join(HERE, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(HERE, "model.onnx"))
    with open(os.path.join(data, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    with open(os.path.join(data, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(probs, "probs").SerializeToString())
    print("wrote", HERE, "probs =", probs.ravel())


if __name__ == "__main__":
    main()
