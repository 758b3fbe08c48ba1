package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"marsad/survey"
)

// teamFixture is two institutions with people: MOH's focal point, a
// colleague and a head; MOI's respondent (a focal point and head of MOI).
type teamFixture struct {
	s                        *Store
	admin, fp, col, head     survey.User
	moi, viewer              survey.User
	adminActor               survey.Actor
	ctx                      context.Context
	password                 string
	fpActor, colActor, moiAc survey.Actor
}

func newTeamFixture(t *testing.T) *teamFixture {
	t.Helper()
	s := newTestStore(t)
	f := &teamFixture{s: s, ctx: context.Background(), password: "correct horse battery"}
	mustCreateInstitution(t, s, validInstitution("MOH"))
	mustCreateInstitution(t, s, validInstitution("MOI"))
	f.admin = mustCreateUser(t, s, survey.NewUser{Email: "coordinator@example.ps", Role: survey.RoleAdmin})
	f.fp = mustCreateUser(t, s, survey.NewUser{Email: "fp@moh.example.ps", Name: "ضابط الارتباط", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	f.col = mustCreateUser(t, s, survey.NewUser{Email: "col@moh.example.ps", Name: "زميل", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	f.head = mustCreateUser(t, s, survey.NewUser{Email: "head@moh.example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	f.moi = mustCreateUser(t, s, survey.NewUser{Email: "fp@moi.example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOI"})
	f.viewer = mustCreateUser(t, s, survey.NewUser{Email: "viewer@example.ps", Role: survey.RoleViewer})
	f.adminActor = survey.ActorOf(f.admin)
	var err error
	if f.fp, err = s.SetTeamFlags(f.ctx, f.adminActor, f.fp.ID, survey.TeamFlags{FocalPoint: true}); err != nil || !f.fp.FocalPoint {
		t.Fatalf("focal point: %+v, %v", f.fp, err)
	}
	if f.head, err = s.SetTeamFlags(f.ctx, f.adminActor, f.head.ID, survey.TeamFlags{Signoff: true}); err != nil || !f.head.Signoff {
		t.Fatalf("head: %+v, %v", f.head, err)
	}
	// MOI's respondent is both: a focal point and a head, of MOI only.
	if f.moi, err = s.SetTeamFlags(f.ctx, f.adminActor, f.moi.ID, survey.TeamFlags{FocalPoint: true, Signoff: true}); err != nil {
		t.Fatal(err)
	}
	f.fpActor, f.colActor, f.moiAc = survey.ActorOf(f.fp), survey.ActorOf(f.col), survey.ActorOf(f.moi)
	return f
}

func TestTeamFlags(t *testing.T) {
	f := newTeamFixture(t)
	s, ctx := f.s, f.ctx
	if _, err := s.SetTeamFlags(ctx, f.fpActor, f.col.ID, survey.TeamFlags{FocalPoint: true}); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a focal point marking a colleague: %v, want ErrForbidden", err)
	}
	var ve *survey.ValidationError
	if _, err := s.SetTeamFlags(ctx, f.adminActor, f.viewer.ID, survey.TeamFlags{FocalPoint: true}); !errors.As(err, &ve) {
		t.Errorf("a viewer made focal point: %v, want a ValidationError", err)
	}
	if got := auditCount(t, s, "team_flags", f.fp.Email); got != 1 {
		t.Errorf("team_flags audited %d times for the focal point, want 1", got)
	}
	u, err := s.User(ctx, f.fp.ID)
	if err != nil || !u.FocalPoint || u.Signoff {
		t.Errorf("stored marks: %+v, %v", u, err)
	}
	// Setting the same marks again changes and audits nothing.
	if _, err := s.SetTeamFlags(ctx, f.adminActor, f.fp.ID, survey.TeamFlags{FocalPoint: true}); err != nil {
		t.Fatal(err)
	}
	if got := auditCount(t, s, "team_flags", f.fp.Email); got != 1 {
		t.Errorf("unchanged marks audited: %d events", got)
	}
	list, err := s.Colleagues(ctx, "MOH")
	if err != nil || len(list) != 3 {
		t.Fatalf("MOH colleagues: %d, %v", len(list), err)
	}
	for _, c := range list {
		if c.InstitutionCode != "MOH" {
			t.Errorf("colleague of another institution: %+v", c)
		}
	}
}

func TestColleagueInvitationsAndDeactivation(t *testing.T) {
	f := newTeamFixture(t)
	s, ctx := f.s, f.ctx
	if _, _, err := s.CreateColleagueInvitation(ctx, f.col.ID, "new@moh.example.ps"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a colleague who is not a focal point invited: %v", err)
	}
	if _, _, err := s.CreateColleagueInvitation(ctx, f.admin.ID, "new@moh.example.ps"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("the coordinator through the focal point's door: %v", err)
	}
	inv, token, err := s.CreateColleagueInvitation(ctx, f.fp.ID, "New@MOH.example.ps")
	if err != nil || token == "" {
		t.Fatalf("invite: %v", err)
	}
	if inv.Role != survey.RoleRespondent || inv.InstitutionCode != "MOH" || inv.Email != "new@moh.example.ps" || inv.CreatedBy != f.fp.Email {
		t.Errorf("invitation %+v: want a MOH respondent made by the focal point", inv)
	}
	// MOI's focal point invites into MOI only, and cannot see or revoke MOH's.
	moiInv, _, err := s.CreateColleagueInvitation(ctx, f.moi.ID, "new@moi.example.ps")
	if err != nil || moiInv.InstitutionCode != "MOI" {
		t.Fatalf("MOI invite: %+v, %v", moiInv, err)
	}
	mohList, err := s.TeamInvitations(ctx, "MOH")
	if err != nil || len(mohList) != 1 || mohList[0].ID != inv.ID {
		t.Errorf("MOH's invitations: %+v, %v", mohList, err)
	}
	if err := s.RevokeColleagueInvitation(ctx, f.moi.ID, inv.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI's focal point revoking MOH's invitation: %v", err)
	}
	if _, err := s.AcceptInvitation(ctx, token, "زميل جديد", "a-very-long-password"); err != nil {
		t.Fatalf("accept: %v", err)
	}
	newcomer, err := s.UserByEmail(ctx, "new@moh.example.ps")
	if err != nil || newcomer.InstitutionCode != "MOH" || newcomer.Role != survey.RoleRespondent || newcomer.FocalPoint {
		t.Fatalf("newcomer %+v, %v", newcomer, err)
	}
	if err := s.RevokeColleagueInvitation(ctx, f.moi.ID, moiInv.ID); err != nil {
		t.Fatalf("MOI revoking its own: %v", err)
	}

	// Deactivation: own institution's respondents, not oneself, not others.
	for name, c := range map[string]struct {
		actor, target int64
	}{
		"oneself":               {f.fp.ID, f.fp.ID},
		"another institution's": {f.fp.ID, f.moi.ID},
		"the coordinator":       {f.fp.ID, f.admin.ID},
		"a viewer":              {f.fp.ID, f.viewer.ID},
		"by a non-focal point":  {f.col.ID, f.head.ID},
		"MOI's focal point":     {f.moi.ID, f.col.ID},
	} {
		if _, err := s.SetColleagueActive(ctx, c.actor, c.target, false); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", name, err)
		}
	}
	for _, id := range []int64{f.fp.ID, f.moi.ID, f.admin.ID, f.col.ID} {
		if u, _ := s.User(ctx, id); !u.Active {
			t.Errorf("%s deactivated by a refused request", u.Email)
		}
	}
	if _, err := s.Authenticate(ctx, f.col.Email, f.password); err != nil {
		t.Fatalf("colleague signs in before: %v", err)
	}
	u, err := s.SetColleagueActive(ctx, f.fp.ID, f.col.ID, false)
	if err != nil || u.Active {
		t.Fatalf("deactivate colleague: %+v, %v", u, err)
	}
	if _, err := s.Authenticate(ctx, f.col.Email, f.password); !errors.Is(err, survey.ErrAccountDisabled) {
		t.Errorf("deactivated colleague signs in: %v", err)
	}
	if got := auditCount(t, s, "deactivate", f.col.Email); got != 1 {
		t.Errorf("deactivation audited %d times", got)
	}
	if _, err := s.SetColleagueActive(ctx, f.fp.ID, f.col.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, f.col.Email, f.password); err != nil {
		t.Errorf("reactivated colleague: %v", err)
	}
	// A focal point whose mark is taken away loses the rights at once.
	if _, err := s.SetTeamFlags(ctx, f.adminActor, f.fp.ID, survey.TeamFlags{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetColleagueActive(ctx, f.fp.ID, f.col.ID, false); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("former focal point: %v", err)
	}
}

func TestSectionAssignments(t *testing.T) {
	f := newTeamFixture(t)
	s, ctx := f.s, f.ctx
	r := openRound(t, s)
	assign := func(actor int64, code, section string, user int64) error {
		return s.AssignSection(ctx, actor, r.ID, code, survey.AssignmentInput{SectionID: section, UserID: user})
	}
	if err := assign(f.fp.ID, "MOH", "STR", f.col.ID); err != nil {
		t.Fatal(err)
	}
	if err := assign(f.admin.ID, "MOH", "SRV", f.fp.ID); err != nil {
		t.Fatalf("the coordinator assigning: %v", err)
	}
	if err := assign(f.col.ID, "MOH", "SRV", f.col.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a colleague assigning: %v", err)
	}
	if err := assign(f.fp.ID, "MOI", "STR", f.moi.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOH's focal point assigning in MOI: %v", err)
	}
	var ve *survey.ValidationError
	if err := assign(f.fp.ID, "MOH", "STR", f.moi.ID); !errors.As(err, &ve) {
		t.Errorf("assigned to another institution's respondent: %v", err)
	}
	if err := assign(f.fp.ID, "MOH", "NOPE", f.col.ID); !errors.As(err, &ve) {
		t.Errorf("unknown section: %v", err)
	}
	as, err := s.Assignments(ctx, r.ID, "MOH")
	if err != nil || len(as) != 2 || as["STR"].UserID != f.col.ID || as["STR"].AssignedBy != f.fp.Email || as["SRV"].UserID != f.fp.ID {
		t.Fatalf("assignments %+v, %v", as, err)
	}
	q, _ := s.Questionnaire(ctx, r.QuestionnaireID)
	if mine := as.Mine(q.Def, f.col.ID); len(mine) != 1 || mine[0].ID != "STR" {
		t.Errorf("the colleague's sections: %+v", mine)
	}
	if got, _ := s.Assignments(ctx, r.ID, "MOI"); len(got) != 0 {
		t.Errorf("MOI has MOH's assignments: %+v", got)
	}
	board, err := s.TeamBoard(ctx, r.ID)
	if err != nil || board["MOH"].Assigned != 2 || board["MOI"].Assigned != 0 {
		t.Errorf("team board %+v, %v", board, err)
	}
	// Unassigning, and a deactivated colleague cannot be assigned.
	if err := assign(f.fp.ID, "MOH", "STR", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetColleagueActive(ctx, f.fp.ID, f.col.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := assign(f.fp.ID, "MOH", "STR", f.col.ID); !errors.As(err, &ve) {
		t.Errorf("assigned to a deactivated colleague: %v", err)
	}
	if got := auditCount(t, s, "assign", r.Name+"/MOH"); got != 3 {
		t.Errorf("assign audited %d times, want 3 (two assignments, one removal)", got)
	}
}

func TestSignoff(t *testing.T) {
	f := newTeamFixture(t)
	s, ctx := f.s, f.ctx
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2027", QuestionnaireID: q.ID, RequiresSignoff: true})
	if err != nil || !r.RequiresSignoff {
		t.Fatalf("round %+v, %v", r, err)
	}
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	key := r.Name + "/MOH"

	// A direct submission is refused, complete or not.
	if _, err := s.SaveAnswer(ctx, f.colActor, r.ID, "MOH", survey.AnswerInput{ItemID: "SRV-2", Values: []string{"40"}}); err != nil {
		t.Fatal(err)
	}
	var inc *survey.ErrIncomplete
	if _, err := s.RequestSignoff(ctx, f.colActor, r.ID, "MOH"); !errors.As(err, &inc) {
		t.Errorf("incomplete sent for sign-off: %v", err)
	}
	if _, err := s.SaveAnswer(ctx, f.colActor, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, f.colActor, r.ID, "MOH", "submit"); !errors.Is(err, survey.ErrSignoffRequired) {
		t.Fatalf("direct submit: %v, want ErrSignoffRequired", err)
	}
	if _, err := s.RequestSignoff(ctx, f.moiAc, r.ID, "MOH"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI sending MOH's response: %v", err)
	}
	so, err := s.RequestSignoff(ctx, f.colActor, r.ID, "MOH")
	if err != nil || so.State != survey.SignoffPending || so.RequestedBy != f.col.Email {
		t.Fatalf("request: %+v, %v", so, err)
	}

	// Only MOH's head decides.
	for name, id := range map[string]int64{"a colleague": f.col.ID, "the focal point": f.fp.ID, "MOI's head": f.moi.ID, "the coordinator": f.admin.ID} {
		if _, err := s.ApproveSignoff(ctx, id, r.ID, "MOH"); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s approving: %v", name, err)
		}
		if err := s.SendBackSignoff(ctx, id, r.ID, "MOH", "لا"); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("%s sending back: %v", name, err)
		}
	}
	var ve *survey.ValidationError
	for name, c := range map[string]string{"empty": "  ", "too long": strings.Repeat("ب", survey.MaxSignoffComment+1)} {
		if err := s.SendBackSignoff(ctx, f.head.ID, r.ID, "MOH", c); !errors.As(err, &ve) || ve.Fields["comment"] == "" {
			t.Errorf("%s comment: %v", name, err)
		}
	}
	if err := s.SendBackSignoff(ctx, f.head.ID, r.ID, "MOH", "  راجعوا نسبة الخدمات  "); err != nil {
		t.Fatal(err)
	}
	so, err = s.ResponseSignoff(ctx, r.ID, "MOH")
	if err != nil || so.State != survey.SignoffSentBack || so.Comment != "راجعوا نسبة الخدمات" || so.By != f.head.Email {
		t.Fatalf("sent back: %+v, %v", so, err)
	}
	if _, err := s.ApproveSignoff(ctx, f.head.ID, r.ID, "MOH"); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("approving what was sent back: %v", err)
	}

	// Sent again; a change after that blocks the approval until re-sent.
	if _, err := s.RequestSignoff(ctx, f.fpActor, r.ID, "MOH"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveAnswer(ctx, f.colActor, r.ID, "MOH", survey.AnswerInput{ItemID: "SRV-2", Values: []string{"45"}, BaseVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if so, _ = s.ResponseSignoff(ctx, r.ID, "MOH"); !so.Pending() || !so.Changed {
		t.Errorf("after a change: %+v, want pending and changed", so)
	}
	if _, err := s.ApproveSignoff(ctx, f.head.ID, r.ID, "MOH"); !errors.Is(err, survey.ErrSignoffChanged) {
		t.Fatalf("approving changed answers: %v", err)
	}
	if resp, _ := s.Response(ctx, r.ID, "MOH"); resp.Status != survey.ResponseDraft {
		t.Fatalf("refused approval left the response %s", resp.Status)
	}
	if _, err := s.RequestSignoff(ctx, f.colActor, r.ID, "MOH"); err != nil {
		t.Fatal(err)
	}
	if so, _ = s.ResponseSignoff(ctx, r.ID, "MOH"); so.Changed {
		t.Errorf("re-sent and still changed: %+v", so)
	}
	preview, err := s.SignoffPreview(ctx, r.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.ApproveSignoff(ctx, f.head.ID, r.ID, "MOH")
	if err != nil || resp.Status != survey.ResponseSubmitted {
		t.Fatalf("approve: %+v, %v", resp, err)
	}
	so, _ = s.ResponseSignoff(ctx, r.ID, "MOH")
	if so.State != survey.SignoffApproved || so.By != f.head.Email {
		t.Errorf("approved: %+v", so)
	}
	score, err := s.ScoreResult(ctx, r.ID, "MOH", survey.ScoreSelf)
	if err != nil || score.Index != preview.Index {
		t.Errorf("score %v after approval (%v), preview said %v", score.Index, err, preview.Index)
	}
	for action, want := range map[string]int{"signoff_request": 3, "signoff_send_back": 1, "signoff_approve": 1, "submit": 1} {
		if got := auditCount(t, s, action, key); got != want {
			t.Errorf("%s audited %d times, want %d", action, got, want)
		}
	}
	// Submitted: nothing more to sign off.
	if _, err := s.RequestSignoff(ctx, f.colActor, r.ID, "MOH"); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("sent after submission: %v", err)
	}
}

func TestRoundSignoffSetting(t *testing.T) {
	f := newTeamFixture(t)
	s, ctx := f.s, f.ctx
	r := openRound(t, s)
	// Without the setting, sending for sign-off is refused and a direct
	// submission works as it always did.
	if _, err := s.SaveAnswer(ctx, f.colActor, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestSignoff(ctx, f.colActor, r.ID, "MOH"); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("sign-off in a round without it: %v", err)
	}
	got, err := s.SetRoundSignoff(ctx, f.admin.ID, r.ID, true)
	if err != nil || !got.RequiresSignoff {
		t.Fatalf("turn on: %+v, %v", got, err)
	}
	if rr, _ := s.Round(ctx, r.ID); !rr.RequiresSignoff {
		t.Error("setting not stored")
	}
	if _, err := s.ResponseAction(ctx, f.colActor, r.ID, "MOH", "submit"); !errors.Is(err, survey.ErrSignoffRequired) {
		t.Errorf("submit with the setting on: %v", err)
	}
	if _, err := s.SetRoundSignoff(ctx, f.admin.ID, r.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, f.colActor, r.ID, "MOH", "submit"); err != nil {
		t.Errorf("submit with the setting off again: %v", err)
	}
	if got := auditCount(t, s, "signoff_setting", r.Name); got != 2 {
		t.Errorf("setting audited %d times", got)
	}
	if _, err := s.RoundAction(ctx, 0, r.ID, "close"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRoundSignoff(ctx, f.admin.ID, r.ID, true); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("changed on a closed round: %v", err)
	}
}
