package survey

// Upload limits: every file a person uploads, and every file the CLI
// imports, is read against these as it streams and refused, with a
// message that names the limit, as soon as it passes one. A small file
// must not make the server hold more than these figures allow, whatever it
// unpacks to. README.md lists them ("Upload limits"); the web layer adds
// that at most one upload is read at a time (handlers/upload.go).

// FileLimits bound one uploaded table: a CSV file, or the sheets of a
// workbook taken together.
type FileLimits struct {
	// FileBytes is the file as uploaded. The route's body limit is this
	// plus room for the rest of the form.
	FileBytes int64
	// Rows counts data rows after the header. Blank rows count too: they
	// keep the line numbers that error messages give.
	Rows int
	// Columns is the rightmost column holding a value.
	Columns int
	// CellChars is the characters of one cell's text.
	CellChars int
	// TotalBytes is the text of every cell together, as read: a shared
	// string counts again in every cell that shows it, since each cell
	// becomes its own copy.
	TotalBytes int64
}

// Limits shared by every table.
const (
	// MaxImportColumns: the widest format (services) has 24 columns; the
	// rest is room for notes columns people add.
	MaxImportColumns = 64
	// MaxCellChars: the longest text we keep (a description, a comment)
	// is validated far below this; Excel's own cap is 32,767.
	MaxCellChars = 10000
	// MaxDefinitionJSONBytes bounds an uploaded questionnaire definition
	// in JSON (the default one is about 200 KB).
	MaxDefinitionJSONBytes = 2 << 20
)

// Limits of the workbook container (an XLSX file is a zip of XML parts),
// checked from the zip's directory and a streaming pass over its XML
// before the workbook is opened.
const (
	// MaxZipEntries: Excel writes about a dozen parts per workbook.
	MaxZipEntries = 500
	// MaxZipSheetBytes is one worksheet or the shared-strings part,
	// unpacked. Sheets this large are streamed from a temporary file.
	MaxZipSheetBytes = 96 << 20
	// MaxZipPartBytes is any other part unpacked (styles, workbook, images):
	// these are held in memory while the workbook is open.
	MaxZipPartBytes = 4 << 20
	// MaxZipOtherBytes is all those other parts together.
	MaxZipOtherBytes = 16 << 20
	// MaxZipTotalBytes is every part together, unpacked.
	MaxZipTotalBytes = 128 << 20
	// MaxZipRatio is how many times a part that unpacks past
	// MaxZipRatioFrom may grow: a large sheet of real data compresses
	// 5-30 times, a zip bomb about 1,000. (Smaller parts are cheap to
	// stream at any ratio, and a sheet of identical rows compresses far.)
	MaxZipRatio = 100
	// MaxZipRatioFrom is the unpacked size from which MaxZipRatio applies.
	MaxZipRatioFrom = 16 << 20
	// MaxSharedStrings is the distinct texts a workbook may list.
	MaxSharedStrings = 200000
	// MaxXMLToken is the longest single piece of XML (a text, a tag with
	// its attributes, a comment) the reader holds at once; a cell of
	// MaxCellChars escaped as character references fits.
	MaxXMLToken = 512 << 10
	// MaxNumFmtChars is Excel's own limit on a number format's code; a
	// format repeats a cell's text once per @ (and 0) in it, so its length
	// bounds how far a formatted cell can grow.
	MaxNumFmtChars = 255
)

// The limits of each importer.
var (
	// InstitutionFileLimits: a country has hundreds of institutions.
	InstitutionFileLimits = FileLimits{FileBytes: 4 << 20, Rows: MaxImportRows, Columns: MaxImportColumns,
		CellChars: MaxCellChars, TotalBytes: 4 << 20}
	// ServiceFileLimits: the regional deployment holds 30,000 services.
	ServiceFileLimits = FileLimits{FileBytes: 10 << 20, Rows: MaxServiceImportRows, Columns: MaxImportColumns,
		CellChars: MaxCellChars, TotalBytes: 32 << 20}
	// AnswerFileLimits: answers of every institution to every question of
	// a round (1,500 × 30 in the regional deployment).
	AnswerFileLimits = FileLimits{FileBytes: 10 << 20, Rows: MaxServiceImportRows, Columns: MaxImportColumns,
		CellChars: MaxCellChars, TotalBytes: 10 << 20}
	// OfflineSheetLimits: one institution's answer sheet, a row per
	// question (the default questionnaire has about 60).
	OfflineSheetLimits = FileLimits{FileBytes: 2 << 20, Rows: 2000, Columns: MaxImportColumns,
		CellChars: MaxCellChars, TotalBytes: 8 << 20}
	// DefinitionSheetLimits: a questionnaire's XLSX form, rows per sheet.
	DefinitionSheetLimits = FileLimits{FileBytes: MaxDefinitionJSONBytes, Rows: MaxImportRows, Columns: MaxImportColumns,
		CellChars: MaxCellChars, TotalBytes: 8 << 20}
)

// Keys and figures of the messages for files refused by a limit.
const (
	KeyFileTooBig     = "err.file_too_big"       // %d: MB
	KeyTooManyRows    = "err.csv_too_many_rows"  // %d: rows
	KeyTooManyColumns = "err.too_many_columns"   // %d: columns
	KeyCellTooLong    = "err.cell_too_long"      // %d: characters
	KeyTooMuchText    = "err.file_too_much_text" // %d: MB
	KeyUnpacksTooBig  = "err.xlsx_unpacks_too_big"
)

// LimitError is the *ImportError for a file refused by one of its limits.
func LimitError(key string, args ...any) *ImportError {
	return &ImportError{Key: key, Args: args}
}

// MB is n bytes in whole mebibytes, for messages.
func MB(n int64) int64 { return n >> 20 }
