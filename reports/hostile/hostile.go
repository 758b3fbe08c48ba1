// Package hostile builds workbooks made to hurt a reader: a shared string
// of megabytes shown by every cell, 100,000 rows of 50 columns, a zip bomb,
// and each limit of survey/upload_limits.go passed by one. The tests of the
// readers, the upload tests through the router and the bench's uploads
// phase all use it, so they attack with the same files.
package hostile

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Book is a minimal workbook: sheets in order, an optional shared-strings
// table and styles part, and any extra parts, written as Excel lays them out.
type Book struct {
	Sheets []Sheet
	Shared []string
	Styles string            // the whole xl/styles.xml, or "" for none
	Extra  map[string][]byte // more parts by name, stored as given
	// Store writes parts without compression (to test size limits apart
	// from the compression ratio).
	Store bool
}

// Sheet is one worksheet: Rows writes the <row> elements of its sheetData.
type Sheet struct {
	Name string
	Rows func(w io.Writer)
}

// Bytes writes the workbook.
func (b Book) Bytes() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, write func(io.Writer)) {
		method := zip.Deflate
		if b.Store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			panic(err)
		}
		write(w)
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { _, _ = io.WriteString(w, s) } }
	var types, rels, sheets strings.Builder
	for i, s := range b.Sheets {
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.Name, i+1, i+1)
	}
	if b.Shared != nil {
		types.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
		rels.WriteString(`<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
	}
	if b.Styles != "" {
		types.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
		rels.WriteString(`<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`)
	}
	put("[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		types.String()+`</Types>`))
	put("_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	put("xl/workbook.xml", text(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+
		`<sheets>`+sheets.String()+`</sheets></workbook>`))
	put("xl/_rels/workbook.xml.rels", text(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`))
	for i, s := range b.Sheets {
		put(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), func(w io.Writer) {
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
				`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			if s.Rows != nil {
				s.Rows(w)
			}
			_, _ = io.WriteString(w, `</sheetData></worksheet>`)
		})
	}
	if b.Shared != nil {
		put("xl/sharedStrings.xml", func(w io.Writer) {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(b.Shared), len(b.Shared))
			for _, s := range b.Shared {
				_, _ = io.WriteString(w, "<si><t>")
				_ = xmlEscape(w, s)
				_, _ = io.WriteString(w, "</t></si>")
			}
			_, _ = io.WriteString(w, "</sst>")
		})
	}
	if b.Styles != "" {
		put("xl/styles.xml", text(b.Styles))
	}
	for name, body := range b.Extra {
		put(name, text(string(body)))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func xmlEscape(w io.Writer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	_, err := r.WriteString(w, s)
	return err
}

// Table is a sheet of the given rows of inline text cells (the first row
// usually a header).
func Table(rows [][]string) func(io.Writer) {
	return func(w io.Writer) {
		for _, row := range rows {
			_, _ = io.WriteString(w, "<row>")
			for _, v := range row {
				_, _ = io.WriteString(w, `<c t="inlineStr"><is><t>`)
				_ = xmlEscape(w, v)
				_, _ = io.WriteString(w, "</t></is></c>")
			}
			_, _ = io.WriteString(w, "</row>")
		}
	}
}

// Grid is a sheet of rows × cols cells, each written by cell (for example
// `<c t="s"><v>0</v></c>`), after an optional header row.
func Grid(header []string, rows, cols int, cell string) func(io.Writer) {
	return func(w io.Writer) {
		if header != nil {
			Table([][]string{header})(w)
		}
		line := "<row>" + strings.Repeat(cell, cols) + "</row>"
		for range rows {
			_, _ = io.WriteString(w, line)
		}
	}
}

// SharedStringBomb is a workbook of a few hundred KB whose rows × cols
// cells all show one shared string of size bytes: read naively, each cell
// becomes its own copy (1,000 × 50 cells of 4 MB: 200 GB).
func SharedStringBomb(header []string, size, rows, cols int) []byte {
	return Book{Shared: []string{strings.Repeat("A", size)},
		Sheets: []Sheet{{Name: "Sheet1", Rows: Grid(header, rows, cols, `<c t="s"><v>0</v></c>`)}}}.Bytes()
}

// Tall is a workbook of rows × cols number cells after the header.
func Tall(header []string, rows, cols int) []byte {
	return Book{Sheets: []Sheet{{Name: "Sheet1", Rows: Grid(header, rows, cols, `<c><v>1</v></c>`)}}}.Bytes()
}

// ZipBomb is a "workbook" whose sheet unpacks to mb MiB of zeros.
func ZipBomb(mb int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		panic(err)
	}
	zero := make([]byte, 1<<20)
	for range mb {
		_, _ = w.Write(zero)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}
