"""Writes ONNX models with the If patterns of exported voice-activity detectors (Silero VAD):
branches that read their own initializers, Ifs on shapes that are known at compile time and
whose other branch does not fit the graph, and Ifs whose branches return different ranks.
Each model goes in its own folder with data sets and NumPy expected outputs."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

F32, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name + "_node",
                            value=numpy_helper.from_array(np.asarray(array), name))


def save(root, name, graph, datasets):
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)])
    model.ir_version = 8
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for index, (inputs, outputs) in enumerate(datasets):
        data = os.path.join(folder, f"test_data_set_{index}")
        os.makedirs(data, exist_ok=True)
        for kind, arrays in (("input", inputs), ("output", outputs)):
            for i, array in enumerate(arrays):
                with open(os.path.join(data, f"{kind}_{i}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(np.asarray(array)).SerializeToString())


def branch_initializers(root, rng):
    """As silero_vad_v4: the branches' nodes read initializers of their own subgraph (an index
    into a shape, a bias), one of them inside a nested If."""
    then_graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["shape"]),
         helper.make_node("Gather", ["shape", "column_index"], ["columns"], axis=0),
         helper.make_node("Cast", ["columns"], ["scale"], to=F32),
         helper.make_node("Mul", ["x", "scale"], ["scaled"]),
         helper.make_node("Add", ["scaled", "then_bias"], ["then_out"])],
        "then_body", [], [helper.make_tensor_value_info("then_out", F32, [2, 3])],
        initializer=[numpy_helper.from_array(np.array(1, dtype=np.int64), "column_index"),
                     numpy_helper.from_array(np.array([0.5, -1, 2], dtype=np.float32),
                                             "then_bias")])
    inner_then = helper.make_graph(
        [helper.make_node("Sub", ["x", "inner_offset"], ["inner_out"])],
        "inner_then", [], [helper.make_tensor_value_info("inner_out", F32, [2, 3])],
        initializer=[numpy_helper.from_array(np.array([[3], [-4]], dtype=np.float32),
                                             "inner_offset")])
    inner_else = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["inner_neg"])],
        "inner_else", [], [helper.make_tensor_value_info("inner_neg", F32, [2, 3])])
    else_graph = helper.make_graph(
        [helper.make_node("If", ["inner_cond"], ["else_out"], then_branch=inner_then,
                          else_branch=inner_else)],
        "else_body", [], [helper.make_tensor_value_info("else_out", F32, [2, 3])])
    graph = helper.make_graph(
        [helper.make_node("If", ["cond"], ["y"], name="outer_if", then_branch=then_graph,
                          else_branch=else_graph)],
        "branch_initializers",
        [helper.make_tensor_value_info("cond", BOOL, []),
         helper.make_tensor_value_info("inner_cond", BOOL, []),
         helper.make_tensor_value_info("x", F32, [2, 3])],
        [helper.make_tensor_value_info("y", F32, [2, 3])])
    datasets = []
    for cond, inner in [(True, False), (False, True), (False, False)]:
        x = rng.standard_normal((2, 3)).astype(np.float32)
        if cond:
            y = x * 3 + np.array([0.5, -1, 2], dtype=np.float32)
        elif inner:
            y = x - np.array([[3], [-4]], dtype=np.float32)
        else:
            y = -x
        datasets.append(([np.array(cond), np.array(inner), x], [y.astype(np.float32)]))
    save(root, "branch_initializers", graph, datasets)


def shape_condition(root, rng):
    """An If on the input's rank, known at compile time: the branch taken makes the value rank
    3 for a Transpose that only fits rank 3; the other branch would not fit."""
    then_graph = helper.make_graph(
        [const("axis0", [0]), helper.make_node("Unsqueeze", ["x", "axis0"], ["expanded"])],
        "then_body", [], [helper.make_tensor_value_info("expanded", F32, None)])
    else_graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["same"])],
        "else_body", [], [helper.make_tensor_value_info("same", F32, None)])
    graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["shape"]),
         helper.make_node("Size", ["shape"], ["rank"]),
         const("two", np.array(2, dtype=np.int64)),
         helper.make_node("Equal", ["rank", "two"], ["is_matrix"]),
         helper.make_node("Not", ["is_matrix"], ["not_matrix"]),
         helper.make_node("Not", ["not_matrix"], ["matrix"]),
         helper.make_node("Cast", ["matrix"], ["cond"], to=BOOL),
         helper.make_node("If", ["cond"], ["batched"], name="rank_if", then_branch=then_graph,
                          else_branch=else_graph),
         helper.make_node("Transpose", ["batched"], ["y"], perm=[1, 0, 2])],
        "shape_condition", [helper.make_tensor_value_info("x", F32, ["n", 4])],
        [helper.make_tensor_value_info("y", F32, ["n", 1, 4])])
    datasets = []
    for n in (3, 1):
        x = rng.standard_normal((n, 4)).astype(np.float32)
        datasets.append(([x], [x[:, None, :]]))
    save(root, "shape_condition", graph, datasets)


def squeeze_last_if_one(name, output_nodes):
    """x [n, 4, t] with its last dim squeezed when it is 1 (the If has rank 2 or 3), then
    `output_nodes` on the If's output 'squeezed'."""
    then_graph = helper.make_graph(
        [const(name + "_last", [-1]), helper.make_node("Squeeze", ["x", name + "_last"],
                                                       ["dropped"])],
        name + "_then", [], [helper.make_tensor_value_info("dropped", F32, None)])
    else_graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["kept"])],
        name + "_else", [], [helper.make_tensor_value_info("kept", F32, None)])
    return [helper.make_node("Shape", ["x"], ["x_shape"]),
            const(name + "_minus_one", [-1]),
            helper.make_node("Gather", ["x_shape", name + "_minus_one"], ["last"], axis=0),
            const(name + "_one", [1]),
            helper.make_node("Equal", ["last", name + "_one"], ["last_is_one"]),
            helper.make_node("If", ["last_is_one"], ["squeezed"], name="squeeze_if",
                             then_branch=then_graph, else_branch=else_graph)] + output_nodes


