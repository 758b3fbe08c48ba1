package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
)

// Tests of a focal point's team and an initiative's files through the API
// (team_api.go, initiative_evidence_api.go): the way through, the refusal
// of other people (403), bad input (422 with fields), and the web page
// showing what the API did. Every API answer is checked against
// docs/openapi.yaml by the test server's tap.

// teamAPISetup adds the matrix's objects for these routes (authz_test.go):
// a MOH colleague to deactivate, an invitation into MOH to revoke and a
// file of A's initiative to remove, each the API's own.
func (e *authzEnv) teamAPISetup(actor survey.Actor, set func(string, int64)) {
	u, err := e.st.CreateUser(e.ctx, actor.ID, survey.NewUser{Email: "az-colleaguetoggleapi@example.ps", Name: "زميل مؤقت",
		Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "a-long-password"})
	e.must(err, "colleagueToggleAPI")
	set("colleagueToggleAPI", u.ID)
	inv, _, err := e.st.CreateInvitation(e.ctx, actor.ID, survey.InvitationInput{Email: "az-teaminviteapi@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	e.must(err, "teamInviteAPI")
	set("teamInviteAPI", inv.ID)
	body := authzEvidenceText + " initEvidenceDetachAPI"
	l, err := e.st.AttachInitiativeEvidence(e.ctx, actor, e.id("initA"), survey.EvidenceInput{Title: "initEvidenceDetachAPI", Filename: "initEvidenceDetachAPI.txt",
		File: survey.EvidenceFile{SHA256: sha256Hex(body), Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
		Body: strings.NewReader(body)})
	e.must(err, "initEvidenceDetachAPI")
	set("initEvidenceDetachAPI", l.ID)
}

func TestAPITeamFocalPoint(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	ctx := context.Background()
	adminID := userID(t, w.st, acctAdmin)
	var r response

	// Only MOH's focal point gets in: MOI's respondent (not one), the
	// viewer and the coordinator are 403, as on the page.
	for _, who := range []string{acctMOI, acctViewer, acctAdmin, acctHead} {
		for _, c := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/team", ""},
			{http.MethodGet, "/api/v1/team/invitations", ""},
			{http.MethodGet, "/api/v1/team/activity", ""},
			{http.MethodPost, "/api/v1/team/invitations", `{"email":"x@example.ps"}`},
		} {
			if r := w.call(who, c.method, c.path, c.body); r.Status != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", c.method, c.path, who, r.Status)
			}
		}
	}

	// The team: MOH's respondents only.
	var team listJSON[survey.User]
	r = w.call(acctMOH, http.MethodGet, "/api/v1/team?per_page=1000", "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &team)
	seen := map[string]bool{}
	for _, u := range team.Items {
		seen[u.Email] = true
		if u.InstitutionCode != "MOH" || u.Role != survey.RoleRespondent {
			t.Errorf("not MOH's respondent in the team: %+v", u)
		}
	}
	if !seen[acctHead] || !seen[acctMOH] || team.Total != len(team.Items) {
		t.Fatalf("team %+v", team)
	}
	assertStatus(t, w.call(acctMOH, http.MethodGet, "/api/v1/team?page=0", ""), http.StatusBadRequest)

	// Inviting: bad input is 422 naming the field; unknown fields (a role,
	// an institution) are refused, not obeyed.
	wantFields(t, w.call(acctMOH, http.MethodPost, "/api/v1/team/invitations", `{"email":"not an address"}`), "email")
	// An address that has an account already: 409, the field named.
	r = w.call(acctMOH, http.MethodPost, "/api/v1/team/invitations", `{"email":"moi@example.ps"}`)
	assertStatus(t, r, http.StatusConflict)
	if e := assertAPIError(t, r, "conflict"); e.Fields["email"] == "" {
		t.Errorf("409 without the field: %+v", e)
	}
	assertStatus(t, w.call(acctMOH, http.MethodPost, "/api/v1/team/invitations", `{"email":"a@example.ps","institution":"MOI"}`), http.StatusBadRequest)
	r = w.call(acctMOH, http.MethodPost, "/api/v1/team/invitations", `{"email":"api-colleague@moh.example.ps"}`)
	assertStatus(t, r, http.StatusCreated)
	var created struct {
		Invitation invitationJSON `json:"invitation"`
		createdLink
	}
	decode(t, r, &created)
	if created.Invitation.Institution != "MOH" || created.Invitation.Role != string(survey.RoleRespondent) ||
		created.Invitation.State != "pending" || !strings.Contains(created.Link, "/invite/") {
		t.Fatalf("invited %+v", created)
	}
	var invs listJSON[invitationJSON]
	decode(t, w.call(acctMOH, http.MethodGet, "/api/v1/team/invitations", ""), &invs)
	if len(invs.Items) == 0 || invs.Items[0].ID != created.Invitation.ID {
		t.Fatalf("invitations %+v", invs)
	}
	assertContains(t, w.page(acctMOH, "/ar/team").Body, "api-colleague@moh.example.ps")

	// Revoking: MOI's respondent may not; MOH's focal point may not revoke
	// an invitation into MOI.
	inv := "/api/v1/team/invitations/" + strconv.FormatInt(created.Invitation.ID, 10)
	assertStatus(t, w.call(acctMOI, http.MethodDelete, inv, ""), http.StatusForbidden)
	other, _, err := w.st.CreateInvitation(ctx, adminID, survey.InvitationInput{Email: "api-other@moi.example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOI"})
	if err != nil {
		t.Fatal(err)
	}
	assertStatus(t, w.call(acctMOH, http.MethodDelete, "/api/v1/team/invitations/"+strconv.FormatInt(other.ID, 10), ""), http.StatusForbidden)
	assertStatus(t, w.call(acctMOH, http.MethodDelete, "/api/v1/team/invitations/x", ""), http.StatusNotFound)
	assertStatus(t, w.call(acctMOH, http.MethodDelete, inv, ""), http.StatusNoContent)
	decode(t, w.call(acctMOH, http.MethodGet, "/api/v1/team/invitations", ""), &invs)
	if invs.Items[0].State != "revoked" || invs.Items[0].RevokedAt == nil {
		t.Fatalf("after revoking: %+v", invs.Items[0])
	}
	assertContains(t, w.page(acctMOH, "/ar/team").Body, "tag-revoked")

	// Deactivating: not oneself, not MOI's people, not the coordinator.
	col, err := w.st.CreateUser(ctx, adminID, survey.NewUser{Email: "api-toggle@moh.example.ps", Name: "زميل عبر الواجهة",
		Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "a-long-password"})
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]int64{"oneself": userID(t, w.st, acctMOH), "MOI's respondent": userID(t, w.st, acctMOI), "the coordinator": adminID} {
		if r := w.call(acctMOH, http.MethodPost, fmt.Sprintf("/api/v1/team/users/%d/deactivate", id), ""); r.Status != http.StatusForbidden {
			t.Errorf("deactivating %s: %d", name, r.Status)
		}
	}
	assertStatus(t, w.call(acctMOI, http.MethodPost, fmt.Sprintf("/api/v1/team/users/%d/deactivate", col.ID), ""), http.StatusForbidden)
	for _, email := range []string{acctMOH, acctMOI, acctAdmin, col.Email} {
		if u, _ := w.st.UserByEmail(ctx, email); !u.Active {
			t.Errorf("%s deactivated by a refused request", email)
		}
	}
	r = w.call(acctMOH, http.MethodPost, fmt.Sprintf("/api/v1/team/users/%d/deactivate", col.ID), "")
	assertStatus(t, r, http.StatusOK)
	var u survey.User
	decode(t, r, &u)
	if u.ID != col.ID || u.Active {
		t.Fatalf("deactivated %+v", u)
	}
	assertContains(t, w.page(acctMOH, "/ar/team").Body, fmt.Sprintf(`<tr id="u%d" class="inactive">`, col.ID))
	r = w.call(acctMOH, http.MethodPost, fmt.Sprintf("/api/v1/team/users/%d/activate", col.ID), "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &u)
	if !u.Active {
		t.Fatalf("reactivated %+v", u)
	}

	// The team's activity: MOH's events (the invitation, the account), paged.
	var act listJSON[auditEventJSON]
	r = w.call(acctMOH, http.MethodGet, "/api/v1/team/activity?per_page=5", "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &act)
	if len(act.Items) != 5 || act.Total < 5 || act.PerPage != 5 {
		t.Fatalf("activity page %+v", act)
	}
	all := r.Body
	for p := 2; (p-1)*5 < act.Total && p < 50; p++ {
		all += w.call(acctMOH, http.MethodGet, fmt.Sprintf("/api/v1/team/activity?per_page=5&page=%d", p), "").Body
	}
	assertContains(t, all, "api-toggle@moh.example.ps")
	if strings.Contains(all, "api-other@moi.example.ps") {
		t.Error("MOH's activity shows an invitation into MOI")
	}
	decode(t, w.call(acctMOH, http.MethodGet, fmt.Sprintf("/api/v1/team/activity?per_page=5&page=%d", act.Total/5+2), ""), &act)
	if len(act.Items) != 0 {
		t.Errorf("a page past the end is not empty: %+v", act)
	}
}

func TestAPIInitiativeEvidence(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	ctx := context.Background()
	actor := survey.Actor{ID: userID(t, w.st, acctAdmin), Role: survey.RoleAdmin}
	mk := func(code, title string) int64 {
		in, err := w.st.CreateInitiative(ctx, actor, survey.InitiativeInput{InstitutionCode: code, TitleAr: title,
			Status: "done", BudgetBand: "lt_100k", StartMonth: "2025-01"})
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	mine, theirs := mk("MOH", "مبادرة بملفات عبر الواجهة"), mk("MOI", "مبادرة لوزارة أخرى")
	base := "/api/v1/initiatives/" + strconv.FormatInt(mine, 10) + "/evidence"
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

	// MOI and the viewer are refused before the body is read; a JSON body is 415.
	assertStatus(t, apiUpload(t, w, acctMOI, base, nil, "x.pdf", pdf), http.StatusForbidden)
	assertStatus(t, apiUpload(t, w, acctViewer, base, nil, "x.pdf", pdf), http.StatusForbidden)
	assertStatus(t, apiUpload(t, w, acctMOH, "/api/v1/initiatives/"+strconv.FormatInt(theirs, 10)+"/evidence", nil, "x.pdf", pdf), http.StatusForbidden)
	assertStatus(t, w.call(acctMOH, http.MethodPost, base, `{"title":"x"}`), http.StatusUnsupportedMediaType)
	// No file, or a title too long: 422 naming the field; not a document: 415.
	wantFields(t, apiUpload(t, w, acctMOH, base, map[string]string{"title": "x"}, "", nil), "file")
	wantFields(t, apiUpload(t, w, acctMOH, base, map[string]string{"title": strings.Repeat("ع", 201)}, "x.pdf", pdf), "title")
	r := apiUpload(t, w, acctMOH, base, nil, "x.pdf", []byte("<html><script>alert(1)</script></html>"))
	assertStatus(t, r, http.StatusUnsupportedMediaType)
	assertAPIError(t, r, "bad_type")

	r = apiUpload(t, w, acctMOH, base, map[string]string{"title": "تقرير إنجاز المبادرة"}, "report.pdf", pdf)
	assertStatus(t, r, http.StatusCreated)
	var f initiativeFileJSON
	decode(t, r, &f)
	if f.ContentType != "application/pdf" || f.Size != int64(len(pdf)) || f.UploadedBy != acctMOH || r.Header.Get("Location") != base+"/"+strconv.FormatInt(f.ID, 10) {
		t.Fatalf("attached %+v at %q", f, r.Header.Get("Location"))
	}
	var list listJSON[initiativeFileJSON]
	decode(t, w.call(acctAdmin, http.MethodGet, base, ""), &list)
	if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != f.ID {
		t.Fatalf("list %+v", list)
	}
	for _, who := range []string{acctMOI, acctViewer} {
		assertStatus(t, w.call(who, http.MethodGet, base, ""), http.StatusForbidden)
		assertStatus(t, w.call(who, http.MethodGet, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusForbidden)
	}
	r = w.call(acctMOH, http.MethodGet, base+"/"+strconv.FormatInt(f.ID, 10), "")
	assertStatus(t, r, http.StatusOK)
	if r.Body != string(pdf) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %v %q", r.Header, r.Body)
	}
	// Another initiative's file under this one: not found.
	assertStatus(t, w.call(acctAdmin, http.MethodGet, "/api/v1/initiatives/"+strconv.FormatInt(theirs, 10)+"/evidence/"+strconv.FormatInt(f.ID, 10), ""), http.StatusNotFound)
	assertContains(t, w.page(acctMOH, "/ar/initiatives/"+strconv.FormatInt(mine, 10)).Body, "تقرير إنجاز المبادرة")

	// The coordinator's file limit holds for the API too: 413.
	if err := w.st.SetEvidenceLimits(ctx, survey.Actor{Role: survey.RoleAdmin}, survey.EvidenceLimits{FileBytes: 64, RoundBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	r = apiUpload(t, w, acctMOH, base, nil, "big.pdf", append(pdf, make([]byte, 64)...))
	assertStatus(t, r, http.StatusRequestEntityTooLarge)
	assertAPIError(t, r, "too_big")

	assertStatus(t, w.call(acctMOI, http.MethodDelete, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusForbidden)
	assertStatus(t, w.call(acctMOH, http.MethodDelete, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusNoContent)
	assertStatus(t, w.call(acctMOH, http.MethodGet, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusNotFound)
	if p := w.page(acctMOH, "/ar/initiatives/"+strconv.FormatInt(mine, 10)); strings.Contains(p.Body, "تقرير إنجاز المبادرة") {
		t.Error("the page still lists the removed file")
	}

	// An archived initiative takes no file.
	assertStatus(t, w.call(acctMOH, http.MethodDelete, "/api/v1/initiatives/"+strconv.FormatInt(mine, 10), ""), http.StatusNoContent)
	assertStatus(t, apiUpload(t, w, acctMOH, base, nil, "x.pdf", pdf), http.StatusNotFound)
}
