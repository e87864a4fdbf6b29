"""Writes an ONNX model whose batch and spatial dims are symbolic (height, width), with convs,
pools and a ConvTranspose, and two test data sets of different sizes whose expected outputs are
computed here with NumPy, directly from the ONNX definitions (windows gathered for Conv and the
pools, scattered for ConvTranspose)."""
import math
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def pad_spatial(x, begins, ends, value):
    widths = [(0, 0), (0, 0)] + list(zip(begins, ends))
    return np.pad(x, widths, constant_values=value)


def same_pads(sizes, kernel, strides, dilations, upper):
    begins, ends = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilations):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begins.append(small if upper else large)
        ends.append(large if upper else small)
    return begins, ends


def conv(x, w, b, strides, dilations, begins, ends, groups):
    x = pad_spatial(x.astype(np.float64), begins, ends, 0.0)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    oh = (h - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (wd - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // groups
    for g in range(groups):
        xs = x[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dilations[0]:i * dilations[0] + (oh - 1) * strides[0] + 1:strides[0],
                           j * dilations[1]:j * dilations[1] + (ow - 1) * strides[1] + 1:strides[1]]
                y[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch,
                                                       w[g * fg:(g + 1) * fg, :, i, j])
    return y + b.reshape(1, -1, 1, 1)


def pool(x, kernel, strides, begins, ends, ceil_mode, kind, count_include_pad=0):
    n, c = x.shape[:2]
    sizes = x.shape[2:]
    outs = []
    for size, k, s, pb, pe in zip(sizes, kernel, strides, begins, ends):
        span = size + pb + pe - k
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= size + pb:
            out -= 1
        outs.append(out)
    y = np.zeros((n, c) + tuple(outs))
    for oh in range(outs[0]):
        for ow in range(outs[1]):
            h0, w0 = oh * strides[0] - begins[0], ow * strides[1] - begins[1]
            hs, he = max(h0, 0), min(h0 + kernel[0], sizes[0])
            ws, we = max(w0, 0), min(w0 + kernel[1], sizes[1])
            window = x[:, :, hs:he, ws:we].astype(np.float64)
            if kind == "max":
                y[:, :, oh, ow] = window.max(axis=(2, 3))
                continue
            if count_include_pad:
                ch = min(h0 + kernel[0], sizes[0] + ends[0]) - h0
                cw = min(w0 + kernel[1], sizes[1] + ends[1]) - w0
                count = ch * cw
            else:
                count = (he - hs) * (we - ws)
            y[:, :, oh, ow] = window.sum(axis=(2, 3)) / count
    return y


def conv_transpose(x, w, b, strides, pads, output_padding):
    n, c, h, wd = x.shape
    _, f, kh, kw = w.shape
    full_h = (h - 1) * strides[0] + kh + output_padding[0]
    full_w = (wd - 1) * strides[1] + kw + output_padding[1]
    y = np.zeros((n, f, full_h, full_w))
    for i in range(h):
        for j in range(wd):
            y[:, :, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw] += \
                np.einsum("nc,cfhw->nfhw", x[:, :, i, j].astype(np.float64), w)
    y = y[:, :, pads[0]:full_h - pads[2], pads[1]:full_w - pads[3]]
    return y + b.reshape(1, -1, 1, 1)


def main(root):
    rng = np.random.default_rng(7)
    wg = rng.standard_normal((6, 1, 3, 3)).astype(np.float32)
    bg = rng.standard_normal(6).astype(np.float32)
    ws = rng.standard_normal((6, 1, 3, 2)).astype(np.float32)
    bs = rng.standard_normal(6).astype(np.float32)
    wt = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    bt = rng.standard_normal(2).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "wg", "bg"], ["grouped"], name="grouped_conv",
                         kernel_shape=[3, 3], strides=[2, 1], dilations=[1, 2],
                         pads=[1, 2, 0, 1], group=3),
        helper.make_node("Conv", ["x", "ws", "bs"], ["same"], name="same_conv",
                         kernel_shape=[3, 2], strides=[2, 3], auto_pad="SAME_UPPER", group=3),
        helper.make_node("MaxPool", ["x"], ["maxpool"], name="max_ceil", kernel_shape=[3, 2],
                         strides=[2, 2], pads=[1, 0, 0, 1], ceil_mode=1),
        helper.make_node("MaxPool", ["x"], ["maxsame"], name="max_same", kernel_shape=[2, 3],
                         strides=[2, 2], auto_pad="SAME_LOWER"),
        helper.make_node("AveragePool", ["x"], ["avg_exclude"], name="avg_exclude",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 0], ceil_mode=1,
                         count_include_pad=0),
        helper.make_node("AveragePool", ["x"], ["avg_include"], name="avg_include",
                         kernel_shape=[2, 3], strides=[3, 2], pads=[1, 1, 0, 1],
                         count_include_pad=1),
        helper.make_node("ConvTranspose", ["x", "wt", "bt"], ["transposed"], name="transposed",
                         kernel_shape=[3, 3], strides=[2, 3], pads=[1, 0, 0, 2],
                         output_padding=[1, 2]),
    ]
    outputs = ["grouped", "same", "maxpool", "maxsame", "avg_exclude", "avg_include",
               "transposed"]
    dims = ["batch", 3, "height", "width"]
    graph = helper.make_graph(
        nodes, "window_dynamic", [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None] * 4) for name in outputs],
        [numpy_helper.from_array(a, name) for a, name in
         [(wg, "wg"), (bg, "bg"), (ws, "ws"), (bs, "bs"), (wt, "wt"), (bt, "bt")]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for index, (batch, height, width) in enumerate([(1, 9, 11), (2, 14, 7)]):
        x = rng.standard_normal((batch, 3, height, width)).astype(np.float32)
        sb, se = same_pads([height, width], [3, 2], [2, 3], [1, 1], upper=True)
        mb, me = same_pads([height, width], [2, 3], [2, 2], [1, 1], upper=False)
        results = [
            conv(x, wg, bg, [2, 1], [1, 2], [1, 2], [0, 1], 3),
            conv(x, ws, bs, [2, 3], [1, 1], sb, se, 3),
            pool(x, [3, 2], [2, 2], [1, 0], [0, 1], True, "max"),
            pool(x, [2, 3], [2, 2], mb, me, False, "max"),
            pool(x, [3, 3], [2, 2], [1, 1], [1, 0], True, "avg", 0),
            pool(x, [2, 3], [3, 2], [1, 1], [0, 1], False, "avg", 1),
            conv_transpose(x, wt, bt, [2, 3], [1, 0, 0, 2], [1, 2]),
        ]
        data = os.path.join(root, f"test_data_set_{index}")
        os.makedirs(data, exist_ok=True)
        arrays = [("input_0", x)] + [(f"output_{i}", r.astype(np.float32))
                                     for i, r in enumerate(results)]
        for name, array in arrays:
            with open(os.path.join(data, name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(array).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
