package survey

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tooLong exceeds every bound a stored text has (the longest is 4,000
// characters, for descriptions and long answers).
var tooLong = strings.Repeat("ج", 10_001)

// TestEveryInputFieldIsBounded walks the input structs: every text field
// (and every text in a list or a nested struct) set to an over-long value
// on an otherwise valid input must be refused with a field error. A field
// added later without a bound fails here.
func TestEveryInputFieldIsBounded(t *testing.T) {
	t.Parallel()
	textItem := Item{ID: "T-1", Type: TypeText, LabelAr: "نص"}
	urlItem := Item{ID: "U-1", Type: TypeURL, LabelAr: "رابط"}
	cases := []struct {
		name  string
		base  any
		check func(in any) error
		// skip names fields not validated here, with the reason; each is
		// covered by TestOverLongInputsStoreNothing.
		skip map[string]string
	}{
		{"institution", validInstitution("MOH"), func(in any) error { return in.(InstitutionInput).Normalize().Validate() }, nil},
		{"service", ServiceInput{InstitutionCode: "MOH", Code: "A", NameAr: "خدمة", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"}, func(in any) error { _, err := checkService(in.(ServiceInput)); return err },
			map[string]string{"InstitutionCode": "looked up, never stored"}},
		{"initiative", storyInput("MOH"), func(in any) error { _, err := checkInitiative(in.(InitiativeInput)); return err },
			map[string]string{"InstitutionCode": "looked up, never stored"}},
		{"plan action", PlanInput{TextAr: "خطة", Owner: "دائرة التخطيط", TargetRound: "2027", ProgressNote: "بدأنا"},
			func(in any) error { _, err := checkPlan(in.(PlanInput)); return err }, nil},
		{"obstacle", ObstacleInput{Code: "budget", Kind: ObstacleInternal, LabelAr: "الميزانية", LabelEn: "Budget", Position: "1"},
			func(in any) error { _, err := checkObstacle(in.(ObstacleInput)); return err }, nil},
		{"user", NewUser{Email: "a@example.ps", Name: "علي", Role: RoleViewer, Password: "correct horse battery"},
			func(in any) error { return in.(NewUser).normalize().validate().err() }, nil},
		{"text answer", AnswerInput{ItemID: textItem.ID, Values: []string{"نص"}, Evidence: "https://moh.example.ps/a", Comment: "ملاحظة"},
			func(in any) error { _, err := checkAnswer(textItem, in.(AnswerInput)); return err },
			map[string]string{"ItemID": "looked up, never stored"}},
		{"link answer", AnswerInput{ItemID: urlItem.ID, Values: []string{"https://moh.example.ps/a"}, Evidence: "https://moh.example.ps/b"},
			func(in any) error { _, err := checkAnswer(urlItem, in.(AnswerInput)); return err },
			map[string]string{"ItemID": "looked up, never stored"}},
	}
	for _, tc := range cases {
		if err := tc.check(tc.base); err != nil {
			t.Fatalf("%s: the base input is not valid: %v", tc.name, err)
		}
		for _, f := range overLongVariants(tc.base) {
			if _, ok := tc.skip[strings.SplitN(f.path, ".", 2)[0]]; ok {
				continue
			}
			err := tc.check(f.value)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: %s over-long: err = %v, want a field error", tc.name, f.path, err)
			}
		}
	}
}

type variant struct {
	path  string
	value any
}

// overLongVariants returns copies of v (a struct) with one text set to
// tooLong each: string fields, strings in slices (one element), and the
// string fields of structs in slices.
func overLongVariants(v any) []variant {
	var out []variant
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		switch fv := rv.Field(i); {
		case fv.Kind() == reflect.String:
			c := reflect.New(rv.Type()).Elem()
			c.Set(rv)
			c.Field(i).SetString(tooLong)
			out = append(out, variant{f.Name, c.Interface()})
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			c := reflect.New(rv.Type()).Elem()
			c.Set(rv)
			s := reflect.MakeSlice(fv.Type(), 1, 1)
			s.Index(0).SetString(tooLong)
			c.Field(i).Set(reflect.AppendSlice(s, fv))
			out = append(out, variant{f.Name + "[0]", c.Interface()})
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct && fv.Len() > 0:
			for _, inner := range overLongVariants(fv.Index(0).Interface()) {
				c := reflect.New(rv.Type()).Elem()
				c.Set(rv)
				s := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
				reflect.Copy(s, fv)
				s.Index(0).Set(reflect.ValueOf(inner.value))
				c.Field(i).Set(s)
				out = append(out, variant{f.Name + "[0]." + inner.path, c.Interface()})
			}
		}
	}
	return out
}

