package inference

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// probeGraph is a one-layer network (3×3 convolution then sigmoid, input "image", output
// "heatmap", dynamic batch and size) that Init runs on the CUDA provider to check it works.
func probeGraph() []byte {
	return ConvSigmoidGraph([]float32{0, 0, 0, 0, 1, 0, 0, 0, 0}, 0, "image", "heatmap")
}

// ConvSigmoidGraph writes an ONNX model (opset 17) of one k×k convolution (len(kernel) = k²,
// one channel in and out, same padding) with a bias, followed by a sigmoid. Tests use it as
// a model whose output is known in closed form.
func ConvSigmoidGraph(kernel []float32, bias float32, input, output string) []byte {
	k := int64(math.Round(math.Sqrt(float64(len(kernel)))))
	pad := k / 2
	var conv []byte
	for _, s := range []string{input, "W", "B"} {
		conv = protowire.AppendTag(conv, 1, protowire.BytesType)
		conv = protowire.AppendString(conv, s)
	}
	conv = appendString(conv, 2, "conv_out")
	conv = appendString(conv, 3, "conv")
	conv = appendString(conv, 4, "Conv")
	conv = appendBytes(conv, 5, intsAttr("kernel_shape", k, k))
	conv = appendBytes(conv, 5, intsAttr("pads", pad, pad, pad, pad))
	var sig []byte
	sig = appendString(sig, 1, "conv_out")
	sig = appendString(sig, 2, output)
	sig = appendString(sig, 3, "sigmoid")
	sig = appendString(sig, 4, "Sigmoid")

	var g []byte
	g = appendBytes(g, 1, conv)
	g = appendBytes(g, 1, sig)
	g = appendString(g, 2, "conv_sigmoid")
	g = appendBytes(g, 5, floatTensor("W", kernel, 1, 1, k, k))
	g = appendBytes(g, 5, floatTensor("B", []float32{bias}, 1))
	g = appendBytes(g, 11, valueInfo(input))
	g = appendBytes(g, 12, valueInfo(output))

	var opset []byte
	opset = appendString(opset, 1, "")
	opset = protowire.AppendTag(opset, 2, protowire.VarintType)
	opset = protowire.AppendVarint(opset, 17)

	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType) // ir_version
	m = protowire.AppendVarint(m, 8)
	m = appendString(m, 2, "aomas")
	m = appendBytes(m, 7, g)
	m = appendBytes(m, 8, opset)
	return m
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, field protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// intsAttr is an AttributeProto of type INTS (7).
func intsAttr(name string, v ...int64) []byte {
	var a []byte
	a = appendString(a, 1, name)
	for _, x := range v {
		a = protowire.AppendTag(a, 8, protowire.VarintType)
		a = protowire.AppendVarint(a, uint64(x))
	}
	a = protowire.AppendTag(a, 20, protowire.VarintType)
	return protowire.AppendVarint(a, 7)
}

// floatTensor is a TensorProto of FLOAT (1) with raw little-endian data.
func floatTensor(name string, data []float32, dims ...int64) []byte {
	var t []byte
	for _, d := range dims {
		t = protowire.AppendTag(t, 1, protowire.VarintType)
		t = protowire.AppendVarint(t, uint64(d))
	}
	t = protowire.AppendTag(t, 2, protowire.VarintType)
	t = protowire.AppendVarint(t, 1)
	t = appendString(t, 8, name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return appendBytes(t, 9, raw)
}

// valueInfo is a float tensor ValueInfoProto of shape [n, 1, h, w] with symbolic n, h, w.
func valueInfo(name string) []byte {
	var shape []byte
	for _, d := range []string{"n", "", "h", "w"} {
		var dim []byte
		if d == "" {
			dim = protowire.AppendTag(dim, 1, protowire.VarintType)
			dim = protowire.AppendVarint(dim, 1)
		} else {
			dim = appendString(dim, 2, d)
		}
		shape = appendBytes(shape, 1, dim)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, 1)
	tt = appendBytes(tt, 2, shape)
	var typ []byte
	typ = appendBytes(typ, 1, tt)
	var vi []byte
	vi = appendString(vi, 1, name)
	return appendBytes(vi, 2, typ)
}
