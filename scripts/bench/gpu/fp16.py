#!/usr/bin/env python3
"""fp16.py SRC DST: the same network with float16 weights and arithmetic, float32 at its
input and output (a Cast after the input and before the output), so the Go side feeds and
reads float32 unchanged. Needs the onnx Python package only."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def to_half(t):
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)


def main(src, dst):
    m = onnx.load(src)
    g = m.graph
    for i, t in enumerate(g.initializer):
        if t.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(to_half(t))
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value" and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(to_half(a.t))
    inp, out = g.input[0].name, g.output[0].name
    for n in g.node:
        n.input[:] = [inp + "_fp16" if v == inp else v for v in n.input]
        n.output[:] = [out + "_fp16" if v == out else v for v in n.output]
    g.node.insert(0, helper.make_node("Cast", [inp], [inp + "_fp16"], to=TensorProto.FLOAT16))
    g.node.append(helper.make_node("Cast", [out + "_fp16"], [out], to=TensorProto.FLOAT))
    del g.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
