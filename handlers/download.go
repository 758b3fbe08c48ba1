package handlers

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Downloads are named after rounds, institutions and charts, which people
// name: in Arabic, with spaces, quotes, slashes, even line breaks or
// direction marks. Every download names its file with attachment, so that
// the name is a file name and never a header's worth of raw bytes.

// maxFileNameRunes bounds a download's name; browsers and file systems
// cut longer ones anyway.
const maxFileNameRunes = 120

// attachment makes the answer a download saved as name ("marsad-2026.csv").
func attachment(c *gin.Context, name string) {
	c.Header("Content-Disposition", contentDisposition(name))
}

// contentDisposition is the header for a download named name (RFC 6266):
// filename* (UTF-8, two apostrophes, then the name percent-encoded, RFC
// 5987/8187) carries the name as it is, and filename="…" an ASCII
// fallback for old clients, with no quote, backslash, control or
// non-ASCII byte. Both are cleaned of path separators, control and
// invisible characters, and leading dots.
func contentDisposition(name string) string {
	name = cleanFileName(name)
	return `attachment; filename="` + asciiFileName(name) + `"; filename*=UTF-8''` + pctEncode(name)
}

// cleanFileName keeps a name a single, visible file name: separators and
// characters file systems refuse become "-", control and format characters
// (line breaks, direction marks, zero-width joiners) go, runs of dots and
// spaces fold, and no dot or space starts or ends it (no hidden file, no
// "..").
func cleanFileName(name string) string {
	ext := path.Ext(name)
	if len(ext) > 10 || strings.ContainsAny(ext, `/\`) {
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	var b strings.Builder
	var last rune
	for _, r := range base {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune(`/\:*?"<>|'`, r):
			r = '-'
		case unicode.IsSpace(r):
			r = ' '
		}
		if (r == '.' || r == ' ' || r == '-') && r == last {
			continue
		}
		b.WriteRune(r)
		last = r
	}
	base = strings.Trim(b.String(), ". -")
	if runes := []rune(base); len(runes) > maxFileNameRunes {
		base = strings.TrimRight(string(runes[:maxFileNameRunes]), ". -")
	}
	if base == "" {
		base = "marsad"
	}
	return base + cleanExt(ext)
}

// cleanExt keeps an extension of ASCII letters and digits only.
func cleanExt(ext string) string {
	for _, r := range strings.TrimPrefix(ext, ".") {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return ""
		}
	}
	return ext
}

// asciiFileName is the fallback name: ASCII letters, digits, "-" and "."
// kept, anything else one "_" (an Arabic round falls back to
// "marsad-_-rankings.csv"), never empty. name is already clean.
func asciiFileName(name string) string {
	ext := path.Ext(name)
	var b strings.Builder
	under := false
	for _, r := range strings.TrimSuffix(name, ext) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.') {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	base := strings.Trim(b.String(), "._-")
	if base == "" {
		base = "marsad"
	}
	return base + ext
}

// pctEncode encodes a name for filename*: every byte but RFC 5987's
// attr-char as %XX.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
