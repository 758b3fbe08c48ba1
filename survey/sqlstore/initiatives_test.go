package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"marsad/survey"
)

// initiativeStore has two institutions, MOH (health, national) and MOI
// (interior, gaza), with one service each.
func initiativeStore(t *testing.T) (s *Store, mohSvc, moiSvc survey.Service) {
	t.Helper()
	s = newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	moi := validInstitution("MOI")
	moi.NameAr, moi.NameEn, moi.Sector, moi.Region = "وزارة الداخلية", "Ministry of Interior", "interior", "gaza"
	mustCreateInstitution(t, s, moi)
	add := func(inst, code string) survey.Service {
		t.Helper()
		sv, err := s.CreateService(ctx, survey.Actor{Role: survey.RoleAdmin}, survey.ServiceInput{InstitutionCode: inst, Code: code, NameAr: "خدمة " + code,
			Category: "other", Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: "1"})
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
	return s, add("MOH", "A"), add("MOI", "B")
}

var (
	mohActor    = survey.Actor{ID: 0, Role: survey.RoleRespondent, Institution: "MOH"}
	moiActor    = survey.Actor{ID: 0, Role: survey.RoleRespondent, Institution: "MOI"}
	viewerActor = survey.Actor{Role: survey.RoleViewer}
	adminActor  = survey.Actor{Role: survey.RoleAdmin}
)

// validInitiative returns a valid input that tests change one field of.
func validInitiative(code string) survey.InitiativeInput {
	return survey.InitiativeInput{
		InstitutionCode: code,
		TitleAr:         "بوابة المواعيد الإلكترونية",
		TitleEn:         "Online appointments portal",
		SummaryAr:       "حجز المواعيد عبر الإنترنت",
		Status:          "in_progress",
		StartMonth:      "2025-01",
		EndMonth:        "2026-06",
		BudgetBand:      "100k_500k",
		Partners:        []survey.Partner{{Type: "donor", Name: "GIZ"}, {Type: "university", Name: "جامعة بيرزيت"}},
	}
}

// storyInput is a valid success story of a done initiative.
func storyInput(code string) survey.InitiativeInput {
	in := validInitiative(code)
	in.Status = "done"
	in.Story = true
	in.StoryAr = "صار الحجز يستغرق دقيقتين بدل يوم كامل"
	in.FigureLabelAr = "مدة الحجز بالدقائق"
	in.FigureBefore = "٤٨٠"
	in.FigureAfter = "2"
	return in
}

func mustCreateInitiative(t *testing.T, s *Store, a survey.Actor, in survey.InitiativeInput) survey.Initiative {
	t.Helper()
	n, err := s.CreateInitiative(context.Background(), a, in)
	if err != nil {
		t.Fatalf("CreateInitiative(%s): %v", in.TitleAr, err)
	}
	return n
}

// inputOf turns a stored initiative back into the input an editor sends.
func inputOf(n survey.Initiative) survey.InitiativeInput {
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return fmt.Sprint(*f)
	}
	return survey.InitiativeInput{
		InstitutionCode: n.InstitutionCode, TitleAr: n.TitleAr, TitleEn: n.TitleEn, SummaryAr: n.SummaryAr,
		SummaryEn: n.SummaryEn, Status: n.Status, StartMonth: n.StartMonth, EndMonth: n.EndMonth,
		BudgetBand: n.BudgetBand, OutcomeAr: n.OutcomeAr, OutcomeEn: n.OutcomeEn, Partners: n.Partners,
		ServiceIDs: n.ServiceIDs, Story: n.Story, StoryAr: n.StoryAr, StoryEn: n.StoryEn,
		FigureLabelAr: n.FigureLabelAr, FigureLabelEn: n.FigureLabelEn, FigureBefore: num(n.FigureBefore),
		FigureAfter: num(n.FigureAfter), Version: n.Version,
	}
}

// auditEvents lists the audit events of an entity, oldest first.
func auditEvents(t *testing.T, s *Store, entity string) []survey.AuditEvent {
	t.Helper()
	log, err := s.AuditLog(context.Background(), entity, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(log)-1; i < j; i, j = i+1, j-1 {
		log[i], log[j] = log[j], log[i]
	}
	return log
}

// tableCounts counts the rows of the given tables.
func tableCounts(t *testing.T, s *Store, tables ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range tables {
		out[tb] = countRows(t, s, tb)
	}
	return out
}

var initiativeTables = []string{"initiatives", "initiative_partners", "initiative_services", "audit_events"}

func initiativeIDs(list []survey.Initiative) []int64 {
	out := []int64{}
	for _, n := range list {
		out = append(out, n.ID)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestInitiativeCreateAndPermissions(t *testing.T) {
	s, mohSvc, _ := initiativeStore(t)
	ctx := context.Background()

	in := validInitiative("moh") // the code's case does not matter
	in.ServiceIDs = []int64{mohSvc.ID, mohSvc.ID}
	in.Partners = append(in.Partners, survey.Partner{}) // an unused row of the form
	n, err := s.CreateInitiative(ctx, mohActor, in)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID == 0 || n.InstitutionCode != "MOH" || n.Version != 1 || n.StoryStatus != survey.StoryNone || n.Archived ||
		n.Status != "in_progress" || n.BudgetBand != "100k_500k" || n.Sector != "health" {
		t.Errorf("created %+v", n)
	}
	if want := []survey.Partner{{Type: "donor", Name: "GIZ"}, {Type: "university", Name: "جامعة بيرزيت"}}; !reflect.DeepEqual(n.Partners, want) {
		t.Errorf("partners = %v, want %v", n.Partners, want)
	}
	if !reflect.DeepEqual(n.ServiceIDs, []int64{mohSvc.ID}) {
		t.Errorf("services = %v, want [%d]", n.ServiceIDs, mohSvc.ID)
	}
	if got, err := s.Initiative(ctx, n.ID); err != nil || !reflect.DeepEqual(got, n) {
		t.Errorf("Initiative(%d) = %+v, %v; want %+v", n.ID, got, err, n)
	}
	if _, err := s.Initiative(ctx, 9999); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown initiative: %v", err)
	}

	// Another institution's respondent and viewers may not touch it.
	before := tableCounts(t, s, initiativeTables...)
	for name, a := range map[string]survey.Actor{"other institution": moiActor, "viewer": viewerActor,
		"respondent without institution": {Role: survey.RoleRespondent}} {
		if _, err := s.CreateInitiative(ctx, a, validInitiative("MOH")); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s create: %v, want ErrForbidden", name, err)
		}
		upd := inputOf(n)
		upd.TitleAr = "عنوان آخر"
		if _, err := s.UpdateInitiative(ctx, a, n.ID, upd); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s update: %v, want ErrForbidden", name, err)
		}
		if err := s.ArchiveInitiative(ctx, a, n.ID); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s archive: %v, want ErrForbidden", name, err)
		}
	}
	if after := tableCounts(t, s, initiativeTables...); !reflect.DeepEqual(before, after) {
		t.Errorf("refused changes stored something: %v → %v", before, after)
	}
	if got, _ := s.Initiative(ctx, n.ID); !reflect.DeepEqual(got, n) {
		t.Errorf("refused changes changed the initiative: %+v", got)
	}

	// An admin may do all three, for any institution.
	m, err := s.CreateInitiative(ctx, adminActor, validInitiative("MOI"))
	if err != nil || m.InstitutionCode != "MOI" {
		t.Fatalf("admin create: %+v, %v", m, err)
	}
	upd := inputOf(n)
	upd.TitleAr = "بوابة المواعيد الموحدة"
	n2, err := s.UpdateInitiative(ctx, adminActor, n.ID, upd)
	if err != nil || n2.TitleAr != upd.TitleAr || n2.Version != 2 {
		t.Fatalf("admin update: %+v, %v", n2, err)
	}
	if err := s.ArchiveInitiative(ctx, adminActor, m.ID); err != nil {
		t.Fatalf("admin archive: %v", err)
	}
	if _, err := s.CreateInitiative(ctx, adminActor, validInitiative("NOPE")); err == nil {
		t.Error("an initiative of an unknown institution was created")
	} else {
		wantFieldErrors(t, err, map[string]string{"institution": "err.institution_unknown"})
	}

	// Each change is one audit event, with before and after.
	log := auditEvents(t, s, "initiative")
	var got []string
	for _, e := range log {
		got = append(got, e.Action+" "+e.EntityKey)
	}
	want := []string{
		fmt.Sprintf("create MOH/%d", n.ID), fmt.Sprintf("create MOI/%d", m.ID),
		fmt.Sprintf("update MOH/%d", n.ID), fmt.Sprintf("archive MOI/%d", m.ID),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
	if log[0].Before != "" || log[0].After == "" || log[2].Before == "" || !strings.Contains(log[2].After, "الموحدة") {
		t.Errorf("audit before/after: %+v", log)
	}
	// Archiving twice is a no-op, not a second event.
	if err := s.ArchiveInitiative(ctx, adminActor, m.ID); err != nil {
		t.Fatal(err)
	}
	if l := auditEvents(t, s, "initiative"); len(l) != len(want) {
		t.Errorf("archiving again wrote %d events", len(l)-len(want))
	}
}

