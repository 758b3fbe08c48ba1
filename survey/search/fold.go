package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
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

// The clitics of Lucene's Arabic light stemmer (ArabicStemmer, after Larkey,
// Ballesteros and Connell, "Light stemming for Arabic information
// retrieval"), in the order it tries them: the definite article alone and
// after the conjunctions و ف and the prepositions ب ك, the preposition ل
// before the article, and the conjunction و.
var stemPrefixes = []string{"ال", "وال", "بال", "كال", "فال", "لل", "و"}

// Its suffixes, in its order: possessive ها, the dual ان, the plurals ات
// ون ين, the nisba يه/ية, ه/ة (the feminine ending and the possessive) and
// the nisba or possessive ي. The ة forms never meet folded text (Fold
// makes them ه) but are kept so that Stem gives Lucene's answer on raw
// words too.
var stemSuffixes = []string{"ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي"}

// Stem is Lucene's Arabic light stemmer on one word, meant for a folded
// one: at most one prefix comes off, the first of stemPrefixes that the
// word starts with, if at least two letters remain (three for the
// one-letter و, which also begins many words: وزارة, وثيقة); then each
// suffix in the order of stemSuffixes comes off if the word ends with it
// and two letters remain, so that «شهادات» and «الشهادة» both become
// «شهاد» and «ساهدهات» loses ات and then ه. Words of other scripts come
// back unchanged.
func Stem(word string) string {
	n := utf8.RuneCountInString(word)
	for _, p := range stemPrefixes {
		k := utf8.RuneCountInString(p)
		if (k == 1 && n < 4) || n < k+2 || !strings.HasPrefix(word, p) {
			continue
		}
		word, n = word[len(p):], n-k
		break
	}
	for _, s := range stemSuffixes {
		k := utf8.RuneCountInString(s)
		if n >= k+2 && strings.HasSuffix(word, s) {
			word, n = word[:len(word)-len(s)], n-k
		}
	}
	return word
}

// minStemLetters is the shortest stem a search looks for instead of the
// word typed. Searches find a term inside longer words (so that «رخص»
// finds «رخصة» as it is typed), and a two-letter stem is inside far too
// many of them: «بيان» would become «بي» and find «عربي» and «بيع». A
// word whose stem is that short is looked for as typed, as before stemming.
const minStemLetters = 3

// searchForm is what a search looks for in the indexed words for the
// folded query term t: its stem when that keeps minStemLetters letters,
// else t itself. The stem is a part of t, so every word that has t also
// has the stem: stemming only ever adds results.
func searchForm(t string) string {
	if s := Stem(t); s != t && utf8.RuneCountInString(s) >= minStemLetters {
		return s
	}
	return t
}
