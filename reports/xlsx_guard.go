package reports

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// Reading an uploaded workbook safely. An XLSX file is a zip of XML parts,
// and excelize, which reads it, holds what it is given: a 10 MB file can
// unpack to gigabytes, one row can hold a million cells, and a cell that
// refers to a shared string becomes its own copy of it. So before excelize
// opens a file, inspectWorkbook reads the zip's directory and streams every
// XML part once, with bounded memory, and refuses the file if anything
// would pass its survey.FileLimits (all in survey/upload_limits.go): the
// parts' sizes and compression, the shared strings' count and length, each
// sheet's rows, columns and cell lengths, and the text the whole workbook
// expands to with every shared string counted once per cell that shows it.
// Then excelize reads the sheets row by row (sheetRows), and the cells it
// gives are counted again as they come.

// xlsxMemoryPart is the largest sheet excelize keeps in memory; larger
// sheets (and shared-string tables) are unpacked to a temporary file and
// streamed from there.
const xlsxMemoryPart = 1 << 20

// openWorkbook checks the file in r against lim and opens it. The caller
// closes the workbook (which removes excelize's temporary files).
func openWorkbook(r io.Reader, lim survey.FileLimits) (*excelize.File, error) {
	ra, size, err := readerAt(r, lim.FileBytes)
	if err != nil {
		return nil, err
	}
	if err := inspectWorkbook(ra, size, lim); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(io.NewSectionReader(ra, 0, size),
		excelize.Options{UnzipSizeLimit: survey.MaxZipTotalBytes, UnzipXMLSizeLimit: xlsxMemoryPart})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	return f, nil
}

