package survey

import (
	"strings"
	"unicode"
)

// Fold prepares text for search so that the ways people type Arabic all
// match: it drops diacritics (tashkeel, Quranic marks) and tatweel, folds
// the alef forms أ إ آ ٱ to ا, ة to ه and ى to ي, turns Arabic-Indic digits
// into Western ones, lower-cases Latin letters and collapses white space.
// Stored text and queries go through the same function.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading space
	for _, r := range s {
		switch {
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r >= 0x06D6 && r <= 0x06ED, r == 0x0640:
			continue // harakat, superscript alef, Quranic marks, tatweel
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			r = 'ا'
		case r == 'ة':
			r = 'ه'
		case r == 'ى':
			r = 'ي'
		case r >= '٠' && r <= '٩':
			r = '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			r = '0' + (r - '۰')
		case unicode.IsSpace(r) || r == 0x200C || r == 0x200D || r == 0x200E || r == 0x200F:
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// FoldTerms folds a query and splits it into words; every word must match.
func FoldTerms(q string) []string {
	return strings.Fields(Fold(q))
}
