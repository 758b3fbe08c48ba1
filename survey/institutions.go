package survey

import (
	"regexp"
	"strings"
	"time"
)

// Kinds of institution.
var Kinds = []string{"ministry", "agency", "municipality", "other"}

// Regions an institution serves from. "national" covers the whole country.
var Regions = []string{"national", "west-bank", "gaza", "jerusalem", "abroad"}

// Institution is a public body that keeps services and answers the survey.
type Institution struct {
	ID        int64     `json:"-"`
	Code      string    `json:"code"`
	NameAr    string    `json:"name_ar"`
	NameEn    string    `json:"name_en"`
	Kind      string    `json:"kind"`
	Sector    string    `json:"sector"`
	Region    string    `json:"region"`
	Website   string    `json:"website"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Name is the institution's name in lang, falling back to Arabic.
func (i Institution) Name(lang string) string {
	if lang == "en" && i.NameEn != "" {
		return i.NameEn
	}
	return i.NameAr
}

// InstitutionInput is what a person or a file gives to create or change an institution.
type InstitutionInput struct {
	Code    string `json:"code" form:"code"`
	NameAr  string `json:"name_ar" form:"name_ar"`
	NameEn  string `json:"name_en" form:"name_en"`
	Kind    string `json:"kind" form:"kind"`
	Sector  string `json:"sector" form:"sector"`
	Region  string `json:"region" form:"region"`
	Website string `json:"website" form:"website"`
}

var (
	codePattern   = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,15}$`)
	sectorPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
)

// Normalize trims fields and puts codes and keys in their canonical case.
func (in InstitutionInput) Normalize() InstitutionInput {
	in.Code = strings.ToUpper(CleanText(NormalizeDigits(in.Code)))
	in.NameAr = CleanText(in.NameAr)
	in.NameEn = CleanText(in.NameEn)
	in.Kind = strings.ToLower(CleanText(in.Kind))
	in.Sector = strings.ToLower(CleanText(in.Sector))
	in.Region = strings.ToLower(CleanText(in.Region))
	in.Website = CleanText(in.Website)
	return in
}

// Validate checks a normalized input and returns a *ValidationError.
func (in InstitutionInput) Validate() error {
	fe := FieldErrors{}
	switch {
	case in.Code == "":
		fe.Add("code", "err.required")
	case !codePattern.MatchString(in.Code):
		fe.Add("code", "err.code_format")
	}
	CheckText(fe, "name_ar", in.NameAr, true, 200)
	if _, bad := fe["name_ar"]; !bad && !HasArabicLetter(in.NameAr) {
		fe.Add("name_ar", "err.need_arabic")
	}
	CheckText(fe, "name_en", in.NameEn, false, 200)
	if !contains(Kinds, in.Kind) {
		fe.Add("kind", "err.choose_one")
	}
	if !contains(Regions, in.Region) {
		fe.Add("region", "err.choose_one")
	}
	if in.Sector == "" {
		fe.Add("sector", "err.required")
	} else if !sectorPattern.MatchString(in.Sector) {
		fe.Add("sector", "err.sector_format")
	}
	if in.Website != "" && !validWebURL(in.Website) {
		fe.Add("website", "err.url")
	}
	return fe.Err()
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// InstitutionFilter narrows ListInstitutions.
type InstitutionFilter struct {
	Query           string // matches code or either name
	IncludeInactive bool
}