// readerAt gives random access to r without copying it when r already has
// it (an uploaded file, an open file), otherwise it reads r into memory.
// Either way a file over max bytes is refused.
func readerAt(r io.Reader, max int64) (io.ReaderAt, int64, error) {
	if ra, ok := r.(io.ReaderAt); ok {
		if sk, ok := r.(io.Seeker); ok {
			size, err := sk.Seek(0, io.SeekEnd)
			if err != nil {
				return nil, 0, fmt.Errorf("%w: %v", ErrNotXLSX, err)
			}
			if _, err := sk.Seek(0, io.SeekStart); err != nil {
				return nil, 0, fmt.Errorf("%w: %v", ErrNotXLSX, err)
			}
			if size > max {
				return nil, 0, survey.LimitError(survey.KeyFileTooBig, survey.MB(max))
			}
			return ra, size, nil
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	if int64(len(b)) > max {
		return nil, 0, survey.LimitError(survey.KeyFileTooBig, survey.MB(max))
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// unpacksTooBig is the refusal of a workbook whose parts pass the
// container limits: a zip bomb, or a file built to fill memory.
func unpacksTooBig() error { return survey.LimitError(survey.KeyUnpacksTooBig) }

// inspectWorkbook is the pass before excelize: see the comment at the top.
func inspectWorkbook(ra io.ReaderAt, size int64, lim survey.FileLimits) error {
	n, err := countZipEntries(ra, size)
	if err != nil {
		return err
	}
	if n > survey.MaxZipEntries {
		return unpacksTooBig()
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	var total, other uint64
	var sst, styles *zip.File
	for _, f := range zr.File {
		u := f.UncompressedSize64
		total += u
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		// The parts excelize streams from a temporary file when large;
		// it holds every other part in memory.
		big := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		if !big {
			other += u
		}
		switch {
		case big && u > survey.MaxZipSheetBytes, !big && u > survey.MaxZipPartBytes,
			other > survey.MaxZipOtherBytes, total > survey.MaxZipTotalBytes,
			u > survey.MaxZipRatioFrom && u > survey.MaxZipRatio*max(f.CompressedSize64, 1):
			return unpacksTooBig()
		}
		switch name {
		case "xl/sharedstrings.xml":
			sst = f
		case "xl/styles.xml":
			styles = f
		}
	}
	wb := &workbookScan{lim: lim}
	if sst != nil {
		if err := wb.scan(sst, wb.sharedStrings()); err != nil {
			return err
		}
	}
	if styles != nil {
		if err := wb.scan(styles, wb.styles()); err != nil {
			return err
		}
	}
	for _, f := range zr.File {
		if f == sst || f == styles || strings.HasSuffix(f.Name, "/") {
			continue
		}
		// Every XML part is streamed once: a worksheet may live under any
		// name the workbook's relationships give it, and the pass also
		// bounds each piece of XML excelize will hold.
		if err := wb.scan(f, wb.cells()); err != nil {
			return err
		}
	}
	return nil
}

// countZipEntries walks the zip's central directory as archive/zip will,
// counting entries without keeping them: zip.NewReader allocates a record
// for every entry it finds, and a 10 MB directory lists 200,000.
func countZipEntries(ra io.ReaderAt, size int64) (int, error) {
	notZip := fmt.Errorf("%w: no zip directory", ErrNotXLSX)
	const endLen, headerLen = 22, 46
	tail := min(size, 65*1024)
	buf := make([]byte, tail)
	if _, err := ra.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, notZip
	}
	end := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if bytes.Equal(buf[i:i+4], []byte("PK\x05\x06")) {
			end = i
			break
		}
	}
	if end < 0 || end+endLen+int(binary.LittleEndian.Uint16(buf[end+20:])) > len(buf) {
		return 0, notZip
	}
	records := binary.LittleEndian.Uint16(buf[end+10:])
	dirSize := binary.LittleEndian.Uint32(buf[end+12:])
	dirOffset := binary.LittleEndian.Uint32(buf[end+16:])
	if records == 0xffff || dirSize == 0xffffffff || dirOffset == 0xffffffff {
		return 0, unpacksTooBig() // zip64: no workbook we accept needs it
	}
	base := size - tail + int64(end) - int64(dirSize) - int64(dirOffset)
	at := base + int64(dirOffset)
	if base < 0 || at < 0 || at >= size {
		return 0, notZip
	}
	head := make([]byte, headerLen)
	n := 0
	for n <= survey.MaxZipEntries {
		if _, err := ra.ReadAt(head, at); err != nil || !bytes.Equal(head[:4], []byte("PK\x01\x02")) {
			break
		}
		n++
		at += headerLen + int64(binary.LittleEndian.Uint16(head[28:])) + int64(binary.LittleEndian.Uint16(head[30:])) +
			int64(binary.LittleEndian.Uint16(head[32:]))
	}
	return n, nil
}

// workbookScan is what the pass learns and counts.
type workbookScan struct {
	lim survey.FileLimits
	// strs is each shared string's length in characters and in bytes.
	strs []sharedLen
	// numFmtAmp is how many copies of a cell's text each custom number
	// format makes (one per @ or 0 in its code), by format id; styleAmp
	// the same by cell style index (cellXfs).
	numFmtAmp map[int]int
	styleFmt  []int
	total     int64 // text of every cell so far, as excelize will expand it
}

type sharedLen struct{ chars, bytes int32 }

// styleAmp is how many times a cell of style s can repeat its text.
func (wb *workbookScan) styleAmp(s int) int {
	if s <= 0 || s >= len(wb.styleFmt) {
		return 1
	}
	if a, ok := wb.numFmtAmp[wb.styleFmt[s]]; ok {
		return max(a, 1)
	}
	return 1
}

// tokenGuard sits between a zip part and its XML decoder and fails the
// read when the decoder has taken MaxXMLToken bytes without returning a
// token: encoding/xml holds a whole token (a text, a tag with all its
// attributes, a comment) in memory before it returns it.
type tokenGuard struct {
	r    io.Reader
	n    int64 // bytes given to the decoder
	mark int64 // the decoder's offset after its last token
}

var errTokenTooLong = errors.New("reports: a piece of XML is too long")

func (g *tokenGuard) Read(p []byte) (int, error) {
	if g.n-g.mark > survey.MaxXMLToken {
		return 0, errTokenTooLong
	}
	k, err := g.r.Read(p)
	g.n += int64(k)
	return k, err
}

// errOtherCharset refuses XML in another encoding than UTF-8: Excel writes
// UTF-8, and excelize would convert such a part where this pass would not.
var errOtherCharset = errors.New("reports: XML not in UTF-8")

// scan streams one zip part through visit, token by token. A part that is
// not XML (an image) is skipped. XML that stops decoding ends the part's
// pass without refusing the file: excelize's decoder, the same
// encoding/xml, stops there too, so nothing after it is ever read.
func (wb *workbookScan) scan(f *zip.File, visit func(xml.Token) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer rc.Close()
	g := &tokenGuard{r: rc}
	br := newPeekReader(g)
	if !br.looksXML() {
		return nil
	}
	dec := xml.NewDecoder(br)
	dec.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errOtherCharset }
	for {
		tok, err := dec.RawToken()
		switch {
		case errors.Is(err, errTokenTooLong):
			return survey.LimitError(survey.KeyCellTooLong, wb.lim.CellChars)
		case errors.Is(err, errOtherCharset):
			return fmt.Errorf("%w: %s: %v", ErrNotXLSX, f.Name, err)
		case err != nil:
			return nil
		}
		g.mark = dec.InputOffset()
		if err := visit(tok); err != nil {
			return err
		}
	}
}

// peekReader lets scan look at a part's first bytes.
type peekReader struct {
	r    io.Reader
	head []byte
}

func newPeekReader(r io.Reader) *peekReader {
	p := &peekReader{r: r}
	buf := make([]byte, 512)
	n, _ := io.ReadFull(r, buf)
	p.head = buf[:n]
	return p
}

// looksXML says whether the part starts (after a BOM and white space)
// with "<".
func (p *peekReader) looksXML() bool {
	b := bytes.TrimLeft(bytes.TrimPrefix(p.head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// sharedStrings counts xl/sharedStrings.xml: each <si>'s text (all its
// <t> runs) must fit a cell, and all of them the file's text.
func (wb *workbookScan) sharedStrings() func(xml.Token) error {
	var in, inT bool
	var cur sharedLen
	var total int64
	return func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				in, cur = true, sharedLen{}
			case "t":
				inT = in
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				in = false
				if len(wb.strs) >= survey.MaxSharedStrings {
					return unpacksTooBig()
				}
				wb.strs = append(wb.strs, cur)
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				cur.chars += int32(utf8.RuneCount(t)) // #nosec G115 -- a token is at most MaxXMLToken (512 KB) and a cell past CellChars is refused below
				cur.bytes += int32(len(t))            // #nosec G115 -- as above
				total += int64(len(t))
				if int(cur.chars) > wb.lim.CellChars {
					return survey.LimitError(survey.KeyCellTooLong, wb.lim.CellChars)
				}
				if total > wb.lim.TotalBytes {
					return survey.LimitError(survey.KeyTooMuchText, survey.MB(wb.lim.TotalBytes))
				}
			}
		}
		return nil
	}
}

// styles reads xl/styles.xml for the number formats and the format of
// each cell style: a format's code may repeat a cell's text.
func (wb *workbookScan) styles() func(xml.Token) error {
	wb.numFmtAmp = map[int]int{}
	var inXfs bool
	return func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, amp := -1, 1
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "numFmtId":
						id, _ = strconv.Atoi(a.Value)
					case "formatCode", "formatCode16":
						if utf8.RuneCountInString(a.Value) > survey.MaxNumFmtChars {
							return unpacksTooBig()
						}
						amp = max(amp, strings.Count(a.Value, "@")+strings.Count(a.Value, "0"))
					}
				}
				wb.numFmtAmp[id] = amp
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					if len(wb.styleFmt) >= excelize.MaxCellStyles {
						return unpacksTooBig()
					}
					id := 0
					for _, a := range t.Attr {
						if a.Name.Local == "numFmtId" {
							id, _ = strconv.Atoi(a.Value)
						}
					}
					wb.styleFmt = append(wb.styleFmt, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
		return nil
	}
}

