package survey

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Service stages (docs/api.md, "Service stages"), after the UN, Layne & Lee, Gartner and EU models.
const (
	StageOffline       = 0 // counter only
	StageInformational = 1 // description, requirements, fees and forms online
	StageInteractive   = 2 // online forms, booking, status; still needs a visit
	StageTransactional = 3 // end to end online with e-ID or e-signature and e-payment
	StageIntegrated    = 4 // national portal, once-only data, electronic output
	StageProactive     = 5 // triggered or bundled by life event
	MaxStage           = StageProactive
)

// Service statuses. Only active services count in the public catalog and the metrics.
const (
	ServiceActive  = "active"
	ServicePlanned = "planned"
	ServiceRetired = "retired"
)

// Choice lists for services, as stored keys; pages translate them.
var (
	ServiceStatuses  = []string{ServiceActive, ServicePlanned, ServiceRetired}
	Audiences        = []string{"citizens", "businesses", "government", "diaspora"}
	Channels         = []string{"web", "mobile", "kiosk", "phone", "email", "counter"}
	ServiceLanguages = []string{"ar", "en"}
	// Categories are life events and business events, after the EU
	// eGovernment Benchmark and CPSV-AP's life-event vocabulary.
	Categories = []string{
		"birth-family", "identity-travel", "education", "health", "work-employment", "business",
		"tax-finance", "vehicles-transport", "property-housing", "justice-legal", "social-support",
		"municipal-utilities", "agriculture-environment", "diaspora-consular", "death-inheritance", "other",
	}
)

