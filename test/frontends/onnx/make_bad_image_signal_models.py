"""Writes resampling and signal models that are wrong in one way each, for the importer's
diagnostics tests."""
import os
import sys

from onnx import TensorProto, helper


def save(root, name, node, inputs, initializers=(), opset=13):
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([node], name, inputs, [y], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    with open(os.path.join(root, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def main(root):
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    x = helper.make_tensor_value_info("x", f32, [1, 3, 8, 8])
    scales = helper.make_tensor("scales", f32, [4], [1, 1, 2, 2])
    save(root, "resize_mode",
         helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize", mode="area"),
         [x], [scales])
    save(root, "resize_scales_length",
         helper.make_node("Resize", ["x", "", "short"], ["y"], name="resize"),
         [x], [helper.make_tensor("short", f32, [2], [2, 2])])
    save(root, "resize_negative_scale",
         helper.make_node("Resize", ["x", "", "bad"], ["y"], name="resize"),
         [x], [helper.make_tensor("bad", f32, [4], [1, 1, -2, 2])])
    save(root, "resize_crop_without_roi",
         helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize",
                          coordinate_transformation_mode="tf_crop_and_resize"),
         [x], [scales])
    save(root, "grid_sample_padding",
         helper.make_node("GridSample", ["x", "grid"], ["y"], name="sample",
                          padding_mode="wrap"),
         [x, helper.make_tensor_value_info("grid", f32, [1, 4, 4, 2])], opset=16)
    save(root, "grid_sample_grid",
         helper.make_node("GridSample", ["x", "grid"], ["y"], name="sample"),
         [x, helper.make_tensor_value_info("grid", f32, [1, 4, 4, 3])], opset=16)
    save(root, "roi_align_rois",
         helper.make_node("RoiAlign", ["x", "rois", "batch"], ["y"], name="roi"),
         [x, helper.make_tensor_value_info("rois", f32, [2, 5]),
          helper.make_tensor_value_info("batch", i64, [2])], opset=16)
    signal = helper.make_tensor_value_info("signal", f32, [1, 16, 3])
    save(root, "dft_signal", helper.make_node("DFT", ["signal"], ["y"], name="dft", axis=1),
         [signal], opset=17)
    save(root, "dft_axis",
         helper.make_node("DFT", ["s"], ["y"], name="dft", axis=2),
         [helper.make_tensor_value_info("s", f32, [1, 16, 1])], opset=17)
    save(root, "stft_step",
         helper.make_node("STFT", ["s", "step", "", "length"], ["y"], name="stft"),
         [helper.make_tensor_value_info("s", f32, [1, 16, 1])],
         [helper.make_tensor("step", i64, [], [0]), helper.make_tensor("length", i64, [], [4])],
         opset=17)
    save(root, "window_size",
         helper.make_node("HannWindow", ["size"], ["y"], name="hann"),
         [], [helper.make_tensor("size", f32, [], [8.0])], opset=17)


if __name__ == "__main__":
    main(sys.argv[1])