// cells counts the rows and cells of any <sheetData> in a part, as excelize
// will read them: a cell without a reference is the one after the last,
// a row without one the one after the last, and a cell only counts when
// it has a value (or a formula). Each cell's text is bounded as excelize
// would expand it: a shared string in full, times the copies its style's
// number format makes. (A format's literal characters and a number's
// digits add at most a few hundred characters to a cell: sheetRows counts
// those, as excelize gives them.)
func (wb *workbookScan) cells() func(xml.Token) error {
	var (
		inData, inCell, inV, inIS, inT bool
		row, col, style                int
		typ                            string
		has                            bool
		chars, size                    int64
	)
	lim := wb.lim
	tooLong := func() error { return survey.LimitError(survey.KeyCellTooLong, lim.CellChars) }
	return func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				inData, row = true, 0
			case "row":
				if !inData {
					return nil
				}
				row++
				col = 0
				if r := attr(t, "r"); r != "" {
					n, err := strconv.Atoi(r)
					if err != nil || n < 1 {
						return fmt.Errorf("%w: row %q", ErrNotXLSX, r)
					}
					row = n
				}
				if row > lim.Rows+1 {
					return survey.LimitError(survey.KeyTooManyRows, lim.Rows)
				}
			case "c":
				if !inData {
					return nil
				}
				inCell, has, chars, size = true, false, 0, 0
				col++
				if ref := attr(t, "r"); ref != "" {
					c, _, err := excelize.CellNameToCoordinates(ref)
					if err != nil {
						return fmt.Errorf("%w: cell %q", ErrNotXLSX, ref)
					}
					col = c
				}
				typ = attr(t, "t")
				style, _ = strconv.Atoi(attr(t, "s"))
			case "v":
				inV = inCell
			case "f":
				has = has || inCell
			case "is":
				inIS = inCell
			case "t":
				inT = inIS
			}
		case xml.CharData:
			switch {
			case inV && typ == "s":
				i, err := strconv.Atoi(strings.TrimSpace(string(t)))
				if err != nil || i < 0 || i >= len(wb.strs) {
					return fmt.Errorf("%w: shared string %q", ErrNotXLSX, t)
				}
				chars, size, has = int64(wb.strs[i].chars), int64(wb.strs[i].bytes), true
			case inV || inT:
				chars += int64(utf8.RuneCount(t))
				size += int64(len(t))
				has = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "sheetData":
				inData = false
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "c":
				if !inCell {
					return nil
				}
				inCell = false
				if !has {
					return nil
				}
				if col > lim.Columns {
					return survey.LimitError(survey.KeyTooManyColumns, lim.Columns)
				}
				amp := int64(wb.styleAmp(style))
				if amp*chars > int64(lim.CellChars) {
					return tooLong()
				}
				wb.total += amp * size
				if wb.total > lim.TotalBytes {
					return survey.LimitError(survey.KeyTooMuchText, survey.MB(lim.TotalBytes))
				}
			}
		}
		return nil
	}
}

// attr is the value of a start element's attribute by local name.
func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// sheetRows reads one sheet with excelize's streaming row iterator, as
// text, with trailing empty cells dropped. It counts what excelize gives
// against lim as it goes (total is shared by the sheets of one file), so
// a row is refused as soon as it passes a limit, not after all are held.
func sheetRows(f *excelize.File, sheet string, lim survey.FileLimits, total *int64) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		if len(out) > lim.Rows {
			return nil, survey.LimitError(survey.KeyTooManyRows, lim.Rows)
		}
		cols, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
		}
		for len(cols) > 0 && cols[len(cols)-1] == "" {
			cols = cols[:len(cols)-1]
		}
		if len(cols) > lim.Columns {
			return nil, survey.LimitError(survey.KeyTooManyColumns, lim.Columns)
		}
		for _, c := range cols {
			if len(c) > lim.CellChars && utf8.RuneCountInString(c) > lim.CellChars {
				return nil, survey.LimitError(survey.KeyCellTooLong, lim.CellChars)
			}
			*total += int64(len(c))
		}
		if *total > lim.TotalBytes {
			return nil, survey.LimitError(survey.KeyTooMuchText, survey.MB(lim.TotalBytes))
		}
		out = append(out, cols)
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	return out, nil
}