def rank_split(root, rng):
    """As silero_vad_v5's decoder: an If whose branches return ranks 2 and 3, decided at run
    time by a dynamic dim, with later Ifs on the rank. It sits in a branch of an outer If on a
    run-time flag, so the rest of that branch continues once per rank."""
    after = [
        helper.make_node("ReduceSum", ["squeezed", "axis1"], ["summed"], keepdims=0),
        helper.make_node("Shape", ["summed"], ["summed_shape"]),
        helper.make_node("Size", ["summed_shape"], ["summed_rank"]),
        helper.make_node("Equal", ["summed_rank", "one_scalar"], ["is_vector"]),
        helper.make_node("If", ["is_vector"], ["matrix"], name="rank_if",
                         then_branch=helper.make_graph(
                             [helper.make_node("Unsqueeze", ["summed", "axis1"], ["column"])],
                             "vector_then", [],
                             [helper.make_tensor_value_info("column", F32, None)]),
                         else_branch=helper.make_graph(
                             [helper.make_node("Identity", ["summed"], ["wide"])],
                             "vector_else", [], [helper.make_tensor_value_info("wide", F32, None)])),
        helper.make_node("ReduceMax", ["matrix"], ["flag_out"], axes=[1], keepdims=0)]
    flag_then = helper.make_graph(
        [const("axis1", [1]), const("one_scalar", np.array(1, dtype=np.int64))] +
        squeeze_last_if_one("split", after),
        "flag_then", [], [helper.make_tensor_value_info("flag_out", F32, None)])
    flag_else = helper.make_graph(
        [helper.make_node("ReduceMin", ["x"], ["low"], axes=[1, 2], keepdims=0)],
        "flag_else", [], [helper.make_tensor_value_info("low", F32, None)])
    graph = helper.make_graph(
        [helper.make_node("If", ["flag"], ["y"], name="flag_if", then_branch=flag_then,
                          else_branch=flag_else)],
        "rank_split",
        [helper.make_tensor_value_info("flag", BOOL, []),
         helper.make_tensor_value_info("x", F32, ["n", 4, "t"])],
        [helper.make_tensor_value_info("y", F32, ["n"])])
    datasets = []
    for flag, n, t in [(True, 2, 1), (True, 3, 5), (False, 2, 3)]:
        x = rng.standard_normal((n, 4, t)).astype(np.float32)
        if not flag:
            y = x.min(axis=(1, 2))
        elif t == 1:
            y = x[:, :, 0].astype(np.float64).sum(axis=1)
        else:
            y = x.astype(np.float64).sum(axis=1).max(axis=1)
        datasets.append(([np.array(flag), x], [y.astype(np.float32)]))
    save(root, "rank_split", graph, datasets)


