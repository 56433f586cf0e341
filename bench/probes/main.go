// Command probes writes issue 14's memory probes into a folder: small files
// within the 40-megapixel limit that decode to huge buffers. bench/memory.sh
// posts them to `digitnet serve`.
//
//	go run ./bench/probes -dir /tmp/probes
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"digitnet/internal/probe"
)

func main() {
	dir := flag.String("dir", ".", "folder to write the probes into")
	w := flag.Int("w", 8000, "width in pixels")
	h := flag.Int("h", 5000, "height in pixels")
	flag.Parse()
	files := []struct {
		name string
		make func() []byte
	}{
		{"tiff-deflate-bomb.tif", func() []byte { return probe.TIFFDeflateBomb(*w, *h) }},
		{"progressive.jpg", func() []byte { return probe.ProgressiveJPEG(*w, *h, false) }},
		{"png16.png", func() []byte { return probe.PNG16(*w, *h) }},
	}
	for _, f := range files {
		data := f.make()
		path := filepath.Join(*dir, f.name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "probes:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %dx%d, %d bytes\n", path, *w, *h, len(data))
	}
}
