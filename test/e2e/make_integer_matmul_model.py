"""Writes an ONNX model (opset 13) of integer products by constant 8-bit weights, which llmc
lowers to the packed integer GEMM kernel, and their expected outputs, exact in 64-bit integers
and wrapped to int32:
  by_s8:     MatMulInteger(a [97, 301] u8, w [301, 70] s8, a_zero_point an input);
  by_u8:     MatMulInteger(a, w [301, 257] u8, a_zero_point an input, per-column w zero points),
             whose columns the compiler stores as int8 plus an offset;
  batched:   MatMulInteger(s [2, 33, 130] s8, w [130, 40] s8, constant zero points -3 and 5);
  qlinear:   QLinearMatMul(a, w [301, 64] u8 with zero point 128), requantized to u8 with scales
             that are powers of two, so that the float steps are exact;
  small:     MatMulInteger([3, 5] u8, [5, 4] s8), too small for the kernel (linalg loops)."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main(root):
    rng = np.random.default_rng(23)
    a = rng.integers(0, 256, (97, 301)).astype(np.uint8)
    a_zero = np.array(131, dtype=np.uint8)
    s = rng.integers(-128, 128, (2, 33, 130)).astype(np.int8)
    t = rng.integers(0, 256, (3, 5)).astype(np.uint8)
    w_s8 = rng.integers(-128, 128, (301, 70)).astype(np.int8)
    w_u8 = rng.integers(0, 256, (301, 257)).astype(np.uint8)
    w_u8_zero = rng.integers(0, 256, (257,)).astype(np.uint8)
    w_batched = rng.integers(-128, 128, (130, 40)).astype(np.int8)
    w_q = rng.integers(0, 256, (301, 64)).astype(np.uint8)
    w_small = rng.integers(-128, 128, (5, 4)).astype(np.int8)
    inits = [numpy_helper.from_array(v, name) for v, name in [
        (w_s8, "w_s8"), (w_u8, "w_u8"), (w_u8_zero, "w_u8_zero"), (w_batched, "w_batched"),
        (np.array(-3, dtype=np.int8), "s_zero"), (np.array(5, dtype=np.int8), "w_batched_zero"),
        (w_q, "w_q"), (np.array(128, dtype=np.uint8), "w_q_zero"),
        (np.array(0.5, dtype=np.float32), "a_scale"), (np.array(0.25, dtype=np.float32), "w_scale"),
        (np.array(4.0, dtype=np.float32), "y_scale"), (np.array(100, dtype=np.uint8), "y_zero"),
        (w_small, "w_small")]]
    nodes = [
        helper.make_node("MatMulInteger", ["a", "w_s8", "a_zero"], ["by_s8"]),
        helper.make_node("MatMulInteger", ["a", "w_u8", "a_zero", "w_u8_zero"], ["by_u8"]),
        helper.make_node("MatMulInteger", ["s", "w_batched", "s_zero", "w_batched_zero"],
                         ["batched"]),
        helper.make_node("QLinearMatMul", ["a", "a_scale", "a_zero", "w_q", "w_scale", "w_q_zero",
                                           "y_scale", "y_zero"], ["qlinear"]),
        helper.make_node("MatMulInteger", ["t", "w_small"], ["small"]),
    ]
    u8, s8, i32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32
    graph = helper.make_graph(
        nodes, "integer_matmuls",
        [helper.make_tensor_value_info("a", u8, list(a.shape)),
         helper.make_tensor_value_info("a_zero", u8, []),
         helper.make_tensor_value_info("s", s8, list(s.shape)),
         helper.make_tensor_value_info("t", u8, list(t.shape))],
        [helper.make_tensor_value_info("by_s8", i32, [97, 70]),
         helper.make_tensor_value_info("by_u8", i32, [97, 257]),
         helper.make_tensor_value_info("batched", i32, [2, 33, 40]),
         helper.make_tensor_value_info("qlinear", u8, [97, 64]),
         helper.make_tensor_value_info("small", i32, [3, 4])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())

    def wrap(v):
        return (v & 0xFFFFFFFF).astype(np.uint32).view(np.int32)

    i64 = np.int64
    centered = a.astype(i64) - int(a_zero)
    q = centered @ (w_q.astype(i64) - 128)
    outputs = [
        wrap(centered @ w_s8.astype(i64)),
        wrap(centered @ (w_u8.astype(i64) - w_u8_zero.astype(i64))),
        wrap((s.astype(i64) + 3) @ (w_batched.astype(i64) - 5)),
        # q * (0.5 * 0.25 / 4) is exact; ONNX rounds half to even, as rint does.
        np.clip(np.rint(q / 32.0) + 100, 0, 255).astype(np.uint8),
        wrap(t.astype(i64) @ w_small.astype(i64)),
    ]
    data = os.path.join(root, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for i, v in enumerate([a, a_zero, s, t]):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())
    for i, v in enumerate(outputs):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
