package survey

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// csvReader is one of the CSV importers with its header and limits.
type csvReader struct {
	name   string
	lim    FileLimits
	header string
	read   func(io.Reader) error
}

func csvReaders() []csvReader {
	return []csvReader{
		{"institutions", InstitutionFileLimits, "code,name_ar,name_en,kind,sector,region",
			func(r io.Reader) error { _, err := ParseInstitutionsCSV(r); return err }},
		{"services", ServiceFileLimits, strings.Join(ServiceColumns, ","),
			func(r io.Reader) error { _, err := ParseServicesCSV(r); return err }},
		{"answers", AnswerFileLimits, "institution_code,question_id,value",
			func(r io.Reader) error { _, err := ParseAnswersCSV(r); return err }},
	}
}

// TestCSVReadersRefuseEachLimit: every CSV importer refuses a file that
// passes each of its limits, with the key that names the limit and its
// figure, as it streams: reading allocates about the limits, not the file.
func TestCSVReadersRefuseEachLimit(t *testing.T) {
	for _, rd := range csvReaders() {
		lim := rd.lim
		rows := func(n int, row string) io.Reader {
			return io.MultiReader(strings.NewReader(rd.header+"\n"), strings.NewReader(strings.Repeat(row+"\n", n)))
		}
		wide := strings.Repeat("x,", lim.Columns) + "x"
		for _, tc := range []struct {
			name string
			file io.Reader
			key  string
			arg  any
		}{
			// Rows of twice the average a file may have: the bytes run out
			// at half the rows.
			{"larger than its limit", rows(lim.Rows, strings.Repeat("x", int(2*lim.FileBytes)/lim.Rows)), KeyFileTooBig, MB(lim.FileBytes)},
			{"a gigabyte", io.LimitReader(neverEnding('a'), 1<<30), KeyFileTooBig, MB(lim.FileBytes)},
			{"one row more than the limit", rows(lim.Rows+1, "a"), KeyTooManyRows, lim.Rows},
			{"a column more than the limit", rows(1, wide), KeyTooManyColumns, lim.Columns},
			{"a cell one character too long", rows(1, strings.Repeat("ب", lim.CellChars+1)), KeyCellTooLong, lim.CellChars},
		} {
			t.Run(rd.name+"/"+tc.name, func(t *testing.T) {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := rd.read(tc.file)
				runtime.ReadMemStats(&after)
				var ie *ImportError
				if !errors.As(err, &ie) || ie.Key != tc.key || len(ie.Args) != 1 || ie.Args[0] != tc.arg {
					t.Fatalf("err = %+v, want %s %v", err, tc.key, tc.arg)
				}
				if got := after.TotalAlloc - before.TotalAlloc; got > 4*uint64(lim.FileBytes)+32<<20 {
					t.Errorf("reading it allocated %d MiB", got>>20)
				}
			})
		}
		// Trailing empty cells are no column.
		t.Run(rd.name+"/trailing empty cells", func(t *testing.T) {
			var ie *ImportError
			if err := rd.read(rows(1, "a"+strings.Repeat(",", 2*lim.Columns))); errors.As(err, &ie) && ie.Key == KeyTooManyColumns {
				t.Errorf("refused for empty cells: %v", err)
			}
		})
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestCSVWriterDefusesEveryCell: the CSV exports quote every text cell and
// put an apostrophe before every formula start, in a cell and after each
// ";" in it; plain numbers stay numbers; and reading the file back as the
// importers do gives every value exactly as written.
func TestCSVWriterDefusesEveryCell(t *testing.T) {
	values := []string{"=HYPERLINK(\"http://evil\")", "+970", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "'quoted", "''two",
		"citizens;=cmd|' /C calc'!A0", "a;+b;-c;@d;\te", "x;'=y", "وزارة, الصحة", "line\nbreak", "-12.5", "3", "", "a\"b"}
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	for _, v := range values {
		if err := w.Write([]string{v, "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF") {
		t.Error("no byte-order mark")
	}
	for _, want := range []string{"\n-12.5,\"x\"\n", "\n3,\"x\"\n", "\"'=HYPERLINK(\"\"http://evil\"\")\"", "\"citizens;'=cmd|' /C calc'!A0\"",
		"\"x;''=y\""} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	if want := "\"a;'+b;'-c;'@d;'\te\""; !strings.Contains(out, want) {
		t.Errorf("export lacks %q", want)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		for _, part := range strings.Split(rec[0], ";") {
			if part != "" && strings.ContainsRune("=+-@\t\r", rune(part[0])) && !IsPlainNumber(rec[0]) {
				t.Errorf("%q: part %q starts a formula", rec[0], part)
			}
		}
		if got := unsafeCell(rec[0]); got != values[i] && !(values[i] == "\rcmd" && got == "\ncmd") {
			t.Errorf("read back %q, want %q", got, values[i])
		}
	}
}
