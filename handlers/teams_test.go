package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// userID is the id of the account with email.
func userID(t *testing.T, st *sqlstore.Store, email string) int64 {
	t.Helper()
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u.ID
}

var inviteLink = regexp.MustCompile(`value="http://marsad\.test(/ar/invite/[^"]+)"`)

// TestTeamFocalPoint: MOH's focal point (moh@example.ps in the demo)
// invites a colleague, who joins MOH whatever the form says, deactivates
// them (they cannot sign in) and reads MOH's activity; MOI's respondent
// gets 403 until the coordinator marks them, and even then cannot touch
// MOH's people, nor MOH's focal point MOI's.
func TestTeamFocalPoint(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)

	r := moh.get("/ar/team")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	if !strings.Contains(r.Body, "moh-head@example.ps") || strings.Contains(r.Body, "moi@example.ps") {
		t.Error("the team page lists other people than MOH's")
	}
	assertStatus(t, moi.get("/ar/team"), http.StatusForbidden)
	assertStatus(t, moi.get("/ar/team/activity"), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/team/invitations", url.Values{"email": {"x@moi.example.ps"}}, "/ar/work"), http.StatusForbidden)

	// The invitation is for MOH, whatever institution or role the form names.
	r = moh.post("/ar/team/invitations", url.Values{"email": {"colleague@moh.example.ps"}, "institution": {"MOI"}, "role": {"admin"}}, "/ar/team")
	assertStatus(t, r, http.StatusOK)
	m := inviteLink.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no one-time link on the page:\n%.3000s", r.Body)
	}
	if r := moh.post("/ar/team/invitations", url.Values{"email": {"not an address"}}, "/ar/team"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad address: %d", r.Status)
	}
	newcomer := newClient(t, ts)
	r = newcomer.post(m[1], url.Values{"name": {"زميلة جديدة"}, "password": {"a-long-new-password"}, "password_confirm": {"a-long-new-password"}}, m[1])
	if r.Status != http.StatusSeeOther {
		t.Fatalf("accepting the invitation: %d\n%.2000s", r.Status, r.Body)
	}
	colleague, err := st.UserByEmail(ctx, "colleague@moh.example.ps")
	if err != nil || colleague.Role != survey.RoleRespondent || colleague.InstitutionCode != "MOH" {
		t.Fatalf("the colleague: %+v, %v", colleague, err)
	}
	col := strconv.FormatInt(colleague.ID, 10)
	moiID := strconv.FormatInt(userID(t, st, "moi@example.ps"), 10)
	mohID := strconv.FormatInt(userID(t, st, "moh@example.ps"), 10)
	adminID := strconv.FormatInt(userID(t, st, "admin@example.ps"), 10)

	// MOI's respondent, not a focal point, may not deactivate anyone; made
	// one by the coordinator, still not MOH's people.
	assertStatus(t, moi.post("/ar/team/users/"+col+"/active", url.Values{"active": {"0"}}, "/ar/work"), http.StatusForbidden)
	assertStatus(t, admin.post("/ar/admin/users/"+moiID+"/team", url.Values{"focal_point": {"1"}}, "/ar/admin/users"), http.StatusSeeOther)
	assertStatus(t, moi.get("/ar/team"), http.StatusOK)
	assertStatus(t, moi.post("/ar/team/users/"+col+"/active", url.Values{"active": {"0"}}, "/ar/team"), http.StatusForbidden)
	for name, id := range map[string]string{"MOI's respondent": moiID, "oneself": mohID, "the coordinator": adminID} {
		if r := moh.post("/ar/team/users/"+id+"/active", url.Values{"active": {"0"}}, "/ar/team"); r.Status != http.StatusForbidden {
			t.Errorf("MOH's focal point deactivating %s: %d", name, r.Status)
		}
	}
	for _, email := range []string{"moi@example.ps", "moh@example.ps", "admin@example.ps", "colleague@moh.example.ps"} {
		if u, _ := st.UserByEmail(ctx, email); !u.Active {
			t.Errorf("%s deactivated by a refused request", email)
		}
	}

	// Deactivated by MOH's focal point: the colleague cannot sign in.
	r = moh.post("/ar/team/users/"+col+"/active", url.Values{"active": {"0"}}, "/ar/team")
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/ar/team?done=deactivated") {
		t.Errorf("redirected to %s", loc)
	}
	late := newClient(t, ts)
	if r := late.post("/ar/login", url.Values{"email": {"colleague@moh.example.ps"}, "password": {"a-long-new-password"}}, "/ar/login"); r.Status == http.StatusSeeOther {
		t.Error("a deactivated colleague signed in")
	}
	if r := newcomer.get("/ar/work"); r.Status == http.StatusOK {
		t.Error("the deactivated colleague's session still works")
	}

	// Who did what: MOH's events, not MOI's.
	r = moh.get("/ar/team/activity")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	if !strings.Contains(r.Body, "colleague@moh.example.ps") || strings.Contains(r.Body, "moi@example.ps") {
		t.Errorf("activity does not show MOH's events alone:\n%.3000s", r.Body)
	}
}

