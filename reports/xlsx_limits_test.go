package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"marsad/reports/hostile"
	"marsad/survey"
)

// xlsxReader is one of the workbook readers with the limits it reads
// within and a header its sheet needs.
type xlsxReader struct {
	name   string
	lim    survey.FileLimits
	header []string
	sheet  string
	read   func(io.Reader) error
}

func xlsxReaders() []xlsxReader {
	return []xlsxReader{
		{"services", survey.ServiceFileLimits, survey.ServiceColumns, "services",
			func(r io.Reader) error { _, err := ReadXLSXRecords(r); return err }},
		{"offline answers", survey.OfflineSheetLimits, ResponseColumns, "answers",
			func(r io.Reader) error { _, err := ReadResponseXLSX(r); return err }},
		{"questionnaire form", survey.DefinitionSheetLimits, ItemColumns, "items",
			func(r io.Reader) error { _, err := ReadDefinitionXLSX(r); return err }},
	}
}

// limitCase is a workbook that passes one limit of lim, and the key of the
// refusal it must get.
type limitCase struct {
	name string
	book []byte
	key  string
}

func limitCases(rd xlsxReader) []limitCase {
	lim := rd.lim
	one := func(rows func(io.Writer)) hostile.Book {
		return hostile.Book{Sheets: []hostile.Sheet{{Name: rd.sheet, Rows: rows}}}
	}
	shared := func(strs []string, rows func(io.Writer)) []byte {
		b := one(rows)
		b.Shared = strs
		return b.Bytes()
	}
	withStyles := func(styles string, strs []string, rows func(io.Writer)) []byte {
		b := one(rows)
		b.Shared, b.Styles = strs, styles
		return b.Bytes()
	}
	long := strings.Repeat("ب", lim.CellChars+1)
	many := make([]string, survey.MaxSharedStrings+1)
	for i := range many {
		many[i] = "x"
	}
	entries := map[string][]byte{}
	for i := range survey.MaxZipEntries {
		entries[fmt.Sprintf("xl/media/image%d.png", i)] = []byte("\x89PNG")
	}
	// Enough cells of a full-length shared string to pass the text limit.
	fullCells := int(lim.TotalBytes/int64(lim.CellChars)) + 1
	full := strings.Repeat("a", lim.CellChars)
	styles := func(code string) string {
		return `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="` +
			code + `"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>`
	}
	big := bytes.Repeat([]byte{0}, int(lim.FileBytes))
	return []limitCase{
		{"file larger than its limit", hostile.Book{Store: true, Sheets: []hostile.Sheet{{Name: rd.sheet}},
			Extra: map[string][]byte{"xl/media/big.bin": big}}.Bytes(), survey.KeyFileTooBig},
		{"one row more than the limit", one(hostile.Grid(rd.header, lim.Rows+1, 1, `<c><v>1</v></c>`)).Bytes(), survey.KeyTooManyRows},
		{"a row numbered past the limit", one(func(w io.Writer) {
			fmt.Fprintf(w, `<row r="%d"><c><v>1</v></c></row>`, lim.Rows+2)
		}).Bytes(), survey.KeyTooManyRows},
		{"a value one column past the limit", one(func(w io.Writer) {
			fmt.Fprintf(w, `<row><c r="%s"><v>1</v></c></row>`, colName(lim.Columns+1)+"1")
		}).Bytes(), survey.KeyTooManyColumns},
		{"a row of a million cells", one(hostile.Grid(nil, 1, 1000000, `<c><v>1</v></c>`)).Bytes(), survey.KeyTooManyColumns},
		{"an inline cell one character too long", one(hostile.Table([][]string{{long}})).Bytes(), survey.KeyCellTooLong},
		{"a shared string one character too long", shared([]string{long}, hostile.Grid(nil, 1, 1, `<c t="s"><v>0</v></c>`)), survey.KeyCellTooLong},
		{"a shared string shown until the text passes its limit", shared([]string{full},
			hostile.Grid(nil, fullCells/lim.Columns+1, lim.Columns, `<c t="s"><v>0</v></c>`)), survey.KeyTooMuchText},
		{"a multi-MB shared string shown by every cell", hostile.SharedStringBomb(rd.header, 4<<20, 1000, 50), survey.KeyCellTooLong},
		{"more shared strings than the limit", shared(many, nil), survey.KeyUnpacksTooBig},
		{"more parts than the limit", hostile.Book{Sheets: []hostile.Sheet{{Name: rd.sheet}}, Extra: entries}.Bytes(), survey.KeyUnpacksTooBig},
		{"a sheet compressed past the ratio", heavy("ratio"), survey.KeyUnpacksTooBig},
		{"a part over its size", hostile.Book{Sheets: []hostile.Sheet{{Name: rd.sheet}},
			Extra: map[string][]byte{"xl/media/big.bin": make([]byte, survey.MaxZipPartBytes+1)}}.Bytes(), survey.KeyUnpacksTooBig},
		{"a sheet that unpacks to 200 MiB", heavy("bomb"), survey.KeyUnpacksTooBig},
		{"a tag of 600 KB", one(func(w io.Writer) {
			fmt.Fprintf(w, `<row><c r="A1" x="%s"><v>1</v></c></row>`, strings.Repeat("x", 600<<10))
		}).Bytes(), survey.KeyCellTooLong},
		{"a number format past Excel's length", withStyles(styles(strings.Repeat("0", survey.MaxNumFmtChars+1)), nil, nil), survey.KeyUnpacksTooBig},
		{"a number format that repeats a cell's text", withStyles(styles("@@@@@@@@@@"), []string{strings.Repeat("a", lim.CellChars/10+1)},
			hostile.Grid(nil, 1, 1, `<c t="s" s="1"><v>0</v></c>`)), survey.KeyCellTooLong},
		{"100,000 rows of 50 columns", heavy("tall"), ""},
	}
}

