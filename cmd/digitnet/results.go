package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"digitnet/recognize"
)

// resultWriter prints predict's results, one input at a time in input
// order. JSON Lines and CSV go out line by line, so a script sees each
// result as soon as it and those before it are read; the table waits for
// all rows to align its columns.
type resultWriter interface {
	write(file string, r readResult) error
	flush() error
}

// readText is the READ column: the digit, or the number when there are
// several.
func readText(res recognize.Reading) string {
	if res.Number != "" {
		return res.Number
	}
	return strconv.Itoa(res.Digit.Digit)
}

// tableWriter prints aligned columns with a header, every column
// labelled, and no trailing spaces.
type tableWriter struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTableWriter(w io.Writer) *tableWriter {
	t := &tableWriter{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t.tw, "FILE\tREAD\tCONFIDENCE\tNOTE\tERROR")
	return t
}

func (t *tableWriter) write(file string, r readResult) error {
	if r.err != nil {
		_, err := fmt.Fprintf(t.tw, "%s\t-\t-\t\t%s\n", file, oneLine(r.err.Error()))
		return err
	}
	read, note := readText(r.res), ""
	if r.res.Uncertain {
		// The mark travels with the reading, so a script cutting the READ
		// column still sees it; the note says why and what else it may be.
		read += "?"
		note = "not sure: " + doubtNote(r.res)
	}
	_, err := fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t\n", file, read, percent(r.res.Confidence), oneLine(note))
	return err
}

// doubtNote says why a reading is uncertain and, for one digit, what the
// runner-up is.
func doubtNote(res recognize.Reading) string {
	if res.Number != "" {
		for i, d := range res.Digits {
			if d.Uncertain {
				return fmt.Sprintf("digit %d of %d: %s", i+1, len(res.Digits), doubtNote(recognize.Reading{Digit: d}))
			}
		}
		return res.Reason
	}
	if res.NamesRunnerUp() {
		return res.Reason
	}
	second := res.Top3[1]
	s := fmt.Sprintf("runner-up %d (%s)", second.Digit, percent(second.Probability))
	if res.Reason != "" {
		s = res.Reason + "; " + s
	}
	return s
}

// percent prints a probability to a tenth of a percent, rounding down, so
// that 0.9996 reads 99.9%, never a "100%" the model did not say.
func percent(p float32) string {
	return fmt.Sprintf("%.1f%%", math.Floor(float64(p)*1000)/10)
}

func (t *tableWriter) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads every cell but the last, so rows without an error
	// end in spaces.
	var out strings.Builder
	for line := range strings.Lines(t.buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	t.buf.Reset()
	_, err := io.WriteString(t.w, out.String())
	return err
}

// oneLine keeps a message on its row of the table.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// jsonWriter prints one JSON object per input: the file's name, then the
// same reading the API gives, or {"file","error"}.
type jsonWriter struct{ enc *json.Encoder }

func newJSONWriter(w io.Writer) *jsonWriter { return &jsonWriter{json.NewEncoder(w)} }

func (j *jsonWriter) write(file string, r readResult) error {
	if r.err != nil {
		return j.enc.Encode(struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{file, r.err.Error()})
	}
	return j.enc.Encode(struct {
		File string `json:"file"`
		recognize.Reading
	}{file, r.res})
}

func (j *jsonWriter) flush() error { return nil }

// csvWriter prints RFC 4180 CSV: a header row, then one row per input.
// confidence is a probability from 0 to 1, as in the JSON.
type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) *csvWriter {
	c := &csvWriter{csv.NewWriter(w)}
	c.w.Write([]string{"file", "read", "confidence", "uncertain", "error"})
	return c
}

func (c *csvWriter) write(file string, r readResult) error {
	row := []string{file, "", "", "", ""}
	if r.err != nil {
		row[4] = r.err.Error()
	} else {
		row[1] = readText(r.res)
		row[2] = strconv.FormatFloat(float64(r.res.Confidence), 'g', -1, 32)
		row[3] = strconv.FormatBool(r.res.Uncertain)
	}
	if err := c.w.Write(row); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}
