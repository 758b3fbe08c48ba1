package survey

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Evidence files (issue 17): documents a respondent attaches to an answer
// — a decree, a plan, a test report, a screenshot. The file is kept once
// by its SHA-256 whatever number of answers it is attached to; each
// attachment (an EvidenceLink) has its own title, uploader, time and the
// answer's version it was given with. docs/evidence.md explains the
// storage (in the database, in chunks) and who may download.

// Default limits; the coordinator's settings (evidence_file_max_bytes,
// evidence_round_max_bytes) override them.
const (
	// DefaultEvidenceFileBytes is one file.
	DefaultEvidenceFileBytes = 10 << 20
	// DefaultEvidenceRoundBytes is all the files of one institution in one
	// round, each distinct file counted once.
	DefaultEvidenceRoundBytes = 100 << 20
	// MaxEvidenceFileBytes is the most the per-file setting may allow: the
	// upload route's body limit is this plus room for the form.
	MaxEvidenceFileBytes = 50 << 20
	// MaxEvidenceTitleChars bounds an attachment's title.
	MaxEvidenceTitleChars = 200
	// MaxEvidenceNameChars bounds the file name the browser gave.
	MaxEvidenceNameChars = 255
)

// Errors of attaching evidence, each with its own message.
var (
	// ErrEvidenceType: the file's content is not one of the kinds taken.
	ErrEvidenceType = errors.New("survey: evidence file type not accepted")
	// ErrEvidenceTooBig: the file is over the per-file limit.
	ErrEvidenceTooBig = errors.New("survey: evidence file too big")
	// ErrEvidenceQuota: the institution's files in the round would pass
	// the per-round limit.
	ErrEvidenceQuota = errors.New("survey: evidence quota for the round reached")
	// ErrEvidenceTitle: the title is empty or too long.
	ErrEvidenceTitle = errors.New("survey: evidence title empty or too long")
	// ErrEvidenceLimits: limits the settings may not take.
	ErrEvidenceLimits = errors.New("survey: evidence limits out of bounds")
)

// MaxEvidenceRoundMB bounds the per-round setting (10 GB). The coordinator
// sets both limits in whole megabytes: a file of 1 to 50 MB
// (MaxEvidenceFileBytes, the upload route's body limit) and an
// institution's round of 1 MB to this, never less than one file.
const MaxEvidenceRoundMB = 10 << 10

// CheckEvidenceLimits reads the settings form: whole megabytes (Arabic-
// Indic digits taken), each in its bounds, the round's total at least one
// file. The field errors are message keys.
func CheckEvidenceLimits(fileMB, roundMB string) (EvidenceLimits, error) {
	fe := FieldErrors{}
	f, okF := parseWholeMB(fileMB, MaxEvidenceFileBytes>>20)
	if !okF {
		fe.Add("file_mb", "err.evidence_file_mb")
	}
	r, okR := parseWholeMB(roundMB, MaxEvidenceRoundMB)
	if !okR {
		fe.Add("round_mb", "err.evidence_round_mb")
	}
	if okF && okR && r < f {
		fe.Add("round_mb", "err.evidence_round_lt_file")
	}
	return EvidenceLimits{FileBytes: f << 20, RoundBytes: r << 20}, fe.Err()
}

// parseWholeMB is a whole number from 1 to most.
func parseWholeMB(s string, most int64) (int64, bool) {
	s = strings.TrimSpace(NormalizeDigits(s))
	if s == "" || len(s) > 6 {
		return 0, false
	}
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, n >= 1 && n <= most
}

// EvidenceLimits are the limits in force.
type EvidenceLimits struct {
	FileBytes, RoundBytes int64
}

// EvidenceFile is a stored file, known by its content.
type EvidenceFile struct {
	SHA256      string
	Size        int64
	ContentType string
}

// EvidenceLink is one file attached to one answer, or to one initiative
// (then ResponseID is 0 and InitiativeID is set).
type EvidenceLink struct {
	ID           int64
	ResponseID   int64
	InitiativeID int64
	// RoundID is, for an initiative's file, the round whose total it
	// counts in (0: attached with no round open).
	RoundID       int64
	ItemID        string
	Title         string
	Filename      string
	AnswerVersion int
	UploadedBy    string // the uploader's email, "" when unknown
	UploadedAt    time.Time
	File          EvidenceFile
}

// EvidenceInput is a file to attach: its content is read from Body (a
// spooled temporary file) after the caller has hashed and sniffed it.
type EvidenceInput struct {
	ItemID, Title, Filename string
	File                    EvidenceFile
	Body                    io.Reader
}

// CheckEvidenceTitle trims and bounds a title; an empty title takes the
// file's name.
func CheckEvidenceTitle(title, filename string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		title = strings.TrimSpace(filename)
	}
	if title == "" || utf8.RuneCountInString(title) > MaxEvidenceTitleChars || !utf8.ValidString(title) {
		return "", ErrEvidenceTitle
	}
	return title, nil
}

// CleanEvidenceName keeps the last element of a browser's file name,
// bounded, for the download's suggested name.
func CleanEvidenceName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if !utf8.ValidString(name) {
		return ""
	}
	if r := []rune(name); len(r) > MaxEvidenceNameChars {
		name = string(r[len(r)-MaxEvidenceNameChars:])
	}
	return name
}

// SniffEvidence decides a file's type by its content, never its name:
// PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint (OOXML) and plain UTF-8
// text are taken; anything else (HTML, SVG, scripts, executables, old
// binary Office files) is ErrEvidenceType. r holds the whole file of size
// bytes; head is its first 512 bytes (or all of it when shorter).
func SniffEvidence(head []byte, r io.ReaderAt, size int64) (string, error) {
	if size == 0 {
		return "", ErrEvidenceType
	}
	// The signatures are written out here rather than asked of
	// net/http's sniffer: survey/ stays free of net/http (layout_test.go).
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "image/gif", nil
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return "image/webp", nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffOOXML(r, size)
	case markup(head):
		return "", ErrEvidenceType // HTML, SVG, XML: a browser could run them
	case utf8Text(r, size):
		return "text/plain; charset=utf-8", nil
	}
	return "", ErrEvidenceType
}

// markup reports whether text starts, after a byte-order mark and white
// space, with "<": an HTML, SVG or XML document, never taken as text.
func markup(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n\f")
	return len(head) > 0 && head[0] == '<'
}

// sniffOOXML tells a Word, Excel or PowerPoint file from another zip by
// its parts: [Content_Types].xml and the main part's folder.
func sniffOOXML(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil || len(zr.File) > 10000 {
		return "", ErrEvidenceType
	}
	types, kind := false, ""
	for _, f := range zr.File {
		switch {
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(f.Name, "word/"):
			kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case strings.HasPrefix(f.Name, "xl/"):
			kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case strings.HasPrefix(f.Name, "ppt/"):
			kind = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
		}
	}
	if !types || kind == "" {
		return "", ErrEvidenceType
	}
	return kind, nil
}

// utf8Text reports whether the file is valid UTF-8 without NUL bytes,
// read in blocks.
func utf8Text(r io.ReaderAt, size int64) bool {
	buf := make([]byte, 64<<10)
	var carry []byte
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf, off)
		if n == 0 && err != nil {
			return false
		}
		off += int64(n)
		b := append(carry, buf[:n]...)
		if bytes.IndexByte(b, 0) >= 0 {
			return false
		}
		// Keep an incomplete rune at the end for the next block.
		cut := len(b)
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(b[:cut]) {
			return false
		}
		carry = append([]byte(nil), b[cut:]...)
	}
	return len(carry) == 0 || utf8.Valid(carry)
}
