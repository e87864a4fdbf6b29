"""Writes an ONNX model (opset 13) of integer convolutions by constant 8-bit weights, which llmc
lowers to im2row plus the packed integer GEMM, and their expected outputs, exact in 64-bit
integers (numpy loops) and wrapped to int32:
  padded:    ConvInteger(x [1, 5, 11, 13] u8, w [7, 5, 3, 3] s8), pads 1, x_zero_point an input,
             so that the padding holds the zero point;
  strided:   ConvInteger(s [1, 3, 12, 12] s8, w [33, 3, 3, 2] u8), strides 2 and 1, dilation
             (1, 2), asymmetric pads, constant zero points (per filter for w);
  qlinear:   QLinearConv(x, w [40, 5, 3, 3] u8 with zero point 128, pads 1, i32 bias),
             requantized to u8 with scales that are powers of two, so that the float steps are
             exact."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def conv(x, w, strides, pads, dilations, x_zero, w_zero):
    """sum over c, i, j of (x - x_zero)[c, y*s + i*d - pad, ...] * (w - w_zero)[f, c, i, j]."""
    x = x.astype(np.int64)[0] - x_zero
    w = w.astype(np.int64) - np.asarray(w_zero, np.int64).reshape(-1, 1, 1, 1)
    c, h, wd = x.shape
    f, _, kh, kw = w.shape
    top, left, bottom, right = pads
    padded = np.zeros((c, h + top + bottom, wd + left + right), np.int64)
    padded[:, top:top + h, left:left + wd] = x
    oh = (h + top + bottom - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd + left + right - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((f, oh, ow), np.int64)
    for i in range(kh):
        for j in range(kw):
            window = padded[:, i * dilations[0]:i * dilations[0] + strides[0] * (oh - 1) + 1:
                            strides[0],
                            j * dilations[1]:j * dilations[1] + strides[1] * (ow - 1) + 1:
                            strides[1]]
            out += np.einsum("fc,cyx->fyx", w[:, :, i, j], window)
    return out[None]


def wrap(v):
    return (v & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def main(root):
    rng = np.random.default_rng(31)
    x = rng.integers(0, 256, (1, 5, 11, 13)).astype(np.uint8)
    x_zero = np.array(117, dtype=np.uint8)
    s = rng.integers(-128, 128, (1, 3, 12, 12)).astype(np.int8)
    w_padded = rng.integers(-128, 128, (7, 5, 3, 3)).astype(np.int8)
    w_strided = rng.integers(0, 256, (33, 3, 3, 2)).astype(np.uint8)
    w_strided_zero = rng.integers(0, 256, (33,)).astype(np.uint8)
    w_q = rng.integers(0, 256, (40, 5, 3, 3)).astype(np.uint8)
    bias = rng.integers(-5000, 5000, (40,)).astype(np.int32)
    inits = [numpy_helper.from_array(v, name) for v, name in [
        (w_padded, "w_padded"), (w_strided, "w_strided"), (w_strided_zero, "w_strided_zero"),
        (np.array(-9, dtype=np.int8), "s_zero"), (w_q, "w_q"),
        (np.array(128, dtype=np.uint8), "w_q_zero"), (bias, "bias"),
        (np.array(0.5, dtype=np.float32), "x_scale"), (np.array(0.25, dtype=np.float32), "w_scale"),
        (np.array(4.0, dtype=np.float32), "y_scale"), (np.array(100, dtype=np.uint8), "y_zero")]]
    nodes = [
        helper.make_node("ConvInteger", ["x", "w_padded", "x_zero"], ["padded"],
                         pads=[1, 1, 1, 1]),
        helper.make_node("ConvInteger", ["s", "w_strided", "s_zero", "w_strided_zero"],
                         ["strided"], strides=[2, 1], dilations=[1, 2], pads=[0, 1, 2, 0]),
        helper.make_node("QLinearConv", ["x", "x_scale", "x_zero", "w_q", "w_scale", "w_q_zero",
                                         "y_scale", "y_zero", "bias"], ["qlinear"],
                         pads=[1, 1, 1, 1]),
    ]
    padded = wrap(conv(x, w_padded, [1, 1], [1, 1, 1, 1], [1, 1], int(x_zero), 0))
    strided = wrap(conv(s, w_strided, [2, 1], [0, 1, 2, 0], [1, 2], -9, w_strided_zero))
    q = conv(x, w_q, [1, 1], [1, 1, 1, 1], [1, 1], int(x_zero), 128) + bias.reshape(1, -1, 1, 1)
    # q * (0.5 * 0.25 / 4) is exact; ONNX rounds half to even, as rint does.
    qlinear = np.clip(np.rint(q / 32.0) + 100, 0, 255).astype(np.uint8)
    u8, s8, i32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32
    graph = helper.make_graph(
        nodes, "integer_convs",
        [helper.make_tensor_value_info("x", u8, list(x.shape)),
         helper.make_tensor_value_info("x_zero", u8, []),
         helper.make_tensor_value_info("s", s8, list(s.shape))],
        [helper.make_tensor_value_info("padded", i32, list(padded.shape)),
         helper.make_tensor_value_info("strided", i32, list(strided.shape)),
         helper.make_tensor_value_info("qlinear", u8, list(qlinear.shape))],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    data = os.path.join(root, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for i, v in enumerate([x, x_zero, s]):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())
    for i, v in enumerate([padded, strided, qlinear]):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
