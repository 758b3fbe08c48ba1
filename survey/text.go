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
func CleanText(s string) string { return strings.TrimSpace(s) }

// badText reports text that cannot be stored as user text: invalid UTF-8 or
// control characters (tabs and new lines are allowed only when multiline).
func BadText(s string, multiline bool) bool {
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
func CheckText(fe FieldErrors, field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		fe.Add(field, "err.required")
	case BadText(v, false):
		fe.Add(field, "err.bad_characters")
	case utf8.RuneCountInString(v) > max:
		fe.Add(field, "err.too_long")
	}
}

func HasArabicLetter(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// Length bounds of stored values that are not free text. An e-mail address
// is at most 254 characters (RFC 5321's path limit less the brackets); a
// URL at most 2,000, which every browser and server takes whole.
const (
	MaxEmailLen = 254
	MaxURLLen   = 2000
)

// validWebURL accepts absolute http and https URLs with a host, of at most
// MaxURLLen bytes and with nothing invisible in them.
func validWebURL(s string) bool {
	if len(s) > MaxURLLen || hasInvisible(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// hasInvisible reports characters that a code, a URL or an e-mail address
// must not hold: white space of any kind, and characters that cannot be
// seen or that change how the text around them is shown — bidi embeddings,
// overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E,
// U+200F, U+061C), zero-width spaces and joiners (U+200B–U+200D), the word
// joiner and invisible operators (U+2060–U+2064), the byte order mark
// (U+FEFF) and every other format character (Unicode category Cf), as well
// as fillers and variation selectors that show nothing. With them two
// different addresses look the same, or a link shows one place and goes to
// another. Free text keeps them (Arabic writing uses joiners), and pages
// isolate it.
func hasInvisible(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		switch {
		case unicode.IsSpace(r), unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r):
			return true
		case r == '\u034f', r == '\u115f', r == '\u1160', r == '\u17b4', r == '\u17b5', r == '\u3164', r == '\uffa0', r == '\u2800':
			// combining grapheme joiner, Hangul fillers, Khmer inherent
			// vowels, Hangul filler, halfwidth filler, braille blank
			return true
		}
		return false
	})
}

// maxNumberLen bounds a number's text: longer is not a number a person
// typed, and it keeps both parsers clear of overflow and underflow.
const maxNumberLen = 30

// numberSeparators turns the Arabic decimal separator into a point and
// drops thousands separators. Made once: building a Replacer on every call
// was most of the cost of a show_if comparison (issue 15).
var numberSeparators = strings.NewReplacer("٫", ".", "٬", "", ",", "")

// ParseNumber reads a number as people type it: Western, Arabic-Indic or
// Eastern Arabic-Indic digits, an optional sign, a decimal point or the
// Arabic decimal separator (٫), and thousands separators (, or ٬) that it
// ignores; spaces around it are trimmed. Anything else — "3 x", "1e5",
// "Inf", "0x10", "" — is not a number. The questionnaire's script
// (static/js/questionnaire.js, parseNumber) follows the same rules, and a
// shared table of cases (testdata/showif_cases.json) holds both to them.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(NormalizeDigits(s))
	s = numberSeparators.Replace(s)
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
