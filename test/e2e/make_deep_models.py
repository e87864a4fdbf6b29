"""Writes ONNX models that stress recursion in the importer and the compiler:

  chain.onnx        a chain of N Relu/Neg nodes (N from the command line, default 100000)
  nested_if.onnx    If nodes nested D deep (default 200), each then branch holding the next
  nested_loop.onnx  Loop nodes nested D deep, each body holding the next

  make_deep_models.py OUT_DIR [--chain N] [--depth D]

Each must compile or be refused with a message, never overflow the stack."""
import argparse
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def chain(n):
    nodes = []
    value = "x"
    for i in range(n):
        out = "y" if i == n - 1 else f"v{i}"
        nodes.append(helper.make_node("Relu" if i % 2 == 0 else "Neg", [value], [out]))
        value = out
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def nested_if(depth):
    """If(cond) nested `depth` deep in the then branches; every else branch returns x."""
    def leaf(name):
        return helper.make_graph([helper.make_node("Identity", ["x"], [f"out_{name}"])],
                                 f"g_{name}", [],
                                 [helper.make_tensor_value_info(f"out_{name}", TensorProto.FLOAT,
                                                                [4])])

    def level(index):
        name = f"l{index}"
        if index == depth:
            return leaf(name)
        node = helper.make_node("If", ["cond"], [f"out_{name}"], then_branch=level(index + 1),
                                else_branch=leaf(f"{name}e"))
        return helper.make_graph([node], f"g_{name}", [],
                                 [helper.make_tensor_value_info(f"out_{name}", TensorProto.FLOAT,
                                                                [4])])
    node = helper.make_node("If", ["cond"], ["y"], then_branch=level(1), else_branch=leaf("top"))
    graph = helper.make_graph(
        [node], "nested_if",
        [helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def nested_loop(depth):
    """Loop(trip 1) whose body runs the next Loop, the innermost body adding 1 to the carried value."""
    def body(level):
        name = f"b{level}"
        inputs = [helper.make_tensor_value_info(f"i_{name}", TensorProto.INT64, []),
                  helper.make_tensor_value_info(f"c_{name}", TensorProto.BOOL, []),
                  helper.make_tensor_value_info(f"v_{name}", TensorProto.FLOAT, [4])]
        nodes = [helper.make_node("Identity", [f"c_{name}"], [f"co_{name}"])]
        if level == depth:
            nodes.append(helper.make_node("Add", [f"v_{name}", "one"], [f"vo_{name}"]))
        else:
            nodes.append(helper.make_node("Loop", ["trip", "", f"v_{name}"], [f"vo_{name}"],
                                          body=body(level + 1)))
        return helper.make_graph(nodes, name, inputs,
                                 [helper.make_tensor_value_info(f"co_{name}", TensorProto.BOOL, []),
                                  helper.make_tensor_value_info(f"vo_{name}", TensorProto.FLOAT,
                                                                [4])])
    node = helper.make_node("Loop", ["trip", "", "x"], ["y"], body=body(1))
    graph = helper.make_graph(
        [node], "nested_loop", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        [numpy_helper.from_array(np.array(1, dtype=np.int64), "trip"),
         numpy_helper.from_array(np.ones([4], dtype=np.float32), "one")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--chain", type=int, default=100000)
    parser.add_argument("--depth", type=int, default=200)
    args = parser.parse_args()
    for name, model in [("chain", chain(args.chain)), ("nested_if", nested_if(args.depth)),
                        ("nested_loop", nested_loop(args.depth))]:
        model.ir_version = 8
        with open(os.path.join(args.out, f"{name}.onnx"), "wb") as f:
            f.write(model.SerializeToString())


if __name__ == "__main__":
    main()
