package survey

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func itoa(n int) string { return strconv.Itoa(n) }

// cleanText trims surrounding white space.
func cleanText(s string) string { return strings.TrimSpace(s) }

// badText reports text that cannot be stored as user text: invalid UTF-8 or
// control characters (tabs and new lines are allowed only when multiline).
func badText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			if multiline {
				continue
			}
			return true
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// checkText validates a one-line text field against a maximum length in characters.
func checkText(fe fieldErrors, field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		fe.add(field, "err.required")
	case badText(v, false):
		fe.add(field, "err.bad_characters")
	case utf8.RuneCountInString(v) > max:
		fe.add(field, "err.too_long")
	}
}

func hasArabicLetter(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// validWebURL accepts absolute http and https URLs with a host.
func validWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\n")
}

// NormalizeDigits turns Arabic-Indic (٠–٩) and Eastern Arabic-Indic (۰–۹)
// digits into Western digits, so inputs accept either.
func NormalizeDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return (r >= '٠' && r <= '٩') || (r >= '۰' && r <= '۹') }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, s)
}

func splitColumns(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

func joinColumns(cols []string) string { return strings.Join(cols, ", ") }
