"""Writes ONNX models that are wrong in one way each, for the importer's diagnostics tests."""
import os
import sys

from onnx import TensorProto, helper


def save(root, name, nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    with open(os.path.join(root, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def main(root):
    f32 = TensorProto.FLOAT
    x = helper.make_tensor_value_info("x", f32, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", f32, None)
    # libonnx's own shape inference segfaults on a rank-0 conv weight; llmc must refuse it first.
    scalar_weight = helper.make_tensor("w", f32, [], [1.0])
    save(root, "conv_scalar_weight", [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
         [x], [y], [scalar_weight])
    # Two unsupported nodes and supported ones around them, for --check; 'after' only misses
    # its input because strings1 failed, so --check does not report it.
    save(root, "unsupported",
         [helper.make_node("Relu", ["x"], ["r"], name="ok"),
          helper.make_node("Einsum", ["r", "r"], ["e"], name="einsum1", equation="ij,jk->ik"),
          helper.make_node("StringNormalizer", ["e"], ["s"], name="strings1"),
          helper.make_node("Relu", ["s"], ["y"], name="after")],
         [x], [y])
    save(root, "unknown_input", [helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
         [x], [y])
    save(root, "bad_reshape",
         [helper.make_node("Constant", [], ["s"], name="shape",
                           value=helper.make_tensor("s", TensorProto.INT64, [2], [5, 7])),
          helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")],
         [x], [y])
    save(root, "bad_arity", [helper.make_node("Add", ["x"], ["y"], name="add")], [x], [y])
    # A required input left out by name, and Pad from opset 11 (pads are an input since) with
    # the input count of opset 2: both once reached the importers with a missing operand
    # (found by llmc-fuzz-onnx).
    save(root, "unnamed_required", [helper.make_node("Add", ["x", ""], ["y"], name="add")],
         [x], [y])
    save(root, "pad_without_pads", [helper.make_node("Pad", ["x"], ["y"], name="pad")], [x], [y])
    # IsInf on integers: its infinity constant had no integer value (found by llmc-fuzz-onnx).
    ints = helper.make_tensor_value_info("x", TensorProto.INT8, [6])
    save(root, "isinf_int", [helper.make_node("IsInf", ["x"], ["y"], name="isinf")], [ints], [y])
    # Float values that become integer elements saturate, with NaN as 0: opset 2 Pad's fill
    # value of +-inf or NaN on integer tensors once went through a plain (undefined) cast.
    for name, element, value in [("pad_i32_inf", TensorProto.INT32, float("inf")),
                                 ("pad_u8_minus_inf", TensorProto.UINT8, float("-inf")),
                                 ("pad_i8_nan", TensorProto.INT8, float("nan")),
                                 ("pad_i16_fraction", TensorProto.INT16, -3.7)]:
        save(root, name,
             [helper.make_node("Pad", ["x"], ["y"], name="pad", pads=[1, 0], value=value)],
             [helper.make_tensor_value_info("x", element, [2])],
             [helper.make_tensor_value_info("y", element, [3])], opset=2)
    # Pads given at run time as a scalar instead of a list (found by llmc-fuzz-onnx).
    scalar_pads = helper.make_tensor_value_info("pads", TensorProto.INT64, [])
    save(root, "pad_scalar_pads", [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")],
         [x, scalar_pads], [y])
    save(root, "bad_pool",
         [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 3],
                           strides=[0, 1])],
         [x], [y])
    dynamic = helper.make_tensor_value_info("x", f32, ["batch", 3])
    save(root, "dynamic", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [dynamic], [y])
    with open(os.path.join(root, "garbage.onnx"), "wb") as f:
        f.write(b"\xff\xff\xff\xffthis is not a protobuf")


if __name__ == "__main__":
    main(sys.argv[1])
