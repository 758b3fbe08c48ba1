package survey

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxImportRows bounds one import file, so a huge upload cannot hold the
// writer for long.
const MaxImportRows = 5000

// InstitutionColumns is the CSV header for institutions (docs/api.md, "CSV files");
// "website" may follow as an optional seventh column.
var InstitutionColumns = []string{"code", "name_ar", "name_en", "kind", "sector", "region"}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Arabic names accepted for kinds and regions in imported files, so that a
// sheet typed in Arabic imports as well as one typed with the keys.
var (
	arabicKinds   = map[string]string{"وزارة": "ministry", "هيئة": "agency", "سلطة": "agency", "بلدية": "municipality", "أخرى": "other"}
	arabicRegions = map[string]string{"وطني": "national", "الضفة الغربية": "west-bank", "قطاع غزة": "gaza", "غزة": "gaza", "القدس": "jerusalem", "الخارج": "abroad"}
)

// table is a read file: its records and, for each, the line it starts on
// (blank lines and quoted cells spanning lines make these differ from the
// record index).
type table struct {
	recs  [][]string
	lines []int
	csv   bool // read from CSV: cells may carry SafeCell's apostrophe
}

// line is the 1-based line where record i starts.
func (t table) line(i int) int {
	if i < len(t.lines) {
		return t.lines[i]
	}
	return i + 1
}

// readCSV reads a whole UTF-8 CSV file (BOM accepted) within lim: the
// file's bytes are counted as they arrive, and rows, columns and each
// cell's length as each record is read, so a file over a limit is refused
// before it is all held. A file that is not UTF-8 — for example
// Windows-1256 saved by an old Excel — is refused as a whole with a key
// that explains it.
func readCSV(r io.Reader, lim FileLimits) (table, error) {
	cr := &countingReader{r: r, max: lim.FileBytes}
	br := bufio.NewReader(cr)
	if head, err := br.Peek(3); err == nil && bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(3)
	}
	rd := csv.NewReader(br)
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	var t table
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if cr.over {
			return t, LimitError(KeyFileTooBig, MB(lim.FileBytes))
		}
		if err != nil {
			return t, &ImportError{Key: "err.csv_malformed"}
		}
		if err := checkRecord(rec, lim); err != nil {
			return t, err
		}
		line, _ := rd.FieldPos(0)
		t.recs, t.lines = append(t.recs, rec), append(t.lines, line)
		if len(t.recs) > lim.Rows+1 {
			return t, LimitError(KeyTooManyRows, lim.Rows)
		}
	}
	if len(t.recs) == 0 {
		return t, &ImportError{Key: "err.csv_empty"}
	}
	return t, nil
}

// checkRecord refuses a record wider than lim, a cell longer than lim or
// a cell that is not UTF-8.
func checkRecord(rec []string, lim FileLimits) error {
	if len(rec) > lim.Columns {
		for len(rec) > 0 && rec[len(rec)-1] == "" { // trailing empty cells are no column
			rec = rec[:len(rec)-1]
		}
		if len(rec) > lim.Columns {
			return LimitError(KeyTooManyColumns, lim.Columns)
		}
	}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return &ImportError{Key: "err.csv_encoding"}
		}
		if len(f) > lim.CellChars && utf8.RuneCountInString(f) > lim.CellChars {
			return LimitError(KeyCellTooLong, lim.CellChars)
		}
	}
	return nil
}

// countingReader reads r until max bytes have passed, then fails: over
// says the file was longer than max.
type countingReader struct {
	r    io.Reader
	n    int64
	max  int64
	over bool
}

// errFileTooBig ends a read that passed the file's byte limit.
var errFileTooBig = errors.New("survey: file over its byte limit")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > c.max {
		c.over = true
		return 0, errFileTooBig
	}
	if rest := c.max + 1 - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// headerIndex maps each column name of a header row to its position. It
// refuses unknown and repeated names.
func headerIndex(header []string, known []string) (map[string]int, bool) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if _, dup := col[h]; dup || !contains(known, h) {
			return nil, false
		}
		col[h] = i
	}
	return col, true
}

