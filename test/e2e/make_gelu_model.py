"""Writes an ONNX model (opset 13) of GELUs spelled as PyTorch exports them, and its expected
outputs computed in double.

ROOT/erf holds BERT's exact form, (h * 0.5) * (1 + erf(h / sqrt(2))), and ROOT/tanh GPT-2's tanh
form with pow(h, 3), each applied to x W + 0 and to x for an input x of [64, 64] values from -9 to
6. W is the identity, so the product is x exactly, and the first output checks the GEMM epilogue,
the second the linalg loops.
The references use erfc and 1 / (1 + e^(-2u)) in double, so that they keep their relative
accuracy down to x = -9, where GELU is about -1e-18."""
import math
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


class Nodes:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, value):
        name = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.array(value, dtype=np.float32), name))
        return name

    def op(self, kind, inputs, output=None):
        self.count += 1
        output = output or f"v{self.count}"
        self.nodes.append(helper.make_node(kind, inputs, [output]))
        return output

    def gelu_erf(self, h, output):
        erf = self.op("Erf", [self.op("Div", [h, self.const(math.sqrt(2.0))])])
        return self.op("Mul", [self.op("Mul", [h, self.const(0.5)]),
                               self.op("Add", [self.const(1.0), erf])], output)

    def gelu_tanh(self, h, output):
        cube = self.op("Pow", [h, self.const(3.0)])
        inner = self.op("Mul", [self.op("Add", [h, self.op("Mul", [cube, self.const(0.044715)])]),
                                self.const(math.sqrt(2.0 / math.pi))])
        return self.op("Mul", [self.op("Mul", [h, self.const(0.5)]),
                               self.op("Add", [self.const(1.0), self.op("Tanh", [inner])])],
                       output)


def write(directory, form, reference):
    """A model of one GELU form, gelu(x W) and gelu(x), and its test set, into directory."""
    x = np.linspace(-9.0, 6.0, 64 * 64).astype(np.float32).reshape(64, 64)
    g = Nodes()
    g.inits.append(numpy_helper.from_array(np.eye(64, dtype=np.float32), "w"))
    g.inits.append(numpy_helper.from_array(np.zeros(64, dtype=np.float32), "b"))
    form(g, g.op("Add", [g.op("MatMul", ["x", "w"]), "b"]), "dense_gelu")
    form(g, "x", "gelu")
    outputs = ["dense_gelu", "gelu"]
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        g.nodes, "gelus", [helper.make_tensor_value_info("x", f32, [64, 64])],
        [helper.make_tensor_value_info(name, f32, [64, 64]) for name in outputs], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    expected = reference(x.astype(np.float64)).astype(np.float32)
    for i, name in enumerate(outputs):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(expected, name).SerializeToString())


def main(root):
    def exact(v):
        return np.vectorize(lambda e: 0.5 * e * math.erfc(-e / math.sqrt(2.0)))(v)

    def tanh_form(v):
        u = math.sqrt(2.0 / math.pi) * (v + 0.044715 * v ** 3)
        return v / (1.0 + np.exp(-2.0 * u))

    write(os.path.join(root, "erf"), Nodes.gelu_erf, exact)
    write(os.path.join(root, "tanh"), Nodes.gelu_tanh, tanh_form)

if __name__ == "__main__":
    main(sys.argv[1])
