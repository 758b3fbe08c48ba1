package survey

import (
	"bytes"
	"errors"
	"testing"
)

// The importers read files people upload: whatever the bytes, they answer
// rows or an error (a row report or a plain one), never a panic, and every
// row they accept is valid.

func FuzzParseInstitutionsCSV(f *testing.F) {
	f.Add([]byte("code,name_ar,name_en,kind,sector,region\nMOH,وزارة الصحة,Ministry of Health,ministry,health,national\n"))
	f.Add([]byte("\ufeffرمز,الاسم بالعربية\n\"a\"\"b\",=cmd|' /C calc'!A0\n"))
	f.Add([]byte("code\n\x00\xff\xfe"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ParseInstitutionsCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, in := range rows {
			if err := in.Normalize().Validate(); err != nil {
				t.Fatalf("accepted an invalid row %+v: %v", in, err)
			}
		}
	})
}

func FuzzParseServicesCSV(f *testing.F) {
	f.Add([]byte("institution,code,name_ar,category,audience,channels,stage\nMOH,S-1,خدمة,health,citizens,counter,0\n"))
	f.Add([]byte("institution,code\n\"unterminated"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ParseServicesCSV(bytes.NewReader(b))
		var ie *ImportError
		if err != nil && !errors.As(err, &ie) && len(rows) > 0 {
			t.Fatalf("rows and a plain error: %v", err)
		}
		if err != nil {
			return
		}
		for _, in := range rows {
			if _, err := CheckService(in); err != nil {
				t.Fatalf("accepted an invalid row %+v: %v", in, err)
			}
		}
	})
}

func FuzzParseAnswersCSV(f *testing.F) {
	f.Add([]byte("institution,item,value\nMOH,STR-1,2\n"))
	f.Add([]byte("institution,item,value,na,evidence,comment\nMOH,STR-1,,1,https://x.ps,\"a\nb\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseAnswersCSV(bytes.NewReader(b))
	})
}