// TestSectionAssignmentsShown: MOH's focal point assigns a section to the
// head; the head's work page lists it first; MOH's shows who has it; the
// coordinator's board counts it. MOI may not assign in MOH, nor MOH in MOI.
func TestSectionAssignmentsShown(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	open := openRoundID(t, st)
	round, _ := st.Round(ctx, open)
	q, _ := st.Questionnaire(ctx, round.QuestionnaireID)
	sec := q.Def.Sections[1]
	base := "/ar/rounds/" + strconv.FormatInt(open, 10) + "/responses/"
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	head := newClient(t, ts)
	head.signIn("ar", "moh-head@example.ps", survey.DemoPassword)
	headID := strconv.FormatInt(userID(t, st, "moh-head@example.ps"), 10)
	moiID := strconv.FormatInt(userID(t, st, "moi@example.ps"), 10)

	assertStatus(t, moh.get(base+"MOH/assignments"), http.StatusOK)
	assertStatus(t, head.get(base+"MOH/assignments"), http.StatusForbidden) // not a focal point
	assertStatus(t, moi.post(base+"MOH/assignments", url.Values{"section": {sec.ID}, "user": {moiID}}, "/ar/work"), http.StatusForbidden)
	assertStatus(t, moh.post(base+"MOI/assignments", url.Values{"section": {sec.ID}, "user": {headID}}, "/ar/work"), http.StatusForbidden)
	r := moh.post(base+"MOH/assignments", url.Values{"section": {sec.ID}, "user": {moiID}}, base+"MOH/assignments")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertStatus(t, moh.post(base+"MOH/assignments", url.Values{"section": {sec.ID}, "user": {headID}}, base+"MOH/assignments"), http.StatusSeeOther)

	r = head.get("/ar/work")
	assertStatus(t, r, http.StatusOK)
	yours := strings.Index(r.Body, "المحاور المسندة إليك")
	all := strings.Index(r.Body, `class="section-progress"`)
	if yours < 0 || all < yours || !strings.Contains(r.Body[yours:all], sec.Title("ar")) {
		t.Errorf("the head's work page does not list their section first (at %d, list at %d)", yours, all)
	}
	r = moh.get("/ar/work")
	if strings.Contains(r.Body, "المحاور المسندة إليك") || !strings.Contains(r.Body, "مسند إلى") {
		t.Error("MOH's focal point does not see who the section is assigned to (or sees it as theirs)")
	}
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r = admin.get("/ar/admin/rounds/" + strconv.FormatInt(open, 10))
	if !strings.Contains(r.Body, "محور واحد مسند") {
		t.Error("the board does not show MOH's assignment")
	}
	// The coordinator may assign too, and unassign.
	assertStatus(t, admin.post(base+"MOH/assignments", url.Values{"section": {sec.ID}, "user": {"0"}}, base+"MOH/assignments"), http.StatusSeeOther)
	if as, _ := st.Assignments(ctx, open, "MOH"); len(as) != 0 {
		t.Errorf("left after unassigning: %+v", as)
	}
}