def rank_split_one_way(root, rng):
    """As silero_vad_v5 with a dynamic input length: the If returns rank 3 when the last dim is
    not 1, after which a node needs rank 2, so only the squeezed path can run; the other fails
    at run time with the reason, as in ONNX Runtime."""
    nodes = squeeze_last_if_one("one_way", [
        helper.make_node("Transpose", ["squeezed"], ["y"], name="needs_matrix", perm=[1, 0])])
    graph = helper.make_graph(
        nodes, "rank_split_one_way", [helper.make_tensor_value_info("x", F32, ["n", 4, "t"])],
        [helper.make_tensor_value_info("y", F32, [4, "n"])])
    x = rng.standard_normal((3, 4, 1)).astype(np.float32)
    save(root, "rank_split_one_way", graph, [([x], [x[:, :, 0].T.copy()])])
    # The input whose run takes the path that cannot run: no expected output.
    bad = rng.standard_normal((3, 4, 2)).astype(np.float32)
    with open(os.path.join(root, "rank_split_one_way", "bad_input.pb"), "wb") as f:
        f.write(numpy_helper.from_array(bad).SerializeToString())


def many_rank_splits(root):
    """Five Ifs in a row, each on a run-time flag, that add a dim or not: the rest of the graph
    would be imported 2^5 times, past the importer's bound, so the model is rejected."""
    nodes, inputs = [const("axis0", [0])], []
    value = "x"
    for i in range(5):
        then_graph = helper.make_graph(
            [helper.make_node("Unsqueeze", [value, "axis0"], [f"more_{i}"])], f"then_{i}", [],
            [helper.make_tensor_value_info(f"more_{i}", F32, None)])
        else_graph = helper.make_graph(
            [helper.make_node("Identity", [value], [f"same_{i}"])], f"else_{i}", [],
            [helper.make_tensor_value_info(f"same_{i}", F32, None)])
        nodes.append(helper.make_node("If", [f"flag_{i}"], [f"y_{i}"], name=f"split_{i}",
                                      then_branch=then_graph, else_branch=else_graph))
        inputs.append(helper.make_tensor_value_info(f"flag_{i}", BOOL, []))
        value = f"y_{i}"
    nodes.append(helper.make_node("ReduceSum", [value], ["total"], keepdims=0))
    graph = helper.make_graph(nodes, "many_rank_splits",
                              inputs + [helper.make_tensor_value_info("x", F32, [3])],
                              [helper.make_tensor_value_info("total", F32, [])])
    save(root, "many_rank_splits", graph, [])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_reference(x, w, r, b, h, c):
    """ONNX LSTM, one forward direction, gates i, o, f, c."""
    hidden = h.shape[-1]
    outputs = []
    for t in range(x.shape[0]):
        gates = x[t] @ w.T + h @ r.T + b[:4 * hidden] + b[4 * hidden:]
        i, o, f, g = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs)[:, None], h[None], c[None]


def gru_reference(x, w, r, b, lengths, reverse):
    """ONNX GRU, one direction, gates z, r, h, zero initial state, masked by lengths."""
    hidden = r.shape[-1]
    h = np.zeros((x.shape[1], hidden))
    outputs = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        xw = x[t] @ w.T + b[:3 * hidden]
        hr = h @ r.T + b[3 * hidden:]
        z = sigmoid(xw[:, :hidden] + hr[:, :hidden])
        reset = sigmoid(xw[:, hidden:2 * hidden] + hr[:, hidden:2 * hidden])
        candidate = np.tanh(xw[:, 2 * hidden:] + (reset * h) @ r[2 * hidden:].T +
                            b[3 * hidden + 2 * hidden:])
        new_h = (1 - z) * candidate + z * h
        active = (lengths > t)[:, None]
        h = np.where(active, new_h, h)
        outputs[t] = np.where(active, new_h, 0)
    return np.stack(outputs), h


