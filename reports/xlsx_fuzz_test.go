package reports

import (
	"bytes"
	"testing"
)

// Uploaded workbooks are zip files people make: whatever the bytes, the
// readers answer rows or an error, never a panic or a runaway allocation.
func FuzzReadXLSX(f *testing.F) {
	var b bytes.Buffer
	if err := WriteTableXLSX(&b, "data", [][]string{{"code", "name_ar"}, {"MOH", "وزارة الصحة"}, {"=1+1", "\u202e"}}, true); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = ReadXLSXRecords(bytes.NewReader(in))
		_, _ = ReadResponseXLSX(bytes.NewReader(in))
		_, _ = ReadDefinitionXLSX(bytes.NewReader(in))
	})
}
