package search

import (
	"reflect"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain Arabic unchanged", "شهاده ميلاد", "شهاده ميلاد"},
		{"diacritics dropped", "شَهَادَةُ مِيلَادٍ", "شهاده ميلاد"},
		{"taa marbuta folds to haa", "شهادة", "شهاده"},
		{"alef with hamza above", "أحوال", "احوال"},
		{"alef with hamza below", "إصدار", "اصدار"},
		{"alef madda", "آلية", "اليه"},
		{"alef wasla", "ٱلخدمة", "الخدمه"},
		{"alef maqsura folds to yaa", "مستشفى", "مستشفي"},
		{"tatweel dropped", "شـــهادة", "شهاده"},
		{"superscript alef dropped", "هٰذا", "هذا"},
		{"Arabic-Indic digits", "نموذج ١٢٣", "نموذج 123"},
		{"Eastern Arabic-Indic digits", "۴۵", "45"},
		{"Latin lower-cased", "Birth CERTIFICATE", "birth certificate"},
		{"space collapsed and trimmed", "  جواز \t سفر \n", "جواز سفر"},
		{"zero-width joiners are spaces", "جواز\u200cسفر", "جواز سفر"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := FoldTerms(" إصدارُ  شهادةِ "); !reflect.DeepEqual(got, []string{"اصدار", "شهاده"}) {
		t.Errorf("FoldTerms = %q", got)
	}
}

// TestStem: the cases of Lucene's own tests of its Arabic light stemmer
// (TestArabicStemFilter), each prefix and suffix alone and together, the
// length limits, and the same words folded first, as the index meets them.
func TestStem(t *testing.T) {
	cases := []struct{ in, want string }{
		// one prefix each
		{"الحسن", "حسن"},
		{"والحسن", "حسن"},
		{"بالحسن", "حسن"},
		{"كالحسن", "حسن"},
		{"فالحسن", "حسن"},
		{"للاخر", "اخر"},
		{"وحسن", "حسن"},
		// one suffix each
		{"زوجها", "زوج"},
		{"ساهدان", "ساهد"},
		{"ساهدات", "ساهد"},
		{"ساهدون", "ساهد"},
		{"ساهدين", "ساهد"},
		{"ساهديه", "ساهد"},
		{"ساهدية", "ساهد"},
		{"ساهده", "ساهد"},
		{"ساهدة", "ساهد"},
		{"ساهدي", "ساهد"},
		// prefix and suffix; two suffixes in the list's order
		{"وساهدون", "ساهد"},
		{"ساهدهات", "ساهد"},
		// too short to lose anything: two letters must stay, three after و
		{"الو", "الو"},
		{"وحس", "وحس"},
		{"لله", "لل"}, // the prefix لل would leave one letter, the suffix ه leaves two
		{"كتبه", "كتب"},
		{"به", "به"},
		{"ه", "ه"},
		// only one prefix comes off: ال then و are not both taken
		{"الوزاره", "وزار"},
		{"وزاره", "زار"},
		// other scripts and digits come back unchanged
		{"English", "English"},
		{"2026", "2026"},
		{"", ""},
		// the words of the examples, folded
		{Fold("الشهادة"), "شهاد"},
		{Fold("شهادة"), "شهاد"},
		{Fold("شهادات"), "شهاد"},
		{Fold("الميلاد"), "ميلاد"},
		{Fold("البناء"), "بناء"},
		{Fold("رخصة"), "رخص"},
		{Fold("مدرسية"), "مدرس"},
	}
	for _, tc := range cases {
		if got := Stem(tc.in); got != tc.want {
			t.Errorf("Stem(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSearchForm: a search looks for the stem only when it keeps three
// letters, and the form is always a part of the word typed (so stemming
// only adds results).
func TestSearchForm(t *testing.T) {
	cases := []struct{ in, want string }{
		{"الشهاده", "شهاد"},
		{"شهاده", "شهاد"},
		{"الميلاد", "ميلاد"},
		{"ميلاد", "ميلاد"},
		{"رخص", "رخص"},       // as typed: nothing to strip
		{"بيان", "بيان"},     // the stem بي is too short
		{"الطب", "الطب"},     // likewise طب
		{"certif", "certif"}, // Latin: unchanged
		{"ال", "ال"},
	}
	for _, tc := range cases {
		got := searchForm(tc.in)
		if got != tc.want {
			t.Errorf("searchForm(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !strings.Contains(tc.in, got) {
			t.Errorf("searchForm(%q) = %q is not a part of it", tc.in, got)
		}
	}
}
