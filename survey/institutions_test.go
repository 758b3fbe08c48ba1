package survey

import (
	"testing"
)

func TestNormalizeDigits(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"western unchanged", "MOH-12", "MOH-12"},
		{"arabic-indic", "٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"eastern arabic-indic", "۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		{"mixed with letters", "GAZ-٣۴", "GAZ-34"},
		{"arabic letters kept", "بلدية ٢", "بلدية 2"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := NormalizeDigits(tc.in); got != tc.want {
				t.Errorf("NormalizeDigits(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestInstitutionName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, lang, en, want string }{
		{"arabic", "ar", "Ministry of Health", "وزارة الصحة"},
		{"english", "en", "Ministry of Health", "Ministry of Health"},
		{"english falls back to arabic", "en", "", "وزارة الصحة"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			i := Institution{NameAr: "وزارة الصحة", NameEn: tc.en}
			if got := i.Name(tc.lang); got != tc.want {
				t.Errorf("Name(%q) = %q, want %q", tc.lang, got, tc.want)
			}
		})
	}
}
