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

// maxNumberLen bounds a number's text: longer is not a number a person
// typed, and it keeps both parsers clear of overflow and underflow.
const maxNumberLen = 30

// ParseNumber reads a number as people type it: Western, Arabic-Indic or
// Eastern Arabic-Indic digits, an optional sign, a decimal point or the
// Arabic decimal separator (٫), and thousands separators (, or ٬) that it
// ignores; spaces around it are trimmed. Anything else — "3 x", "1e5",
// "Inf", "0x10", "" — is not a number. The questionnaire's script
// (static/js/questionnaire.js, parseNumber) follows the same rules, and a
// shared table of cases (testdata/showif_cases.json) holds both to them.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(NormalizeDigits(s))
	s = strings.NewReplacer("٫", ".", "٬", "", ",", "").Replace(s)
	if s == "" || len(s) > maxNumberLen {
		return 0, false
	}
	digits, dot := 0, false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' && !dot:
			dot = true
		case (r == '+' || r == '-') && i == 0:
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
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
