package storetest

import (
	"slices"
	"testing"

	"marsad/survey"
)

// initiativeInput is a valid initiative (not a success story) of an
// institution.
func initiativeInput(code string) survey.InitiativeInput {
	return survey.InitiativeInput{InstitutionCode: code, TitleAr: "بوابة المواعيد الإلكترونية", TitleEn: "Online appointments portal",
		SummaryAr: "حجز المواعيد عبر الإنترنت", Status: "in_progress", StartMonth: "2025-01", EndMonth: "2026-06", BudgetBand: "100k_500k",
		Partners: []survey.Partner{{Type: "donor", Name: "GIZ"}, {Type: "university", Name: "جامعة بيرزيت"}}}
}

// storyInput is a valid success story of a done initiative.
func storyInput(code string) survey.InitiativeInput {
	in := initiativeInput(code)
	in.Status, in.Story = "done", true
	in.StoryAr = "صار الحجز يستغرق دقيقتين بدل يوم كامل"
	in.FigureLabelAr, in.FigureBefore, in.FigureAfter = "مدة الحجز بالدقائق", "٤٨٠", "2"
	in.Partners = []survey.Partner{{Type: "private", Name: "شركة البرمجيات"}}
	return in
}

// testInitiatives: initiatives and success stories are written by their
// institution or the coordinator under versions; a story is public only
// once the coordinator approved what it says now; archived ones leave every
// list and come back as they were.
func testInitiatives(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	gaza := institutionInput("MOI")
	gaza.Sector, gaza.Region = "interior", "gaza"
	must(s.CreateInstitution(ctx, f.admin.ID, gaza))(t, "CreateInstitution MOI")
	moh, moi := f.respondent("MOH"), f.respondent("MOI")
	mohSvc := f.service(serviceInput("MOH", "S-1", "حجز موعد", 2))
	moiSvc := f.service(serviceInput("MOI", "S-2", "بطاقة هوية", 2))

	var plain, story survey.Initiative
	t.Run("create and read", func(t *testing.T) {
		f := f.sub(t)
		in := initiativeInput("MOH")
		in.ServiceIDs = []int64{mohSvc.ID}
		f.moves("PagesVersion after an initiative", s.PagesVersion, func() {
			plain = must(s.CreateInitiative(ctx, moh, in))(t, "CreateInitiative")
		})
		if plain.ID == 0 || plain.InstitutionCode != "MOH" || plain.Version != 1 || plain.StoryStatus != survey.StoryNone || plain.Archived ||
			!slices.Equal(plain.ServiceIDs, []int64{mohSvc.ID}) || !slices.Equal(plain.Partners, in.Partners) || plain.FigureBefore != nil {
			t.Errorf("created %+v", plain)
		}
		if got, err := s.Initiative(ctx, plain.ID); err != nil || got.TitleAr != in.TitleAr || got.BudgetBand != "100k_500k" ||
			got.StartMonth != "2025-01" || got.Sector != "health" || !slices.Equal(got.Partners, in.Partners) ||
			!slices.Equal(got.ServiceIDs, []int64{mohSvc.ID}) {
			t.Errorf("Initiative = %+v, %v", got, err)
		}
		_, err := s.Initiative(ctx, unknownID)
		wantIs(t, "Initiative(unknown)", err, survey.ErrNotFound)

		story = must(s.CreateInitiative(ctx, moh, storyInput("MOH")))(t, "CreateInitiative story")
		if story.StoryStatus != survey.StoryPending || story.FigureBefore == nil || *story.FigureBefore != 480 || *story.FigureAfter != 2 {
			t.Errorf("a new story %+v (figures %v, %v); want pending, 480 → 2", story, ptr(story.FigureBefore), ptr(story.FigureAfter))
		}
		f.stays("PagesVersion after refused creates", s.PagesVersion, func() {
			_, err = s.CreateInitiative(ctx, moi, initiativeInput("MOH"))
			wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
			_, err = s.CreateInitiative(ctx, f.coord, initiativeInput("NOPE"))
			wantField(t, "unknown institution", err, "institution", "err.institution_unknown")
			bad := initiativeInput("MOH")
			bad.TitleAr = "Portal"
			_, err = s.CreateInitiative(ctx, moh, bad)
			wantField(t, "title without Arabic", err, "title_ar", "")
			bad = initiativeInput("MOH")
			bad.ServiceIDs = []int64{mohSvc.ID, moiSvc.ID}
			_, err = s.CreateInitiative(ctx, f.coord, bad)
			wantField(t, "another institution's service", err, "services", "err.service_not_own")
		})
		if list, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{}); len(list) != 2 {
			t.Errorf("%d initiatives after refused creates, want 2", len(list))
		}
	})

	t.Run("update with versions", func(t *testing.T) {
		f := f.sub(t)
		in := initiativeInput("MOI") // the institution does not move
		in.TitleAr, in.Status, in.Version = "بوابة المواعيد الموحدة", "done", plain.Version
		in.Partners = in.Partners[1:]
		var got survey.Initiative
		f.moves("PagesVersion after an update", s.PagesVersion, func() {
			got = must(s.UpdateInitiative(ctx, moh, plain.ID, in))(t, "UpdateInitiative")
		})
		if got.Version != 2 || got.InstitutionCode != "MOH" || got.TitleAr != in.TitleAr || got.Status != "done" ||
			len(got.ServiceIDs) != 0 || !slices.Equal(got.Partners, in.Partners) {
			t.Errorf("updated %+v; want version 2, links replaced", got)
		}
		stale := in
		stale.TitleAr = "عنوان قديم" // from version 1
		_, err := s.UpdateInitiative(ctx, f.coord, plain.ID, stale)
		wantIs(t, "update from an old version", err, survey.ErrConflict)
		in.Version = 2
		_, err = s.UpdateInitiative(ctx, moi, plain.ID, in)
		wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
		bad := in
		bad.Status = "forgotten"
		_, err = s.UpdateInitiative(ctx, moh, plain.ID, bad)
		wantField(t, "unknown status", err, "status", "")
		_, err = s.UpdateInitiative(ctx, moh, unknownID, in)
		wantIs(t, "update unknown", err, survey.ErrNotFound)
		if now, _ := s.Initiative(ctx, plain.ID); now.Version != 2 || now.TitleAr != in.TitleAr || now.Status != "done" {
			t.Errorf("refused updates changed the initiative: %+v", now)
		}
		plain = got
	})

	isPublic := func(t *testing.T, id int64) bool {
		t.Helper()
		return slices.ContainsFunc(must(s.PublicStories(ctx, 0))(t, "PublicStories"), func(n survey.Initiative) bool { return n.ID == id })
	}
	t.Run("story review", func(t *testing.T) {
		f := f.sub(t)
		wantIs(t, "respondent approving", s.ReviewStory(ctx, moh, story.ID, story.Version, true, ""), survey.ErrForbidden)
		wantIs(t, "approval of an old version", s.ReviewStory(ctx, f.coord, story.ID, story.Version-1, true, ""), survey.ErrConflict)
		wantField(t, "rejection without a note", s.ReviewStory(ctx, f.coord, story.ID, story.Version, false, ""), "review_note", "")
		wantIs(t, "review of an initiative that is no story", s.ReviewStory(ctx, f.coord, plain.ID, plain.Version, true, ""), survey.ErrNotFound)
		wantIs(t, "review of an unknown initiative", s.ReviewStory(ctx, f.coord, unknownID, 1, true, ""), survey.ErrNotFound)
		if isPublic(t, story.ID) {
			t.Fatal("a pending story is public")
		}
		f.moves("PagesVersion after an approval", s.PagesVersion, func() {
			ok(t, "ReviewStory approve", s.ReviewStory(ctx, f.coord, story.ID, story.Version, true, ""))
		})
		story = must(s.Initiative(ctx, story.ID))(t, "Initiative")
		if story.StoryStatus != survey.StoryApproved || !isPublic(t, story.ID) {
			t.Errorf("approved story %+v, public %v", story, isPublic(t, story.ID))
		}
		wantIs(t, "approving twice", s.ReviewStory(ctx, f.coord, story.ID, story.Version, true, ""), survey.ErrInvalidTransition)

		// The coordinator's own edit of what the story says keeps it public;
		// the institution's edit waits for approval again.
		in := storyInput("MOH")
		in.StoryAr, in.Version = in.StoryAr+" في كل المحافظات", story.Version
		story = must(s.UpdateInitiative(ctx, f.coord, story.ID, in))(t, "coordinator's edit")
		if story.StoryStatus != survey.StoryApproved {
			t.Errorf("after the coordinator's edit the story is %s, want approved", story.StoryStatus)
		}
		in.StoryAr, in.Version = "نص جديد لم يراجع", story.Version
		story = must(s.UpdateInitiative(ctx, moh, story.ID, in))(t, "institution's edit")
		if story.StoryStatus != survey.StoryPending || isPublic(t, story.ID) {
			t.Errorf("after the institution's edit the story is %s (public %v), want pending", story.StoryStatus, isPublic(t, story.ID))
		}
		ok(t, "approve again", s.ReviewStory(ctx, f.coord, story.ID, story.Version, true, ""))
		story = must(s.Initiative(ctx, story.ID))(t, "Initiative")

		rejected := must(s.CreateInitiative(ctx, moi, storyInput("MOI")))(t, "CreateInitiative MOI story")
		ok(t, "reject", s.ReviewStory(ctx, f.coord, rejected.ID, rejected.Version, false, "أضيفوا مصدر الأرقام"))
		if got, _ := s.Initiative(ctx, rejected.ID); got.StoryStatus != survey.StoryRejected || got.ReviewNote != "أضيفوا مصدر الأرقام" ||
			isPublic(t, rejected.ID) {
			t.Errorf("rejected story %+v", got)
		}
	})

	t.Run("lists", func(t *testing.T) {
		ids := func(list []survey.Initiative) []int64 {
			var out []int64
			for _, n := range list {
				out = append(out, n.ID)
			}
			slices.Sort(out)
			return out
		}
		all := must(s.ListInitiatives(ctx, survey.InitiativeFilter{}))(t, "ListInitiatives")
		var moiStory int64
		for _, n := range all {
			if n.InstitutionCode == "MOI" {
				moiStory = n.ID
			}
		}
		for name, c := range map[string]struct {
			filter survey.InitiativeFilter
			want   []int64
		}{
			"everything":      {survey.InitiativeFilter{}, []int64{plain.ID, story.ID, moiStory}},
			"institution":     {survey.InitiativeFilter{Institution: "MOI"}, []int64{moiStory}},
			"status":          {survey.InitiativeFilter{Status: "done", Institution: "MOH"}, []int64{plain.ID, story.ID}},
			"sector":          {survey.InitiativeFilter{Sector: "interior"}, []int64{moiStory}},
			"region":          {survey.InitiativeFilter{Region: "national"}, []int64{plain.ID, story.ID}},
			"partner type":    {survey.InitiativeFilter{PartnerType: "university"}, []int64{plain.ID}},
			"approved story":  {survey.InitiativeFilter{StoryStatus: survey.StoryApproved}, []int64{story.ID}},
			"rejected story":  {survey.InitiativeFilter{StoryStatus: survey.StoryRejected}, []int64{moiStory}},
			"nothing matches": {survey.InitiativeFilter{Status: "planned"}, nil},
			"archived":        {survey.InitiativeFilter{Archived: true}, nil},
		} {
			list, err := s.ListInitiatives(ctx, c.filter)
			if got := ids(list); err != nil || !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, %v; want %v", name, got, err, c.want)
			}
		}
	})

	t.Run("archive and restore", func(t *testing.T) {
		f := f.sub(t)
		wantIs(t, "archive by another institution", s.ArchiveInitiative(ctx, moi, story.ID), survey.ErrForbidden)
		f.moves("PagesVersion after archiving", s.PagesVersion, func() {
			ok(t, "ArchiveInitiative", s.ArchiveInitiative(ctx, moh, story.ID))
		})
		ok(t, "archive twice", s.ArchiveInitiative(ctx, moh, story.ID))
		if got, err := s.Initiative(ctx, story.ID); err != nil || !got.Archived || got.StoryStatus != survey.StoryApproved {
			t.Errorf("archived initiative %+v, %v; want it, archived, its story untouched", got, err)
		}
		if isPublic(t, story.ID) {
			t.Error("an archived story is public")
		}
		if list, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{Institution: "MOH"}); len(list) != 1 || list[0].ID != plain.ID {
			t.Errorf("MOH's list with the story archived: %+v", list)
		}
		if list, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{Archived: true}); len(list) != 1 || list[0].ID != story.ID {
			t.Errorf("archived list %+v", list)
		}
		in := storyInput("MOH")
		in.Version = must(s.Initiative(ctx, story.ID))(t, "Initiative").Version
		_, err := s.UpdateInitiative(ctx, moh, story.ID, in)
		wantIs(t, "edit of an archived initiative", err, survey.ErrNotFound)
		wantIs(t, "archive unknown", s.ArchiveInitiative(ctx, moh, unknownID), survey.ErrNotFound)
		ok(t, "RestoreInitiative", s.RestoreInitiative(ctx, moh, story.ID))
		if !isPublic(t, story.ID) {
			t.Error("a restored approved story is not public again")
		}
	})

	t.Run("public stories", func(t *testing.T) {
		f := f.sub(t)
		second := must(s.CreateInitiative(ctx, f.coord, storyInput("MOI")))(t, "CreateInitiative")
		ok(t, "approve", s.ReviewStory(ctx, f.coord, second.ID, second.Version, true, ""))
		if all := must(s.PublicStories(ctx, 0))(t, "PublicStories"); len(all) != 2 {
			t.Errorf("PublicStories(0) = %d stories, want 2", len(all))
		}
		if one := must(s.PublicStories(ctx, 1))(t, "PublicStories"); len(one) != 1 {
			t.Errorf("PublicStories(1) = %d stories", len(one))
		}
		// A deactivated institution's stories leave the public pages.
		ok(t, "deactivate MOI", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", false))
		if isPublic(t, second.ID) || !isPublic(t, story.ID) {
			t.Error("public stories do not follow MOI's deactivation")
		}
		if list, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{Institution: "MOI", ActiveOnly: true}); len(list) != 0 {
			t.Errorf("ActiveOnly lists a deactivated institution's %+v", list)
		}
		if list, _ := s.ListInitiatives(ctx, survey.InitiativeFilter{Institution: "MOI"}); len(list) != 2 {
			t.Errorf("the back office lost a deactivated institution's initiatives: %+v", list)
		}
	})
}
