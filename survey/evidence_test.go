package survey

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// zipOf is a zip holding files with the given names.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte("<x/>"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSniffEvidence: the type comes from the content, whatever the name;
// what could run in a browser (HTML, SVG) or on a computer (programs) is
// refused, and so is a zip that is not an Office document.
func TestSniffEvidence(t *testing.T) {
	arabic := strings.Repeat("تقرير الاختبار ", 10000) // multi-byte runes across 64 KB blocks
	cases := []struct {
		name string
		body []byte
		want string // "" for refused
	}{
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"), "application/pdf"},
		{"png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20)...), "image/png"},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
		{"docx", zipOf(t, "[Content_Types].xml", "word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xlsx", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"pptx", zipOf(t, "[Content_Types].xml", "ppt/presentation.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"text", []byte(arabic), "text/plain; charset=utf-8"},
		{"plain zip", zipOf(t, "a.txt"), ""},
		{"zip named like Word, no content types", zipOf(t, "word/document.xml"), ""},
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), ""},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"program", append([]byte("MZ\x90\x00"), make([]byte, 100)...), ""},
		{"old Word", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 100)), ""},
		{"text that is not UTF-8", append([]byte(strings.Repeat("a", 70000)), 0xff, 'b'), ""},
		{"empty", nil, ""},
	}
	for _, c := range cases {
		head := c.body[:min(512, len(c.body))]
		got, err := SniffEvidence(head, bytes.NewReader(c.body), int64(len(c.body)))
		switch {
		case c.want == "" && !errors.Is(err, ErrEvidenceType):
			t.Errorf("%s: %q, %v; want ErrEvidenceType", c.name, got, err)
		case c.want != "" && (err != nil || got != c.want):
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// TestEvidenceNames: titles are bounded, names lose their folders and
// control characters.
func TestEvidenceNames(t *testing.T) {
	if got, err := CheckEvidenceTitle("  ", " plan.pdf "); err != nil || got != "plan.pdf" {
		t.Errorf("empty title: %q, %v; want the file's name", got, err)
	}
	if _, err := CheckEvidenceTitle(strings.Repeat("ع", MaxEvidenceTitleChars+1), ""); !errors.Is(err, ErrEvidenceTitle) {
		t.Errorf("long title: %v", err)
	}
	if got := CleanEvidenceName(`C:\Users\x\"plan"` + "\r\n.pdf"); got != "plan.pdf" {
		t.Errorf("clean name: %q", got)
	}
}