// TestSignoffThroughRouter: in a round that requires sign-off a direct
// submission is refused; the response is sent for sign-off; the head sends
// it back (a comment is required), then approves, which submits it. The
// board says "awaiting sign-off" meanwhile. Other people cannot decide.
func TestSignoffThroughRouter(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	open := openRoundID(t, st)
	ids := strconv.FormatInt(open, 10)
	resp := "/ar/rounds/" + ids + "/responses/MOH"
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	head := newClient(t, ts)
	head.signIn("ar", "moh-head@example.ps", survey.DemoPassword)
	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)

	// Without the setting the questionnaire has its plain submit box.
	if r := moh.get(resp); strings.Contains(r.Body, "signoff-box") || !strings.Contains(r.Body, "/submit\" class=\"submit-box\"") {
		t.Error("the response page changed in a round without sign-off")
	}
	assertStatus(t, admin.post("/ar/admin/rounds/"+ids+"/signoff", url.Values{"requires_signoff": {"1"}}, "/ar/admin/rounds/"+ids), http.StatusSeeOther)
	answerRequired(t, st, open, "MOH")

	r := moh.get(resp)
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	if !strings.Contains(r.Body, "signoff-box") || strings.Contains(r.Body, "/submit\" class=\"submit-box\"") {
		t.Fatal("the response page does not offer sign-off in place of submitting")
	}
	assertStatus(t, moh.post(resp+"/submit", url.Values{}, resp), http.StatusConflict)
	if got, _ := st.Response(ctx, open, "MOH"); got.Status != survey.ResponseDraft {
		t.Fatalf("submitted directly: %s", got.Status)
	}
	r = moh.post(resp+"/signoff/request", url.Values{}, resp)
	assertStatus(t, r, http.StatusSeeOther)
	r = moh.get(resp + "?signoff=sent")
	if !strings.Contains(r.Body, "بانتظار المصادقة") {
		t.Error("the response page does not say it awaits sign-off")
	}
	r = admin.get("/ar/admin/rounds/" + ids)
	if !strings.Contains(r.Body, "tag-signoff-pending") {
		t.Error("the board does not show the response awaiting sign-off")
	}

	// The head's summary: read-only answers, the preview and the decisions.
	r = head.get(resp + "/signoff")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	if !strings.Contains(r.Body, "/signoff/approve") || !strings.Contains(r.Body, "معاينة بطاقة الأداء") {
		t.Error("the head's summary lacks the preview or the approval")
	}
	if r := moh.get(resp + "/signoff"); r.Status != http.StatusOK || strings.Contains(r.Body, "/signoff/approve") {
		t.Error("the summary offers the focal point the head's decision")
	}
	assertStatus(t, moh.post(resp+"/signoff/approve", url.Values{}, resp), http.StatusForbidden)
	assertStatus(t, moi.post(resp+"/signoff/approve", url.Values{}, "/ar/work"), http.StatusForbidden)
	assertStatus(t, admin.post(resp+"/signoff/approve", url.Values{}, "/ar/admin/rounds/"+ids), http.StatusForbidden)

	r = head.post(resp+"/signoff/send-back", url.Values{"comment": {"   "}}, resp+"/signoff")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	r = head.post(resp+"/signoff/send-back", url.Values{"comment": {strings.Repeat("x", survey.MaxSignoffComment+1)}}, resp+"/signoff")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertStatus(t, head.post(resp+"/signoff/send-back", url.Values{"comment": {"راجعوا محور الخدمات"}}, resp+"/signoff"), http.StatusSeeOther)
	r = moh.get("/ar/work")
	if !strings.Contains(r.Body, "راجعوا محور الخدمات") {
		t.Error("the work page does not show the head's comment")
	}
	assertStatus(t, head.post(resp+"/signoff/approve", url.Values{}, resp+"/signoff"), http.StatusConflict) // sent back: nothing to approve

	assertStatus(t, moh.post(resp+"/signoff/request", url.Values{}, resp), http.StatusSeeOther)
	r = head.post(resp+"/signoff/approve", url.Values{}, resp+"/signoff")
	assertStatus(t, r, http.StatusSeeOther)
	got, _ := st.Response(ctx, open, "MOH")
	if got.Status != survey.ResponseSubmitted {
		t.Fatalf("after approval the response is %s", got.Status)
	}
	r = head.get(resp + "/signoff?done=approved")
	if !strings.Contains(r.Body, "صادق عليها رئيس المؤسسة") || strings.Contains(r.Body, "/signoff/approve") {
		t.Error("the summary after approval")
	}
	page, err := st.AuditLogPage(ctx, survey.AuditFilter{Institution: "MOH", Entity: "response"}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range page.Events {
		seen[e.Action] = true
	}
	for _, a := range []string{"signoff_request", "signoff_send_back", "signoff_approve", "submit"} {
		if !seen[a] {
			t.Errorf("%s not in the audit log", a)
		}
	}
}
