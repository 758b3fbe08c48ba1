package survey

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

func TestContainsTerm(t *testing.T) {
	texts := []string{"اصدار شهاده ميلاد", "birth certificate", "خدمه 2026 جواز", "", "ا"}
	terms := []string{"شهاده", "ميلاد", "cert", "جواز", "2026", "اد", "ا", "دا", "x", "ميلادي", "ه 2"}
	for _, text := range texts {
		for _, term := range terms {
			if got, want := containsTerm(text, term), strings.Contains(text, term); got != want {
				t.Errorf("containsTerm(%q, %q) = %v, want %v", text, term, got, want)
			}
		}
	}
}
