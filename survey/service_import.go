package survey

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// MaxServiceImportRows bounds one services import.
const MaxServiceImportRows = 50000

// ServiceColumns are the catalog's CSV and XLSX columns, named as the
// service fields (docs/api.md, "Services"). Lists are separated by ";",
// yes/no fields read yes or no.
var ServiceColumns = []string{
	"institution", "code", "name_ar", "name_en", "description_ar", "description_en", "category", "audience",
	"channels", "stage", "online_url", "e_payment", "e_id", "available_abroad", "no_visit", "mobile_friendly",
	"languages", "fee_ils", "processing_days", "yearly_volume", "online_share", "uses_data_exchange",
	"last_reviewed", "status",
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// parseYesNo accepts yes/no, true/false, 1/0 and Arabic نعم/لا; empty is no.
func parseYesNo(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(NormalizeDigits(s))) {
	case "yes", "true", "1", "نعم", "y":
		return true, true
	case "no", "false", "0", "لا", "n", "":
		return false, true
	}
	return false, false
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ServiceRecord is a service as one row of ServiceColumns.
func ServiceRecord(s Service) []string {
	return []string{
		s.InstitutionCode, s.Code, s.NameAr, s.NameEn, s.DescriptionAr, s.DescriptionEn, s.Category,
		strings.Join(s.Audience, ";"), strings.Join(s.Channels, ";"), strconv.Itoa(s.Stage), s.OnlineURL,
		yesNo(s.EPayment), yesNo(s.EID), yesNo(s.Abroad), yesNo(s.NoVisit), yesNo(s.MobileFriendly),
		strings.Join(s.Languages, ";"), formatNumber(s.FeeILS), strconv.Itoa(s.ProcessingDays),
		strconv.FormatInt(s.YearlyVolume, 10), formatNumber(s.OnlineShare), yesNo(s.DataExchange), s.LastReviewed, s.Status,
	}
}

// WriteServicesCSV streams services as CSV with a BOM; each value comes from
// next until it returns false. Every text cell is quoted and defused
// against formula injection (CSVWriter).
func WriteServicesCSV(w io.Writer, each func(func(Service) error) error) error {
	cw := NewCSVWriter(w)
	if err := cw.Write(ServiceColumns); err != nil {
		return err
	}
	err := each(func(s Service) error { return cw.Write(ServiceRecord(s)) })
	return errors.Join(err, cw.Flush())
}

// ParseServicesCSV reads catalog rows from CSV (BOM accepted), within
// ServiceFileLimits. The apostrophe the CSV export put before a formula
// start is taken off again.
func ParseServicesCSV(r io.Reader) ([]ServiceInput, error) {
	t, err := readCSV(r, ServiceFileLimits)
	if err != nil {
		return nil, err
	}
	t.csv = true
	return parseServiceTable(t)
}

// ParseServiceRecords turns a header row and data rows read from a
// workbook into inputs. Every row is validated; any bad row makes an
// *ImportError that lists them all with their line numbers. Cells are
// taken as they are: a workbook's text cells need no defusing, so the
// XLSX export adds no apostrophe and none is taken off.
func ParseServiceRecords(recs [][]string) ([]ServiceInput, error) {
	return parseServiceTable(table{recs: recs})
}

func parseServiceTable(t table) ([]ServiceInput, error) {
	recs := t.recs
	if len(recs) == 0 {
		return nil, &ImportError{Key: "err.csv_empty"}
	}
	if len(recs) > MaxServiceImportRows+1 {
		return nil, LimitError(KeyTooManyRows, MaxServiceImportRows)
	}
	// The observed columns of an export (ObservedColumns) are read past:
	// they are what the checker saw, not what is declared.
	col, ok := headerIndex(recs[0], append(append([]string{}, ServiceColumns...), ObservedColumns...))
	if !ok {
		return nil, &ImportError{Key: "err.service_header"}
	}
	for _, req := range []string{"institution", "code", "name_ar", "category", "stage"} {
		if _, ok := col[req]; !ok {
			return nil, &ImportError{Key: "err.service_header"}
		}
	}
	var (
		out  []ServiceInput
		bad  []RowError
		seen = map[string]bool{}
	)
	for n, rec := range recs[1:] {
		line := t.line(n + 1)
		if isBlankRecord(rec) {
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				if t.csv {
					return unsafeCell(rec[i])
				}
				return rec[i]
			}
			return ""
		}
		fields := map[string]string{}
		flag := func(name string) bool {
			v, ok := parseYesNo(get(name))
			if !ok {
				fields[name] = "err.yes_no"
			}
			return v
		}
		in := ServiceInput{
			InstitutionCode: get("institution"), Code: get("code"), NameAr: get("name_ar"), NameEn: get("name_en"),
			DescriptionAr: get("description_ar"), DescriptionEn: get("description_en"), Category: get("category"),
			Audience: []string{get("audience")}, Channels: []string{get("channels")}, Stage: get("stage"),
			OnlineURL: get("online_url"), EPayment: flag("e_payment"), EID: flag("e_id"), Abroad: flag("available_abroad"),
			NoVisit: flag("no_visit"), MobileFriendly: flag("mobile_friendly"), Languages: []string{get("languages")},
			FeeILS: get("fee_ils"), ProcessingDays: get("processing_days"), YearlyVolume: get("yearly_volume"),
			OnlineShare: get("online_share"), DataExchange: flag("uses_data_exchange"), LastReviewed: get("last_reviewed"),
			Status: get("status"), Line: line,
		}
		sv, err := CheckService(in)
		var ve *ValidationError
		if errors.As(err, &ve) {
			for f, k := range ve.Fields {
				fields[f] = k
			}
		}
		if sv.InstitutionCode == "" {
			fields["institution"] = "err.required"
		}
		key := sv.InstitutionCode + "/" + sv.Code
		if seen[key] && sv.Code != "" {
			fields["code"] = "err.code_duplicate_in_file"
		}
		seen[key] = true
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

func isBlankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// ServiceImportResult counts what a catalog import did.
type ServiceImportResult struct {
	Created, Updated, Unchanged int
}
