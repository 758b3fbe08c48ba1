package survey

import (
	"unicode/utf8"
)

// Open data (issue 19, §1; docs/opendata.md): the coordinator chooses the
// licence under which the published datasets may be reused and names the
// publisher. Both are settings, never invented: with no licence set, the
// open data page and the DCAT catalogue say so.

// Licence is a licence the coordinator may choose by name.
type Licence struct {
	ID   string // the form's value and the stored choice
	Name string // as people write it: "CC BY 4.0"
	URL  string // the licence's own page, its IRI in the DCAT catalogue
}

// LicenceOther is the choice of a licence not in Licences: its name and
// URL are typed in.
const LicenceOther = "other"

// Licences are the licences offered by name, the usual ones for
// government open data.
var Licences = []Licence{
	{ID: "cc-by-4.0", Name: "CC BY 4.0", URL: "https://creativecommons.org/licenses/by/4.0/"},
	{ID: "cc0-1.0", Name: "CC0 1.0", URL: "https://creativecommons.org/publicdomain/zero/1.0/"},
	{ID: "odbl-1.0", Name: "ODbL 1.0", URL: "https://opendatacommons.org/licenses/odbl/1-0/"},
}

// Bounds of the open data settings, in characters.
const (
	MaxLicenceNameChars  = 100
	MaxOpenDataPublisher = 200
	openDataLicenceIDMax = 16
)

// OpenDataSettings are the licence and the publisher of the open data.
type OpenDataSettings struct {
	// Licence is the ID of one of Licences, LicenceOther, or "" for none
	// set yet. LicenceName and LicenceURL are the licence's, filled in
	// from Licences for a known one.
	Licence     string `json:"licence"`
	LicenceName string `json:"licence_name"`
	LicenceURL  string `json:"licence_url"`
	// PublisherAr and PublisherEn name who publishes the data ("" for not
	// named).
	PublisherAr string `json:"publisher_ar"`
	PublisherEn string `json:"publisher_en"`
}

// HasLicence says whether a licence is set.
func (o OpenDataSettings) HasLicence() bool { return o.Licence != "" && o.LicenceURL != "" }

// HasPublisher says whether the publisher is named in either language.
func (o OpenDataSettings) HasPublisher() bool { return o.PublisherAr != "" || o.PublisherEn != "" }

// OpenDataInput is the settings form as typed.
type OpenDataInput struct {
	Licence     string
	LicenceName string
	LicenceURL  string
	PublisherAr string
	PublisherEn string
}

// licenceByID is one of Licences.
func licenceByID(id string) (Licence, bool) {
	for _, l := range Licences {
		if l.ID == id {
			return l, true
		}
	}
	return Licence{}, false
}

// CheckOpenData reads the settings form: a licence from the list (its
// name and URL then come from the list, whatever was typed), "other" with
// a name and an http(s) URL, or none; the publisher's names bounded and
// on one line. The field errors are message keys.
func CheckOpenData(in OpenDataInput) (OpenDataSettings, error) {
	fe := FieldErrors{}
	o := OpenDataSettings{Licence: CleanText(in.Licence), PublisherAr: CleanText(in.PublisherAr), PublisherEn: CleanText(in.PublisherEn)}
	switch l, known := licenceByID(o.Licence); {
	case o.Licence == "":
	case known:
		o.LicenceName, o.LicenceURL = l.Name, l.URL
	case o.Licence == LicenceOther:
		o.LicenceName, o.LicenceURL = CleanText(in.LicenceName), CleanText(in.LicenceURL)
		if o.LicenceName == "" || BadText(o.LicenceName, false) || utf8.RuneCountInString(o.LicenceName) > MaxLicenceNameChars {
			fe.Add("licence_name", "err.licence_name")
		}
		if !validWebURL(o.LicenceURL) {
			fe.Add("licence_url", "err.licence_url")
		}
	default:
		fe.Add("licence", "err.licence")
	}
	for field, v := range map[string]string{"publisher_ar": o.PublisherAr, "publisher_en": o.PublisherEn} {
		if BadText(v, false) || utf8.RuneCountInString(v) > MaxOpenDataPublisher {
			fe.Add(field, "err.publisher")
		}
	}
	return o, fe.Err()
}

// Valid says whether stored settings are ones CheckOpenData would give:
// a store refuses anything else, so that a bug cannot publish a licence
// nobody chose.
func (o OpenDataSettings) Valid() bool {
	got, err := CheckOpenData(OpenDataInput(o))
	return err == nil && got == o && len(o.Licence) <= openDataLicenceIDMax
}

// DemoOpenData are the demo's settings: CC BY 4.0, published by the
// ministry that runs the observatory.
var DemoOpenData = OpenDataSettings{
	Licence: "cc-by-4.0", LicenceName: "CC BY 4.0", LicenceURL: "https://creativecommons.org/licenses/by/4.0/",
	PublisherAr: "وزارة الاتصالات والاقتصاد الرقمي", PublisherEn: "Ministry of Telecommunications and Digital Economy",
}
