package onnx

// This file reads and writes the protocol buffers wire format
// (https://protobuf.dev/programming-guides/encoding/) for the few ONNX
// messages digitnet uses, with field numbers from onnx/onnx.proto. Fields
// it does not know are skipped when reading, as protobuf requires; lengths
// are checked against what is left of the input, so a hostile file cannot
// make it read out of bounds or allocate beyond the file's size.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Wire types.
const (
	wireVarint = 0
	wireI64    = 1
	wireLen    = 2
	wireI32    = 5
)

// ONNX data types (TensorProto.DataType) digitnet reads.
const (
	dtFloat  = 1
	dtInt32  = 6
	dtInt64  = 7
	dtDouble = 11
)

// Attribute types (AttributeProto.AttributeType).
const (
	attrFloat   = 1
	attrInt     = 2
	attrString  = 3
	attrTensor  = 4
	attrGraph   = 5
	attrFloats  = 6
	attrInts    = 7
	attrStrings = 8
)

var errTruncated = errors.New("truncated protobuf message")

// field is one decoded field: its number, wire type and value (v for
// varints and fixed-size values, b for length-delimited ones).
type field struct {
	num  int
	wire int
	v    uint64
	b    []byte
}

// fields decodes a message into its fields, calling fn for each.
func fields(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errTruncated
		}
		b = b[n:]
		f := field{num: int(key >> 3), wire: int(key & 7)}
		if key>>3 == 0 || key>>3 > math.MaxInt32 {
			return fmt.Errorf("bad protobuf field number %d", key>>3)
		}
		switch f.wire {
		case wireVarint:
			f.v, n = binary.Uvarint(b)
			if n <= 0 {
				return errTruncated
			}
			b = b[n:]
		case wireI64:
			if len(b) < 8 {
				return errTruncated
			}
			f.v, b = binary.LittleEndian.Uint64(b), b[8:]
		case wireI32:
			if len(b) < 4 {
				return errTruncated
			}
			f.v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case wireLen:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errTruncated
			}
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return fmt.Errorf("unsupported protobuf wire type %d (field %d)", f.wire, f.num)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// wantWire checks a field's wire type.
func (f field) want(wire int) error {
	if f.wire != wire {
		return fmt.Errorf("protobuf field %d has wire type %d, want %d", f.num, f.wire, wire)
	}
	return nil
}

// int64s appends a repeated int64 field, packed or not.
func (f field) int64s(dst []int64) ([]int64, error) {
	switch f.wire {
	case wireVarint:
		return append(dst, int64(f.v)), nil
	case wireLen:
		b := f.b
		for len(b) > 0 {
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errTruncated
			}
			dst, b = append(dst, int64(v)), b[n:]
		}
		return dst, nil
	}
	return nil, f.want(wireLen)
}

// float32s appends a repeated float field, packed or not.
func (f field) float32s(dst []float32) ([]float32, error) {
	switch f.wire {
	case wireI32:
		return append(dst, math.Float32frombits(uint32(f.v))), nil
	case wireLen:
		if len(f.b)%4 != 0 {
			return nil, errTruncated
		}
		for i := 0; i < len(f.b); i += 4 {
			dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(f.b[i:])))
		}
		return dst, nil
	}
	return nil, f.want(wireLen)
}

// float64s appends a repeated double field, packed or not.
func (f field) float64s(dst []float64) ([]float64, error) {
	switch f.wire {
	case wireI64:
		return append(dst, math.Float64frombits(f.v)), nil
	case wireLen:
		if len(f.b)%8 != 0 {
			return nil, errTruncated
		}
		for i := 0; i < len(f.b); i += 8 {
			dst = append(dst, math.Float64frombits(binary.LittleEndian.Uint64(f.b[i:])))
		}
		return dst, nil
	}
	return nil, f.want(wireLen)
}

// The messages. Only the fields digitnet uses are kept.

type modelProto struct {
	irVersion       int64
	opsets          []opsetID
	producerName    string
	producerVersion string
	domain          string
	modelVersion    int64
	docString       string
	graph           *graphProto
	metadata        []keyValue
	functions       []*functionProto // written, never read: Read knows its own
}

type opsetID struct {
	domain  string
	version int64
}

type keyValue struct{ key, value string }

