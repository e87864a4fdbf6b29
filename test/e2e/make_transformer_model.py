"""Writes a small transformer block whose inputs have symbolic batch and sequence dims, built
with the exporter chains of dynamic-axes models (Shape -> Gather -> Unsqueeze -> Concat ->
Reshape, Range for positions, Expand of a causal mask, Slice of the last position), and test
data sets of two sequence lengths whose expected outputs are computed here with NumPy. Also
writes a Reshape whose shape is an input (with a shape that does not hold the data), and opset
18 reductions whose axes are an input."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

D_MODEL, HEADS, HEAD_DIM, MAX_POSITIONS = 8, 2, 4, 16


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name,
                            value=numpy_helper.from_array(np.asarray(array), name))


def transformer(root, rng):
    weights = {name: (rng.standard_normal((D_MODEL, D_MODEL)) * 0.3).astype(np.float32)
               for name in ["wq", "wk", "wv", "wo"]}
    table = (rng.standard_normal((MAX_POSITIONS, D_MODEL)) * 0.1).astype(np.float32)
    nodes = [
        const("zero", np.array(0, np.int64)), const("one", np.array(1, np.int64)),
        const("idx0", np.array(0, np.int64)), const("idx1", np.array(1, np.int64)),
        const("heads", np.array([HEADS, HEAD_DIM], np.int64)),
        const("merged", np.array([0, 0, -1], np.int64)),
        const("unit", np.array([1], np.int64)),
        const("neg_inf", np.array(-1e9, np.float32)), const("no_mask", np.array(0, np.float32)),
        const("last_start", np.array([-1], np.int64)),
        const("last_end", np.array([np.iinfo(np.int64).max], np.int64)),
        const("seq_axis", np.array([1], np.int64)),
        # Positions: Range(0, seq) gathers the position table.
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "idx0"], ["batch"], name="batch", axis=0),
        helper.make_node("Gather", ["shape", "idx1"], ["seq"], name="seq", axis=0),
        helper.make_node("Range", ["zero", "seq", "one"], ["positions"], name="positions"),
        helper.make_node("Gather", ["table", "positions"], ["pe"], name="pe", axis=0),
        helper.make_node("Add", ["x", "pe"], ["h"], name="h"),
        # Heads: Reshape to [batch, seq, heads, head_dim] from the run-time shape.
        helper.make_node("Unsqueeze", ["batch", "idx0_axes"], ["batch1"], name="batch1"),
        helper.make_node("Unsqueeze", ["seq", "idx0_axes"], ["seq1"], name="seq1"),
        helper.make_node("Concat", ["batch1", "seq1", "heads"], ["split_shape"], name="split_shape",
                         axis=0),
    ]
    for name in ["q", "k", "v"]:
        nodes += [
            helper.make_node("MatMul", ["h", "w" + name], [name], name=name),
            helper.make_node("Reshape", [name, "split_shape"], [name + "4"], name=name + "4"),
            helper.make_node("Transpose", [name + "4"], [name + "h"], name=name + "h",
                             perm=[0, 2, 1, 3]),
        ]
    nodes += [
        helper.make_node("Transpose", ["kh"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["qh", "kt"], ["raw"], name="raw"),
        helper.make_node("Mul", ["raw", "scale"], ["scores"], name="scores"),
        # Causal mask [seq, seq], expanded to [batch, 1, seq, seq].
        helper.make_node("Unsqueeze", ["positions", "idx1_axes"], ["rows"], name="rows"),
        helper.make_node("Unsqueeze", ["positions", "idx0_axes"], ["cols"], name="cols"),
        helper.make_node("Less", ["rows", "cols"], ["future"], name="future"),
        helper.make_node("Where", ["future", "neg_inf", "no_mask"], ["mask"], name="mask"),
        helper.make_node("Concat", ["batch1", "unit", "seq1", "seq1"], ["mask_shape"],
                         name="mask_shape", axis=0),
        helper.make_node("Expand", ["mask", "mask_shape"], ["mask4"], name="mask4"),
        helper.make_node("Add", ["scores", "mask4"], ["masked"], name="masked"),
        helper.make_node("Softmax", ["masked"], ["probs"], name="probs", axis=-1),
        helper.make_node("MatMul", ["probs", "vh"], ["ctx"], name="ctx"),
        helper.make_node("Transpose", ["ctx"], ["ctx_t"], name="ctx_t", perm=[0, 2, 1, 3]),
        # Merge the heads with 0 (copy) and -1 (derived) over two dims unknown at compile time.
        helper.make_node("Reshape", ["ctx_t", "merged"], ["ctx_m"], name="ctx_m"),
        helper.make_node("MatMul", ["ctx_m", "wo"], ["proj"], name="proj"),
        helper.make_node("Add", ["proj", "h"], ["y"], name="y"),
        helper.make_node("Slice", ["y", "last_start", "last_end", "seq_axis"], ["last"],
                         name="last"),
    ]
    initializers = [numpy_helper.from_array(w, n) for n, w in weights.items()] + [
        numpy_helper.from_array(table, "table"),
        numpy_helper.from_array(np.array(1 / np.sqrt(HEAD_DIM), np.float32), "scale"),
        numpy_helper.from_array(np.array([0], np.int64), "idx0_axes"),
        numpy_helper.from_array(np.array([1], np.int64), "idx1_axes"),
    ]
    graph = helper.make_graph(
        nodes, "dynamic_transformer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "sequence", D_MODEL])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "sequence", D_MODEL]),
         helper.make_tensor_value_info("last", TensorProto.FLOAT, ["batch", 1, D_MODEL])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "transformer.onnx"), "wb") as f:
        f.write(model.SerializeToString())

    for index, (batch, seq) in enumerate([(2, 5), (1, 3)]):
        x = rng.standard_normal((batch, seq, D_MODEL)).astype(np.float32)
        h = x.astype(np.float64) + table[:seq]

        def heads(w):
            return (h @ w).reshape(batch, seq, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)

        q, k, v = heads(weights["wq"]), heads(weights["wk"]), heads(weights["wv"])
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(HEAD_DIM)
        scores = scores + np.where(np.arange(seq)[:, None] < np.arange(seq)[None, :], -1e9, 0.0)
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = e / e.sum(axis=-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, D_MODEL)
        y = ctx @ weights["wo"] + h
        write_set(os.path.join(root, f"transformer_set_{index}"),
                  [x], [y.astype(np.float32), y[:, -1:, :].astype(np.float32)])


def bad_reshape(root):
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["data", "shape"], ["out"], name="reshape")],
        "run_time_reshape",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["n"]),
         helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [None, None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(os.path.join(root, "reshape.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    data = np.arange(6, dtype=np.float32)
    write_set(os.path.join(root, "reshape_good"), [data, np.array([3, -1], np.int64)],
              [data.reshape(3, 2)])
    write_set(os.path.join(root, "reshape_bad"), [data, np.array([4, 2], np.int64)], [])


def reductions(root, rng):
    """Opset 18 reductions take their axes as an input, here known only at run time."""
    kinds = ["ReduceMean", "ReduceMax", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"]
    graph = helper.make_graph(
        [helper.make_node(kind, ["x", "axes"], [kind], name=kind, keepdims=0) for kind in kinds],
        "run_time_axes",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
         helper.make_tensor_value_info("axes", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info(kind, TensorProto.FLOAT, None) for kind in kinds])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    with open(os.path.join(root, "reduce18.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    axes = np.array([-1, 0], np.int64)
    t = tuple(int(a) for a in axes)
    x64 = x.astype(np.float64)
    expected = [x64.mean(axis=t), x64.max(axis=t), np.sqrt((x64 ** 2).sum(axis=t)),
                np.log(np.exp(x64).sum(axis=t)), (x64 ** 2).sum(axis=t)]
    write_set(os.path.join(root, "reduce18_set"), [x, axes],
              [e.astype(np.float32) for e in expected])


def write_set(directory, inputs, outputs):
    os.makedirs(directory, exist_ok=True)
    for kind, arrays in [("input", inputs), ("output", outputs)]:
        for index, array in enumerate(arrays):
            with open(os.path.join(directory, f"{kind}_{index}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(array)).SerializeToString())


def main(root):
    rng = np.random.default_rng(7)
    transformer(root, rng)
    bad_reshape(root)
    reductions(root, rng)


if __name__ == "__main__":
    main(sys.argv[1])
