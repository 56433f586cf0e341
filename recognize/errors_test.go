package recognize_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"digitnet/internal/probe"
	"digitnet/models"
	"digitnet/recognize"
)

func edgeModel(t *testing.T) *models.Model {
	t.Helper()
	m, err := probe.EdgeModel()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestErrorsForPeople is issue 15's "messages for people": each way an
// image fails has a stable code and a message that says what is wrong and
// what to do, and still matches its sentinel error.
func TestErrorsForPeople(t *testing.T) {
	rec := defaultRecognizer(t)
	edge, err := recognize.New(edgeModel(t))
	if err != nil {
		t.Fatalf("New refused a model whose probe outputs are finite: %v", err)
	}
	stroke := strokePNG(120, 160, 60, 20, 140, 8)
	small := recognize.Limits{MaxBytes: 100}
	tests := []struct {
		name   string
		rec    *recognize.Recognizer
		lim    recognize.Limits
		data   []byte
		code   string
		is     error
		phrase string
	}{
		{"empty", rec, recognize.DefaultLimits, nil, recognize.CodeEmpty, recognize.ErrEmpty, "The file is empty"},
		{"text", rec, recognize.DefaultLimits, []byte("hello, world\n"), recognize.CodeUnsupported, recognize.ErrUnsupported,
			"This is not an image digitnet can read (it looks like text); send PNG, JPEG, GIF, BMP, TIFF or WebP"},
		{"damaged", rec, recognize.DefaultLimits, stroke[:30], recognize.CodeCorrupt, recognize.ErrCorrupt, "This PNG file is damaged"},
		{"too large", rec, small, stroke, recognize.CodeTooLarge, recognize.ErrTooLarge, "100 bytes"},
		{"blank", rec, recognize.DefaultLimits, blankPNG(200, 200), recognize.CodeNoDigit, recognize.ErrNoInk,
			"No digit found — the image looks blank or too faint"},
		{"broken model", edge, recognize.DefaultLimits, stroke, recognize.CodeModel, recognize.ErrNotFinite,
			"not a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rec.SetLimits(tt.lim)
			defer tt.rec.SetLimits(recognize.DefaultLimits)
			_, err := tt.rec.Read(bytes.NewReader(tt.data))
			var e *recognize.Error
			if !errors.As(err, &e) || e.Code != tt.code || !errors.Is(err, tt.is) {
				t.Fatalf("Read: %v (%#v), want code %s wrapping %v", err, e, tt.code, tt.is)
			}
			if !strings.Contains(e.Message, tt.phrase) || strings.Contains(e.Message, "imgproc") {
				t.Errorf("message %q, want it to say %q for people", e.Message, tt.phrase)
			}
			if tt.is == recognize.ErrNotFinite || tt.is == recognize.ErrNoInk {
				return // known only after decoding
			}
			if _, cerr := tt.rec.Cost(tt.data); !errors.As(cerr, &e) || e.Code != tt.code {
				t.Errorf("Cost: %v, want code %s", cerr, tt.code)
			}
		})
	}
}

// TestRefusesOverflowingModel checks that a model whose outputs are not
// finite even on blank input is refused when it is loaded.
func TestRefusesOverflowingModel(t *testing.T) {
	m := edgeModel(t)
	for _, ts := range m.Net.Tensors() {
		if ts.Name == "dense2.bias" {
			ts.Data[0], ts.Data[1] = 3e38, 3e38 // their sum overflows
		}
		if ts.Name == "dense1.bias" {
			ts.Data[0] = 3e38
		}
	}
	if _, err := recognize.New(m); !errors.Is(err, recognize.ErrNotFinite) {
		t.Errorf("New: %v, want ErrNotFinite", err)
	}
}