func TestInitiativeValidationStoresNothing(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	// One initiative exists, so an update that fails can be checked too.
	existing := mustCreateInitiative(t, s, mohActor, validInitiative("MOH"))

	nine := make([]survey.Partner, survey.MaxPartners+1)
	for i := range nine {
		nine[i] = survey.Partner{Type: "private", Name: fmt.Sprintf("شركة %d", i)}
	}
	cases := []struct {
		name   string
		change func(*survey.InitiativeInput)
		want   map[string]string
	}{
		{"missing Arabic title", func(in *survey.InitiativeInput) { in.TitleAr = "  " }, map[string]string{"title_ar": "err.required"}},
		{"title without an Arabic letter", func(in *survey.InitiativeInput) { in.TitleAr = "Portal 2025" }, map[string]string{"title_ar": "err.need_arabic"}},
		{"bad month", func(in *survey.InitiativeInput) { in.StartMonth = "2025-13" }, map[string]string{"start_month": "err.month"}},
		{"bad end month", func(in *survey.InitiativeInput) { in.EndMonth = "June 2026" }, map[string]string{"end_month": "err.month"}},
		{"end before start", func(in *survey.InitiativeInput) { in.StartMonth, in.EndMonth = "2025-06", "٢٠٢٥-٠١" },
			map[string]string{"end_month": "err.end_before_start"}},
		{"unknown status", func(in *survey.InitiativeInput) { in.Status = "cancelled" }, map[string]string{"status": "err.choose_one"}},
		{"missing status", func(in *survey.InitiativeInput) { in.Status = "" }, map[string]string{"status": "err.choose_one"}},
		{"unknown budget band", func(in *survey.InitiativeInput) { in.BudgetBand = "gt_10m" }, map[string]string{"budget_band": "err.choose_one"}},
		{"partner without a name", func(in *survey.InitiativeInput) { in.Partners = []survey.Partner{{Type: "donor"}} },
			map[string]string{"partners": "err.partner_name"}},
		{"unknown partner type", func(in *survey.InitiativeInput) {
			in.Partners = []survey.Partner{{Type: "bank", Name: "بنك فلسطين"}}
		},
			map[string]string{"partners": "err.partner_type"}},
		{"partner name with a control character", func(in *survey.InitiativeInput) {
			in.Partners = []survey.Partner{{Type: "ngo", Name: "جمعية\x07"}}
		},
			map[string]string{"partners": "err.partner_name"}},
		{"too many partners", func(in *survey.InitiativeInput) { in.Partners = nine }, map[string]string{"partners": "err.too_many"}},
		{"control character in title", func(in *survey.InitiativeInput) { in.TitleAr = "بوابة\x00" }, map[string]string{"title_ar": "err.bad_characters"}},
		{"new line in title", func(in *survey.InitiativeInput) { in.TitleAr = "بوابة\nالمواعيد" }, map[string]string{"title_ar": "err.bad_characters"}},
		{"control character in summary", func(in *survey.InitiativeInput) { in.SummaryAr = "ملخص\x1b[31m" }, map[string]string{"summary_ar": "err.bad_characters"}},
		{"10,000-character title", func(in *survey.InitiativeInput) { in.TitleAr = strings.Repeat("ب", 10000) }, map[string]string{"title_ar": "err.too_long"}},
		{"title of 201 characters", func(in *survey.InitiativeInput) { in.TitleAr = strings.Repeat("ب", 201) }, map[string]string{"title_ar": "err.too_long"}},
		{"summary too long", func(in *survey.InitiativeInput) { in.SummaryAr = strings.Repeat("ب", 4001) }, map[string]string{"summary_ar": "err.too_long"}},
		{"negative figure", func(in *survey.InitiativeInput) { in.FigureBefore = "-3" }, map[string]string{"figure_before": "err.number_nonnegative"}},
		{"story of a planned initiative", func(in *survey.InitiativeInput) { *in = storyInput(in.InstitutionCode); in.Status = "planned" },
			map[string]string{"status": "err.story_planned"}},
		{"story without its text", func(in *survey.InitiativeInput) { *in = storyInput(in.InstitutionCode); in.StoryAr = "" },
			map[string]string{"story_ar": "err.required"}},
		{"story figures without a label", func(in *survey.InitiativeInput) { *in = storyInput(in.InstitutionCode); in.FigureLabelAr = "" },
			map[string]string{"figure_label_ar": "err.figure_label"}},
		{"several problems at once", func(in *survey.InitiativeInput) { in.TitleAr, in.Status, in.BudgetBand = "", "x", "y" },
			map[string]string{"title_ar": "err.required", "status": "err.choose_one", "budget_band": "err.choose_one"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := tableCounts(t, s, initiativeTables...)
			in := validInitiative("MOH")
			tc.change(&in)
			_, err := s.CreateInitiative(ctx, mohActor, in)
			wantFieldErrors(t, err, tc.want)

			// The same change refused on update leaves the stored row alone.
			upd := in
			upd.Version = existing.Version
			_, err = s.UpdateInitiative(ctx, mohActor, existing.ID, upd)
			wantFieldErrors(t, err, tc.want)
			if after := tableCounts(t, s, initiativeTables...); !reflect.DeepEqual(before, after) {
				t.Errorf("rows %v → %v", before, after)
			}
			if got, _ := s.Initiative(ctx, existing.ID); !reflect.DeepEqual(got, existing) {
				t.Errorf("stored initiative changed: %+v", got)
			}
		})
	}

	// The boundaries themselves are fine.
	in := validInitiative("MOH")
	in.TitleAr = strings.Repeat("ب", 200)
	in.Partners = nine[:survey.MaxPartners]
	in.StartMonth, in.EndMonth = "٢٠٢٥-٠٣", "2025-03"
	in.BudgetBand = ""
	n, err := s.CreateInitiative(ctx, mohActor, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Partners) != survey.MaxPartners || n.StartMonth != "2025-03" || n.BudgetBand != "unknown" {
		t.Errorf("stored %+v", n)
	}
}