// heavy builds the workbooks that take a while to compress once for all
// readers.
var heavy = func() func(string) []byte {
	var once sync.Once
	books := map[string][]byte{}
	return func(name string) []byte {
		once.Do(func() {
			books["ratio"] = hostile.Book{Sheets: []hostile.Sheet{{Name: "Sheet1", Rows: func(w io.Writer) {
				_, _ = w.Write(make([]byte, survey.MaxZipRatioFrom+1))
			}}}}.Bytes()
			books["bomb"] = hostile.ZipBomb(200)
			books["tall"] = hostile.Tall(nil, 100000, 50)
		})
		return books[name]
	}
}()

// colName is the letters of a 1-based column number.
func colName(n int) string {
	s := ""
	for ; n > 0; n = (n - 1) / 26 {
		s = string(rune('A'+(n-1)%26)) + s
	}
	return s
}

// TestXLSXReadersRefuseEachLimit: every workbook reader refuses a file that
// passes each of its limits, with the key that names it, and reading one
// allocates little whatever it would unpack to.
func TestXLSXReadersRefuseEachLimit(t *testing.T) {
	for _, rd := range xlsxReaders() {
		for _, tc := range limitCases(rd) {
			t.Run(rd.name+"/"+tc.name, func(t *testing.T) {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := rd.read(bytes.NewReader(tc.book))
				runtime.ReadMemStats(&after)
				var ie *survey.ImportError
				switch {
				case !errors.As(err, &ie):
					t.Fatalf("err = %v, want a refusal naming a limit", err)
				case tc.key != "" && ie.Key != tc.key:
					t.Fatalf("refused with %s %v, want %s", ie.Key, ie.Args, tc.key)
				}
				// The file itself, twice (the upload and excelize's copy),
				// and the reader's own buffers and passing garbage: a file
				// read whole would take gigabytes.
				if got, budget := after.TotalAlloc-before.TotalAlloc, 2*uint64(len(tc.book))+96<<20; got > budget {
					t.Errorf("reading it allocated %d MiB (budget %d MiB)", got>>20, budget>>20)
				}
			})
		}
	}
}

// TestXLSXReadersAcceptTheLimits: a sheet with exactly the rows a reader
// allows, and cells of exactly the length, is not refused for them.
func TestXLSXReadersAcceptTheLimits(t *testing.T) {
	for _, rd := range xlsxReaders()[:2] {
		lim := rd.lim
		row := make([]string, len(rd.header))
		row[0], row[len(row)-1] = "X-1", strings.Repeat("ب", lim.CellChars)
		rows := [][]string{rd.header, row}
		book := hostile.Book{Sheets: []hostile.Sheet{{Name: rd.sheet, Rows: func(w io.Writer) {
			hostile.Table(rows)(w)
			hostile.Grid(nil, lim.Rows-1, 1, `<c><v>1</v></c>`)(w)
		}}}}.Bytes()
		recs, err := ReadXLSXTable(bytes.NewReader(book), lim)
		if err != nil || len(recs) != lim.Rows+1 || recs[1][len(row)-1] != row[len(row)-1] {
			t.Errorf("%s: a sheet at its limits: %d rows, %v", rd.name, len(recs), err)
		}
	}
}
