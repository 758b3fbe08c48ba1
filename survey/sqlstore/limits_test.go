package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"marsad/survey"
)

// tooLong exceeds every bound a stored text has (the longest is 4,000
// characters, for descriptions and long answers).
var tooLong = strings.Repeat("ج", 10_001)

// TestOverLongInputsStoreNothing sends an over-long value through every
// store writer that takes text: each is refused, and the database holds
// exactly what it held before (no row, no audit event, no bigger file).
func TestOverLongInputsStoreNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	admin := survey.Actor{Role: survey.RoleAdmin}
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	r := openRound(t, s)
	service, err := s.CreateService(ctx, admin, survey.ServiceInput{InstitutionCode: "MOH", Code: "A", NameAr: "خدمة", Category: "other",
		Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: "1"})
	if err != nil {
		t.Fatal(err)
	}
	initiative := mustCreateInitiative(t, s, moh, storyInput("MOH"))
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	_, invite, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "new@moh.ps", Role: survey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}

	longURL := "https://moh.example.ps/" + strings.Repeat("a", survey.MaxURLLen)
	longEmail := strings.Repeat("a", survey.MaxEmailLen) + "@example.ps"
	svc := func(mod func(*survey.ServiceInput)) survey.ServiceInput {
		in := survey.ServiceInput{InstitutionCode: "MOH", Code: "B", NameAr: "خدمة", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"}
		mod(&in)
		return in
	}
	ini := func(mod func(*survey.InitiativeInput)) survey.InitiativeInput {
		in := storyInput("MOH")
		mod(&in)
		return in
	}
	writers := []struct {
		name  string
		write func() error
	}{
		{"institution website", func() error {
			in := validInstitution("NEW")
			in.Website = longURL
			_, err := s.CreateInstitution(ctx, 0, in)
			return err
		}},
		{"institution name", func() error {
			in := validInstitution("MOH")
			in.NameAr = tooLong
			_, err := s.UpdateInstitution(ctx, 0, "MOH", in)
			return err
		}},
		{"service description", func() error {
			_, err := s.CreateService(ctx, admin, svc(func(in *survey.ServiceInput) { in.DescriptionAr = tooLong }))
			return err
		}},
		{"service link", func() error {
			_, err := s.CreateService(ctx, admin, svc(func(in *survey.ServiceInput) { in.OnlineURL = longURL }))
			return err
		}},
		{"service institution", func() error {
			_, err := s.CreateService(ctx, admin, svc(func(in *survey.ServiceInput) { in.InstitutionCode = tooLong }))
			return err
		}},
		{"service update", func() error {
			_, err := s.UpdateService(ctx, admin, service.ID, svc(func(in *survey.ServiceInput) { in.NameEn = tooLong; in.Version = service.Version }))
			return err
		}},
		{"initiative summary", func() error {
			_, err := s.CreateInitiative(ctx, moh, ini(func(in *survey.InitiativeInput) { in.SummaryAr = tooLong }))
			return err
		}},
		{"initiative partner", func() error {
			_, err := s.CreateInitiative(ctx, moh, ini(func(in *survey.InitiativeInput) { in.Partners[0].Name = tooLong }))
			return err
		}},
		{"initiative update", func() error {
			_, err := s.UpdateInitiative(ctx, moh, initiative.ID, ini(func(in *survey.InitiativeInput) { in.StoryAr = tooLong; in.Version = initiative.Version }))
			return err
		}},
		{"story review note", func() error {
			return s.ReviewStory(ctx, admin, initiative.ID, initiative.Version, false, tooLong)
		}},
		{"plan action", func() error {
			_, err := s.CreatePlanAction(ctx, moh, r.ID, "MOH", survey.PlanInput{TextAr: tooLong, Owner: "x", TargetRound: "2027"})
			return err
		}},
		{"obstacle label", func() error {
			_, err := s.SaveObstacle(ctx, admin, 0, survey.ObstacleInput{Code: "x", Kind: survey.ObstacleInternal, LabelAr: tooLong, Position: "1"})
			return err
		}},
		{"round name", func() error {
			_, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: tooLong, QuestionnaireID: r.QuestionnaireID})
			return err
		}},
		{"answer evidence", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Evidence: longURL, BaseVersion: 1})
			return err
		}},
		{"answer comment", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Comment: tooLong, BaseVersion: 1})
			return err
		}},
		{"answer link", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1-EV", Values: []string{longURL}})
			return err
		}},
		{"answer item", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: tooLong, Values: []string{"1"}})
			return err
		}},
		{"review comment", func() error {
			return s.ReviewAnswer(ctx, admin, r.ID, "MOH", "STR-1", "rejected", tooLong)
		}},
		{"user name", func() error {
			_, err := s.CreateUser(ctx, 0, survey.NewUser{Email: "b@example.ps", Name: tooLong, Role: survey.RoleViewer, Password: "correct horse battery"})
			return err
		}},
		{"user e-mail", func() error {
			_, err := s.CreateUser(ctx, 0, survey.NewUser{Email: longEmail, Role: survey.RoleViewer, Password: "correct horse battery"})
			return err
		}},
		{"invitation e-mail", func() error {
			_, _, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: longEmail, Role: survey.RoleViewer})
			return err
		}},
		{"invitation institution", func() error {
			_, _, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "c@example.ps", Role: survey.RoleRespondent, InstitutionCode: tooLong})
			return err
		}},
		{"accepted invitation name", func() error {
			_, err := s.AcceptInvitation(ctx, invite, tooLong, "correct horse battery")
			return err
		}},
		{"first administrator name", func() error {
			_, err := s.CompleteSetup(ctx, setup, survey.NewUser{Email: "first@example.ps", Name: tooLong, Password: "correct horse battery"})
			return err
		}},
	}
	pages := func() int {
		var n int
		if err := s.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, err := s.Checksum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pagesBefore := pages()
	for _, w := range writers {
		err := w.write()
		var ve *survey.ValidationError
		if !errors.As(err, &ve) && !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("%s: err = %v, want a field error (or not found)", w.name, err)
		}
	}
	after, err := s.Checksum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Error("the database changed: an over-long input was stored")
	}
	if p := pages(); p > pagesBefore {
		t.Errorf("the database grew from %d to %d pages", pagesBefore, p)
	}
}

