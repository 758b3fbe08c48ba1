package survey

import (
	"encoding/json"
	"unicode/utf8"
)

// AppendJSONString appends s as encoding/json writes a string: between
// quotes as it is when nothing in it needs escaping (PlainJSON), else
// through encoding/json. Answers and their audit records are written out
// this way on every save, where marshalling by reflection was a tenth of
// the work (issue 15).
func AppendJSONString(dst []byte, s string) []byte {
	if PlainJSON(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// PlainJSON reports whether encoding/json writes s as it is between its
// quotes: valid UTF-8 with no control character, quote, backslash, HTML
// special character (<, >, &) or line or paragraph separator.
func PlainJSON(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// AppendJSONStrings appends vs as encoding/json writes a []string: null
// for a nil slice, else an array.
func AppendJSONStrings(dst []byte, vs []string) []byte {
	if vs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, v)
	}
	return append(dst, ']')
}
