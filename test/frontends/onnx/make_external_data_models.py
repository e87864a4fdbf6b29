"""Writes small ONNX models whose initializer lives in external data, one per case, for the
external-data tests: a legitimate relative location and every kind of escape llmc refuses."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def model_with_location(path, location, offset=None, length=None):
    weight = TensorProto()
    weight.name = "w"
    weight.data_type = TensorProto.FLOAT
    weight.dims.extend([4])
    weight.data_location = TensorProto.EXTERNAL
    entries = {"location": location}
    if offset is not None:
        entries["offset"] = str(offset)
    if length is not None:
        entries["length"] = str(length)
    for key, value in entries.items():
        entry = weight.external_data.add()
        entry.key = key
        entry.value = value
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
        "external",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main(root):
    inside = os.path.join(root, "model")
    outside = os.path.join(root, "outside")
    os.makedirs(os.path.join(inside, "weights"), exist_ok=True)
    os.makedirs(outside, exist_ok=True)
    data = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32).tobytes()
    with open(os.path.join(inside, "weights", "w.bin"), "wb") as f:
        f.write(b"\0" * 16 + data)  # the tensor starts at offset 16
    with open(os.path.join(outside, "secret.bin"), "wb") as f:
        f.write(data)
    link = os.path.join(inside, "link.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.join(outside, "secret.bin"), link)

    model_with_location(os.path.join(inside, "good.onnx"), "weights/w.bin", offset=16, length=16)
    model_with_location(os.path.join(inside, "dotdot.onnx"), "../outside/secret.bin")
    model_with_location(os.path.join(inside, "absolute.onnx"), os.path.join(outside, "secret.bin"))
    model_with_location(os.path.join(inside, "symlink.onnx"), "link.bin")
    model_with_location(os.path.join(inside, "empty.onnx"), "")
    model_with_location(os.path.join(inside, "nul.onnx"), "weights/w.bin\0.txt")
    model_with_location(os.path.join(inside, "past-end.onnx"), "weights/w.bin", offset=16, length=32)
    model_with_location(os.path.join(inside, "missing.onnx"), "weights/none.bin")

    x = helper.make_tensor("x", TensorProto.FLOAT, [4], [10.0, 20.0, 30.0, 40.0])
    y = helper.make_tensor("y", TensorProto.FLOAT, [4], [11.0, 22.0, 33.0, 44.0])
    with open(os.path.join(root, "x.pb"), "wb") as f:
        f.write(x.SerializeToString())
    os.makedirs(os.path.join(root, "expected"), exist_ok=True)
    with open(os.path.join(root, "expected", "output_0.pb"), "wb") as f:
        f.write(y.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
