// Package h5 reads the part of HDF5 that Keras model files use, from bytes
// in memory: groups (old-style symbol tables and new-style compact links),
// attributes holding strings (fixed-length, or variable-length in the global
// heap) and numbers, and contiguous or compact float32 datasets. The format
// is described in https://support.hdfgroup.org/documentation/hdf5/latest/_f_m_t3.html;
// section names below refer to it.
//
// It is written for hostile input: every address and length read from the
// file is checked against the file's size before it is used, every
// allocation is bounded by the file's size, and structures that refer to
// each other (B-tree nodes, continuation blocks) are followed a bounded
// number of times. What Keras does not write — chunked or compressed
// datasets, dense link or attribute storage, external links, shared
// messages — is an error that says so.
package h5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Error is a malformed or unsupported file.
type Error struct{ Msg string }

func (e *Error) Error() string { return "hdf5: " + e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

var signature = []byte("\x89HDF\r\n\x1a\n")

// undefined is the address HDF5 writes for "none".
const undefined = math.MaxUint64

// maxVisits bounds how many B-tree nodes, symbol table nodes and
// header continuation blocks one file may make the reader visit, so that
// a file whose structures point at each other cannot loop.
const maxVisits = 1 << 16

// File is an HDF5 file in memory.
type File struct {
	b        []byte
	base     uint64 // addresses are relative to it (the superblock's place)
	offSize  int    // bytes of an address
	lenSize  int    // bytes of a length
	visits   int
	rootAddr uint64
}

// Open reads the superblock (section II.A) of an HDF5 file held in b.
func Open(b []byte) (*File, error) {
	// The superblock is at 0 or after a user block of 512, 1024, 2048 ... bytes.
	at := -1
	for off := 0; off+len(signature) <= len(b); off = max(512, 2*off) {
		if bytes.Equal(b[off:off+len(signature)], signature) {
			at = off
			break
		}
	}
	if at < 0 {
		return nil, errorf("no HDF5 signature")
	}
	f := &File{b: b, base: uint64(at)}
	r := f.reader(uint64(at)+8, 0)
	version := r.u8()
	switch version {
	case 0, 1:
		r.skip(4) // free-space, root group, reserved, shared header versions
		f.offSize, f.lenSize = int(r.u8()), int(r.u8())
		r.skip(1 + 2 + 2 + 4) // reserved, group leaf and internal K, flags
		if version == 1 {
			r.skip(4) // indexed storage K, reserved
		}
		if err := f.checkSizes(); err != nil {
			return nil, err
		}
		r.addr() // base address; the superblock's place is the base in practice
		r.addr() // free-space info
		r.addr() // end of file
		r.addr() // driver info
		// The root group's symbol table entry: name offset, header address.
		r.addr()
		f.rootAddr = r.addr()
	case 2, 3:
		f.offSize, f.lenSize = int(r.u8()), int(r.u8())
		if err := f.checkSizes(); err != nil {
			return nil, err
		}
		r.skip(1) // flags
		r.addr()  // base address
		r.addr()  // superblock extension
		r.addr()  // end of file
		f.rootAddr = r.addr()
	default:
		return nil, errorf("superblock version %d", version)
	}
	if r.err != nil {
		return nil, r.err
	}
	return f, nil
}

func (f *File) checkSizes() error {
	for _, s := range []int{f.offSize, f.lenSize} {
		if s != 2 && s != 4 && s != 8 {
			return errorf("address or length size %d", s)
		}
	}
	return nil
}

// Root returns the root group.
func (f *File) Root() (*Group, error) { return f.group("/", f.rootAddr) }

// reader reads little-endian fields from the file at an address, recording
// the first out-of-bounds read as an error instead of panicking.
type reader struct {
	f   *File
	b   []byte // the region being read
	pos int
	err error
}

// reader starts at address a (absolute) and may read up to n bytes (0:
// to the end of the file).
func (f *File) reader(a uint64, n uint64) *reader {
	r := &reader{f: f}
	if a > uint64(len(f.b)) {
		r.err = errorf("address %d beyond the end of the file (%d bytes)", a, len(f.b))
		return r
	}
	end := uint64(len(f.b))
	if n > 0 {
		if n > end-a {
			r.err = errorf("%d bytes at %d run past the end of the file (%d bytes)", n, a, len(f.b))
			return r
		}
		end = a + n
	}
	r.b = f.b[a:end]
	return r
}

// at returns a reader at a file address (relative to the base).
func (f *File) at(addr uint64, n uint64) *reader {
	if addr == undefined || addr > math.MaxUint64-f.base {
		r := &reader{f: f}
		r.err = errorf("undefined address")
		return r
	}
	return f.reader(f.base+addr, n)
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > len(r.b)-r.pos {
		r.err = errorf("structure runs past its end (%d bytes wanted at %d of %d)", n, r.pos, len(r.b))
		return false
	}
	return true
}

func (r *reader) skip(n int) {
	if r.need(n) {
		r.pos += n
	}
}

func (r *reader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *reader) u8() uint8 {
	if !r.need(1) {
		return 0
	}
	v := r.b[r.pos]
	r.pos++
	return v
}

func (r *reader) uint(n int) uint64 {
	b := r.bytes(n)
	if b == nil {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func (r *reader) u16() uint64 { return r.uint(2) }
func (r *reader) u32() uint64 { return r.uint(4) }

// addr reads an address; all ones, at any width, is undefined.
func (r *reader) addr() uint64 {
	n := r.f.offSize
	v := r.uint(n)
	if n < 8 && v == 1<<(8*n)-1 {
		return undefined
	}
	return v
}

func (r *reader) size() uint64 { return r.uint(r.f.lenSize) }

func (r *reader) signature(s string) {
	if b := r.bytes(len(s)); b != nil && string(b) != s {
		r.err = errorf("expected %q, found %q", s, b)
	}
}

func (r *reader) left() int { return len(r.b) - r.pos }

// visit counts one more structure followed.
func (f *File) visit() error {
	f.visits++
	if f.visits > maxVisits {
		return errorf("more than %d structures to follow: the file loops or is not a Keras file", maxVisits)
	}
	return nil
}

// message is one header message (section IV.A).
type message struct {
	typ   int
	flags uint8
	data  []byte
}

// Header message types.
const (
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgLink         = 0x06
	msgLayout       = 0x08
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// header reads the messages of the object header at addr (version 1 or 2,
// sections IV.A.1.a and IV.A.1.b), following continuation blocks.
func (f *File) header(addr uint64) ([]message, error) {
	if err := f.visit(); err != nil {
		return nil, err
	}
	r := f.at(addr, 0)
	if r.need(4) && string(r.b[:4]) == "OHDR" {
		return f.headerV2(r)
	}
	version := r.u8()
	if r.err != nil {
		return nil, r.err
	}
	if version != 1 {
		return nil, errorf("object header version %d at %d", version, addr)
	}
	r.skip(1)
	count := int(r.u16())
	r.skip(4) // reference count
	size := r.u32()
	r.skip(4) // padding to 8 bytes
	if r.err != nil {
		return nil, r.err
	}
	var msgs []message
	type block struct{ addr, size uint64 }
	blocks := []block{{addr + 16, size}}
	for len(blocks) > 0 && len(msgs) < count {
		b := blocks[0]
		blocks = blocks[1:]
		if err := f.visit(); err != nil {
			return nil, err
		}
		br := f.at(b.addr, b.size)
		for br.err == nil && br.left() >= 8 && len(msgs) < count {
			typ := int(br.u16())
			n := int(br.u16())
			flags := br.u8()
			br.skip(3)
			data := br.bytes(n)
			if br.err != nil {
				break
			}
			if typ == msgContinuation {
				cr := &reader{f: f, b: data}
				blocks = append(blocks, block{cr.addr(), cr.size()})
				if cr.err != nil {
					return nil, cr.err
				}
			}
			msgs = append(msgs, message{typ, flags, data})
		}
		if br.err != nil {
			return nil, br.err
		}
	}
	return msgs, nil
}

func (f *File) headerV2(r *reader) ([]message, error) {
	r.skip(4) // "OHDR"
	if v := r.u8(); v != 2 && r.err == nil {
		return nil, errorf("object header version %d", v)
	}
	flags := r.u8()
	if flags&0x20 != 0 {
		r.skip(16) // times
	}
	if flags&0x10 != 0 {
		r.skip(4) // attribute storage phase change
	}
	size := r.uint(1 << (flags & 3))
	if r.err != nil {
		return nil, r.err
	}
	if size > uint64(r.left()) {
		return nil, errorf("object header chunk of %d bytes runs past the end of the file", size)
	}
	chunk := r.bytes(int(size))
	var msgs []message
	for chunks := [][]byte{chunk}; len(chunks) > 0; {
		cr := &reader{f: f, b: chunks[0]}
		chunks = chunks[1:]
		for cr.err == nil && cr.left() >= 4+2*int(flags>>2&1) {
			typ := int(cr.u8())
			n := int(cr.u16())
			mflags := cr.u8()
			if flags&0x04 != 0 {
				cr.skip(2) // creation order
			}
			data := cr.bytes(n)
			if cr.err != nil {
				return nil, cr.err
			}
			if typ == msgContinuation {
				if err := f.visit(); err != nil {
					return nil, err
				}
				c := &reader{f: f, b: data}
				addr, length := c.addr(), c.size()
				if c.err != nil {
					return nil, c.err
				}
				or := f.at(addr, length)
				or.signature("OCHK")
				body := or.bytes(or.left() - 4) // checksum at the end
				if or.err != nil {
					return nil, or.err
				}
				chunks = append(chunks, body)
			}
			msgs = append(msgs, message{typ, mflags, data})
		}
	}
	return msgs, nil
}

// Group is an HDF5 group: named links to objects, and attributes.
type Group struct {
	f     *File
	name  string
	links map[string]uint64 // name → object header address
	names []string          // in the file's order
	attrs []message
}

// Name is the group's path.
func (g *Group) Name() string { return g.name }

// Names lists the group's members in the file's order.
func (g *Group) Names() []string { return g.names }

func (f *File) group(name string, addr uint64) (*Group, error) {
	msgs, err := f.header(addr)
	if err != nil {
		return nil, fmt.Errorf("group %q: %w", name, err)
	}
	g := &Group{f: f, name: name, links: map[string]uint64{}}
	isGroup := false
	for _, m := range msgs {
		switch m.typ {
		case msgSymbolTable:
			isGroup = true
			r := &reader{f: f, b: m.data}
			btree, heap := r.addr(), r.addr()
			if r.err != nil {
				return nil, r.err
			}
			if err := g.readSymbolTable(btree, heap); err != nil {
				return nil, fmt.Errorf("group %q: %w", name, err)
			}
		case msgLinkInfo:
			isGroup = true
			r := &reader{f: f, b: m.data}
			r.skip(1)
			if flags := r.u8(); flags&1 != 0 {
				r.skip(8)
			}
			if heap := r.addr(); heap != undefined && r.err == nil {
				return nil, errorf("group %q keeps its links in dense storage (a fractal heap), which Keras files do not use", name)
			}
		case msgLink:
			isGroup = true
			if err := g.readLink(m.data); err != nil {
				return nil, fmt.Errorf("group %q: %w", name, err)
			}
		case msgAttribute:
			g.attrs = append(g.attrs, m)
		case msgAttrInfo:
			r := &reader{f: f, b: m.data}
			r.skip(1)
			if flags := r.u8(); flags&1 != 0 {
				r.skip(2)
			}
			if heap := r.addr(); heap != undefined && r.err == nil {
				return nil, errorf("group %q keeps its attributes in dense storage, which Keras files do not use", name)
			}
		}
	}
	if !isGroup {
		return nil, errorf("%q is not a group", name)
	}
	return g, nil
}

func (g *Group) add(name string, addr uint64) error {
	if _, dup := g.links[name]; dup {
		return errorf("two members named %q", name)
	}
	g.links[name] = addr
	g.names = append(g.names, name)
	return nil
}

// readLink reads a link message (section IV.A.2.g).
func (g *Group) readLink(data []byte) error {
	r := &reader{f: g.f, b: data}
	if v := r.u8(); v != 1 && r.err == nil {
		return errorf("link message version %d", v)
	}
	flags := r.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = r.u8()
	}
	if flags&0x04 != 0 {
		r.skip(8)
	}
	if flags&0x10 != 0 {
		r.skip(1)
	}
	n := r.uint(1 << (flags & 3))
	if r.err == nil && n > uint64(r.left()) {
		return errorf("link name of %d bytes runs past its message", n)
	}
	name := string(r.bytes(int(n)))
	if typ != 0 {
		return errorf("link %q is soft or external; Keras files hold only hard links", name)
	}
	addr := r.addr()
	if r.err != nil {
		return r.err
	}
	return g.add(name, addr)
}

// readSymbolTable reads an old-style group: a version 1 B-tree of symbol
// table nodes whose names are in a local heap (sections III.A.1, III.C,
// III.D).
func (g *Group) readSymbolTable(btree, heapAddr uint64) error {
	f := g.f
	hr := f.at(heapAddr, 0)
	hr.signature("HEAP")
	hr.skip(4) // version, reserved
	heapSize := hr.size()
	hr.size() // free list
	dataAddr := hr.addr()
	if hr.err != nil {
		return fmt.Errorf("local heap: %w", hr.err)
	}
	dr := f.at(dataAddr, heapSize)
	heap := dr.bytes(dr.left())
	if dr.err != nil {
		return fmt.Errorf("local heap: %w", dr.err)
	}
	name := func(off uint64) (string, error) {
		if off >= uint64(len(heap)) {
			return "", errorf("name offset %d beyond the local heap (%d bytes)", off, len(heap))
		}
		s := heap[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s), nil
	}
	var walk func(addr uint64, depth int) error
	walk = func(addr uint64, depth int) error {
		if err := f.visit(); err != nil {
			return err
		}
		if depth > 32 {
			return errorf("group B-tree deeper than 32 levels")
		}
		r := f.at(addr, 0)
		r.signature("TREE")
		if typ := r.u8(); typ != 0 && r.err == nil {
			return errorf("B-tree of type %d where a group's is expected", typ)
		}
		level := r.u8()
		used := int(r.u16())
		r.addr() // left sibling
		r.addr() // right sibling
		for range used {
			r.size() // key: a heap offset
			child := r.addr()
			if r.err != nil {
				return r.err
			}
			if level > 0 {
				if err := walk(child, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := f.visit(); err != nil {
				return err
			}
			sr := f.at(child, 0)
			sr.signature("SNOD")
			sr.skip(2) // version, reserved
			n := int(sr.u16())
			for range n {
				off := sr.addr()
				obj := sr.addr()
				sr.skip(4 + 4 + 16) // cache type, reserved, scratch pad
				if sr.err != nil {
					return sr.err
				}
				s, err := name(off)
				if err != nil {
					return err
				}
				if err := g.add(s, obj); err != nil {
					return err
				}
			}
		}
		return r.err
	}
	return walk(btree, 0)
}

// Group returns the member group at path ("a/b/c") below g.
func (g *Group) Group(path string) (*Group, error) {
	parent, name, addr, err := g.lookup(path)
	if err != nil {
		return nil, err
	}
	return g.f.group(strings.TrimSuffix(parent.name, "/")+"/"+name, addr)
}

// lookup finds the member at path below g.
func (g *Group) lookup(path string) (parent *Group, name string, addr uint64, err error) {
	parts := strings.Split(path, "/")
	parent = g
	for i, p := range parts {
		a, ok := parent.links[p]
		if !ok {
			return nil, "", 0, errorf("no %q in group %q", p, parent.name)
		}
		if i == len(parts)-1 {
			return parent, p, a, nil
		}
		if parent, err = parent.f.group(strings.TrimSuffix(parent.name, "/")+"/"+p, a); err != nil {
			return nil, "", 0, err
		}
	}
	panic("unreachable")
}

// datatype is the part of a datatype message (section IV.A.2.d) digitnet
// reads.
type datatype struct {
	class   int
	size    uint64
	bits    uint32 // class bit fields
	float32 bool   // an IEEE little-endian float32
	vlenStr bool   // a variable-length string
}

// Datatype classes.
const (
	classInt    = 0
	classFloat  = 1
	classString = 3
	classVLen   = 9
)

func parseDatatype(data []byte) (datatype, error) {
	r := &reader{b: data}
	b0 := r.u8()
	bits := uint32(r.u8()) | uint32(r.u8())<<8 | uint32(r.u8())<<16
	size := uint64(r.uint32LE())
	if r.err != nil {
		return datatype{}, r.err
	}
	t := datatype{class: int(b0 & 0x0f), size: size, bits: bits}
	switch t.class {
	case classFloat:
		offset, precision := r.uint16LE(), r.uint16LE()
		expLoc, expSize, manLoc, manSize := r.u8(), r.u8(), r.u8(), r.u8()
		bias := r.uint32LE()
		t.float32 = r.err == nil && size == 4 && bits&1 == 0 && offset == 0 && precision == 32 &&
			expLoc == 23 && expSize == 8 && manLoc == 0 && manSize == 23 && bias == 127
	case classVLen:
		t.vlenStr = bits&0x0f == 1
	}
	return t, nil
}

func (r *reader) uint16LE() uint16 {
	b := r.bytes(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *reader) uint32LE() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// parseDataspace reads a dataspace message (section IV.A.2.b): the
// dimensions, none for a scalar; null reports a null dataspace.
func (f *File) parseDataspace(data []byte) (dims []uint64, null bool, err error) {
	r := &reader{f: f, b: data}
	version := r.u8()
	rank := int(r.u8())
	flags := r.u8()
	switch version {
	case 1:
		r.skip(5)
	case 2:
		if typ := r.u8(); typ == 2 {
			return nil, true, r.err
		}
	default:
		if r.err == nil {
			return nil, false, errorf("dataspace version %d", version)
		}
	}
	for range rank {
		dims = append(dims, r.size())
	}
	_ = flags // maximum dimensions may follow; they do not matter here
	return dims, false, r.err
}

// elements multiplies dims, refusing products beyond limit.
func elements(dims []uint64, limit uint64) (uint64, error) {
	n := uint64(1)
	for _, d := range dims {
		if d != 0 && n > limit/d {
			return 0, errorf("dimensions %v hold more values than the file has bytes", dims)
		}
		n *= d
	}
	return n, nil
}

// Attr returns the value of g's attribute name as strings: a string
// attribute (fixed- or variable-length, any number of elements) gives its
// elements; an empty numeric array (how Keras writes an empty list of
// names) gives none. ok is false when g has no such attribute.
func (g *Group) Attr(name string) (values []string, ok bool, err error) {
	for _, m := range g.attrs {
		a, err := g.f.parseAttribute(m)
		if err != nil {
			return nil, true, fmt.Errorf("attribute of %q: %w", g.name, err)
		}
		if a.name != name {
			continue
		}
		v, err := g.f.strings(a)
		if err != nil {
			return nil, true, fmt.Errorf("attribute %q of %q: %w", name, g.name, err)
		}
		return v, true, nil
	}
	return nil, false, nil
}

type attribute struct {
	name  string
	dtype datatype
	dims  []uint64
	data  []byte
}

// parseAttribute reads an attribute message (section IV.A.2.m).
func (f *File) parseAttribute(m message) (attribute, error) {
	r := &reader{f: f, b: m.data}
	version := r.u8()
	flags := r.u8()
	nameSize, typeSize, spaceSize := int(r.u16()), int(r.u16()), int(r.u16())
	if version == 3 {
		r.skip(1) // name encoding
	}
	pad := func(n int) int { return n }
	switch version {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2, 3:
		if flags != 0 {
			return attribute{}, errorf("attribute with a shared datatype or dataspace")
		}
	default:
		if r.err == nil {
			return attribute{}, errorf("attribute message version %d", version)
		}
	}
	nameBytes := r.bytes(pad(nameSize))
	typeBytes := r.bytes(pad(typeSize))
	spaceBytes := r.bytes(pad(spaceSize))
	if r.err != nil {
		return attribute{}, r.err
	}
	a := attribute{name: string(bytes.TrimRight(nameBytes[:nameSize], "\x00"))}
	var err error
	if a.dtype, err = parseDatatype(typeBytes[:typeSize]); err != nil {
		return attribute{}, err
	}
	dims, null, err := f.parseDataspace(spaceBytes[:spaceSize])
	if err != nil {
		return attribute{}, err
	}
	n := uint64(0)
	if !null {
		if n, err = elements(dims, uint64(len(m.data))); err != nil {
			return attribute{}, err
		}
	}
	a.dims = dims
	if a.dtype.size == 0 || n > uint64(r.left())/a.dtype.size && n > 0 {
		return attribute{}, errorf("attribute %q: %d values of %d bytes in %d bytes", a.name, n, a.dtype.size, r.left())
	}
	a.data = r.bytes(int(n * a.dtype.size))
	return a, r.err
}

// strings decodes a string attribute's elements.
func (f *File) strings(a attribute) ([]string, error) {
	size := int(a.dtype.size)
	n := len(a.data) / size
	switch {
	case a.dtype.class == classString:
		out := make([]string, n)
		for i := range out {
			s := a.data[i*size : (i+1)*size]
			switch a.dtype.bits & 0x0f {
			case 0: // null-terminated
				if j := bytes.IndexByte(s, 0); j >= 0 {
					s = s[:j]
				}
			case 1: // null-padded
				s = bytes.TrimRight(s, "\x00")
			case 2: // space-padded
				s = bytes.TrimRight(s, " ")
			}
			out[i] = string(s)
		}
		return out, nil
	case a.dtype.vlenStr:
		out := make([]string, n)
		for i := range out {
			r := &reader{f: f, b: a.data[i*size : (i+1)*size]}
			length := r.u32()
			coll := r.addr()
			index := r.u32()
			if r.err != nil {
				return nil, r.err
			}
			s, err := f.globalHeapObject(coll, index, length)
			if err != nil {
				return nil, err
			}
			out[i] = strings.TrimRight(string(s), "\x00")
		}
		return out, nil
	case n == 0:
		return nil, nil
	}
	return nil, errorf("a value of class %d, not a string", a.dtype.class)
}

// globalHeapObject returns object index of the global heap collection at
// addr (section III.E), which must be length bytes long.
func (f *File) globalHeapObject(addr uint64, index, length uint64) ([]byte, error) {
	if err := f.visit(); err != nil {
		return nil, err
	}
	r := f.at(addr, 0)
	r.signature("GCOL")
	r.skip(4) // version, reserved
	size := r.size()
	if r.err != nil {
		return nil, fmt.Errorf("global heap: %w", r.err)
	}
	header := 8 + f.lenSize
	if size < uint64(header) || size-uint64(header) > uint64(r.left()) {
		return nil, errorf("global heap collection of %d bytes at %d does not fit the file", size, addr)
	}
	r.b = r.b[:r.pos+int(size)-header]
	for r.left() >= 8+f.lenSize {
		idx := r.u16()
		r.skip(6) // reference count, reserved
		n := r.size()
		if idx == 0 { // free space: the end
			break
		}
		if r.err == nil && n > uint64(r.left()) {
			return nil, errorf("global heap object of %d bytes runs past its collection", n)
		}
		data := r.bytes(int(n))
		r.skip(min((8-int(n%8))%8, r.left()))
		if r.err != nil {
			return nil, r.err
		}
		if idx == index {
			if uint64(len(data)) < length {
				return nil, errorf("global heap object %d holds %d bytes, %d wanted", index, len(data), length)
			}
			return data[:length], nil
		}
	}
	return nil, errorf("no object %d in the global heap collection at %d", index, addr)
}

// Float32s reads the float32 dataset at path below g, which must have the
// given shape.
func (g *Group) Float32s(path string, shape []int) ([]float32, error) {
	_, name, addr, err := g.lookup(path)
	if err != nil {
		return nil, err
	}
	msgs, err := g.f.header(addr)
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", path, err)
	}
	var dims []uint64
	var dtype datatype
	var raw []byte
	haveType, haveSpace, haveLayout := false, false, false
	for _, m := range msgs {
		if m.flags&0x02 != 0 && (m.typ == msgDatatype || m.typ == msgDataspace) {
			return nil, errorf("dataset %q has a shared datatype or dataspace", path)
		}
		switch m.typ {
		case msgDatatype:
			if dtype, err = parseDatatype(m.data); err != nil {
				return nil, err
			}
			haveType = true
		case msgDataspace:
			var null bool
			if dims, null, err = g.f.parseDataspace(m.data); err != nil || null {
				return nil, errorf("dataset %q: no dimensions", path)
			}
			haveSpace = true
		case msgFilters:
			return nil, errorf("dataset %q is compressed or filtered; Keras writes plain datasets", path)
		case msgLayout:
			if raw, err = g.f.layout(m.data); err != nil {
				return nil, fmt.Errorf("dataset %q: %w", path, err)
			}
			haveLayout = true
		}
	}
	if !haveType || !haveSpace || !haveLayout {
		return nil, errorf("%q is not a dataset", name)
	}
	if !dtype.float32 {
		return nil, errorf("dataset %q is not float32 (class %d, %d bytes); digitnet computes in float32", path, dtype.class, dtype.size)
	}
	if len(dims) != len(shape) {
		return nil, errorf("dataset %q has shape %v, want %v", path, dims, shape)
	}
	for i := range dims {
		if dims[i] != uint64(shape[i]) {
			return nil, errorf("dataset %q has shape %v, want %v", path, dims, shape)
		}
	}
	n, err := elements(dims, uint64(len(g.f.b)))
	if err != nil {
		return nil, err
	}
	if uint64(len(raw)) != 4*n {
		return nil, errorf("dataset %q holds %d bytes, shape %v needs %d", path, len(raw), dims, 4*n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// layout reads a data layout message (section IV.A.2.i), version 3 or 4,
// and returns the dataset's bytes: compact (in the message) or contiguous.
func (f *File) layout(data []byte) ([]byte, error) {
	r := &reader{f: f, b: data}
	version := r.u8()
	class := r.u8()
	if r.err != nil {
		return nil, r.err
	}
	if version != 3 && version != 4 {
		return nil, errorf("data layout version %d", version)
	}
	switch class {
	case 0: // compact
		n := int(r.u16())
		b := r.bytes(n)
		return b, r.err
	case 1: // contiguous
		addr, size := r.addr(), r.size()
		if r.err != nil {
			return nil, r.err
		}
		if addr == undefined {
			return nil, errorf("dataset was never written")
		}
		dr := f.at(addr, size)
		b := dr.bytes(dr.left())
		return b, dr.err
	case 2:
		return nil, errorf("chunked dataset; Keras writes contiguous ones")
	}
	return nil, errorf("data layout class %d", class)
}
