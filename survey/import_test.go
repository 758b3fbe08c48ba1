package survey

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const csvHeader = "code,name_ar,name_en,kind,sector,region\n"

func wantImportKey(t *testing.T, err error, key string) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *ImportError %s", err, key)
	}
	if ie.Key != key || len(ie.Rows) != 0 {
		t.Errorf("ImportError = {Key: %q, Rows: %v}, want Key %q", ie.Key, ie.Rows, key)
	}
}

func TestParseInstitutionsCSV(t *testing.T) {
	t.Parallel()
	moh := InstitutionInput{Code: "MOH", NameAr: "وزارة الصحة", NameEn: "Ministry of Health", Kind: "ministry", Sector: "health", Region: "national"}
	gaz := InstitutionInput{Code: "GAZ", NameAr: "بلدية غزة", NameEn: "Gaza Municipality", Kind: "municipality", Sector: "municipal", Region: "gaza"}
	tests := []struct {
		name string
		file string
		want []InstitutionInput
	}{
		{
			name: "plain",
			file: csvHeader + "MOH,وزارة الصحة,Ministry of Health,ministry,health,national\n",
			want: []InstitutionInput{moh},
		},
		{
			name: "utf-8 BOM",
			file: "\uFEFF" + csvHeader + "MOH,وزارة الصحة,Ministry of Health,ministry,health,national\n",
			want: []InstitutionInput{moh},
		},
		{
			name: "columns in another order with website",
			file: "region,website,sector,kind,name_en,name_ar,code\n" +
				"national,https://www.moh.ps,health,ministry,Ministry of Health,وزارة الصحة,MOH\n",
			want: []InstitutionInput{func() InstitutionInput { m := moh; m.Website = "https://www.moh.ps"; return m }()},
		},
		{
			name: "header case and spaces",
			file: " Code , NAME_AR,Name_En,KIND,Sector ,Region\n" + "MOH,وزارة الصحة,Ministry of Health,ministry,health,national\n",
			want: []InstitutionInput{moh},
		},
		{
			name: "arabic kind and region names",
			file: csvHeader + "MOH,وزارة الصحة,Ministry of Health,وزارة,health,وطني\n" +
				"GAZ,بلدية غزة,Gaza Municipality,بلدية,municipal,قطاع غزة\n",
			want: []InstitutionInput{moh, gaz},
		},
		{
			name: "normalises codes, case and spaces",
			file: csvHeader + " moh , وزارة الصحة ,Ministry of Health, Ministry ,HEALTH,National\n" +
				"gaz,بلدية غزة,Gaza Municipality,municipality,municipal,gaza\n",
			want: []InstitutionInput{moh, gaz},
		},
		{
			name: "arabic-indic digits in code",
			file: csvHeader + "MUN-١٢,بلدية غزة,Gaza Municipality,municipality,municipal,gaza\n",
			want: []InstitutionInput{func() InstitutionInput { g := gaz; g.Code = "MUN-12"; return g }()},
		},
		{
			name: "CRLF and trailing blank lines",
			file: strings.ReplaceAll(csvHeader+"MOH,وزارة الصحة,Ministry of Health,ministry,health,national\n\n\n", "\n", "\r\n"),
			want: []InstitutionInput{moh},
		},
		{
			name: "quoted cells with comma and quotes",
			file: csvHeader + `MOH,"وزارة ""الصحة"", غزة",Ministry of Health,ministry,health,national` + "\n",
			want: []InstitutionInput{func() InstitutionInput { m := moh; m.NameAr = `وزارة "الصحة", غزة`; return m }()},
		},
		{
			name: "neutralised formula cell",
			file: csvHeader + "MOH,'=وزارة الصحة,'-Ministry,ministry,health,national\n",
			want: []InstitutionInput{func() InstitutionInput {
				m := moh
				m.NameAr, m.NameEn = "=وزارة الصحة", "-Ministry"
				return m
			}()},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseInstitutionsCSV(strings.NewReader(tc.file))
			if err != nil {
				t.Fatalf("ParseInstitutionsCSV: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseInstitutionsCSVFileErrors(t *testing.T) {
	t.Parallel()
	row := "MOH,وزارة الصحة,Ministry of Health,ministry,health,national\n"
	// "وزارة الصحة" as Windows-1256, as an old Excel saves it.
	cp1256 := "MOH,\xe6\xd2\xc7\xd1\xc9 \xc7\xe1\xd5\xcd\xc9,Ministry of Health,ministry,health,national\n"
	var tooMany strings.Builder
	tooMany.WriteString(csvHeader)
	for i := range MaxImportRows + 1 {
		fmt.Fprintf(&tooMany, "M%05d,وزارة,,ministry,health,national\n", i)
	}
	tests := []struct{ name, file, key string }{
		{"missing column", "code,name_ar,name_en,kind,sector\n" + "MOH,وزارة الصحة,,ministry,health\n", "err.csv_header"},
		{"unknown column", "code,name_ar,name_en,kind,sector,region,phone\n" + row, "err.csv_header"},
		{"empty column name", "code,name_ar,name_en,kind,sector,region,\n" + row, "err.csv_header"},
		{"no header, data first", row + row, "err.csv_header"},
		{"windows-1256", csvHeader + cp1256, "err.csv_encoding"},
		{"windows-1256 header", "\xd1\xe3\xd2," + csvHeader + row, "err.csv_encoding"},
		{"empty file", "", "err.csv_empty"},
		{"BOM only", "\uFEFF", "err.csv_empty"},
		{"header only", "\uFEFF" + csvHeader, "err.csv_empty"},
		{"unterminated quote", csvHeader + `MOH,"وزارة الصحة,Ministry,ministry,health,national` + "\n", "err.csv_malformed"},
		{"too many rows", tooMany.String(), "err.csv_too_many_rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseInstitutionsCSV(strings.NewReader(tc.file))
			if got != nil {
				t.Errorf("got %d inputs with an error", len(got))
			}
			wantImportKey(t, err, tc.key)
		})
	}
}

func TestParseInstitutionsCSVMaxRows(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(csvHeader)
	for i := range MaxImportRows {
		fmt.Fprintf(&b, "M%05d,وزارة,,ministry,health,national\n", i)
	}
	got, err := ParseInstitutionsCSV(strings.NewReader(b.String()))
	if err != nil || len(got) != MaxImportRows {
		t.Errorf("a file of exactly MaxImportRows rows: %d inputs, %v; want %d, nil", len(got), err, MaxImportRows)
	}
}

func TestSafeCell(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"equals", "=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"plus", "+970", "'+970"},
		{"minus", "-1", "'-1"},
		{"at", "@cmd", "'@cmd"},
		{"tab", "\tx", "'\tx"},
		{"carriage return", "\rx", "'\rx"},
		{"plain arabic", "وزارة الصحة", "وزارة الصحة"},
		{"inner equals", "a=b", "a=b"},
		{"empty", "", ""},
		{"apostrophe", "'x", "''x"},
		{"list with a formula after ;", "citizens;=cmd", "citizens;'=cmd"},
		{"every part of a list", "=a;+b;-c;@d;\te", "'=a;'+b;'-c;'@d;'\te"},
		{"list part with an apostrophe", "a;'=b", "a;''=b"},
		{"empty parts", ";;=x;", ";;'=x;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := SafeCell(tc.in)
			if got != tc.want {
				t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if back := unsafeCell(got); back != tc.in {
				t.Errorf("unsafeCell(SafeCell(%q)) = %q, want the original", tc.in, back)
			}
		})
	}
}

// TestImportLineNumbersCountBlankAndMultilineRows: reported lines are the
// file's lines, even after a blank line or a cell that spans lines.
func TestImportLineNumbersCountBlankAndMultilineRows(t *testing.T) {
	csvText := "code,name_ar,name_en,kind,sector,region\n" +
		"AAA,مؤسسة,\"two\nlines\",ministry,health,national\n" +
		"\n" +
		"BBB,,,ministry,health,national\n"
	_, err := ParseInstitutionsCSV(strings.NewReader(csvText))
	var ie *ImportError
	// The two-line English name is itself refused (line 2); BBB is on line 5.
	if !errors.As(err, &ie) || len(ie.Rows) != 2 || ie.Rows[0].Line != 2 || ie.Rows[1].Line != 5 {
		t.Fatalf("got %+v, want bad rows on lines 2 and 5", ie)
	}
}
