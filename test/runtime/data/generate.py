#!/usr/bin/python3
"""Writes the tensor-file fixtures of the runtime tests with ONNX's and NumPy's own writers.

Run with Debian's python3 (it has python3-onnx and python3-numpy):
    /usr/bin/python3 test/runtime/data/generate.py
The tests check the values written here, so the fixtures come from the reference
implementations, not from llmc's writer.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))


def save_pb(name, tensor):
    with open(os.path.join(here, name), "wb") as f:
        f.write(tensor.SerializeToString())


# Typed fields (raw=False), as older exporters and onnx.helper write them.
save_pb("float_data.pb", helper.make_tensor("f", TensorProto.FLOAT, [2, 3], [1, 2, 3, 4, 5, 6.5]))
save_pb("int64_data.pb", helper.make_tensor("i64", TensorProto.INT64, [3], [-1, 0, 1 << 40]))
save_pb("int8_in_int32_data.pb", helper.make_tensor("i8", TensorProto.INT8, [3], [-128, 0, 127]))
save_pb("bool_in_int32_data.pb",
        helper.make_tensor("b", TensorProto.BOOL, [2, 2], [True, False, True, True]))
save_pb("float16_in_int32_data.pb",
        helper.make_tensor("h", TensorProto.FLOAT16, [3], np.array([1.0, -2.5, 65504], np.float16)))
save_pb("bfloat16_in_int32_data.pb",
        helper.make_tensor("bf", TensorProto.BFLOAT16, [2], [1.0, -3.0]))
save_pb("double_data.pb", helper.make_tensor("d", TensorProto.DOUBLE, [2], [0.1, -1e300]))
save_pb("uint64_data.pb",
        helper.make_tensor("u64", TensorProto.UINT64, [2], [0, (1 << 63) + 5]))
save_pb("uint32_in_uint64_data.pb",
        helper.make_tensor("u32", TensorProto.UINT32, [2], [7, 4000000000]))
save_pb("scalar_raw.pb", numpy_helper.from_array(np.array(3.25, np.float32), "s"))
save_pb("uint16_raw.pb", numpy_helper.from_array(np.array([[1, 65535]], np.uint16), "u16"))

np.save(os.path.join(here, "f32_2x3.npy"), np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
np.save(os.path.join(here, "bool_3.npy"), np.array([True, False, True]))
np.save(os.path.join(here, "i8_scalar.npy"), np.array(-7, np.int8))
np.save(os.path.join(here, "f16_2.npy"), np.array([0.5, -1.0], np.float16))
np.save(os.path.join(here, "u64_2.npy"), np.array([1, (1 << 64) - 1], np.uint64))
np.save(os.path.join(here, "fortran.npy"), np.asfortranarray(np.ones((2, 3), np.float32)))
np.save(os.path.join(here, "big_endian.npy"), np.array([1, 2], ">i4"))
np.save(os.path.join(here, "structured.npy"), np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]))
with open(os.path.join(here, "v2_header.npy"), "wb") as f:
    np.lib.format.write_array(f, np.array([[1, 2, 3]], np.int32), version=(2, 0))