def recurrent_dynamic(root, rng):
    """As silero_vad_v4's LSTMs: the sequence (frames) and batch known only at run time, so the
    steps run as a loop; a bidirectional GRU with per-batch lengths and no initial state."""
    size, hidden = 3, 4
    w = rng.standard_normal((1, 4 * hidden, size)).astype(np.float32) * 0.5
    r = rng.standard_normal((1, 4 * hidden, hidden)).astype(np.float32) * 0.5
    b = rng.standard_normal((1, 8 * hidden)).astype(np.float32) * 0.5
    graph = helper.make_graph(
        [helper.make_node("LSTM", ["x", "w", "r", "b", "", "h0", "c0"], ["y", "yh", "yc"],
                          name="lstm", hidden_size=hidden)],
        "lstm_dynamic",
        [helper.make_tensor_value_info("x", F32, ["sequence", "batch", size]),
         helper.make_tensor_value_info("h0", F32, [1, "batch", hidden]),
         helper.make_tensor_value_info("c0", F32, [1, "batch", hidden])],
        [helper.make_tensor_value_info("y", F32, ["sequence", 1, "batch", hidden]),
         helper.make_tensor_value_info("yh", F32, [1, "batch", hidden]),
         helper.make_tensor_value_info("yc", F32, [1, "batch", hidden])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(r, "r"),
                     numpy_helper.from_array(b, "b")])
    datasets = []
    for steps, batch in [(3, 2), (1, 1), (6, 3)]:
        x = rng.standard_normal((steps, batch, size)).astype(np.float32)
        h0 = rng.standard_normal((1, batch, hidden)).astype(np.float32)
        c0 = rng.standard_normal((1, batch, hidden)).astype(np.float32)
        y, yh, yc = lstm_reference(x.astype(np.float64), w[0], r[0], b[0], h0[0], c0[0])
        datasets.append(([x, h0, c0], [a.astype(np.float32) for a in (y, yh, yc)]))
    save(root, "lstm_dynamic", graph, datasets)

    w = rng.standard_normal((2, 3 * hidden, size)).astype(np.float32) * 0.5
    r = rng.standard_normal((2, 3 * hidden, hidden)).astype(np.float32) * 0.5
    b = rng.standard_normal((2, 6 * hidden)).astype(np.float32) * 0.5
    graph = helper.make_graph(
        [helper.make_node("GRU", ["x", "w", "r", "b", "lengths"], ["y", "yh"], name="gru",
                          hidden_size=hidden, direction="bidirectional")],
        "gru_dynamic",
        [helper.make_tensor_value_info("x", F32, ["sequence", "batch", size]),
         helper.make_tensor_value_info("lengths", TensorProto.INT32, ["batch"])],
        [helper.make_tensor_value_info("y", F32, ["sequence", 2, "batch", hidden]),
         helper.make_tensor_value_info("yh", F32, [2, "batch", hidden])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(r, "r"),
                     numpy_helper.from_array(b, "b")])
    datasets = []
    for steps, lengths in [(4, [4, 2]), (2, [1]), (5, [5, 3, 1])]:
        lengths = np.array(lengths, dtype=np.int32)
        x = rng.standard_normal((steps, len(lengths), size)).astype(np.float32)
        ys, yhs = [], []
        for d in range(2):
            y, yh = gru_reference(x.astype(np.float64), w[d], r[d], b[d], lengths, d == 1)
            ys.append(y)
            yhs.append(yh)
        datasets.append(([x, lengths], [np.stack(ys, axis=1).astype(np.float32),
                                        np.stack(yhs).astype(np.float32)]))
    save(root, "gru_dynamic", graph, datasets)


if __name__ == "__main__":
    rng = np.random.default_rng(7)
    branch_initializers(sys.argv[1], rng)
    shape_condition(sys.argv[1], rng)
    rank_split(sys.argv[1], rng)
    rank_split_one_way(sys.argv[1], rng)
    recurrent_dynamic(sys.argv[1], rng)
    many_rank_splits(sys.argv[1])