// TestOverLongInputsStoreNothing sends an over-long value through every
// store writer that takes text: each is refused, and the database holds
// exactly what it held before (no row, no audit event, no bigger file).
func TestOverLongInputsStoreNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	admin := Actor{Role: RoleAdmin}
	moh := Actor{Role: RoleRespondent, Institution: "MOH"}
	r := openRound(t, s)
	service, err := s.CreateService(ctx, admin, ServiceInput{InstitutionCode: "MOH", Code: "A", NameAr: "خدمة", Category: "other",
		Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: "1"})
	if err != nil {
		t.Fatal(err)
	}
	initiative := mustCreateInitiative(t, s, moh, storyInput("MOH"))
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	_, invite, err := s.CreateInvitation(ctx, 0, InvitationInput{Email: "new@moh.ps", Role: RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}

	longURL := "https://moh.example.ps/" + strings.Repeat("a", MaxURLLen)
	longEmail := strings.Repeat("a", MaxEmailLen) + "@example.ps"
	svc := func(mod func(*ServiceInput)) ServiceInput {
		in := ServiceInput{InstitutionCode: "MOH", Code: "B", NameAr: "خدمة", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"}
		mod(&in)
		return in
	}
	ini := func(mod func(*InitiativeInput)) InitiativeInput {
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
			_, err := s.CreateService(ctx, admin, svc(func(in *ServiceInput) { in.DescriptionAr = tooLong }))
			return err
		}},
		{"service link", func() error {
			_, err := s.CreateService(ctx, admin, svc(func(in *ServiceInput) { in.OnlineURL = longURL }))
			return err
		}},
		{"service institution", func() error {
			_, err := s.CreateService(ctx, admin, svc(func(in *ServiceInput) { in.InstitutionCode = tooLong }))
			return err
		}},
		{"service update", func() error {
			_, err := s.UpdateService(ctx, admin, service.ID, svc(func(in *ServiceInput) { in.NameEn = tooLong; in.Version = service.Version }))
			return err
		}},
		{"initiative summary", func() error {
			_, err := s.CreateInitiative(ctx, moh, ini(func(in *InitiativeInput) { in.SummaryAr = tooLong }))
			return err
		}},
		{"initiative partner", func() error {
			_, err := s.CreateInitiative(ctx, moh, ini(func(in *InitiativeInput) { in.Partners[0].Name = tooLong }))
			return err
		}},
		{"initiative update", func() error {
			_, err := s.UpdateInitiative(ctx, moh, initiative.ID, ini(func(in *InitiativeInput) { in.StoryAr = tooLong; in.Version = initiative.Version }))
			return err
		}},
		{"story review note", func() error {
			return s.ReviewStory(ctx, admin, initiative.ID, initiative.Version, false, tooLong)
		}},
		{"plan action", func() error {
			_, err := s.CreatePlanAction(ctx, moh, r.ID, "MOH", PlanInput{TextAr: tooLong, Owner: "x", TargetRound: "2027"})
			return err
		}},
		{"obstacle label", func() error {
			_, err := s.SaveObstacle(ctx, admin, 0, ObstacleInput{Code: "x", Kind: ObstacleInternal, LabelAr: tooLong, Position: "1"})
			return err
		}},
		{"round name", func() error {
			_, err := s.CreateRound(ctx, 0, RoundInput{Name: tooLong, QuestionnaireID: r.QuestionnaireID})
			return err
		}},
		{"answer evidence", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Evidence: longURL, BaseVersion: 1})
			return err
		}},
		{"answer comment", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Comment: tooLong, BaseVersion: 1})
			return err
		}},
		{"answer link", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", AnswerInput{ItemID: "STR-1-EV", Values: []string{longURL}})
			return err
		}},
		{"answer item", func() error {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", AnswerInput{ItemID: tooLong, Values: []string{"1"}})
			return err
		}},
		{"review comment", func() error {
			return s.ReviewAnswer(ctx, admin, r.ID, "MOH", "STR-1", "rejected", tooLong)
		}},
		{"user name", func() error {
			_, err := s.CreateUser(ctx, 0, NewUser{Email: "b@example.ps", Name: tooLong, Role: RoleViewer, Password: "correct horse battery"})
			return err
		}},
		{"user e-mail", func() error {
			_, err := s.CreateUser(ctx, 0, NewUser{Email: longEmail, Role: RoleViewer, Password: "correct horse battery"})
			return err
		}},
		{"invitation e-mail", func() error {
			_, _, err := s.CreateInvitation(ctx, 0, InvitationInput{Email: longEmail, Role: RoleViewer})
			return err
		}},
		{"invitation institution", func() error {
			_, _, err := s.CreateInvitation(ctx, 0, InvitationInput{Email: "c@example.ps", Role: RoleRespondent, InstitutionCode: tooLong})
			return err
		}},
		{"accepted invitation name", func() error {
			_, err := s.AcceptInvitation(ctx, invite, tooLong, "correct horse battery")
			return err
		}},
		{"first administrator name", func() error {
			_, err := s.CompleteSetup(ctx, setup, NewUser{Email: "first@example.ps", Name: tooLong, Password: "correct horse battery"})
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
		var ve *ValidationError
		if !errors.As(err, &ve) && !errors.Is(err, ErrNotFound) {
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

func TestURLBounds(t *testing.T) {
	t.Parallel()
	base := "https://moh.example.ps/"
	tests := []struct {
		url  string
		want bool
	}{
		{base + strings.Repeat("a", MaxURLLen-len(base)), true},
		{base + strings.Repeat("a", MaxURLLen-len(base)+1), false},
		{"https://moh.example.ps/a b", false},
		{"https://moh.example.ps/\u202eexe.pdf", false}, // an override: shows as fdp.exe
		{"https://moh\u200b.example.ps/", false},
		{"https://moh.example.ps/\u2066x\u2069", false},
		{"https://moh.example.ps/\ufeff", false},
		{"https://moh.example.ps/\u2060", false},
		{"https://moh.example.ps/\u00a0", false},
		{"https://moh.example.ps/\u061c", false},
		{"https://moh.example.ps/وثيقة", true}, // Arabic in a path is fine
		{"javascript:alert(1)", false},
	}
	for _, tc := range tests {
		if got := validWebURL(tc.url); got != tc.want {
			t.Errorf("validWebURL(%.60q) = %v, want %v", tc.url, got, tc.want)
		}
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
		_, _, err = s.CreateInvitation(ctx, 0, InvitationInput{Email: "a" + x + "@moh.ps", Role: RoleViewer})
		wantField(t, err, "email", "invitation e-mail with %U", r)
		_, err = checkService(ServiceInput{Code: "A" + x, NameAr: "خدمة", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"})
		wantField(t, err, "code", "service code with %U", r)
		_, err = checkObstacle(ObstacleInput{Code: "budget" + x, Kind: ObstacleInternal, LabelAr: "ميزانية", Position: "1"})
		wantField(t, err, "code", "obstacle code with %U", r)
		_, err = checkAnswer(Item{ID: "U", Type: TypeURL}, AnswerInput{Values: []string{"https://moh.ps/" + x}})
		wantField(t, err, "value", "link answer with %U", r)
		_, err = checkAnswer(Item{ID: "T", Type: TypeText}, AnswerInput{Values: []string{"نص"}, Evidence: "https://moh.ps/" + x})
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
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields[field] == "" {
		t.Errorf(format+": err = %v, want a field error on %s", r, err, field)
	}
}