func TestInitiativeForeignServiceRollsBack(t *testing.T) {
	s, mohSvc, moiSvc := initiativeStore(t)
	ctx := context.Background()
	existing := mustCreateInitiative(t, s, mohActor, validInitiative("MOH"))
	before := tableCounts(t, s, initiativeTables...)

	// A service of another institution (listed after one of its own, so the
	// initiative row and the first link were already written).
	in := validInitiative("MOH")
	in.ServiceIDs = []int64{mohSvc.ID, moiSvc.ID}
	_, err := s.CreateInitiative(ctx, mohActor, in)
	wantFieldErrors(t, err, map[string]string{"services": "err.service_not_own"})
	// An unknown service, even for an admin.
	in.ServiceIDs = []int64{424242}
	_, err = s.CreateInitiative(ctx, adminActor, in)
	wantFieldErrors(t, err, map[string]string{"services": "err.service_not_own"})

	// On update: the row was already changed inside the transaction.
	upd := inputOf(existing)
	upd.TitleAr = "عنوان لن يحفظ"
	upd.Partners = []survey.Partner{{Type: "ngo", Name: "جمعية"}}
	upd.ServiceIDs = []int64{mohSvc.ID, moiSvc.ID}
	_, err = s.UpdateInitiative(ctx, mohActor, existing.ID, upd)
	wantFieldErrors(t, err, map[string]string{"services": "err.service_not_own"})

	if after := tableCounts(t, s, initiativeTables...); !reflect.DeepEqual(before, after) {
		t.Errorf("rows %v → %v", before, after)
	}
	if got, _ := s.Initiative(ctx, existing.ID); !reflect.DeepEqual(got, existing) {
		t.Errorf("a refused update changed the initiative: %+v", got)
	}
	// Its own service links.
	upd.ServiceIDs = []int64{mohSvc.ID}
	got, err := s.UpdateInitiative(ctx, mohActor, existing.ID, upd)
	if err != nil || !reflect.DeepEqual(got.ServiceIDs, []int64{mohSvc.ID}) || len(got.Partners) != 1 {
		t.Fatalf("update: %+v, %v", got, err)
	}
}

