"""Writes two ONNX models whose resampling and signal parameters are constants, as exported
models have them (static output shapes, axes left out when a unit scale copies them, DFTs as
twiddle-matrix products), one input with a dimension known only at run time, and their
expected outputs from ONNX's reference implementation (Resize) and numpy (DFT, STFT,
windows)."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx.backend.test.case.node.resize import (cubic_coeffs, interpolate_nd, linear_coeffs,
                                                nearest_coeffs)

F32 = TensorProto.FLOAT


def write(root, name, nodes, inputs, outputs, initializers, opset, feeds, expected):
    graph = helper.make_graph(nodes, name, inputs,
                              [helper.make_tensor_value_info(n, F32, None) for n in outputs],
                              [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    folder = os.path.join(root, name)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for i, x in enumerate(feeds):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x).SerializeToString())
    for i, y in enumerate(expected):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(y, dtype=np.float32)).SerializeToString())


def image(root, rng):
    x = rng.standard_normal((1, 2, 5, 7)).astype(np.float32)
    tall = rng.standard_normal((1, 1, 3, 4)).astype(np.float32)  # H is dynamic in the model
    scales_linear = np.array([1, 1, 2, 1.5], dtype=np.float32)
    scales_cubic = np.array([1, 1, 0.6, 1.5], dtype=np.float32)
    sizes_nearest = np.array([1, 2, 9, 3], dtype=np.int64)
    scales_tall = np.array([1, 1, 2, 2], dtype=np.float32)
    empty = np.zeros((0,), dtype=np.float32)
    nodes = [
        helper.make_node("Resize", ["x", "", "scales_linear"], ["linear"], mode="linear"),
        helper.make_node("Resize", ["x", "", "scales_cubic"], ["cubic"], mode="cubic",
                         coordinate_transformation_mode="align_corners"),
        helper.make_node("Resize", ["x", "empty", "empty", "sizes_nearest"], ["nearest"],
                         mode="nearest", coordinate_transformation_mode="asymmetric",
                         nearest_mode="round_prefer_ceil"),
        helper.make_node("Resize", ["tall", "", "scales_tall"], ["tall_linear"], mode="linear",
                         coordinate_transformation_mode="pytorch_half_pixel"),
    ]
    expected = [
        interpolate_nd(x, linear_coeffs, scale_factors=scales_linear),
        interpolate_nd(x, lambda r: cubic_coeffs(r), scale_factors=scales_cubic,
                       coordinate_transformation_mode="align_corners"),
        interpolate_nd(x, lambda r: nearest_coeffs(r, mode="round_prefer_ceil"),
                       output_size=sizes_nearest, coordinate_transformation_mode="asymmetric"),
        interpolate_nd(tall, linear_coeffs, scale_factors=scales_tall,
                       coordinate_transformation_mode="pytorch_half_pixel"),
    ]
    inputs = [helper.make_tensor_value_info("x", F32, [1, 2, 5, 7]),
              helper.make_tensor_value_info("tall", F32, [1, 1, "H", 4])]
    initializers = {"scales_linear": scales_linear, "scales_cubic": scales_cubic,
                    "sizes_nearest": sizes_nearest, "scales_tall": scales_tall, "empty": empty}
    write(root, "image", nodes, inputs, ["linear", "cubic", "nearest", "tall_linear"],
          initializers, 13, [x, tall], expected)


def signal(root, rng):
    x = rng.standard_normal((2, 3, 8, 1)).astype(np.float32)  # batch is dynamic in the model
    audio = rng.standard_normal((1, 64, 1)).astype(np.float32)
    dft_length = np.array(10, dtype=np.int64)
    hop = np.array(16, dtype=np.int64)
    size = np.array(32, dtype=np.int64)
    nodes = [
        helper.make_node("DFT", ["x", "dft_length"], ["dft"], axis=2, onesided=1),
        helper.make_node("HannWindow", ["size"], ["window"]),
        helper.make_node("STFT", ["audio", "hop", "window"], ["stft"]),
        helper.make_node("BlackmanWindow", ["size"], ["blackman"], periodic=0),
    ]
    spectrum = np.fft.fft(x[..., 0], n=10, axis=2)[:, :, :6]
    n = np.arange(32)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / 32)
    frames = np.stack([audio[0, f * 16:f * 16 + 32, 0] * hann for f in range(3)])
    stft = np.fft.fft(frames, axis=1)[:, :17]
    blackman = 0.42 - 0.5 * np.cos(2 * np.pi * n / 31) + 0.08 * np.cos(4 * np.pi * n / 31)
    expected = [np.stack([spectrum.real, spectrum.imag], axis=-1),
                np.stack([stft.real, stft.imag], axis=-1)[None], blackman]
    inputs = [helper.make_tensor_value_info("x", F32, ["N", 3, 8, 1]),
              helper.make_tensor_value_info("audio", F32, [1, 64, 1])]
    initializers = {"dft_length": dft_length, "hop": hop, "size": size}
    write(root, "signal", nodes, inputs, ["dft", "stft", "blackman"], initializers, 17,
          [x, audio], expected)


def main(root):
    rng = np.random.default_rng(7)
    image(root, rng)
    signal(root, rng)


if __name__ == "__main__":
    main(sys.argv[1])
