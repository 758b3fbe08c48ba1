package survey

import (
	"strings"
	"testing"
)

func TestCheckOpenData(t *testing.T) {
	ok := map[string]OpenDataInput{
		"none":  {},
		"known": {Licence: "cc-by-4.0", LicenceName: "typed, ignored", LicenceURL: "javascript:x", PublisherAr: " وزارة ", PublisherEn: "Ministry"},
		"other": {Licence: "other", LicenceName: "OGL 3.0", LicenceURL: "https://example.org/ogl"},
	}
	for name, in := range ok {
		o, err := CheckOpenData(in)
		if err != nil || !o.Valid() {
			t.Errorf("%s: %v, valid %v", name, err, o.Valid())
		}
	}
	if o, _ := CheckOpenData(ok["known"]); o.LicenceName != "CC BY 4.0" || o.LicenceURL != Licences[0].URL || o.PublisherAr != "وزارة" {
		t.Errorf("a known licence: %+v", o)
	}
	if o, _ := CheckOpenData(ok["none"]); o.HasLicence() || o.HasPublisher() {
		t.Errorf("nothing set: %+v", o)
	}
	bad := map[string]struct {
		in    OpenDataInput
		field string
	}{
		"unknown licence":     {OpenDataInput{Licence: "gpl"}, "licence"},
		"other without name":  {OpenDataInput{Licence: "other", LicenceURL: "https://example.org"}, "licence_name"},
		"other, not http":     {OpenDataInput{Licence: "other", LicenceName: "X", LicenceURL: "ftp://example.org"}, "licence_url"},
		"name too long":       {OpenDataInput{Licence: "other", LicenceName: strings.Repeat("n", MaxLicenceNameChars+1), LicenceURL: "https://example.org"}, "licence_name"},
		"publisher too long":  {OpenDataInput{PublisherEn: strings.Repeat("p", MaxOpenDataPublisher+1)}, "publisher_en"},
		"publisher two lines": {OpenDataInput{PublisherAr: "سطر\nآخر"}, "publisher_ar"},
	}
	for name, c := range bad {
		_, err := CheckOpenData(c.in)
		ve, isVE := err.(*ValidationError)
		if !isVE || ve.Fields[c.field] == "" {
			t.Errorf("%s: %v, want an error on %s", name, err, c.field)
		}
	}
	// Settings no form would give are not valid (a store refuses them).
	if (OpenDataSettings{Licence: "cc-by-4.0", LicenceName: "CC BY 4.0", LicenceURL: "https://example.org/"}).Valid() {
		t.Error("a known licence with another address passed as valid")
	}
}