type graphProto struct {
	nodes        []nodeProto
	name         string
	initializers []tensorProto
	inputs       []valueInfo
	outputs      []valueInfo
	valueInfo    []valueInfo
	docString    string
}

type nodeProto struct {
	inputs  []string
	outputs []string
	name    string
	opType  string
	domain  string
	attrs   []attribute
}

type attribute struct {
	name    string
	typ     int
	f       float32
	i       int64
	s       []byte
	t       *tensorProto
	floats  []float32
	ints    []int64
	strings [][]byte
}

type tensorProto struct {
	dims     []int64
	dataType int32
	name     string
	raw      []byte
	floats   []float32
	int32s   []int64 // int32_data, widened
	int64s   []int64
	doubles  []float64
	external bool // data_location EXTERNAL or external_data present
	segment  bool
}

type valueInfo struct {
	name      string
	elemType  int32
	hasShape  bool
	dims      []dim
	docString string
	notTensor bool // a sequence, map or other non-tensor type
}

type dim struct {
	value int64
	param string
}

func str(f field) (string, error) {
	if err := f.want(wireLen); err != nil {
		return "", err
	}
	return string(f.b), nil
}

func parseModel(b []byte) (*modelProto, error) {
	m := &modelProto{}
	err := fields(b, func(f field) (err error) {
		switch f.num {
		case 1:
			m.irVersion = int64(f.v)
			return f.want(wireVarint)
		case 2:
			m.producerName, err = str(f)
		case 3:
			m.producerVersion, err = str(f)
		case 4:
			m.domain, err = str(f)
		case 5:
			m.modelVersion = int64(f.v)
			return f.want(wireVarint)
		case 6:
			m.docString, err = str(f)
		case 7:
			if err := f.want(wireLen); err != nil {
				return err
			}
			if m.graph, err = parseGraph(f.b); err != nil {
				return fmt.Errorf("graph: %w", err)
			}
		case 8:
			if err := f.want(wireLen); err != nil {
				return err
			}
			var o opsetID
			err = fields(f.b, func(f field) (err error) {
				switch f.num {
				case 1:
					o.domain, err = str(f)
				case 2:
					o.version = int64(f.v)
					err = f.want(wireVarint)
				}
				return err
			})
			m.opsets = append(m.opsets, o)
		case 14:
			var kv keyValue
			if kv, err = parseKeyValue(f); err == nil {
				m.metadata = append(m.metadata, kv)
			}
		}
		return err
	})
	return m, err
}

func parseKeyValue(f field) (keyValue, error) {
	var kv keyValue
	if err := f.want(wireLen); err != nil {
		return kv, err
	}
	err := fields(f.b, func(f field) (err error) {
		switch f.num {
		case 1:
			kv.key, err = str(f)
		case 2:
			kv.value, err = str(f)
		}
		return err
	})
	return kv, err
}

func parseGraph(b []byte) (*graphProto, error) {
	g := &graphProto{}
	err := fields(b, func(f field) (err error) {
		switch f.num {
		case 1:
			var n nodeProto
			if n, err = parseNode(f); err == nil {
				g.nodes = append(g.nodes, n)
			}
		case 2:
			g.name, err = str(f)
		case 5:
			var t *tensorProto
			if t, err = parseTensor(f); err == nil {
				g.initializers = append(g.initializers, *t)
			}
		case 10:
			g.docString, err = str(f)
		case 11, 12, 13:
			var v valueInfo
			if v, err = parseValueInfo(f); err == nil {
				switch f.num {
				case 11:
					g.inputs = append(g.inputs, v)
				case 12:
					g.outputs = append(g.outputs, v)
				default:
					g.valueInfo = append(g.valueInfo, v)
				}
			}
		case 15:
			return errors.New("sparse initializers are not supported")
		}
		return err
	})
	return g, err
}

func parseNode(f field) (nodeProto, error) {
	var n nodeProto
	if err := f.want(wireLen); err != nil {
		return n, err
	}
	err := fields(f.b, func(f field) (err error) {
		var s string
		switch f.num {
		case 1:
			if s, err = str(f); err == nil {
				n.inputs = append(n.inputs, s)
			}
		case 2:
			if s, err = str(f); err == nil {
				n.outputs = append(n.outputs, s)
			}
		case 3:
			n.name, err = str(f)
		case 4:
			n.opType, err = str(f)
		case 7:
			n.domain, err = str(f)
		case 5:
			var a attribute
			if a, err = parseAttribute(f); err == nil {
				n.attrs = append(n.attrs, a)
			}
		}
		return err
	})
	return n, err
}