func TestInitiativeUpdateConflict(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	n := mustCreateInitiative(t, s, mohActor, validInitiative("MOH"))

	first := inputOf(n)
	first.Status = "done"
	first.OutcomeAr = "أنجزت"
	saved, err := s.UpdateInitiative(ctx, mohActor, n.ID, first)
	if err != nil || saved.Version != 2 || saved.Status != "done" {
		t.Fatalf("first update: %+v, %v", saved, err)
	}
	events := len(auditEvents(t, s, "initiative"))

	stale := inputOf(n) // still version 1
	stale.TitleAr = "تعديل متأخر"
	stale.Partners = nil
	if _, err := s.UpdateInitiative(ctx, mohActor, n.ID, stale); !errors.Is(err, survey.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	stale.Version = 0 // no version skips nothing on update
	if _, err := s.UpdateInitiative(ctx, adminActor, n.ID, stale); !errors.Is(err, survey.ErrConflict) {
		t.Fatalf("update without a version: %v, want ErrConflict", err)
	}
	if got, _ := s.Initiative(ctx, n.ID); !reflect.DeepEqual(got, saved) {
		t.Errorf("stale update changed the row:\n got %+v\nwant %+v", got, saved)
	}
	if l := len(auditEvents(t, s, "initiative")); l != events {
		t.Errorf("refused update audited (%d → %d events)", events, l)
	}
	// An archived initiative is off every list and cannot be edited.
	if err := s.ArchiveInitiative(ctx, mohActor, n.ID); err != nil {
		t.Fatal(err)
	}
	archived, _ := s.Initiative(ctx, n.ID)
	if _, err := s.UpdateInitiative(ctx, mohActor, n.ID, inputOf(archived)); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("update after archive: %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateInitiative(ctx, mohActor, 9999, inputOf(saved)); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("update of an unknown initiative: %v", err)
	}
}

func TestSuccessStoryReview(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	public := func() []int64 {
		t.Helper()
		list, err := s.PublicStories(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		return initiativeIDs(list)
	}
	update := func(a survey.Actor, id int64, change func(*survey.InitiativeInput)) survey.Initiative {
		t.Helper()
		cur, err := s.Initiative(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		in := inputOf(cur)
		change(&in)
		out, err := s.UpdateInitiative(ctx, a, id, in)
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		return out
	}
	status := func(id int64) string {
		t.Helper()
		n, err := s.Initiative(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n.StoryStatus
	}

	st := mustCreateInitiative(t, s, mohActor, storyInput("MOH"))
	if st.StoryStatus != survey.StoryPending || !st.Story || st.FigureBefore == nil || *st.FigureBefore != 480 || *st.FigureAfter != 2 {
		t.Fatalf("story created %+v", st)
	}
	plain := mustCreateInitiative(t, s, mohActor, validInitiative("MOH"))
	if len(public()) != 0 {
		t.Error("a pending story is public")
	}

	// Only the coordinator reviews.
	for _, a := range []survey.Actor{mohActor, moiActor, viewerActor} {
		if err := s.ReviewStory(ctx, a, st.ID, storyVersion(t, s, st.ID), true, ""); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s reviewing: %v, want ErrForbidden", a.Role, err)
		}
	}
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), false, "  "); err == nil {
		t.Error("rejected without a note")
	} else {
		wantFieldErrors(t, err, map[string]string{"review_note": "err.comment_required"})
	}
	if err := s.ReviewStory(ctx, adminActor, plain.ID, storyVersion(t, s, plain.ID), true, ""); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("reviewing an initiative that is not a story: %v", err)
	}
	if status(st.ID) != survey.StoryPending {
		t.Fatalf("refused reviews changed the story: %s", status(st.ID))
	}

	// Rejected with a note; the respondent's edit of the story sends it back.
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), false, "أضيفوا مصدر الأرقام"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Initiative(ctx, st.ID); n.StoryStatus != survey.StoryRejected || n.ReviewNote != "أضيفوا مصدر الأرقام" {
		t.Fatalf("after reject: %+v", n)
	}
	update(mohActor, st.ID, func(in *survey.InitiativeInput) { in.StoryAr += " (المصدر: سجلات الوزارة)" })
	if got := status(st.ID); got != survey.StoryPending {
		t.Fatalf("edited rejected story is %s, want pending", got)
	}

	// A story changed since the coordinator read it is not approved unseen.
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID)-1, true, ""); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("approving an older version: %v, want ErrConflict", err)
	}
	// Approved: public; approving again is refused.
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), true, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), true, ""); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("approving an approved story: %v, want ErrInvalidTransition", err)
	}
	if got := status(st.ID); got != survey.StoryApproved {
		t.Fatalf("approved story is %s", got)
	}
	if got := public(); !reflect.DeepEqual(got, []int64{st.ID}) {
		t.Fatalf("public stories = %v, want [%d]", got, st.ID)
	}
	if l, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{StoryStatus: survey.StoryApproved}); len(l) != 1 {
		t.Errorf("approved filter: %d", len(l))
	}

	// A respondent editing a field the public does not read keeps it approved.
	update(mohActor, st.ID, func(in *survey.InitiativeInput) { in.BudgetBand = "500k_2m"; in.SummaryAr = "ملخص جديد" })
	if got := status(st.ID); got != survey.StoryApproved {
		t.Errorf("after a budget edit the story is %s, want approved", got)
	}
	// Editing the story text, the title or the figures sends it back.
	for name, change := range map[string]func(*survey.InitiativeInput){
		"story text":  func(in *survey.InitiativeInput) { in.StoryAr = "نص معدل للقصة" },
		"story en":    func(in *survey.InitiativeInput) { in.StoryEn = "Booking takes two minutes" },
		"title":       func(in *survey.InitiativeInput) { in.TitleAr = "بوابة المواعيد الجديدة" },
		"figure":      func(in *survey.InitiativeInput) { in.FigureAfter = "3" },
		"figure gone": func(in *survey.InitiativeInput) { in.FigureBefore = "" },
		"outcome":     func(in *survey.InitiativeInput) { in.OutcomeAr = "نتيجة أخرى" },
		"partners": func(in *survey.InitiativeInput) {
			in.Partners = []survey.Partner{{Type: "private", Name: "شركة أخرى"}}
		},
		"period": func(in *survey.InitiativeInput) { in.EndMonth = "2027-12" },
	} {
		update(mohActor, st.ID, change)
		if got := status(st.ID); got != survey.StoryPending {
			t.Errorf("after a respondent edited the %s the story is %s, want pending", name, got)
		}
		if got := public(); len(got) != 0 {
			t.Errorf("after a respondent edited the %s the story is still public: %v", name, got)
		}
		if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), true, ""); err != nil {
			t.Fatal(err)
		}
	}
	// The coordinator's own edit stays approved.
	update(adminActor, st.ID, func(in *survey.InitiativeInput) { in.StoryAr = "نص صححه المنسق" })
	if got := status(st.ID); got != survey.StoryApproved {
		t.Errorf("after an admin edit the story is %s, want approved", got)
	}
	// No longer a story: none; a story again: pending.
	update(mohActor, st.ID, func(in *survey.InitiativeInput) { in.Story = false })
	if got := status(st.ID); got != survey.StoryNone || len(public()) != 0 {
		t.Errorf("story turned off: %s, public %v", got, public())
	}
	update(mohActor, st.ID, func(in *survey.InitiativeInput) { in.Story = true })
	if got := status(st.ID); got != survey.StoryPending {
		t.Errorf("story turned on again: %s", got)
	}
	// A plain initiative made a story by the admin waits for review too.
	update(adminActor, plain.ID, func(in *survey.InitiativeInput) { *in = storyInput("MOH"); in.Version = 1 })
	if got := status(plain.ID); got != survey.StoryPending {
		t.Errorf("initiative made a story: %s", got)
	}

	// Archived: gone from every list, listed only as archived.
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), true, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ArchiveInitiative(ctx, mohActor, st.ID); err != nil {
		t.Fatal(err)
	}
	if got := public(); len(got) != 0 {
		t.Errorf("archived story is public: %v", got)
	}
	all, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{})
	if got := initiativeIDs(all); !reflect.DeepEqual(got, []int64{plain.ID}) {
		t.Errorf("list = %v, want [%d]", got, plain.ID)
	}
	archived, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{Archived: true})
	if got := initiativeIDs(archived); !reflect.DeepEqual(got, []int64{st.ID}) {
		t.Errorf("archived list = %v, want [%d]", got, st.ID)
	}
	if err := s.ReviewStory(ctx, adminActor, st.ID, storyVersion(t, s, st.ID), true, ""); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("reviewing an archived story: %v", err)
	}

	var actions []string
	for _, e := range auditEvents(t, s, "initiative") {
		if strings.HasPrefix(e.Action, "story_") {
			actions = append(actions, e.Action)
		}
	}
	want := []string{"story_rejected", "story_approved", "story_approved", "story_approved", "story_approved",
		"story_approved", "story_approved", "story_approved", "story_approved", "story_approved", "story_approved"}
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("review audit = %v, want %v", actions, want)
	}
}

func TestPublicStoriesLimitAndInactiveInstitutions(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	var made []int64
	for _, code := range []string{"MOH", "MOH", "MOI"} {
		n := mustCreateInitiative(t, s, adminActor, storyInput(code))
		if err := s.ReviewStory(ctx, adminActor, n.ID, storyVersion(t, s, n.ID), true, ""); err != nil {
			t.Fatal(err)
		}
		made = append(made, n.ID)
	}
	if l, _ := s.PublicStories(ctx, 2); len(l) != 2 || l[0].ID != made[2] {
		t.Errorf("PublicStories(2) = %v, want the newest two", initiativeIDs(l))
	}
	if err := s.SetInstitutionActive(ctx, 0, "MOI", false); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.PublicStories(ctx, 0); !reflect.DeepEqual(initiativeIDs(l), made[:2]) {
		t.Errorf("PublicStories after MOI was deactivated = %v, want %v", initiativeIDs(l), made[:2])
	}
}