// Service is one entry of the e-services catalog. Its fields are described
// in docs/api.md ("Services"); the open-data export maps them to CPSV-AP.
type Service struct {
	ID              int64     `json:"id"`
	InstitutionCode string    `json:"institution"`
	InstitutionAr   string    `json:"-"`
	InstitutionEn   string    `json:"-"`
	Code            string    `json:"code"`
	NameAr          string    `json:"name_ar"`
	NameEn          string    `json:"name_en"`
	DescriptionAr   string    `json:"description_ar"`
	DescriptionEn   string    `json:"description_en"`
	Category        string    `json:"category"`
	Audience        []string  `json:"audience"`
	Channels        []string  `json:"channels"`
	Stage           int       `json:"stage"`
	OnlineURL       string    `json:"online_url"`
	EPayment        bool      `json:"e_payment"`
	EID             bool      `json:"e_id"`
	Abroad          bool      `json:"available_abroad"`
	NoVisit         bool      `json:"no_visit"`
	MobileFriendly  bool      `json:"mobile_friendly"`
	Languages       []string  `json:"languages"`
	FeeILS          float64   `json:"fee_ils"`
	ProcessingDays  int       `json:"processing_days"`
	YearlyVolume    int64     `json:"yearly_volume"`
	OnlineShare     float64   `json:"online_share"`
	DataExchange    bool      `json:"uses_data_exchange"`
	LastReviewed    string    `json:"last_reviewed"` // YYYY-MM-DD or ""
	Status          string    `json:"status"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Name is the service's name in lang, falling back to Arabic.
func (s Service) Name(lang string) string {
	if lang == "en" && s.NameEn != "" {
		return s.NameEn
	}
	return s.NameAr
}

// Description is the service's description in lang, falling back to Arabic.
func (s Service) Description(lang string) string {
	if lang == "en" && s.DescriptionEn != "" {
		return s.DescriptionEn
	}
	return s.DescriptionAr
}

// InstitutionName is the owning institution's name in lang.
func (s Service) InstitutionName(lang string) string {
	if lang == "en" && s.InstitutionEn != "" {
		return s.InstitutionEn
	}
	return s.InstitutionAr
}

// ServiceInput is what a form, an API call or an import row gives: text as
// typed (numbers may use Arabic-Indic digits), lists as slices.
type ServiceInput struct {
	InstitutionCode string   `json:"institution" form:"institution"`
	Code            string   `json:"code" form:"code"`
	NameAr          string   `json:"name_ar" form:"name_ar"`
	NameEn          string   `json:"name_en" form:"name_en"`
	DescriptionAr   string   `json:"description_ar" form:"description_ar"`
	DescriptionEn   string   `json:"description_en" form:"description_en"`
	Category        string   `json:"category" form:"category"`
	Audience        []string `json:"audience" form:"audience"`
	Channels        []string `json:"channels" form:"channels"`
	Stage           string   `json:"stage" form:"stage"`
	OnlineURL       string   `json:"online_url" form:"online_url"`
	EPayment        bool     `json:"e_payment" form:"e_payment"`
	EID             bool     `json:"e_id" form:"e_id"`
	Abroad          bool     `json:"available_abroad" form:"available_abroad"`
	NoVisit         bool     `json:"no_visit" form:"no_visit"`
	MobileFriendly  bool     `json:"mobile_friendly" form:"mobile_friendly"`
	Languages       []string `json:"languages" form:"languages"`
	FeeILS          string   `json:"fee_ils" form:"fee_ils"`
	ProcessingDays  string   `json:"processing_days" form:"processing_days"`
	YearlyVolume    string   `json:"yearly_volume" form:"yearly_volume"`
	OnlineShare     string   `json:"online_share" form:"online_share"`
	DataExchange    bool     `json:"uses_data_exchange" form:"uses_data_exchange"`
	LastReviewed    string   `json:"last_reviewed" form:"last_reviewed"`
	Status          string   `json:"status" form:"status"`
	// Version is the version the editor started from; an update with an
	// older version is refused (someone else saved in between).
	Version int64 `json:"version" form:"version"`
	// Line is the row's line in an imported file, for error reports.
	Line int `json:"-" form:"-"`
}

var serviceCodeRunes = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

// checkService normalizes in and turns it into a Service, collecting every
// field problem as a message key.
func CheckService(in ServiceInput) (Service, error) {
	fe := FieldErrors{}
	sv := Service{
		InstitutionCode: strings.ToUpper(CleanText(in.InstitutionCode)),
		Code:            strings.ToUpper(CleanText(NormalizeDigits(in.Code))),
		NameAr:          CleanText(in.NameAr),
		NameEn:          CleanText(in.NameEn),
		DescriptionAr:   NormalizeNewlines(in.DescriptionAr),
		DescriptionEn:   NormalizeNewlines(in.DescriptionEn),
		Category:        strings.ToLower(CleanText(in.Category)),
		OnlineURL:       CleanText(in.OnlineURL),
		EPayment:        in.EPayment,
		EID:             in.EID,
		Abroad:          in.Abroad,
		NoVisit:         in.NoVisit,
		MobileFriendly:  in.MobileFriendly,
		DataExchange:    in.DataExchange,
		LastReviewed:    CleanText(NormalizeDigits(in.LastReviewed)),
		Status:          strings.ToLower(CleanText(in.Status)),
	}
	switch {
	case sv.Code == "":
		fe.Add("code", "err.required")
	case len(sv.Code) > 40 || strings.Trim(sv.Code, serviceCodeRunes) != "" || sv.Code[0] == '-':
		fe.Add("code", "err.service_code_format")
	}
	CheckText(fe, "name_ar", sv.NameAr, true, 200)
	if _, bad := fe["name_ar"]; !bad && !HasArabicLetter(sv.NameAr) {
		fe.Add("name_ar", "err.need_arabic")
	}
	CheckText(fe, "name_en", sv.NameEn, false, 200)
	CheckLongText(fe, "description_ar", sv.DescriptionAr)
	CheckLongText(fe, "description_en", sv.DescriptionEn)
	if !contains(Categories, sv.Category) {
		fe.Add("category", "err.choose_one")
	}
	var ok bool
	if sv.Audience, ok = cleanSet(in.Audience, Audiences); !ok {
		fe.Add("audience", "err.choose_from_list")
	} else if len(sv.Audience) == 0 {
		fe.Add("audience", "err.choose_at_least_one")
	}
	if sv.Channels, ok = cleanSet(in.Channels, Channels); !ok {
		fe.Add("channels", "err.choose_from_list")
	} else if len(sv.Channels) == 0 {
		fe.Add("channels", "err.choose_at_least_one")
	}
	if sv.Languages, ok = cleanSet(in.Languages, ServiceLanguages); !ok {
		fe.Add("languages", "err.choose_from_list")
	}
	stage, err := strconv.Atoi(CleanText(NormalizeDigits(in.Stage)))
	if err != nil || stage < 0 || stage > MaxStage {
		fe.Add("stage", "err.stage")
	}
	sv.Stage = stage
	if sv.OnlineURL != "" && (!validWebURL(sv.OnlineURL) || len(sv.OnlineURL) > 500) {
		fe.Add("online_url", "err.url")
	}
	if sv.Stage >= StageTransactional && sv.OnlineURL == "" {
		fe.Add("online_url", "err.url_required_stage3")
	}
	if sv.FeeILS, ok = parseNumber(in.FeeILS, 0, 1e7); !ok {
		fe.Add("fee_ils", "err.number_nonnegative")
	}
	days, ok := parseNumber(in.ProcessingDays, 0, 3650)
	if !ok || days != float64(int(days)) {
		fe.Add("processing_days", "err.whole_number")
	}
	sv.ProcessingDays = int(days)
	vol, ok := parseNumber(in.YearlyVolume, 0, 1e10)
	if !ok || vol != float64(int64(vol)) {
		fe.Add("yearly_volume", "err.whole_number")
	}
	sv.YearlyVolume = int64(vol)
	if sv.OnlineShare, ok = parseNumber(in.OnlineShare, 0, 100); !ok {
		fe.Add("online_share", "err.percent")
	}
	if sv.LastReviewed != "" {
		if _, err := time.Parse("2006-01-02", sv.LastReviewed); err != nil {
			fe.Add("last_reviewed", "err.date")
		}
	}
	if sv.Status == "" {
		sv.Status = ServiceActive
	}
	if !contains(ServiceStatuses, sv.Status) {
		fe.Add("status", "err.choose_one")
	}
	return sv, fe.Err()
}

func CheckLongText(fe FieldErrors, field, v string) {
	switch {
	case BadText(v, true):
		fe.Add(field, "err.bad_characters")
	case utf8.RuneCountInString(v) > 4000:
		fe.Add(field, "err.too_long")
	}
}

// cleanSet keeps the known values of a multiple choice in canonical order.
// Values may come as several entries or one comma-separated entry. It
// reports false if any value is unknown.
func cleanSet(vals []string, allowed []string) ([]string, bool) {
	seen := map[string]bool{}
	for _, v := range vals {
		for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !contains(allowed, p) {
				return nil, false
			}
			seen[p] = true
		}
	}
	out := []string{}
	for _, a := range allowed {
		if seen[a] {
			out = append(out, a)
		}
	}
	return out, true
}

// parseNumber reads an optional number (empty is 0) within [min, max],
// accepting Arabic-Indic digits and the Arabic decimal separator.
func parseNumber(s string, min, max float64) (float64, bool) {
	if strings.TrimSpace(s) == "" {
		return 0, true
	}
	f, ok := ParseNumber(s)
	if !ok || f < min || f > max {
		return 0, false
	}
	return f, true
}

// normalizeNewlines trims text and turns CRLF and CR (as browsers send a
// textarea) into LF, so that stored text and CSV round trips agree.
func NormalizeNewlines(s string) string {
	return strings.TrimSpace(newlines.Replace(s))
}

var newlines = strings.NewReplacer("\r\n", "\n", "\r", "\n")
