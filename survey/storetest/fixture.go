package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"marsad/survey"
)

// password is every account's password in the suite: long enough for the
// policy, not on its list of common passwords, not an address.
const password = "contract-suite-passphrase"

// fixture is one area's store with its first coordinator, made as a fresh
// server makes it, and the respondents invited so far.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	s     Store
	admin survey.User
	coord survey.Actor
	resp  map[string]survey.Actor // respondents by institution code
}

// setup opens a fresh store and creates its first coordinator through the
// first-run setup link.
func setup(t *testing.T, open func(t *testing.T) Store) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: t.Context(), s: open(t), resp: map[string]survey.Actor{}}
	token := must(f.s.NewSetupToken(f.ctx))(t, "NewSetupToken")
	f.admin = must(f.s.CompleteSetup(f.ctx, token, survey.NewUser{
		Email: "coordinator@example.ps", Name: "منسق المسح", Password: password}))(t, "CompleteSetup")
	f.coord = survey.ActorOf(f.admin)
	return f
}

// institutionInput is a valid institution that tests change a field of.
func institutionInput(code string) survey.InstitutionInput {
	return survey.InstitutionInput{Code: code, NameAr: "وزارة " + code, NameEn: "Ministry " + code,
		Kind: "ministry", Sector: "health", Region: "national", Website: "https://" + strings.ToLower(code) + ".example.ps"}
}

// institution creates an institution of sector.
func (f *fixture) institution(code, sector string) survey.Institution {
	f.t.Helper()
	in := institutionInput(code)
	in.Sector = sector
	return must(f.s.CreateInstitution(f.ctx, f.admin.ID, in))(f.t, "CreateInstitution "+code)
}

// invite makes an account the way a coordinator does: an invitation, then
// the invited person choosing a name and password.
func (f *fixture) invite(email string, role survey.Role, code string) survey.User {
	f.t.Helper()
	_, token, err := f.s.CreateInvitation(f.ctx, f.admin.ID, survey.InvitationInput{Email: email, Role: role, InstitutionCode: code})
	if err != nil {
		f.t.Fatalf("CreateInvitation %s: %v", email, err)
	}
	return must(f.s.AcceptInvitation(f.ctx, token, "مستخدم "+code, password))(f.t, "AcceptInvitation "+email)
}

// respondent is the actor of an institution's respondent, invited the
// first time it is asked for, so that audit events name a real account.
func (f *fixture) respondent(code string) survey.Actor {
	f.t.Helper()
	if a, ok := f.resp[code]; ok {
		return a
	}
	u := f.invite(strings.ToLower(code)+"@example.ps", survey.RoleRespondent, code)
	f.resp[code] = survey.ActorOf(u)
	return f.resp[code]
}

// serviceInput is a valid service of an institution at a stage (a stage of
// 3 or more needs an online address, which it has).
func serviceInput(inst, code, nameAr string, stage int) survey.ServiceInput {
	return survey.ServiceInput{InstitutionCode: inst, Code: code, NameAr: nameAr, NameEn: "Service " + code,
		DescriptionAr: "وصف " + nameAr, Category: "other", Audience: []string{"citizens"}, Channels: []string{"web", "counter"},
		Stage: fmt.Sprint(stage), OnlineURL: "https://" + strings.ToLower(inst) + ".example.ps/" + strings.ToLower(code),
		Languages: []string{"ar"}, LastReviewed: "2026-01-15"}
}

// service creates a service as the coordinator.
func (f *fixture) service(in survey.ServiceInput) survey.Service {
	f.t.Helper()
	return must(f.s.CreateService(f.ctx, f.coord, in))(f.t, "CreateService "+in.Code)
}

// smallDefinition is a questionnaire small enough to answer by hand that
// still has what the store must handle: a required single choice, an
// evidence link shown by a condition, a capped multiple choice, a catalog
// metric (computed from the catalog frozen at submission), a percentage, a
// number scored by bands and a yes/no item behind a compound condition.
func smallDefinition() *survey.Definition {
	f := func(v float64) *float64 { return &v }
	return &survey.Definition{
		ID: "contract", Version: "1", TitleAr: "استبانة العقد", TitleEn: "Contract questionnaire",
		Model: survey.Model{Scale: 100, Precision: 1, Levels: []survey.Level{
			{Key: "high", Min: 0.5, LabelAr: "مرتفع", LabelEn: "High"}, {Key: "low", Min: 0, LabelAr: "منخفض", LabelEn: "Low"}}},
		Sections: []survey.Section{{ID: "STR", TitleAr: "الاستراتيجية", Weight: 10}, {ID: "SRV", TitleAr: "الخدمات", Weight: 20}},
		Items: []survey.Item{
			{Section: "STR", ID: "STR-1", Type: survey.TypeSingle, LabelAr: "خطة؟", Weight: 2, Required: true, Options: []survey.Option{
				{Value: "0", LabelAr: "لا", Points: 0}, {Value: "1", LabelAr: "مسودة", Points: 1}, {Value: "2", LabelAr: "معتمدة", Points: 2}}},
			{Section: "STR", ID: "STR-1-EV", Type: survey.TypeURL, LabelAr: "رابط الإثبات", ShowIf: "STR-1 >= 2"},
			{Section: "STR", ID: "STR-2", Type: survey.TypeMulti, LabelAr: "ابتكار", Weight: 1, Cap: 2, Options: []survey.Option{
				{Value: "a", LabelAr: "أ", Points: 1}, {Value: "b", LabelAr: "ب", Points: 1}, {Value: "c", LabelAr: "ج", Points: 1}}},
			{Section: "SRV", ID: "SRV-1", Type: survey.TypeMetric, Metric: "share_stage3", LabelAr: "معاملاتية", Weight: 3},
			{Section: "SRV", ID: "SRV-2", Type: survey.TypePercent, LabelAr: "نسبة", Weight: 1, Floor: f(0), Target: f(60)},
			{Section: "SRV", ID: "SRV-3", Type: survey.TypeNumber, LabelAr: "عدد", Weight: 1, Min: f(0), Max: f(1000),
				Bands: []survey.Band{{Min: 0, Score: 0}, {Min: 10, Score: 0.5}, {Min: 100, Score: 1}}},
			{Section: "SRV", ID: "SRV-4", Type: survey.TypeYesNo, LabelAr: "نعم؟", Weight: 1, ShowIf: `STR-2 in ["a", "b"] && SRV-3 > 5`},
		},
	}
}