// ParseInstitutionsCSV reads institutions from CSV. It returns every row's
// input, or an *ImportError listing every bad row (with its line number) or
// what is wrong with the file as a whole.
func ParseInstitutionsCSV(r io.Reader) ([]InstitutionInput, error) {
	t, err := readCSV(r, InstitutionFileLimits)
	if err != nil {
		return nil, err
	}
	recs := t.recs
	col, ok := headerIndex(recs[0], append(append([]string{}, InstitutionColumns...), "website"))
	if !ok {
		return nil, &ImportError{Key: "err.csv_header"}
	}
	for _, want := range InstitutionColumns {
		if _, ok := col[want]; !ok {
			return nil, &ImportError{Key: "err.csv_header"}
		}
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return unsafeCell(rec[i])
	}
	var (
		out  []InstitutionInput
		bad  []RowError
		seen = map[string]bool{}
	)
	for n, rec := range recs[1:] {
		line := t.line(n + 1)
		if isBlankRecord(rec) {
			continue
		}
		in := InstitutionInput{
			Code: get(rec, "code"), NameAr: get(rec, "name_ar"), NameEn: get(rec, "name_en"),
			Kind: get(rec, "kind"), Sector: get(rec, "sector"), Region: get(rec, "region"), Website: get(rec, "website"),
		}
		if k, ok := arabicKinds[strings.TrimSpace(in.Kind)]; ok {
			in.Kind = k
		}
		if r, ok := arabicRegions[strings.TrimSpace(in.Region)]; ok {
			in.Region = r
		}
		in = in.Normalize()
		fields := map[string]string{}
		var ve *ValidationError
		if err := in.Validate(); errors.As(err, &ve) {
			fields = ve.Fields
		}
		if seen[in.Code] && in.Code != "" {
			if _, ok := fields["code"]; !ok {
				fields["code"] = "err.code_duplicate_in_file"
			}
		}
		seen[in.Code] = true
		if len(fields) > 0 {
			bad = append(bad, RowError{Line: line, Fields: fields})
			continue
		}
		out = append(out, in)
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	if len(out) == 0 {
		return nil, &ImportError{Key: "err.csv_empty"}
	}
	return out, nil
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created   int
	Updated   int
	Unchanged int
}

// WriteInstitutionsCSV writes institutions in the import format, with a BOM so
// that Excel shows Arabic; every text cell is quoted and defused (SafeCell).
func WriteInstitutionsCSV(w io.Writer, list []Institution) error {
	cw := NewCSVWriter(w)
	_ = cw.Write(append(append([]string{}, InstitutionColumns...), "website"))
	for _, i := range list {
		_ = cw.Write([]string{i.Code, i.NameAr, i.NameEn, i.Kind, i.Sector, i.Region, i.Website})
	}
	return cw.Flush()
}

// formulaStarts are the characters a spreadsheet takes as the start of a
// formula (OWASP, "CSV Injection"), and the apostrophe that defuses them,
// so that a text that begins with one survives SafeCell and unsafeCell.
const formulaStarts = "=+-@\t\r'"

// SafeCell defuses CSV formula injection: a cell starting with = + - @ (or
// a tab or carriage return) gets a leading apostrophe. So does each part
// of a list separated by ";" — a spreadsheet set to split on ";" would
// make each its own cell. A part that already starts with an apostrophe
// gets another, so that unsafeCell gives back exactly what was written.
// Workbooks do not need this: their cells are typed as text.
func SafeCell(s string) string {
	if !strings.ContainsAny(s, formulaStarts) {
		return s
	}
	parts := strings.Split(s, ";")
	for i, p := range parts {
		if p != "" && strings.IndexByte(formulaStarts, p[0]) >= 0 {
			parts[i] = "'" + p
		}
	}
	return strings.Join(parts, ";")
}

// unsafeCell undoes SafeCell, so that export then import changes nothing:
// the importers of CSV take off an apostrophe that starts a cell, or a
// part after ";", when what follows is a formula start or an apostrophe.
func unsafeCell(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	parts := strings.Split(s, ";")
	for i, p := range parts {
		if len(p) > 1 && p[0] == '\'' && strings.IndexByte(formulaStarts, p[1]) >= 0 {
			parts[i] = p[1:]
		}
	}
	return strings.Join(parts, ";")
}

// CSVWriter writes CSV for people who open it in a spreadsheet: a UTF-8
// byte-order mark first (so Excel shows Arabic), every text cell quoted and
// defused with SafeCell, plain numbers (-12.5) as they are, so they stay
// numbers. Quoting every text keeps a separator inside a cell from ever
// starting a new one.
type CSVWriter struct {
	w   *bufio.Writer
	err error
	bom bool
}

// NewCSVWriter writes to w; the BOM goes out with the first row.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: bufio.NewWriter(w)} }

// Write writes one row.
func (c *CSVWriter) Write(rec []string) error {
	if c.err != nil {
		return c.err
	}
	if !c.bom {
		_, c.err = c.w.Write(utf8BOM)
		c.bom = true
	}
	for i, v := range rec {
		if i > 0 {
			_ = c.w.WriteByte(',')
		}
		switch {
		case v == "":
		case IsPlainNumber(v):
			_, _ = c.w.WriteString(v)
		default:
			_ = c.w.WriteByte('"')
			_, _ = c.w.WriteString(strings.ReplaceAll(SafeCell(v), `"`, `""`))
			_ = c.w.WriteByte('"')
		}
	}
	if err := c.w.WriteByte('\n'); err != nil && c.err == nil {
		c.err = err
	}
	return c.err
}

// Flush writes out what is buffered and reports the first error.
func (c *CSVWriter) Flush() error {
	if c.err == nil && !c.bom {
		_, c.err = c.w.Write(utf8BOM)
		c.bom = true
	}
	if err := c.w.Flush(); c.err == nil {
		c.err = err
	}
	return c.err
}

// IsPlainNumber says whether s is an optional minus, digits and an optional fraction: a
// number a spreadsheet reads as one and never as a formula.
func IsPlainNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && frac == "" {
		return false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}
