package survey

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxImportRows bounds one import file, so a huge upload cannot hold the
// writer for long.
const MaxImportRows = 5000

// InstitutionColumns is the CSV header for institutions (DESIGN.md §6);
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
}

// line is the 1-based line where record i starts.
func (t table) line(i int) int {
	if i < len(t.lines) {
		return t.lines[i]
	}
	return i + 1
}

// readCSV reads a whole UTF-8 CSV file (BOM accepted). A file that is not
// UTF-8 — for example Windows-1256 saved by an old Excel — is refused as a
// whole with a key that explains it.
func readCSV(r io.Reader, maxRows int) (table, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(3); err == nil && bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var t table
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return t, &ImportError{Key: "err.csv_malformed"}
		}
		if len(rec) > 64 {
			return t, &ImportError{Key: "err.too_many_columns"}
		}
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return t, &ImportError{Key: "err.csv_encoding"}
			}
		}
		line, _ := cr.FieldPos(0)
		t.recs, t.lines = append(t.recs, rec), append(t.lines, line)
		if len(t.recs) > maxRows+1 {
			return t, &ImportError{Key: "err.csv_too_many_rows"}
		}
	}
	if len(t.recs) == 0 {
		return t, &ImportError{Key: "err.csv_empty"}
	}
	return t, nil
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
	t, err := readCSV(r, MaxImportRows)
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
		return rec[i]
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
			Code: get(rec, "code"), NameAr: unsafeCell(get(rec, "name_ar")), NameEn: unsafeCell(get(rec, "name_en")),
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

// ImportInstitutions creates new codes and updates existing ones, all in one
// transaction: if anything fails, nothing is stored.
func (s *Store) ImportInstitutions(ctx context.Context, actorID int64, ins []InstitutionInput) (ImportResult, error) {
	var res ImportResult
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		for _, in := range ins {
			in = in.Normalize()
			if err := in.Validate(); err != nil {
				return err
			}
			cur, err := getInstitution(ctx, tx, in.Code)
			switch {
			case errors.Is(err, ErrNotFound):
				if _, err := s.insertInstitution(ctx, tx, actorID, in); err != nil {
					return err
				}
				res.Created++
			case err != nil:
				return err
			case cur.NameAr == in.NameAr && cur.NameEn == in.NameEn && cur.Kind == in.Kind && cur.Sector == in.Sector &&
				cur.Region == in.Region && cur.Website == in.Website:
				res.Unchanged++
			default:
				if _, err := s.updateInstitution(ctx, tx, actorID, in); err != nil {
					return err
				}
				res.Updated++
			}
		}
		return nil
	})
	return res, err
}

// WriteInstitutionsCSV writes institutions in the import format, with a BOM so
// that Excel shows Arabic. Cells that a spreadsheet would run as a formula
// are neutralised with a leading apostrophe.
func WriteInstitutionsCSV(w io.Writer, list []Institution) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(append(append([]string{}, InstitutionColumns...), "website"))
	for _, i := range list {
		_ = cw.Write([]string{SafeCell(i.Code), SafeCell(i.NameAr), SafeCell(i.NameEn), i.Kind, i.Sector, i.Region, SafeCell(i.Website)})
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell defuses CSV formula injection: a cell starting with = + - @ (or a
// tab or carriage return) gets a leading apostrophe. A cell that already
// starts with an apostrophe gets another, so that unsafeCell restores it.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unsafeCell undoes SafeCell, so that export then import changes nothing.
func unsafeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r'", rune(s[1])) {
		return s[1:]
	}
	return s
}