// questionnaire stores smallDefinition.
func (f *fixture) questionnaire() survey.QuestionnaireVersion {
	f.t.Helper()
	return must(f.s.StoreQuestionnaire(f.ctx, f.admin.ID, smallDefinition()))(f.t, "StoreQuestionnaire")
}

// round creates a round on smallDefinition and opens it.
func (f *fixture) round(name string) survey.Round {
	f.t.Helper()
	q := f.questionnaire()
	// Deadlines are enforced and the suite runs on the real clock: a
	// deadline far ahead.
	r := must(f.s.CreateRound(f.ctx, f.admin.ID, survey.RoundInput{Name: name, QuestionnaireID: q.ID, Deadline: "2099-12-31"}))(f.t, "CreateRound "+name)
	return f.roundAction(r, "open")
}

// roundAction moves a round on and returns it as it is now.
func (f *fixture) roundAction(r survey.Round, action string) survey.Round {
	f.t.Helper()
	return must(f.s.RoundAction(f.ctx, f.admin.ID, r.ID, action))(f.t, "RoundAction "+action)
}

// answer saves first answers (from no version) as the institution's
// respondent.
func (f *fixture) answer(r survey.Round, code string, ins ...survey.AnswerInput) []survey.Answer {
	f.t.Helper()
	return must(f.s.SaveAnswers(f.ctx, f.respondent(code), r.ID, code, ins))(f.t, "SaveAnswers "+code)
}

// submit submits the institution's response as its respondent.
func (f *fixture) submit(r survey.Round, code string) survey.Response {
	f.t.Helper()
	return must(f.s.ResponseAction(f.ctx, f.respondent(code), r.ID, code, "submit"))(f.t, "submit "+code)
}

// response is the institution's response to a round.
func (f *fixture) response(r survey.Round, code string) survey.Response {
	f.t.Helper()
	return must(f.s.Response(f.ctx, r.ID, code))(f.t, "Response "+code)
}

// answers are the institution's answers in a round.
func (f *fixture) answers(r survey.Round, code string) survey.AnswerSet {
	f.t.Helper()
	return must(f.s.Answers(f.ctx, f.response(r, code).ID))(f.t, "Answers "+code)
}

// in is an answer from no earlier version.
func in(item string, values ...string) survey.AnswerInput {
	return survey.AnswerInput{ItemID: item, Values: values}
}

// must fails the test when a call that sets the scene fails:
// must(call())(t, "what") is the call's value.
func must[T any](v T, err error) func(t *testing.T, what string) T {
	return func(t *testing.T, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// ok fails the test when a call that sets the scene fails.
func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantIs checks that err is target (errors.Is).
func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want %v", what, err, target)
	}
}

// wantField checks that err is a *survey.ValidationError naming field with
// the message key key ("" for any key): the web layer shows that message
// next to that field, so a second store must name the same.
func wantField(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	var ve *survey.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: error = %v, want a *ValidationError on %q", what, err, field)
		return
	}
	got, ok := ve.Fields[field]
	if !ok || (key != "" && got != key) {
		t.Errorf("%s: fields = %v, want %q: %q", what, ve.Fields, field, key)
	}
}

// version reads a version counter.
func (f *fixture) version(get func(context.Context) (string, error)) string {
	f.t.Helper()
	return must(get(f.ctx))(f.t, "version")
}

// moves checks that a version counter changes across fn: what was cached
// before fn must not be served after it.
func (f *fixture) moves(what string, get func(context.Context) (string, error), fn func()) {
	f.t.Helper()
	before := f.version(get)
	fn()
	if after := f.version(get); after == before {
		f.t.Errorf("%s: version stayed %q", what, before)
	}
}

// stays checks that a version counter does not change across fn: a read or
// a refused write must not throw every cache away.
func (f *fixture) stays(what string, get func(context.Context) (string, error), fn func()) {
	f.t.Helper()
	before := f.version(get)
	fn()
	if after := f.version(get); after != before {
		f.t.Errorf("%s: version moved from %q to %q", what, before, after)
	}
}

// near compares scores computed in two places.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// unknownID is an id no store hands out in a test's lifetime.
const unknownID = 987654321

// sub is the fixture for a subtest of the area: the same store, reported
// against t.
func (f *fixture) sub(t *testing.T) *fixture {
	g := *f
	g.t, g.ctx = t, t.Context()
	return &g
}
