package imgproc

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"digitnet/internal/fixtures"
)

// Temporary (perf helper): outputs must stay bit-identical.
func TestPerfGolden(t *testing.T) {
	if os.Getenv("PERF_GOLDEN") == "" {
		t.Skip("PERF_GOLDEN not set")
	}
	h := sha256.New()
	var lines []string
	add := func(name string, file []byte) {
		img, _, err := Decode(bytes.NewReader(file), DefaultLimits)
		if err != nil {
			fmt.Fprintf(h, "%s decode %v\n", name, err)
			return
		}
		gs, err := Segment(img)
		s := sha256.New()
		fmt.Fprintf(s, "%v", err)
		for _, g := range gs {
			fmt.Fprintf(s, "%v", g.Box)
			s.Write(g.Image.Pix)
		}
		p, err := Preprocess(img)
		fmt.Fprintf(s, "%v", err)
		if p != nil {
			s.Write(p.Pix)
		}
		line := fmt.Sprintf("%s %x", name, s.Sum(nil)[:6])
		lines = append(lines, line)
		h.Write([]byte(line))
	}
	ex, _ := filepath.Glob("../server/assets/examples/*.png")
	for _, f := range ex {
		b, _ := os.ReadFile(f)
		add(filepath.Base(f), b)
	}
	ds := mnistTest(t, 40)
	for _, k := range fixtures.Kinds {
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 40; i += 3 {
			b, err := fixtures.Render(k, r, ds[i].pix)
			if err != nil {
				t.Fatal(err)
			}
			add(fmt.Sprintf("%s-%d", k, i), b)
		}
	}
	got := fmt.Sprintf("%x", h.Sum(nil))
	out := []byte(got + "\n")
	for _, l := range lines {
		out = append(out, l+"\n"...)
	}
	if os.Getenv("GOLDEN_UPDATE") != "" {
		os.WriteFile("/tmp/perfgolden.txt", out, 0o644)
		return
	}
	want, _ := os.ReadFile("/tmp/perfgolden.txt")
	if string(want) != string(out) {
		os.WriteFile("/tmp/perfgolden.new", out, 0o644)
		t.Fatalf("outputs changed: diff /tmp/perfgolden.txt /tmp/perfgolden.new")
	}
}