func TestListInitiativesFilters(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	mk := func(a survey.Actor, code, status string, partners ...survey.Partner) int64 {
		t.Helper()
		in := validInitiative(code)
		in.Status, in.Partners = status, partners
		return mustCreateInitiative(t, s, a, in).ID
	}
	mohDone := mk(mohActor, "MOH", "done", survey.Partner{Type: "donor", Name: "USAID"})
	mohPlanned := mk(mohActor, "MOH", "planned")
	moiProgress := mk(moiActor, "MOI", "in_progress", survey.Partner{Type: "university", Name: "جامعة النجاح"}, survey.Partner{Type: "private", Name: "شركة"})
	moiArchived := mk(moiActor, "MOI", "done", survey.Partner{Type: "donor", Name: "UNDP"})
	if err := s.ArchiveInitiative(ctx, moiActor, moiArchived); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    survey.InitiativeFilter
		want []int64
	}{
		{survey.InitiativeFilter{}, []int64{mohDone, mohPlanned, moiProgress}},
		{survey.InitiativeFilter{Institution: "MOH"}, []int64{mohDone, mohPlanned}},
		{survey.InitiativeFilter{Institution: "MOI"}, []int64{moiProgress}},
		{survey.InitiativeFilter{Status: "done"}, []int64{mohDone}},
		{survey.InitiativeFilter{Status: "planned"}, []int64{mohPlanned}},
		{survey.InitiativeFilter{Sector: "interior"}, []int64{moiProgress}},
		{survey.InitiativeFilter{Sector: "health", Status: "in_progress"}, []int64{}},
		{survey.InitiativeFilter{Region: "gaza"}, []int64{moiProgress}},
		{survey.InitiativeFilter{PartnerType: "donor"}, []int64{mohDone}},
		{survey.InitiativeFilter{PartnerType: "private"}, []int64{moiProgress}},
		{survey.InitiativeFilter{PartnerType: "ngo"}, []int64{}},
		{survey.InitiativeFilter{PartnerType: "donor", Archived: true}, []int64{moiArchived}},
		{survey.InitiativeFilter{Institution: "NOPE"}, []int64{}},
	} {
		list, err := s.ListInitiatives(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := initiativeIDs(list); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
		for _, n := range list {
			if n.InstitutionAr == "" || (n.ID == moiProgress && len(n.Partners) != 2) {
				t.Errorf("%+v: listed %+v without its institution or partners", tc.f, n)
			}
		}
	}
}

func TestObstacleList(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	list, err := s.Obstacles(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	var codes []string
	for i, o := range list {
		kinds[o.Kind]++
		codes = append(codes, o.Code)
		if !o.Active || o.Position != i+1 || !survey.HasArabicLetter(o.LabelAr) || o.LabelEn == "" {
			t.Errorf("seeded obstacle %+v", o)
		}
	}
	if len(list) != 10 || kinds[survey.ObstacleInternal] != 5 || kinds[survey.ObstacleExternal] != 5 {
		t.Fatalf("seeded %d obstacles %v, want 10 (5 internal, 5 external)", len(list), kinds)
	}
	if codes[0] != "skills" || codes[9] != "donors" {
		t.Errorf("order: %v", codes)
	}

	valid := survey.ObstacleInput{Code: "Staff_Turnover", Kind: "Internal", LabelAr: "تسرب الكوادر", LabelEn: "Staff turnover", Position: "١١", Active: true}
	for _, a := range []survey.Actor{mohActor, viewerActor} {
		if _, err := s.SaveObstacle(ctx, a, 0, valid); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s saving an obstacle: %v", a.Role, err)
		}
	}
	before := tableCounts(t, s, "obstacles", "audit_events")
	for _, tc := range []struct {
		name string
		id   int64
		in   survey.ObstacleInput
		want map[string]string
	}{
		{"duplicate code", 0, survey.ObstacleInput{Code: "SKILLS", Kind: "internal", LabelAr: "مهارات", Position: "1"}, map[string]string{"code": "err.obstacle_code_taken"}},
		{"renamed to a taken code", list[8].ID, survey.ObstacleInput{Code: "power", Kind: "external", LabelAr: "هجمات", Position: "9", Active: true, Version: list[8].Version},
			map[string]string{"code": "err.obstacle_code_taken"}},
		{"bad code", 0, survey.ObstacleInput{Code: "bad code", Kind: "internal", LabelAr: "عائق", Position: "1"}, map[string]string{"code": "err.obstacle_code_format"}},
		{"no code", 0, survey.ObstacleInput{Kind: "internal", LabelAr: "عائق"}, map[string]string{"code": "err.required"}},
		{"bad kind", 0, survey.ObstacleInput{Code: "x", Kind: "both", LabelAr: "عائق"}, map[string]string{"kind": "err.choose_one"}},
		{"label without Arabic", 0, survey.ObstacleInput{Code: "x", Kind: "internal", LabelAr: "Budget"}, map[string]string{"label_ar": "err.need_arabic"}},
		{"fractional position", 0, survey.ObstacleInput{Code: "x", Kind: "internal", LabelAr: "عائق", Position: "1.5"}, map[string]string{"position": "err.whole_number"}},
	} {
		_, err := s.SaveObstacle(ctx, adminActor, tc.id, tc.in)
		if err == nil {
			t.Errorf("%s: saved", tc.name)
			continue
		}
		wantFieldErrors(t, err, tc.want)
	}
	if after := tableCounts(t, s, "obstacles", "audit_events"); !reflect.DeepEqual(before, after) {
		t.Errorf("refused saves stored something: %v → %v", before, after)
	}
	if _, err := s.SaveObstacle(ctx, adminActor, 9999, valid); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("update of an unknown obstacle: %v", err)
	}

	o, err := s.SaveObstacle(ctx, adminActor, 0, valid)
	if err != nil || o.ID == 0 || o.Code != "staff_turnover" || o.Kind != survey.ObstacleInternal || o.Position != 11 {
		t.Fatalf("create: %+v, %v", o, err)
	}
	// Deactivating keeps it (for past rounds) off the list.
	donors := list[9]
	stale := survey.ObstacleInput{Code: donors.Code, Kind: donors.Kind, LabelAr: donors.LabelAr, LabelEn: donors.LabelEn, Position: "10", Version: donors.Version + 1}
	var lce *survey.ListConflictError
	if _, err := s.SaveObstacle(ctx, adminActor, donors.ID, stale); !errors.As(err, &lce) || !errors.Is(err, survey.ErrConflict) || lce.Current.Code != "donors" {
		t.Errorf("a save from another version: %v", err)
	}
	if _, err := s.SaveObstacle(ctx, adminActor, donors.ID, survey.ObstacleInput{Code: donors.Code, Kind: donors.Kind, LabelAr: donors.LabelAr,
		LabelEn: donors.LabelEn, Position: "10", Active: false, Version: donors.Version}); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Obstacles(ctx, false); len(l) != 10 || l[9].Code != "staff_turnover" {
		t.Errorf("active list: %d, last %+v", len(l), l[len(l)-1])
	}
	if l, _ := s.Obstacles(ctx, true); len(l) != 11 {
		t.Errorf("full list: %d", len(l))
	}
	var got []string
	for _, e := range auditEvents(t, s, "obstacle") {
		got = append(got, e.Action+" "+e.EntityKey)
	}
	if want := []string{"create staff_turnover", "update donors"}; !reflect.DeepEqual(got, want) {
		t.Errorf("audit = %v, want %v", got, want)
	}
}