func parseAttribute(f field) (attribute, error) {
	var a attribute
	if err := f.want(wireLen); err != nil {
		return a, err
	}
	err := fields(f.b, func(f field) (err error) {
		switch f.num {
		case 1:
			a.name, err = str(f)
		case 20:
			a.typ = int(f.v)
			err = f.want(wireVarint)
		case 2:
			a.f = math.Float32frombits(uint32(f.v))
			err = f.want(wireI32)
		case 3:
			a.i = int64(f.v)
			err = f.want(wireVarint)
		case 4:
			err = f.want(wireLen)
			a.s = f.b
		case 5:
			a.t, err = parseTensor(f)
		case 6, 11:
			a.typ = attrGraph // subgraphs (If, Loop): never supported
		case 7:
			a.floats, err = f.float32s(a.floats)
		case 8:
			a.ints, err = f.int64s(a.ints)
		case 9:
			err = f.want(wireLen)
			a.strings = append(a.strings, f.b)
		}
		return err
	})
	return a, err
}

func parseTensor(f field) (*tensorProto, error) {
	t := &tensorProto{}
	if err := f.want(wireLen); err != nil {
		return nil, err
	}
	err := fields(f.b, func(f field) (err error) {
		switch f.num {
		case 1:
			t.dims, err = f.int64s(t.dims)
		case 2:
			t.dataType = int32(f.v)
			err = f.want(wireVarint)
		case 3:
			t.segment = true
		case 4:
			t.floats, err = f.float32s(t.floats)
		case 5:
			t.int32s, err = f.int64s(t.int32s)
		case 7:
			t.int64s, err = f.int64s(t.int64s)
		case 8:
			t.name, err = str(f)
		case 9:
			err = f.want(wireLen)
			t.raw = f.b
		case 10:
			t.doubles, err = f.float64s(t.doubles)
		case 13:
			t.external = true
		case 14:
			t.external = t.external || f.v == 1
		}
		return err
	})
	return t, err
}

func parseValueInfo(f field) (valueInfo, error) {
	var v valueInfo
	if err := f.want(wireLen); err != nil {
		return v, err
	}
	err := fields(f.b, func(f field) (err error) {
		switch f.num {
		case 1:
			v.name, err = str(f)
		case 3:
			v.docString, err = str(f)
		case 2: // TypeProto
			if err := f.want(wireLen); err != nil {
				return err
			}
			return fields(f.b, func(f field) error {
				switch f.num {
				case 1: // tensor_type
					if err := f.want(wireLen); err != nil {
						return err
					}
					return parseTensorType(f.b, &v)
				case 4, 5, 8, 9:
					v.notTensor = true
				}
				return nil
			})
		}
		return err
	})
	return v, err
}

func parseTensorType(b []byte, v *valueInfo) error {
	return fields(b, func(f field) error {
		switch f.num {
		case 1:
			v.elemType = int32(f.v)
			return f.want(wireVarint)
		case 2: // TensorShapeProto
			if err := f.want(wireLen); err != nil {
				return err
			}
			v.hasShape = true
			return fields(f.b, func(f field) error {
				if f.num != 1 {
					return nil
				}
				if err := f.want(wireLen); err != nil {
					return err
				}
				var d dim
				err := fields(f.b, func(f field) (err error) {
					switch f.num {
					case 1:
						d.value = int64(f.v)
						err = f.want(wireVarint)
					case 2:
						d.param, err = str(f)
					}
					return err
				})
				v.dims = append(v.dims, d)
				return err
			})
		}
		return nil
	})
}

// encoder appends fields to a message.
type encoder struct{ b []byte }

func (e *encoder) tag(num, wire int) { e.b = binary.AppendUvarint(e.b, uint64(num)<<3|uint64(wire)) }

func (e *encoder) varint(num int, v int64) {
	e.tag(num, wireVarint)
	e.b = binary.AppendUvarint(e.b, uint64(v))
}