// TestInvisibleCharactersRefusedInCodesURLsAndEmails: bidi controls and
// invisible characters are refused where two values must not look alike,
// with a field error; free text keeps them.
func TestInvisibleCharactersRefusedInCodesURLsAndEmails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	for _, r := range []rune{'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
		'\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\ufeff', '\u061c', '\u00ad'} {
		x := string(r)
		in := validInstitution("MO" + x + "H")
		_, err := s.CreateInstitution(ctx, 0, in)
		wantField(t, err, "code", "institution code with %U", r)
		in = validInstitution("MOH")
		in.Website = "https://moh" + x + ".ps"
		_, err = s.CreateInstitution(ctx, 0, in)
		wantField(t, err, "website", "website with %U", r)
		_, _, err = s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "a" + x + "@moh.ps", Role: survey.RoleViewer})
		wantField(t, err, "email", "invitation e-mail with %U", r)
		_, err = survey.CheckService(survey.ServiceInput{Code: "A" + x, NameAr: "خدمة", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"})
		wantField(t, err, "code", "service code with %U", r)
		_, err = survey.CheckObstacle(survey.ObstacleInput{Code: "budget" + x, Kind: survey.ObstacleInternal, LabelAr: "ميزانية", Position: "1"})
		wantField(t, err, "code", "obstacle code with %U", r)
		_, err = survey.CheckAnswer(survey.Item{ID: "U", Type: survey.TypeURL}, survey.AnswerInput{Values: []string{"https://moh.ps/" + x}})
		wantField(t, err, "value", "link answer with %U", r)
		_, err = survey.CheckAnswer(survey.Item{ID: "T", Type: survey.TypeText}, survey.AnswerInput{Values: []string{"نص"}, Evidence: "https://moh.ps/" + x})
		wantField(t, err, "evidence", "evidence with %U", r)
	}
	// Free text keeps them: a joiner in an Arabic name, marks around a number.
	in := validInstitution("MOH")
	in.NameAr = "وزارة\u200cالصحة \u2067(١)\u2069"
	if _, err := s.CreateInstitution(ctx, 0, in); err != nil {
		t.Errorf("a name with a joiner and an isolate: %v", err)
	}
}

func wantField(t *testing.T, err error, field, format string, r rune) {
	t.Helper()
	var ve *survey.ValidationError
	if !errors.As(err, &ve) || ve.Fields[field] == "" {
		t.Errorf(format+": err = %v, want a field error on %s", r, err, field)
	}
}