// obstacleIDs maps the seeded obstacle codes to their ids.
func obstacleIDs(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	list, err := s.Obstacles(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, o := range list {
		out[o.Code] = o.ID
	}
	return out
}

func TestResponseObstacles(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	r := openRound(t, s)
	ob := obstacleIDs(t, s)

	// The first save makes the draft response.
	set := map[int64]int{ob["skills"]: 2, ob["power"]: 3}
	got, err := s.SaveResponseObstacles(ctx, mohActor, r.ID, "MOH", set, 0)
	if err != nil || got.Version != 1 || !reflect.DeepEqual(got.Severity, set) {
		t.Fatalf("first save: %+v, %v", got, err)
	}
	resp, err := s.Response(ctx, r.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	stored := func() survey.ObstacleAnswers {
		t.Helper()
		a, err := s.ResponseObstacles(ctx, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := stored(); a.Version != 1 || !reflect.DeepEqual(a.Severity, set) {
		t.Fatalf("stored %+v", a)
	}
	if _, err := s.ResponseObstacles(ctx, 9999); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown response: %v", err)
	}

	// Refusals store nothing.
	if _, err := s.SaveObstacle(ctx, adminActor, ob["donors"], survey.ObstacleInput{Code: "donors", Kind: "external",
		LabelAr: "الاعتماد على تمويل المانحين", Position: "10", Version: 1}); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, s, "response_obstacles", "responses", "audit_events")
	for _, tc := range []struct {
		name string
		set  map[int64]int
		want map[string]string
	}{
		{"severity 0", map[int64]int{ob["skills"]: 0}, map[string]string{fmt.Sprintf("obstacle_%d", ob["skills"]): "err.severity"}},
		{"severity 4", map[int64]int{ob["skills"]: 1, ob["legal"]: 4}, map[string]string{fmt.Sprintf("obstacle_%d", ob["legal"]): "err.severity"}},
		{"inactive obstacle", map[int64]int{ob["donors"]: 2}, map[string]string{fmt.Sprintf("obstacle_%d", ob["donors"]): "err.choose_from_list"}},
		{"unknown obstacle", map[int64]int{9999: 2}, map[string]string{"obstacle_9999": "err.choose_from_list"}},
	} {
		set := map[int64]int{ob["budget"]: 1}
		for k, v := range tc.set {
			set[k] = v
		}
		_, err := s.SaveResponseObstacles(ctx, mohActor, r.ID, "MOH", set, 1)
		if err == nil {
			t.Errorf("%s: saved", tc.name)
			continue
		}
		wantFieldErrors(t, err, tc.want)
		// On a first save too: not even the draft response is left behind.
		_, err = s.SaveResponseObstacles(ctx, moiActor, r.ID, "MOI", set, 0)
		wantFieldErrors(t, err, tc.want)
	}
	for _, a := range []survey.Actor{moiActor, viewerActor} {
		if _, err := s.SaveResponseObstacles(ctx, a, r.ID, "MOH", map[int64]int{ob["skills"]: 1}, 1); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s saving MOH's obstacles: %v", a.Role, err)
		}
	}
	// A stale version is refused with the current set.
	_, err = s.SaveResponseObstacles(ctx, mohActor, r.ID, "MOH", map[int64]int{ob["cyber"]: 1}, 0)
	var ce *survey.ObstacleConflictError
	if !errors.As(err, &ce) || !errors.Is(err, survey.ErrConflict) || ce.Current.Version != 1 || !reflect.DeepEqual(ce.Current.Severity, set) {
		t.Fatalf("stale save: %v (%+v)", err, ce)
	}
	if after := tableCounts(t, s, "response_obstacles", "responses", "audit_events"); !reflect.DeepEqual(before, after) {
		t.Errorf("refused saves stored something: %v → %v", before, after)
	}
	if a := stored(); a.Version != 1 || !reflect.DeepEqual(a.Severity, set) {
		t.Fatalf("stored after refusals %+v", a)
	}

	// A new set replaces the old one; an empty set clears it.
	set2 := map[int64]int{ob["skills"]: 1, ob["cyber"]: 3}
	if got, err := s.SaveResponseObstacles(ctx, mohActor, r.ID, "MOH", set2, 1); err != nil || got.Version != 2 {
		t.Fatalf("second save: %+v, %v", got, err)
	}
	if a := stored(); !reflect.DeepEqual(a.Severity, set2) {
		t.Errorf("stored %+v, want %v", a, set2)
	}
	if _, err := s.SaveResponseObstacles(ctx, adminActor, r.ID, "MOI", map[int64]int{ob["skills"]: 3, ob["imports"]: 2}, 0); err != nil {
		t.Fatalf("admin saving for MOI: %v", err)
	}
	obsEvents := 0
	for _, e := range auditEvents(t, s, "response") {
		if e.Action == "obstacles" {
			obsEvents++
		}
	}
	if obsEvents != 3 {
		t.Errorf("%d obstacle audit events, want 3", obsEvents)
	}

	// National citations: submitted responses only, unless drafts are asked for.
	if _, err := s.SaveAnswer(ctx, mohActor, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, mohActor, r.ID, "MOH", "submit"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveResponseObstacles(ctx, mohActor, r.ID, "MOH", map[int64]int{ob["budget"]: 1}, 2); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("save after submit: %v", err)
	}
	cite := func(drafts bool) []string {
		t.Helper()
		list, err := s.ObstacleCitations(ctx, r.ID, drafts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range list {
			out = append(out, fmt.Sprintf("%s %s %d %s", c.Obstacle.Code, c.InstitutionCode, c.Severity, c.Sector))
		}
		return out
	}
	if got, want := cite(false), []string{"skills MOH 1 health", "cyber MOH 3 health"}; !reflect.DeepEqual(got, want) {
		t.Errorf("citations = %v, want %v", got, want)
	}
	if got, want := cite(true), []string{"skills MOH 1 health", "skills MOI 3 interior", "imports MOI 2 interior", "cyber MOH 3 health"}; !reflect.DeepEqual(got, want) {
		t.Errorf("citations with drafts = %v, want %v", got, want)
	}
	// Accepted responses still count.
	if _, err := s.ResponseAction(ctx, adminActor, r.ID, "MOH", "accept"); err != nil {
		t.Fatal(err)
	}
	if got := cite(false); len(got) != 2 {
		t.Errorf("citations after accept = %v", got)
	}
	// A returned response can be edited again.
	if _, err := s.ResponseAction(ctx, adminActor, r.ID, "MOH", "reopen"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, adminActor, r.ID, "MOH", "return"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveResponseObstacles(ctx, mohActor, r.ID, "MOH", map[int64]int{ob["budget"]: 1}, 2); err != nil {
		t.Errorf("save after return: %v", err)
	}

	// A closed round is read-only.
	if _, err := s.RoundAction(ctx, 0, r.ID, "close"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveResponseObstacles(ctx, moiActor, r.ID, "MOI", map[int64]int{ob["skills"]: 1}, 1); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("save in a closed round: %v", err)
	}
	if _, err := s.SaveResponseObstacles(ctx, moiActor, 9999, "MOI", map[int64]int{ob["skills"]: 1}, 1); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("save in an unknown round: %v", err)
	}
}

func TestPlanActionsCRUD(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	r := openRound(t, s)
	owner := "مدير وحدة تكنولوجيا المعلومات"
	q, _ := s.StoreQuestionnaire(ctx, 0, validDefinition())
	draft, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2027", QuestionnaireID: q.ID})
	if err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, s, "plan_actions", "audit_events")
	for _, tc := range []struct {
		name string
		in   survey.PlanInput
		want map[string]string
	}{
		{"item not in the questionnaire", survey.PlanInput{ItemID: "NOPE-1", Owner: owner, TargetRound: "2027"}, map[string]string{"item": "err.choose_from_list"}},
		{"free text without text", survey.PlanInput{TextEn: "Train staff", Owner: owner, TargetRound: "2027"}, map[string]string{"text_ar": "err.required"}},
		{"nothing", survey.PlanInput{}, map[string]string{"text_ar": "err.required", "owner": "err.required", "target_round": "err.required"}},
		{"unknown progress", survey.PlanInput{TextAr: "تدريب", Owner: owner, TargetRound: "2027", Progress: "abandoned"}, map[string]string{"progress": "err.choose_one"}},
		{"control character", survey.PlanInput{TextAr: "تدريب\x00", Owner: owner, TargetRound: "2027"}, map[string]string{"text_ar": "err.bad_characters"}},
		{"text too long", survey.PlanInput{TextAr: strings.Repeat("ت", 1001), Owner: owner, TargetRound: "2027"}, map[string]string{"text_ar": "err.too_long"}},
	} {
		_, err := s.CreatePlanAction(ctx, mohActor, r.ID, "MOH", tc.in)
		if err == nil {
			t.Errorf("%s: created", tc.name)
			continue
		}
		wantFieldErrors(t, err, tc.want)
	}
	valid := survey.PlanInput{ItemID: "STR-1", TextAr: "اعتماد الخطة الاستراتيجية", Owner: owner, TargetRound: "٢٠٢٧"}
	for _, a := range []survey.Actor{moiActor, viewerActor} {
		if _, err := s.CreatePlanAction(ctx, a, r.ID, "MOH", valid); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s creating MOH's plan: %v", a.Role, err)
		}
	}
	if _, err := s.CreatePlanAction(ctx, mohActor, 9999, "MOH", valid); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown round: %v", err)
	}
	if _, err := s.CreatePlanAction(ctx, mohActor, draft.ID, "MOH", valid); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("plan on a draft round: %v", err)
	}
	if after := tableCounts(t, s, "plan_actions", "audit_events"); !reflect.DeepEqual(before, after) {
		t.Errorf("refused creates stored something: %v → %v", before, after)
	}

	p, err := s.CreatePlanAction(ctx, mohActor, r.ID, "MOH", valid)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.InstitutionCode != "MOH" || p.RoundName != "2026" || p.ItemID != "STR-1" || p.TargetRound != "2027" ||
		p.Progress != "planned" || p.Version != 1 || p.ScoreAtPlan != nil {
		t.Errorf("created %+v", p)
	}
	before = tableCounts(t, s, "plan_actions", "audit_events")
	_, err = s.CreatePlanAction(ctx, mohActor, r.ID, "MOH", survey.PlanInput{ItemID: "STR-1", Owner: "غيره", TargetRound: "2028"})
	wantFieldErrors(t, err, map[string]string{"item": "err.plan_item_taken"})
	if after := tableCounts(t, s, "plan_actions", "audit_events"); !reflect.DeepEqual(before, after) {
		t.Errorf("duplicate item stored something: %v → %v", before, after)
	}
	// Another institution may plan the same item; free text needs no item.
	if _, err := s.CreatePlanAction(ctx, moiActor, r.ID, "MOI", survey.PlanInput{ItemID: "STR-1", Owner: owner, TargetRound: "2027"}); err != nil {
		t.Errorf("MOI planning the same item: %v", err)
	}
	free, err := s.CreatePlanAction(ctx, adminActor, r.ID, "MOH", survey.PlanInput{TextAr: "تدريب الموظفين", Owner: owner, TargetRound: "2027"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePlanAction(ctx, adminActor, r.ID, "MOH", survey.PlanInput{TextAr: "نشر البيانات المفتوحة", Owner: owner, TargetRound: "2027"}); err != nil {
		t.Errorf("a second free-text action: %v", err)
	}

	// Updates: versions, ownership; the item never changes.
	upd := survey.PlanInput{ItemID: "STR-2", TextAr: valid.TextAr, Owner: owner, TargetRound: "2027", Progress: "in_progress",
		ProgressNote: "المسودة عند مجلس الوزراء", Version: 1}
	for _, a := range []survey.Actor{moiActor, viewerActor} {
		if _, err := s.UpdatePlanAction(ctx, a, p.ID, upd); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s updating MOH's action: %v", a.Role, err)
		}
	}
	p2, err := s.UpdatePlanAction(ctx, mohActor, p.ID, upd)
	if err != nil || p2.Version != 2 || p2.Progress != "in_progress" || p2.ItemID != "STR-1" || p2.ProgressNote != upd.ProgressNote {
		t.Fatalf("update: %+v, %v", p2, err)
	}
	stale := upd
	stale.Progress, stale.Owner = "done", "شخص آخر"
	if _, err := s.UpdatePlanAction(ctx, mohActor, p.ID, stale); !errors.Is(err, survey.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	if got, _ := s.PlanAction(ctx, p.ID); !reflect.DeepEqual(got, p2) {
		t.Errorf("stale update changed the row: %+v", got)
	}
	bad := upd
	bad.Version, bad.Owner = 2, ""
	_, err = s.UpdatePlanAction(ctx, mohActor, p.ID, bad)
	wantFieldErrors(t, err, map[string]string{"owner": "err.required"})
	if _, err := s.UpdatePlanAction(ctx, mohActor, 9999, upd); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("update of an unknown action: %v", err)
	}

	// Deleting: only the owner institution or the admin; audited.
	if err := s.DeletePlanAction(ctx, moiActor, free.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI deleting MOH's action: %v", err)
	}
	if err := s.DeletePlanAction(ctx, mohActor, free.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlanAction(ctx, free.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("deleted action: %v", err)
	}
	if err := s.DeletePlanAction(ctx, mohActor, free.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	log := auditEvents(t, s, "plan_action")
	var got []string
	for _, e := range log {
		got = append(got, e.Action+" "+e.EntityKey)
	}
	want := []string{
		fmt.Sprintf("create 2026/MOH/%d", p.ID), fmt.Sprintf("create 2026/MOI/%d", p.ID+1),
		fmt.Sprintf("create 2026/MOH/%d", free.ID), fmt.Sprintf("create 2026/MOH/%d", free.ID+1),
		fmt.Sprintf("update 2026/MOH/%d", p.ID), fmt.Sprintf("delete 2026/MOH/%d", free.ID),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
	if last := log[len(log)-1]; last.Before == "" || last.After != "" || !strings.Contains(last.Before, "تدريب الموظفين") {
		t.Errorf("delete event %+v", last)
	}

	list, err := s.PlanActions(ctx, survey.PlanFilter{RoundID: r.ID, Institution: "moh"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != p.ID || list[0].Outcome != survey.OutcomeInProgress || list[1].Outcome != survey.OutcomePlanned {
		t.Errorf("MOH's plan: %+v", list)
	}
	if l, _ := s.PlanActions(ctx, survey.PlanFilter{TargetRound: "2028"}); len(l) != 0 {
		t.Errorf("due by 2028: %+v", l)
	}
	if l, _ := s.PlanActions(ctx, survey.PlanFilter{TargetRound: "2027"}); len(l) != 3 {
		t.Errorf("due by 2027: %d", len(l))
	}
}

// scoredRound makes a round on def, opens it, has each institution answer
// STR-1 with the given value and submit, and returns the round.
func scoredRound(t *testing.T, s *Store, qID int64, name string, str1 map[string]string) survey.Round {
	t.Helper()
	ctx := context.Background()
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: name, QuestionnaireID: qID})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	for code, v := range str1 {
		a := survey.Actor{Role: survey.RoleRespondent, Institution: code}
		if _, err := s.SaveAnswer(ctx, a, r.ID, code, survey.AnswerInput{ItemID: "STR-1", Values: []string{v}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResponseAction(ctx, a, r.ID, code, "submit"); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestPlanOutcomeAcrossRounds(t *testing.T) {
	s, _, _ := initiativeStore(t)
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	// 2025: MOH has no strategy (0 of 2 points), MOI a draft (1 of 2).
	r1 := scoredRound(t, s, q.ID, "2025", map[string]string{"MOH": "0", "MOI": "1"})
	if _, err := s.RoundAction(ctx, 0, r1.ID, "close"); err != nil {
		t.Fatal(err)
	}
	plan := func(a survey.Actor, code string, in survey.PlanInput) survey.PlanAction {
		t.Helper()
		p, err := s.CreatePlanAction(ctx, a, r1.ID, code, in)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	owner := "الإدارة العامة للتخطيط"
	moh := plan(mohActor, "MOH", survey.PlanInput{ItemID: "STR-1", Owner: owner, TargetRound: "2026"})
	moi := plan(moiActor, "MOI", survey.PlanInput{ItemID: "STR-1", Owner: owner, TargetRound: "2026"})
	later := plan(moiActor, "MOI", survey.PlanInput{TextAr: "ربط الأنظمة", Owner: owner, TargetRound: "2030"})
	// The score when planned is kept: 0 for MOH, 0.5 for MOI.
	if moh.ScoreAtPlan == nil || *moh.ScoreAtPlan != 0 || moi.ScoreAtPlan == nil || *moi.ScoreAtPlan != 0.5 {
		t.Fatalf("score at plan: MOH %v, MOI %v; want 0 and 0.5", moh.ScoreAtPlan, moi.ScoreAtPlan)
	}

	outcomes := func() map[int64]survey.PlanAction {
		t.Helper()
		// As the coordinator, who may see every round, reads them.
		list, err := s.PlanActions(ctx, survey.PlanFilter{RoundID: r1.ID, Seen: func(survey.Round) bool { return true }})
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]survey.PlanAction{}
		for _, p := range list {
			out[p.ID] = p
		}
		if len(out) != 3 {
			t.Fatalf("listed %d actions", len(out))
		}
		return out
	}
	check := func(when string, want map[int64]string) {
		t.Helper()
		got := outcomes()
		for id, w := range want {
			if got[id].Outcome != w {
				t.Errorf("%s: action %d (%s) is %s, want %s (at plan %v, new %v)", when, id, got[id].InstitutionCode,
					got[id].Outcome, w, got[id].ScoreAtPlan, got[id].NewScore)
			}
		}
	}
	// The target round does not exist yet.
	check("before 2026", map[int64]string{moh.ID: survey.OutcomePlanned, moi.ID: survey.OutcomePlanned, later.ID: survey.OutcomePlanned})

	// 2026: MOH adopts its strategy (2 of 2), MOI stays at a draft.
	// Scores count once published: a public dashboard must not show what
	// unpublished scores say.
	r2 := scoredRound(t, s, q.ID, "2026", map[string]string{"MOH": "2", "MOI": "1"})
	check("2026 open", map[int64]string{moh.ID: survey.OutcomePlanned, moi.ID: survey.OutcomePlanned, later.ID: survey.OutcomePlanned})
	if _, err := s.RoundAction(ctx, 0, r2.ID, "close"); err != nil {
		t.Fatal(err)
	}
	check("2026 closed", map[int64]string{moh.ID: survey.OutcomeSlipped, moi.ID: survey.OutcomeSlipped, later.ID: survey.OutcomePlanned})
	if _, err := s.RoundAction(ctx, 0, r2.ID, "publish"); err != nil {
		t.Fatal(err)
	}
	check("2026 published", map[int64]string{moh.ID: survey.OutcomeDone, moi.ID: survey.OutcomeSlipped, later.ID: survey.OutcomePlanned})
	if p := outcomes()[moh.ID]; p.NewScore == nil || *p.NewScore != 1 {
		t.Errorf("MOH's new score: %v, want 1", p.NewScore)
	}
	// What anyone may see (no Seen: published public rounds): 2025 is
	// closed, not published, so its score when planned is not theirs to
	// see, nor an outcome derived from it ("done": it rose since).
	public, err := s.PlanActions(ctx, survey.PlanFilter{RoundID: r1.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range public {
		if p.ScoreAtPlan != nil || p.NewScore != nil || p.Outcome == survey.OutcomeDone {
			t.Errorf("public view of action %d (%s): at plan %v, new %v, %s; want nothing from unpublished or private scores",
				p.ID, p.InstitutionCode, p.ScoreAtPlan, p.NewScore, p.Outcome)
		}
	}
	// Once the target round is over, the action is on record.
	if _, err := s.UpdatePlanAction(ctx, moiActor, moi.ID, survey.PlanInput{Owner: owner, TargetRound: "2027", Progress: "done", Version: moi.Version}); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("changing an action after its target round: %v, want ErrInvalidTransition", err)
	}
	if err := s.DeletePlanAction(ctx, moiActor, moi.ID); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("deleting an action after its target round: %v, want ErrInvalidTransition", err)
	}

	// A round after the target does not count for it.
	r3 := scoredRound(t, s, q.ID, "2027", map[string]string{"MOI": "2"})
	for _, step := range []string{"close", "publish"} {
		if _, err := s.RoundAction(ctx, 0, r3.ID, step); err != nil {
			t.Fatal(err)
		}
	}
	check("2027", map[int64]string{moi.ID: survey.OutcomeSlipped})
	if p := outcomes()[moi.ID]; p.NewScore == nil || *p.NewScore != 0.5 {
		t.Errorf("MOI's new score: %v, want 0.5 (2026's, not 2027's)", p.NewScore)
	}
}

// storyVersion is an initiative's current version, as the coordinator's
// review page carries it.
func storyVersion(t *testing.T, s *Store, id int64) int64 {
	t.Helper()
	n, err := s.Initiative(context.Background(), id)
	if err != nil {
		return 0
	}
	return n.Version
}
