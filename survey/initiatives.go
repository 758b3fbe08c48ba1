package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Initiative statuses, budget bands (US dollars) and partner types.
var (
	InitiativeStatuses = []string{"planned", "in_progress", "done"}
	BudgetBands        = []string{"unknown", "lt_100k", "100k_500k", "500k_2m", "gt_2m"}
	PartnerTypes       = []string{"private", "university", "donor", "ngo", "public"}
)

// Story states: none (not a story), pending (waiting for the coordinator),
// approved (public), rejected (sent back with a note).
const (
	StoryNone     = "none"
	StoryPending  = "pending"
	StoryApproved = "approved"
	StoryRejected = "rejected"
)

// MaxPartners is how many partners one initiative lists.
const MaxPartners = 8

// Partner is an organisation an initiative works with. Name is the Arabic
// name (or the only one, as typed); NameEn the English one, optional.
type Partner struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
}

// Label is the partner's name in lang, falling back to Name.
func (p Partner) Label(lang string) string { return pickLang(lang, p.Name, p.NameEn) }

// Initiative is one of an institution's digital initiatives; a success
// story when Story is set.
type Initiative struct {
	ID              int64     `json:"id"`
	InstitutionCode string    `json:"institution"`
	InstitutionAr   string    `json:"-"`
	InstitutionEn   string    `json:"-"`
	Sector          string    `json:"-"`
	Region          string    `json:"-"`
	InstitutionKind string    `json:"-"`
	TitleAr         string    `json:"title_ar"`
	TitleEn         string    `json:"title_en"`
	SummaryAr       string    `json:"summary_ar"`
	SummaryEn       string    `json:"summary_en"`
	Status          string    `json:"status"`
	StartMonth      string    `json:"start_month"`
	EndMonth        string    `json:"end_month"`
	BudgetBand      string    `json:"budget_band"`
	OutcomeAr       string    `json:"outcome_ar"`
	OutcomeEn       string    `json:"outcome_en"`
	Partners        []Partner `json:"partners"`
	ServiceIDs      []int64   `json:"services"`
	Story           bool      `json:"success_story"`
	StoryStatus     string    `json:"story_status"`
	StoryAr         string    `json:"story_ar"`
	StoryEn         string    `json:"story_en"`
	FigureLabelAr   string    `json:"figure_label_ar"`
	FigureLabelEn   string    `json:"figure_label_en"`
	FigureBefore    *float64  `json:"figure_before"`
	FigureAfter     *float64  `json:"figure_after"`
	ReviewNote      string    `json:"review_note"`
	Archived        bool      `json:"archived"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Title is the initiative's title in lang, falling back to Arabic.
func (in Initiative) Title(lang string) string { return pickLang(lang, in.TitleAr, in.TitleEn) }

// Summary is the initiative's summary in lang, falling back to Arabic.
func (in Initiative) Summary(lang string) string { return pickLang(lang, in.SummaryAr, in.SummaryEn) }

// Outcome is the initiative's outcome in lang, falling back to Arabic.
func (in Initiative) Outcome(lang string) string { return pickLang(lang, in.OutcomeAr, in.OutcomeEn) }

// StoryText is the story's narrative in lang, falling back to Arabic.
func (in Initiative) StoryText(lang string) string { return pickLang(lang, in.StoryAr, in.StoryEn) }

// FigureLabel is what the before/after figures count, in lang.
func (in Initiative) FigureLabel(lang string) string {
	return pickLang(lang, in.FigureLabelAr, in.FigureLabelEn)
}

// InstitutionName is the owning institution's name in lang.
func (in Initiative) InstitutionName(lang string) string {
	return pickLang(lang, in.InstitutionAr, in.InstitutionEn)
}

// HasPartner says whether a partner of type t takes part.
func (in Initiative) HasPartner(t string) bool {
	for _, p := range in.Partners {
		if p.Type == t {
			return true
		}
	}
	return false
}

func pickLang(lang, ar, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ar
}

// InitiativeInput is what a form or an API call gives: text as typed
// (numbers may use Arabic-Indic digits).
type InitiativeInput struct {
	InstitutionCode string    `json:"institution"`
	TitleAr         string    `json:"title_ar"`
	TitleEn         string    `json:"title_en"`
	SummaryAr       string    `json:"summary_ar"`
	SummaryEn       string    `json:"summary_en"`
	Status          string    `json:"status"`
	StartMonth      string    `json:"start_month"`
	EndMonth        string    `json:"end_month"`
	BudgetBand      string    `json:"budget_band"`
	OutcomeAr       string    `json:"outcome_ar"`
	OutcomeEn       string    `json:"outcome_en"`
	Partners        []Partner `json:"partners"`
	ServiceIDs      []int64   `json:"services"`
	Story           bool      `json:"success_story"`
	StoryAr         string    `json:"story_ar"`
	StoryEn         string    `json:"story_en"`
	FigureLabelAr   string    `json:"figure_label_ar"`
	FigureLabelEn   string    `json:"figure_label_en"`
	FigureBefore    string    `json:"figure_before"`
	FigureAfter     string    `json:"figure_after"`
	// Version is the version the editor started from; an older one is
	// refused (someone else saved in between). 0 skips the check on create.
	Version int64 `json:"version"`
}

// checkInitiative normalises in into an Initiative, collecting every field
// problem as a message key.
func checkInitiative(in InitiativeInput) (Initiative, error) {
	fe := fieldErrors{}
	out := Initiative{
		InstitutionCode: strings.ToUpper(cleanText(in.InstitutionCode)),
		TitleAr:         cleanText(in.TitleAr),
		TitleEn:         cleanText(in.TitleEn),
		SummaryAr:       normalizeNewlines(in.SummaryAr),
		SummaryEn:       normalizeNewlines(in.SummaryEn),
		Status:          strings.ToLower(cleanText(in.Status)),
		StartMonth:      cleanText(NormalizeDigits(in.StartMonth)),
		EndMonth:        cleanText(NormalizeDigits(in.EndMonth)),
		BudgetBand:      strings.ToLower(cleanText(in.BudgetBand)),
		OutcomeAr:       normalizeNewlines(in.OutcomeAr),
		OutcomeEn:       normalizeNewlines(in.OutcomeEn),
		Story:           in.Story,
		StoryAr:         normalizeNewlines(in.StoryAr),
		StoryEn:         normalizeNewlines(in.StoryEn),
		FigureLabelAr:   cleanText(in.FigureLabelAr),
		FigureLabelEn:   cleanText(in.FigureLabelEn),
	}
	checkText(fe, "title_ar", out.TitleAr, true, 200)
	if _, bad := fe["title_ar"]; !bad && !hasArabicLetter(out.TitleAr) {
		fe.add("title_ar", "err.need_arabic")
	}
	checkText(fe, "title_en", out.TitleEn, false, 200)
	checkLongText(fe, "summary_ar", out.SummaryAr)
	checkLongText(fe, "summary_en", out.SummaryEn)
	checkLongText(fe, "outcome_ar", out.OutcomeAr)
	checkLongText(fe, "outcome_en", out.OutcomeEn)
	if !contains(InitiativeStatuses, out.Status) {
		fe.add("status", "err.choose_one")
	}
	if out.BudgetBand == "" {
		out.BudgetBand = "unknown"
	}
	if !contains(BudgetBands, out.BudgetBand) {
		fe.add("budget_band", "err.choose_one")
	}
	for _, m := range []struct{ field, v string }{{"start_month", out.StartMonth}, {"end_month", out.EndMonth}} {
		if m.v == "" {
			continue
		}
		if _, err := time.Parse("2006-01", m.v); err != nil {
			fe.add(m.field, "err.month")
		}
	}
	if out.StartMonth != "" && out.EndMonth != "" && out.EndMonth < out.StartMonth {
		fe.add("end_month", "err.end_before_start")
	}
	for _, p := range in.Partners {
		p = Partner{Type: strings.ToLower(cleanText(p.Type)), Name: cleanText(p.Name), NameEn: cleanText(p.NameEn)}
		if p.Name == "" && p.NameEn == "" && p.Type == "" {
			continue // an unused row of the form
		}
		if p.Name == "" { // an English name alone is the name
			p.Name, p.NameEn = p.NameEn, ""
		}
		switch {
		case !contains(PartnerTypes, p.Type):
			fe.add("partners", "err.partner_type")
		case p.Name == "":
			fe.add("partners", "err.partner_name")
		case badText(p.Name, false) || len([]rune(p.Name)) > 200, badText(p.NameEn, false) || len([]rune(p.NameEn)) > 200:
			fe.add("partners", "err.partner_name")
		}
		out.Partners = append(out.Partners, p)
	}
	if len(out.Partners) > MaxPartners {
		fe.add("partners", "err.too_many")
	}
	seen := map[int64]bool{}
	for _, id := range in.ServiceIDs {
		if id > 0 && !seen[id] {
			seen[id] = true
			out.ServiceIDs = append(out.ServiceIDs, id)
		}
	}
	if len(out.ServiceIDs) > 200 {
		fe.add("services", "err.too_many")
	}
	var ok bool
	var before, after float64
	if before, ok = parseNumber(in.FigureBefore, 0, 1e12); !ok {
		fe.add("figure_before", "err.number_nonnegative")
	} else if cleanText(in.FigureBefore) != "" {
		out.FigureBefore = &before
	}
	if after, ok = parseNumber(in.FigureAfter, 0, 1e12); !ok {
		fe.add("figure_after", "err.number_nonnegative")
	} else if cleanText(in.FigureAfter) != "" {
		out.FigureAfter = &after
	}
	checkText(fe, "figure_label_ar", out.FigureLabelAr, false, 200)
	checkText(fe, "figure_label_en", out.FigureLabelEn, false, 200)
	if out.Story {
		// A story tells what changed: a narrative, and what was counted.
		if out.StoryAr == "" {
			fe.add("story_ar", "err.required")
		}
		if out.Status == "planned" {
			fe.add("status", "err.story_planned")
		}
		if (out.FigureBefore != nil || out.FigureAfter != nil) && out.FigureLabelAr == "" {
			fe.add("figure_label_ar", "err.figure_label")
		}
	}
	checkLongText(fe, "story_ar", out.StoryAr)
	checkLongText(fe, "story_en", out.StoryEn)
	return out, fe.err()
}

const initiativeColumns = `n.id, i.code, i.name_ar, i.name_en, i.sector, i.region, i.kind, n.title_ar, n.title_en, n.summary_ar, n.summary_en,
	n.status, n.start_month, n.end_month, n.budget_band, n.outcome_ar, n.outcome_en, n.story, n.story_status, n.story_ar,
	n.story_en, n.figure_label_ar, n.figure_label_en, n.figure_before, n.figure_after, n.review_note, n.archived,
	n.version, n.created_at, n.updated_at`

func scanInitiative(row interface{ Scan(...any) error }) (Initiative, error) {
	var in Initiative
	var before, after sql.NullFloat64
	var created, updated string
	err := row.Scan(&in.ID, &in.InstitutionCode, &in.InstitutionAr, &in.InstitutionEn, &in.Sector, &in.Region, &in.InstitutionKind, &in.TitleAr,
		&in.TitleEn, &in.SummaryAr, &in.SummaryEn, &in.Status, &in.StartMonth, &in.EndMonth, &in.BudgetBand, &in.OutcomeAr,
		&in.OutcomeEn, &in.Story, &in.StoryStatus, &in.StoryAr, &in.StoryEn, &in.FigureLabelAr, &in.FigureLabelEn,
		&before, &after, &in.ReviewNote, &in.Archived, &in.Version, &created, &updated)
	if err != nil {
		return in, err
	}
	if before.Valid {
		in.FigureBefore = &before.Float64
	}
	if after.Valid {
		in.FigureAfter = &after.Float64
	}
	in.CreatedAt, in.UpdatedAt = parseTime(created), parseTime(updated)
	return in, nil
}

// dbQueryer is a connection pool or a transaction.
type dbQueryer interface {
	queryer
	rowsQueryer
}

// loadLinks fills the partners and services of the initiatives.
func loadLinks(ctx context.Context, q dbQueryer, list []Initiative) error {
	if len(list) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]string, len(list))
	for i, in := range list {
		at[in.ID] = i
		ids[i] = strconv.FormatInt(in.ID, 10)
	}
	// The ids are integers from the database, joined, not user text.
	in := strings.Join(ids, ",")
	rows, err := q.QueryContext(ctx, "SELECT initiative_id, type, name, name_en FROM initiative_partners WHERE initiative_id IN ("+in+") ORDER BY initiative_id, position") // #nosec G202 -- integers only
	if err != nil {
		return fmt.Errorf("survey: initiative partners: %w", err)
	}
	for rows.Next() {
		var id int64
		var p Partner
		if err := rows.Scan(&id, &p.Type, &p.Name, &p.NameEn); err != nil {
			_ = rows.Close()
			return err
		}
		list[at[id]].Partners = append(list[at[id]].Partners, p)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, "SELECT initiative_id, service_id FROM initiative_services WHERE initiative_id IN ("+in+") ORDER BY initiative_id, service_id") // #nosec G202 -- integers only
	if err != nil {
		return fmt.Errorf("survey: initiative services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, sid int64
		if err := rows.Scan(&id, &sid); err != nil {
			return err
		}
		list[at[id]].ServiceIDs = append(list[at[id]].ServiceIDs, sid)
	}
	return rows.Err()
}

func getInitiative(ctx context.Context, q dbQueryer, id int64) (Initiative, error) {
	in, err := scanInitiative(q.QueryRowContext(ctx, "SELECT "+initiativeColumns+
		" FROM initiatives n JOIN institutions i ON i.id = n.institution_id WHERE n.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("survey: initiative %d: %w", id, err)
	}
	list := []Initiative{in}
	err = loadLinks(ctx, q, list)
	return list[0], err
}

// Initiative returns one initiative, archived or not.
func (s *Store) Initiative(ctx context.Context, id int64) (Initiative, error) {
	return getInitiative(ctx, s.r, id)
}

// InitiativeFilter narrows a list of initiatives; empty fields match all.
type InitiativeFilter struct {
	Institution string
	Status      string
	Sector      string
	Region      string
	PartnerType string
	StoryStatus string // "" any, or one story state
	Archived    bool   // list archived ones instead
	ActiveOnly  bool   // only institutions that are active
}

// ListInitiatives lists initiatives, newest change first.
func (s *Store) ListInitiatives(ctx context.Context, f InitiativeFilter) ([]Initiative, error) {
	where := []string{"n.archived = ?"}
	args := []any{f.Archived}
	for _, c := range []struct{ col, v string }{{"i.code", f.Institution}, {"n.status", f.Status}, {"i.sector", f.Sector}, {"i.region", f.Region}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if f.ActiveOnly {
		where = append(where, "i.active = 1")
	}
	if f.StoryStatus != "" {
		where = append(where, "n.story = 1 AND n.story_status = ?")
		args = append(args, f.StoryStatus)
	}
	if f.PartnerType != "" {
		where = append(where, "EXISTS (SELECT 1 FROM initiative_partners p WHERE p.initiative_id = n.id AND p.type = ?)")
		args = append(args, f.PartnerType)
	}
	// #nosec G202 -- only fixed column names are concatenated; values are bound
	rows, err := s.r.QueryContext(ctx, "SELECT "+initiativeColumns+
		" FROM initiatives n JOIN institutions i ON i.id = n.institution_id WHERE "+strings.Join(where, " AND ")+
		" ORDER BY n.updated_at DESC, n.id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("survey: list initiatives: %w", err)
	}
	var out []Initiative
	for rows.Next() {
		in, err := scanInitiative(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("survey: list initiatives: %w", err)
		}
		out = append(out, in)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadLinks(ctx, s.r, out)
}

// PublicStories lists the approved success stories of active institutions,
// newest first; limit 0 for all.
func (s *Store) PublicStories(ctx context.Context, limit int) ([]Initiative, error) {
	list, err := s.ListInitiatives(ctx, InitiativeFilter{StoryStatus: StoryApproved, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	return list, nil
}

// CreateInitiative validates in and adds it to an institution. A
// respondent may add only to their own institution. A story starts
// pending the coordinator's approval.
func (s *Store) CreateInitiative(ctx context.Context, a Actor, in InitiativeInput) (Initiative, error) {
	n, err := checkInitiative(in)
	if err != nil {
		return Initiative{}, err
	}
	if !a.CanEditInstitution(n.InstitutionCode) {
		return Initiative{}, ErrForbidden
	}
	var out Initiative
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		inst, err := getInstitution(ctx, tx, n.InstitutionCode)
		if errors.Is(err, ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"institution": "err.institution_unknown"}}
		}
		if err != nil {
			return err
		}
		n.StoryStatus = StoryNone
		if n.Story {
			n.StoryStatus = StoryPending
		}
		now := formatTime(s.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO initiatives (institution_id, title_ar, title_en, summary_ar, summary_en, status,
			start_month, end_month, budget_band, outcome_ar, outcome_en, story, story_status, story_ar, story_en, figure_label_ar,
			figure_label_en, figure_before, figure_after, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			inst.ID, n.TitleAr, n.TitleEn, n.SummaryAr, n.SummaryEn, n.Status, n.StartMonth, n.EndMonth, n.BudgetBand,
			n.OutcomeAr, n.OutcomeEn, n.Story, n.StoryStatus, n.StoryAr, n.StoryEn, n.FigureLabelAr, n.FigureLabelEn,
			n.FigureBefore, n.FigureAfter, now, now)
		if err != nil {
			return fmt.Errorf("survey: create initiative: %w", err)
		}
		id, _ := res.LastInsertId()
		if err := writeLinks(ctx, tx, id, inst.ID, n); err != nil {
			return err
		}
		if out, err = getInitiative(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "create", "initiative", initiativeKey(out), nil, out)
	})
	return out, err
}

func initiativeKey(in Initiative) string {
	return in.InstitutionCode + "/" + strconv.FormatInt(in.ID, 10)
}

// writeLinks replaces an initiative's partners and services; every service
// must belong to the initiative's institution.
func writeLinks(ctx context.Context, tx *sql.Tx, id, instID int64, n Initiative) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM initiative_partners WHERE initiative_id = ?", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM initiative_services WHERE initiative_id = ?", id); err != nil {
		return err
	}
	for i, p := range n.Partners {
		if _, err := tx.ExecContext(ctx, "INSERT INTO initiative_partners (initiative_id, position, type, name, name_en) VALUES (?, ?, ?, ?, ?)",
			id, i, p.Type, p.Name, p.NameEn); err != nil {
			return fmt.Errorf("survey: initiative partner: %w", err)
		}
	}
	for _, sid := range n.ServiceIDs {
		res, err := tx.ExecContext(ctx, `INSERT INTO initiative_services (initiative_id, service_id)
			SELECT ?, id FROM services WHERE id = ? AND institution_id = ?`, id, sid, instID)
		if err != nil {
			return fmt.Errorf("survey: initiative service: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &ValidationError{Fields: map[string]string{"services": "err.service_not_own"}}
		}
	}
	return nil
}

// UpdateInitiative changes an initiative. in.Version must be the version
// the editor started from, else ErrConflict. When a respondent changes a
// story's text or figures, it waits for approval again.
func (s *Store) UpdateInitiative(ctx context.Context, a Actor, id int64, in InitiativeInput) (Initiative, error) {
	var out Initiative
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return ErrForbidden
		}
		if before.Archived {
			return ErrNotFound // archived: off every list, not to be edited
		}
		in.InstitutionCode = before.InstitutionCode
		n, err := checkInitiative(in)
		if err != nil {
			return err
		}
		if in.Version != before.Version {
			return ErrConflict
		}
		n.StoryStatus = before.StoryStatus
		switch {
		case !n.Story:
			n.StoryStatus = StoryNone
		case before.StoryStatus == StoryNone || (a.Role != RoleAdmin && storyChanged(before, n)):
			n.StoryStatus = StoryPending
		}
		_, err = tx.ExecContext(ctx, `UPDATE initiatives SET title_ar = ?, title_en = ?, summary_ar = ?, summary_en = ?, status = ?,
			start_month = ?, end_month = ?, budget_band = ?, outcome_ar = ?, outcome_en = ?, story = ?, story_status = ?,
			story_ar = ?, story_en = ?, figure_label_ar = ?, figure_label_en = ?, figure_before = ?, figure_after = ?,
			version = version + 1, updated_at = ? WHERE id = ?`,
			n.TitleAr, n.TitleEn, n.SummaryAr, n.SummaryEn, n.Status, n.StartMonth, n.EndMonth, n.BudgetBand, n.OutcomeAr,
			n.OutcomeEn, n.Story, n.StoryStatus, n.StoryAr, n.StoryEn, n.FigureLabelAr, n.FigureLabelEn, n.FigureBefore,
			n.FigureAfter, formatTime(s.now()), id)
		if err != nil {
			return fmt.Errorf("survey: update initiative %d: %w", id, err)
		}
		inst, err := getInstitution(ctx, tx, before.InstitutionCode)
		if err != nil {
			return err
		}
		if err := writeLinks(ctx, tx, id, inst.ID, n); err != nil {
			return err
		}
		if out, err = getInitiative(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "update", "initiative", initiativeKey(out), before, out)
	})
	return out, err
}

// storyChanged says whether what the public reads on a story's page
// changed: its text, figures, outcome, period or partners.
func storyChanged(before, after Initiative) bool {
	eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return before.StoryAr != after.StoryAr || before.StoryEn != after.StoryEn || before.TitleAr != after.TitleAr ||
		before.TitleEn != after.TitleEn || before.FigureLabelAr != after.FigureLabelAr ||
		before.FigureLabelEn != after.FigureLabelEn || !eq(before.FigureBefore, after.FigureBefore) ||
		!eq(before.FigureAfter, after.FigureAfter) || before.OutcomeAr != after.OutcomeAr ||
		before.OutcomeEn != after.OutcomeEn || before.StartMonth != after.StartMonth || before.EndMonth != after.EndMonth ||
		!slices.Equal(before.Partners, after.Partners)
}

// ArchiveInitiative takes an initiative off every list (it stays in the
// audit log, can be listed as archived and restored).
func (s *Store) ArchiveInitiative(ctx context.Context, a Actor, id int64) error {
	return s.setInitiativeArchived(ctx, a, id, true)
}

// RestoreInitiative puts an archived initiative back on the lists, as it
// was: an approved story is public again, since archiving changed nothing
// in it.
func (s *Store) RestoreInitiative(ctx context.Context, a Actor, id int64) error {
	return s.setInitiativeArchived(ctx, a, id, false)
}

func (s *Store) setInitiativeArchived(ctx context.Context, a Actor, id int64, archived bool) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return ErrForbidden
		}
		if before.Archived == archived {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE initiatives SET archived = ?, version = version + 1, updated_at = ? WHERE id = ?",
			archived, formatTime(s.now()), id); err != nil {
			return fmt.Errorf("survey: archive initiative %d: %w", id, err)
		}
		after, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		action := "archive"
		if !archived {
			action = "restore"
		}
		return s.audit(ctx, tx, a.ID, action, "initiative", initiativeKey(after), before, after)
	})
}

// ReviewStory approves a pending success story (it becomes public) or
// rejects it with a note the institution reads. Admins only. version is
// the version the coordinator read: a story changed since is not approved
// unseen (ErrConflict).
func (s *Store) ReviewStory(ctx context.Context, a Actor, id, version int64, approve bool, note string) error {
	if a.Role != RoleAdmin {
		return ErrForbidden
	}
	note = normalizeNewlines(note)
	fe := fieldErrors{}
	if !approve && note == "" {
		fe.add("review_note", "err.comment_required")
	}
	checkLongText(fe, "review_note", note)
	if err := fe.err(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if !before.Story || before.Archived {
			return ErrNotFound
		}
		if before.Version != version {
			return ErrConflict
		}
		if before.StoryStatus != StoryPending {
			return ErrInvalidTransition
		}
		status := StoryRejected
		if approve {
			status = StoryApproved
		}
		now := formatTime(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE initiatives SET story_status = ?, review_note = ?, reviewed_at = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, status, note, now, now, id); err != nil {
			return fmt.Errorf("survey: review story %d: %w", id, err)
		}
		after, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "story_"+status, "initiative", initiativeKey(after), before, after)
	})
}