func (e *encoder) bytes(num int, b []byte) {
	e.tag(num, wireLen)
	e.b = binary.AppendUvarint(e.b, uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *encoder) string(num int, s string) {
	if s != "" {
		e.bytes(num, []byte(s))
	}
}

func (e *encoder) message(num int, fn func(*encoder)) {
	var sub encoder
	fn(&sub)
	e.bytes(num, sub.b)
}

func (e *encoder) float32(num int, v float32) {
	e.tag(num, wireI32)
	e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
}

func (e *encoder) packedInt64s(num int, vs []int64) {
	if len(vs) == 0 {
		return
	}
	var sub []byte
	for _, v := range vs {
		sub = binary.AppendUvarint(sub, uint64(v))
	}
	e.bytes(num, sub)
}

func (m *modelProto) marshal() []byte {
	var e encoder
	e.varint(1, m.irVersion)
	e.string(2, m.producerName)
	e.string(3, m.producerVersion)
	e.string(4, m.domain)
	if m.modelVersion != 0 {
		e.varint(5, m.modelVersion)
	}
	e.string(6, m.docString)
	if m.graph != nil {
		e.message(7, m.graph.marshal)
	}
	for _, o := range m.opsets {
		e.message(8, o.marshal)
	}
	for _, kv := range m.metadata {
		e.message(14, func(e *encoder) {
			e.string(1, kv.key)
			e.string(2, kv.value)
		})
	}
	for _, f := range m.functions {
		e.message(25, f.marshal)
	}
	return e.b
}

func (o opsetID) marshal(e *encoder) {
	e.string(1, o.domain)
	e.varint(2, o.version)
}

func (g *graphProto) marshal(e *encoder) {
	for i := range g.nodes {
		e.message(1, g.nodes[i].marshal)
	}
	e.string(2, g.name)
	for i := range g.initializers {
		e.message(5, g.initializers[i].marshal)
	}
	e.string(10, g.docString)
	for i := range g.inputs {
		e.message(11, g.inputs[i].marshal)
	}
	for i := range g.outputs {
		e.message(12, g.outputs[i].marshal)
	}
	for i := range g.valueInfo {
		e.message(13, g.valueInfo[i].marshal)
	}
}

func (n *nodeProto) marshal(e *encoder) {
	for _, s := range n.inputs {
		e.bytes(1, []byte(s))
	}
	for _, s := range n.outputs {
		e.bytes(2, []byte(s))
	}
	e.string(3, n.name)
	e.string(4, n.opType)
	for i := range n.attrs {
		e.message(5, n.attrs[i].marshal)
	}
	e.string(7, n.domain)
}

func (a *attribute) marshal(e *encoder) {
	e.string(1, a.name)
	switch a.typ {
	case attrFloat:
		e.float32(2, a.f)
	case attrInt:
		e.varint(3, a.i)
	case attrString:
		e.bytes(4, a.s)
	case attrTensor:
		e.message(5, a.t.marshal)
	case attrFloats:
		for _, v := range a.floats {
			e.float32(7, v)
		}
	case attrInts:
		for _, v := range a.ints {
			e.varint(8, v)
		}
	case attrStrings:
		for _, s := range a.strings {
			e.bytes(9, s)
		}
	}
	e.varint(20, int64(a.typ))
}

func (t *tensorProto) marshal(e *encoder) {
	e.packedInt64s(1, t.dims)
	e.varint(2, int64(t.dataType))
	if len(t.floats) > 0 {
		var sub []byte
		for _, v := range t.floats {
			sub = binary.LittleEndian.AppendUint32(sub, math.Float32bits(v))
		}
		e.bytes(4, sub)
	}
	e.packedInt64s(7, t.int64s)
	e.string(8, t.name)
	if t.raw != nil {
		e.bytes(9, t.raw)
	}
	if t.external {
		e.varint(14, 1) // data_location EXTERNAL
	}
}

func (v *valueInfo) marshal(e *encoder) {
	e.string(1, v.name)
	e.message(2, func(e *encoder) { // TypeProto
		e.message(1, func(e *encoder) { // TypeProto.Tensor
			e.varint(1, int64(v.elemType))
			if v.hasShape {
				e.message(2, func(e *encoder) { // TensorShapeProto
					for _, d := range v.dims {
						e.message(1, func(e *encoder) {
							if d.param != "" {
								e.string(2, d.param)
							} else {
								e.varint(1, d.value)
							}
						})
					}
				})
			}
		})
	})
	e.string(3, v.docString)
}
