package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// pageOfItems is one page of an API list, its items kept as JSON.
type pageOfItems = listJSON[json.RawMessage]

func decodePage(t *testing.T, r response) pageOfItems {
	t.Helper()
	assertStatus(t, r, http.StatusOK)
	var p pageOfItems
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatalf("not a page: %v\n%.500s", err, r.Body)
	}
	if p.Items == nil {
		t.Fatalf("no items array: %.300s", r.Body)
	}
	return p
}

// withQuery adds query parameters to a path that may already have some.
func withQuery(path, q string) string {
	if strings.Contains(path, "?") {
		return path + "&" + q
	}
	return path + "?" + q
}

// TestAPIListsPaged walks every list of the API: the envelope, the total,
// a page inside the list equal to that slice of the whole, the same order
// twice, a page past the end empty, and bad page values refused.
func TestAPIListsPaged(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := apiToken(t, ts, "admin@example.ps")
	open := strconv.FormatInt(openRoundID(t, st), 10)
	// Lists the demo leaves short get a few items first.
	for _, code := range []string{"MOI", "MOH", "MOE"} {
		assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+open+"/extensions/"+code, admin, `{"until":"2099-01-31","reason":"paging"}`), http.StatusOK)
	}
	for i := range 3 {
		assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/invitations", admin, fmt.Sprintf(`{"email":"page%d@example.ps","role":"viewer"}`, i)), http.StatusCreated)
	}
	st.EnableMail("example.ps")
	for i := range 3 {
		if _, _, err := st.CreateInvitation(ctx, 0, survey.InvitationInput{Email: fmt.Sprintf("mailed%d@example.ps", i), Role: survey.RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+roundIDByName(t, st, "2024")+"/archive", admin, ""), http.StatusOK)

	for _, path := range []string{
		"/api/v1/users", "/api/v1/institutions", "/api/v1/institutions/MOH/services", "/api/v1/initiatives",
		"/api/v1/institutions/MOH/initiatives", "/api/v1/rounds", "/api/v1/rounds/archived", "/api/v1/questionnaires",
		"/api/v1/rounds/" + open + "/extensions", "/api/v1/catalog", "/api/v1/catalog?institution=MOH&sort=name",
		"/api/v1/invitations", "/api/v1/audit", "/api/v1/audit?entity=invitation", "/api/v1/outbox",
		"/api/v1/rounds/" + open + "/responses/MOH/prefill",
	} {
		t.Run(path, func(t *testing.T) {
			most := maxPerPage
			whole := "per_page=" + strconv.Itoa(most)
			all := decodePage(t, apiCall(t, ts, http.MethodGet, withQuery(path, whole), admin, ""))
			if all.Page != 1 || all.PerPage != most {
				t.Errorf("page %d per_page %d", all.Page, all.PerPage)
			}
			if all.Total != len(all.Items) || all.Total == 0 {
				t.Fatalf("total %d, %d items in one page of %d", all.Total, len(all.Items), most)
			}
			if def := decodePage(t, apiCall(t, ts, http.MethodGet, path, admin, "")); def.PerPage != defaultPerPage || def.Total != all.Total {
				t.Errorf("default page: per_page %d total %d", def.PerPage, def.Total)
			}
			per := max(1, min(2, all.Total/2))
			p2 := decodePage(t, apiCall(t, ts, http.MethodGet, withQuery(path, "page=2&per_page="+strconv.Itoa(per)), admin, ""))
			want := all.Items[min(per, all.Total):min(2*per, all.Total)]
			if p2.Page != 2 || p2.PerPage != per || p2.Total != all.Total || len(p2.Items) != len(want) {
				t.Fatalf("page 2 of %d: page %d per_page %d total %d, %d items (want %d)", per, p2.Page, p2.PerPage, p2.Total, len(p2.Items), len(want))
			}
			for i := range want {
				if string(p2.Items[i]) != string(want[i]) {
					t.Errorf("page 2 item %d = %.200s, want %.200s", i, p2.Items[i], want[i])
				}
			}
			again := decodePage(t, apiCall(t, ts, http.MethodGet, withQuery(path, whole), admin, ""))
			if !slices.EqualFunc(all.Items, again.Items, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
				t.Error("the order changed between two reads")
			}
			past := decodePage(t, apiCall(t, ts, http.MethodGet, withQuery(path, "page=999&per_page=100"), admin, ""))
			if len(past.Items) != 0 || past.Total != all.Total || past.Page != 999 {
				t.Errorf("a page past the end: %d items, total %d, page %d", len(past.Items), past.Total, past.Page)
			}
			for _, bad := range []string{"page=0", "page=-1", "page=x", "per_page=0", "per_page=1001", "per_page=", "page=1.5"} {
				assertAPIError(t, apiCall(t, ts, http.MethodGet, withQuery(path, bad), admin, ""), "bad_page")
			}
		})
	}

	// The documented orders.
	var users listJSON[survey.User]
	_ = json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/users?per_page=1000", admin, "").Body), &users)
	if !slices.IsSortedFunc(users.Items, func(a, b survey.User) int {
		return strings.Compare(string(a.Role)+"\x00"+a.Email, string(b.Role)+"\x00"+b.Email)
	}) {
		t.Error("users are not by role, then e-mail")
	}
	var insts listJSON[survey.Institution]
	_ = json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/institutions?per_page=1000", admin, "").Body), &insts)
	if !slices.IsSortedFunc(insts.Items, func(a, b survey.Institution) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("institutions are not by code")
	}
	var audit listJSON[auditEventJSON]
	_ = json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/audit?per_page=1000", admin, "").Body), &audit)
	if !slices.IsSortedFunc(audit.Items, func(a, b auditEventJSON) int { return int(b.ID - a.ID) }) {
		t.Error("the audit log is not newest first")
	}
	// The outbox pages like every list: up to 1000.
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox?per_page=1000", admin, ""), http.StatusOK)
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox?per_page=1001", admin, ""), "bad_page")
	// The questionnaires name the definition's version def_version.
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/questionnaires", admin, "").Body, `"def_version":`)
}

// TestAPIInvitations: list, create (the link once, mailed with mail on),
// revoke, and the invitations page shows what the API did.
func TestAPIInvitations(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)

	r := apiCall(t, ts, http.MethodPost, "/api/v1/invitations", admin, `{"email":"new.person@example.ps","role":"respondent","institution":"MOH","invite_lang":"en"}`)
	assertStatus(t, r, http.StatusCreated)
	var made struct {
		Invitation invitationJSON `json:"invitation"`
		Link       string         `json:"link"`
		Mailed     bool           `json:"mailed"`
	}
	if err := json.Unmarshal([]byte(r.Body), &made); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(made.Link, "http://marsad.test/en/invite/") || made.Mailed || made.Invitation.State != survey.InvitationPending ||
		made.Invitation.Institution != "MOH" || made.Invitation.UsedAt != nil {
		t.Fatalf("created %+v", made)
	}
	// The link works once, for the person invited.
	token := strings.TrimPrefix(made.Link, "http://marsad.test/en/invite/")
	assertContains(t, newClient(t, ts).get("/en/invite/"+token).Body, "new.person@example.ps")
	// The list has it, without the token; the page too.
	list := apiCall(t, ts, http.MethodGet, "/api/v1/invitations", admin, "").Body
	assertContains(t, list, `"email":"new.person@example.ps"`, `"state":"pending"`)
	if strings.Contains(list, token) {
		t.Error("the list shows an invitation's token")
	}
	assertContains(t, web.get("/en/admin/invitations").Body, "new.person@example.ps")

	// Refusals.
	r = apiCall(t, ts, http.MethodPost, "/api/v1/invitations", admin, `{"email":"not an address","role":"respondent"}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if e := assertAPIError(t, r, "validation"); e.Fields["email"] == "" || e.Fields["institution"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/invitations", admin, `{"email":"x@example.ps","role":"viewer","extra":1}`), "bad_json")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/invitations", apiToken(t, ts, "viewer@example.ps"), `{"email":"x@example.ps","role":"viewer"}`), "forbidden")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/invitations", apiToken(t, ts, "moh@example.ps"), ""), "forbidden")

	// Revoke: the link no longer works; the page says revoked.
	id := strconv.FormatInt(made.Invitation.ID, 10)
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/invitations/"+id, admin, ""), http.StatusNoContent)
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/invitations/"+id, admin, ""), http.StatusNoContent)
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/invitations", admin, "").Body, `"state":"revoked"`, `"revoked_at":"20`)
	if r := newClient(t, ts).get("/en/invite/" + token); r.Status == http.StatusOK && strings.Contains(r.Body, `name="password"`) {
		t.Error("a revoked invitation's link still offers the form")
	}
	assertContains(t, web.get("/en/admin/invitations").Body, "tag-revoked")
	assertAPIError(t, apiCall(t, ts, http.MethodDelete, "/api/v1/invitations/999999", admin, ""), "not_found")
	assertAPIError(t, apiCall(t, ts, http.MethodDelete, "/api/v1/invitations/x", admin, ""), "not_found")

	// With mail on, the invitation is queued in the outbox as well.
	st.EnableMail("example.ps")
	r = apiCall(t, ts, http.MethodPost, "/api/v1/invitations", admin, `{"email":"mailed.person@example.ps","role":"viewer"}`)
	assertStatus(t, r, http.StatusCreated)
	assertContains(t, r.Body, `"mailed":true`, `"link":"http://marsad.test/ar/invite/`)
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox?kind=invitation", admin, "").Body, `"to":"mailed.person@example.ps"`)
}

// TestAPIUserResetAndTeam: a reset link in the answer that ends the
// user's sessions, and the focal point and head marks.
func TestAPIUserResetAndTeam(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := apiToken(t, ts, "admin@example.ps")
	ids := map[string]int64{}
	users, _ := st.ListUsers(ctx)
	for _, u := range users {
		ids[u.Email] = u.ID
	}
	viewerTok := apiToken(t, ts, "viewer@example.ps")
	viewer := strconv.FormatInt(ids["viewer@example.ps"], 10)
	r := apiCall(t, ts, http.MethodPost, "/api/v1/users/"+viewer+"/reset", admin, "")
	assertStatus(t, r, http.StatusOK)
	var reset struct {
		User   survey.User `json:"user"`
		Link   string      `json:"link"`
		Mailed bool        `json:"mailed"`
	}
	if err := json.Unmarshal([]byte(r.Body), &reset); err != nil || reset.User.Email != "viewer@example.ps" || !strings.HasPrefix(reset.Link, "http://marsad.test/ar/reset/") {
		t.Fatalf("reset %s: %v", r.Body, err)
	}
	assertContains(t, newClient(t, ts).get(strings.TrimPrefix(reset.Link, "http://marsad.test")).Body, "viewer@example.ps")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/me", viewerTok, ""), "sign_in_required")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/users/999999/reset", admin, ""), "not_found")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/users/"+viewer+"/reset", apiToken(t, ts, "moh@example.ps"), ""), "forbidden")

	// Team marks: a respondent only; the users page shows them.
	moh := strconv.FormatInt(ids["moh@example.ps"], 10)
	r = apiCall(t, ts, http.MethodPut, "/api/v1/users/"+moh+"/team", admin, `{"focal_point":true,"signoff":true}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"focal_point":true`, `"signoff":true`)
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)
	row := func() string {
		body := web.get("/en/admin/users").Body
		i := strings.Index(body, `id="u`+moh+`"`)
		if i < 0 {
			t.Fatal("no row for MOH's respondent")
		}
		return body[i:min(len(body), i+3000)]
	}
	assertContains(t, row(), `name="focal_point" value="1" checked`, `name="signoff" value="1" checked`)
	r = apiCall(t, ts, http.MethodPut, "/api/v1/users/"+moh+"/team", admin, `{"focal_point":false}`)
	assertStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, `"focal_point"`) || strings.Contains(r.Body, `"signoff"`) {
		t.Errorf("marks left after clearing them: %s", r.Body)
	}
	if strings.Contains(row(), "checked") {
		t.Error("the users page still shows a mark cleared through the API")
	}
	r = apiCall(t, ts, http.MethodPut, "/api/v1/users/"+viewer+"/team", admin, `{"focal_point":true}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertAPIError(t, r, "validation")
	assertAPIError(t, apiCall(t, ts, http.MethodPut, "/api/v1/users/"+moh+"/team", admin, `{"focal":true}`), "bad_json")
	assertAPIError(t, apiCall(t, ts, http.MethodPut, "/api/v1/users/999999/team", admin, `{"focal_point":true}`), "not_found")
}

// TestAPIAudit: the log through the API, filtered as on its page, newest
// first, paged by the store.
func TestAPIAudit(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := apiToken(t, ts, "admin@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/invitations", admin, `{"email":"audited@example.ps","role":"respondent","institution":"MOI"}`), http.StatusCreated)

	r := apiCall(t, ts, http.MethodGet, "/api/v1/audit?entity=invitation&user=admin@example.ps&institution=moi&per_page=1", admin, "")
	var page listJSON[auditEventJSON]
	if err := json.Unmarshal([]byte(r.Body), &page); err != nil || len(page.Items) != 1 {
		t.Fatalf("audit %s: %v", r.Body, err)
	}
	e := page.Items[0]
	if e.Entity != "invitation" || e.Key != "audited@example.ps" || e.Actor != "admin@example.ps" || string(e.Before) != "null" || !strings.Contains(string(e.After), "MOI") {
		t.Errorf("the latest invitation event: %+v", e)
	}
	// The same total as the store's for the same filter.
	want, err := st.AuditLogPage(ctx, survey.AuditFilter{Entity: "invitation"}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodePage(t, apiCall(t, ts, http.MethodGet, "/api/v1/audit?entity=invitation", admin, "")); got.Total != want.Total {
		t.Errorf("total %d, the store counts %d", got.Total, want.Total)
	}
	// Dates in the deployment's zone, "to" included; today has the event.
	today := time.Now().In(time.UTC).Format(survey.DateLayout)
	if p := decodePage(t, apiCall(t, ts, http.MethodGet, "/api/v1/audit?entity=invitation&from=2000-01-01&to="+today, admin, "")); p.Total != want.Total {
		t.Errorf("from 2000 to today: %d events, want %d", p.Total, want.Total)
	}
	if p := decodePage(t, apiCall(t, ts, http.MethodGet, "/api/v1/audit?to=2000-01-01", admin, "")); p.Total != 0 {
		t.Errorf("%d events before 2000", p.Total)
	}
	for q, field := range map[string]string{"entity=castle": "entity", "institution=NOPE": "institution", "from=yesterday": "from", "to=2026-13-45": "to"} {
		r := apiCall(t, ts, http.MethodGet, "/api/v1/audit?"+q, admin, "")
		assertStatus(t, r, http.StatusUnprocessableEntity)
		if e := assertAPIError(t, r, "validation"); e.Fields[field] == "" {
			t.Errorf("%s: fields %v", q, e.Fields)
		}
	}
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/audit", apiToken(t, ts, "viewer@example.ps"), ""), "forbidden")
}

// TestAPIOutbox: the list with its filters, one message without its
// token, and "send again" for a failed one only.
func TestAPIOutbox(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := apiToken(t, ts, "admin@example.ps")
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox", admin, "").Body, `"total":0`)
	st.EnableMail("example.ps")
	var token string
	for _, addr := range []string{"fails@example.ps", "waits@example.ps"} {
		_, tok, err := st.CreateInvitation(ctx, 0, survey.InvitationInput{Email: addr, Role: survey.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		token = tok
	}
	claimed, err := st.ClaimMail(ctx, 1, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	failed := strconv.FormatInt(claimed[0].ID, 10)
	if err := st.MarkMailFailed(ctx, claimed[0].ID, 1, survey.RenderedMail{Subject: "s", Text: "t"}, "550 mailbox unavailable", true); err != nil {
		t.Fatal(err)
	}
	r := apiCall(t, ts, http.MethodGet, "/api/v1/outbox?status=failed", admin, "")
	assertContains(t, r.Body, `"total":1`, `"id":`+failed, `"last_error":"550 mailbox unavailable"`, `"sent_at":null`)
	if strings.Contains(r.Body, `"text"`) {
		t.Error("the list carries the bodies")
	}
	all := apiCall(t, ts, http.MethodGet, "/api/v1/outbox?kind=invitation", admin, "").Body
	assertContains(t, all, `"total":2`, `"status":"queued"`)
	if strings.Contains(all, token) {
		t.Error("the outbox shows an invitation's token")
	}
	one := apiCall(t, ts, http.MethodGet, "/api/v1/outbox/"+failed, admin, "")
	assertContains(t, one.Body, `"text":"t"`, `"html":""`)
	for q, field := range map[string]string{"status=lost": "status", "kind=postcard": "kind"} {
		if e := assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox?"+q, admin, ""), "validation"); e.Fields[field] == "" {
			t.Errorf("%s: %v", q, e.Fields)
		}
	}
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox/999999", admin, ""), "not_found")

	// A queued message is not sent again; the failed one is, and the
	// outbox page shows it queued.
	waiting := apiCall(t, ts, http.MethodGet, "/api/v1/outbox?status=queued", admin, "")
	var q listJSON[outboxMessageJSON]
	if err := json.Unmarshal([]byte(waiting.Body), &q); err != nil || len(q.Items) != 1 {
		t.Fatalf("queued %s: %v", waiting.Body, err)
	}
	r = apiCall(t, ts, http.MethodPost, fmt.Sprintf("/api/v1/outbox/%d/resend", q.Items[0].ID), admin, "")
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "not_resendable")
	r = apiCall(t, ts, http.MethodPost, "/api/v1/outbox/"+failed+"/resend", admin, "")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"status":"queued"`)
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)
	if body := web.get("/en/admin/outbox?status=failed").Body; strings.Contains(body, "fails@example.ps") {
		t.Error("the outbox page still lists the message as failed")
	}
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/outbox/"+failed+"/resend", apiToken(t, ts, "viewer@example.ps"), ""), "forbidden")
}

// TestAPIReminders: the preview, a run (refused without mail, then sent,
// then too soon), and the automatic reminders shown on the page.
func TestAPIReminders(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	open := strconv.FormatInt(openRoundID(t, st), 10)
	base := "/api/v1/rounds/" + open + "/reminders"

	r := apiCall(t, ts, http.MethodGet, base, admin, "")
	assertStatus(t, r, http.StatusOK)
	var plan struct {
		States  []string `json:"states"`
		Open    bool     `json:"open"`
		MailOn  bool     `json:"mail_on"`
		Targets []struct {
			Institution string `json:"institution"`
			Status      string `json:"status"`
			Sending     bool   `json:"sending"`
		} `json:"targets"`
		Previews []reminderPreviewJSON `json:"previews"`
	}
	if err := json.Unmarshal([]byte(r.Body), &plan); err != nil || !plan.Open || plan.MailOn || len(plan.States) != len(survey.ReminderStates) || len(plan.Targets) == 0 {
		t.Fatalf("plan %.600s: %v", r.Body, err)
	}
	sending := 0
	for _, tg := range plan.Targets {
		if tg.Sending {
			sending++
		}
	}
	if sending == 0 || len(plan.Previews) == 0 || plan.Previews[0].Subject == "" {
		t.Fatalf("nothing would be sent: %.600s", r.Body)
	}
	one := apiCall(t, ts, http.MethodGet, base+"?state=returned", admin, "")
	assertContains(t, one.Body, `"states":["returned"]`)
	if strings.Contains(one.Body, `"status":"none"`) {
		t.Error("the returned-only preview lists institutions that have not started")
	}
	if e := assertAPIError(t, apiCall(t, ts, http.MethodGet, base+"?state=late", admin, ""), "validation"); e.Fields["state"] == "" {
		t.Errorf("unknown state: %v", e.Fields)
	}

	body := `{"states":["none","draft","returned"]}`
	r = apiCall(t, ts, http.MethodPost, base, admin, body)
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "reminders_need_mail")
	st.EnableMail("example.ps")
	r = apiCall(t, ts, http.MethodPost, base, admin, body)
	assertStatus(t, r, http.StatusOK)
	var run struct{ Institutions, Messages int }
	if err := json.Unmarshal([]byte(r.Body), &run); err != nil || run.Institutions != sending || run.Messages == 0 {
		t.Fatalf("run %s (want %d institutions): %v", r.Body, sending, err)
	}
	r = apiCall(t, ts, http.MethodPost, base, admin, body)
	assertStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/outbox?kind=reminder", admin, "").Body, fmt.Sprintf(`"total":%d`, run.Messages))
	assertAPIError(t, apiCall(t, ts, http.MethodPost, base, admin, `{"states":["late"]}`), "validation")

	// Automatic reminders: PUT takes what GET returned; the page shows them.
	r = apiCall(t, ts, http.MethodGet, base+"/settings", admin, "")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"round_id":`+open, `"first_days":0`)
	r = apiCall(t, ts, http.MethodPut, base+"/settings", admin, `{"round_id":`+open+`,"first_days":9,"second_days":3}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"first_days":9`, `"second_days":3`)
	assertContains(t, apiCall(t, ts, http.MethodGet, base+"/settings", admin, "").Body, `"first_days":9`, `"second_days":3`)
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)
	assertContains(t, web.get("/en/admin/rounds/"+open+"/reminders").Body, `name="first_days" type="text" value="9"`, `name="second_days" type="text" value="3"`)
	r = apiCall(t, ts, http.MethodPut, base+"/settings", admin, `{"first_days":3,"second_days":3}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if e := assertAPIError(t, r, "validation"); e.Fields["second_days"] == "" {
		t.Errorf("the same day twice: %v", e.Fields)
	}
	assertAPIError(t, apiCall(t, ts, http.MethodPut, base+"/settings", admin, `{"first_days":-1}`), "validation")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/999999/reminders/settings", admin, ""), "not_found")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/999999/reminders", admin, ""), "not_found")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, base, apiToken(t, ts, "moh@example.ps"), ""), "forbidden")
}

// TestAPIRoundSettings: public results and the sign-off requirement, set as
// on the board, and refused for the fields that change elsewhere.
func TestAPIRoundSettings(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	pub := roundIDByName(t, st, "2025")
	anon := newClient(t, ts)
	rankings := "/en/rounds/" + pub + "/rankings"
	assertStatus(t, anon.get(rankings), http.StatusOK)

	patch := func(id, body string) response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPatch, ts.URL+"/api/v1/rounds/"+id, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		req.Header.Set("Authorization", "Bearer "+admin)
		return newClient(t, ts).do(req)
	}
	r := patch(pub, `{"public":false}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"public":false`)
	if anon.get(rankings).Status == http.StatusOK {
		t.Error("the rankings of a round made private are still public")
	}
	assertStatus(t, patch(pub, `{"public":true}`), http.StatusOK)
	assertStatus(t, anon.get(rankings), http.StatusOK)

	// A round as listed, sent back with only the flag changed, is accepted.
	open := strconv.FormatInt(openRoundID(t, st), 10)
	var rounds listJSON[map[string]any]
	_ = json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/rounds", admin, "").Body), &rounds)
	var listed map[string]any
	for _, rd := range rounds.Items {
		if fmt.Sprint(rd["id"]) == open {
			listed = rd
		}
	}
	listed["requires_signoff"] = true
	b, _ := json.Marshal(listed)
	r = apiCall(t, ts, http.MethodPatch, "/api/v1/rounds/"+open, admin, string(b))
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"requires_signoff":true`)
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)
	assertContains(t, web.get("/en/admin/rounds/"+open).Body, srvText(t, "en", "board.signoff_turn_off"))
	assertStatus(t, patch(open, `{"requires_signoff":null}`), http.StatusOK)
	assertContains(t, web.get("/en/admin/rounds/"+open).Body, srvText(t, "en", "board.signoff_turn_on"))

	// Refusals: other fields changed, unknown ones, wrong types, a
	// published round's sign-off, another role.
	r = patch(open, `{"name":"renamed","status":"closed"}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if e := assertAPIError(t, r, "validation"); e.Fields["name"] == "" || e.Fields["status"] == "" {
		t.Errorf("read-only fields: %v", e.Fields)
	}
	assertAPIError(t, patch(open, `{"colour":"red"}`), "bad_json")
	assertAPIError(t, patch(open, `{"public":"yes"}`), "bad_json")
	assertAPIError(t, patch(open, `[]`), "bad_json")
	r = patch(pub, `{"requires_signoff":true}`)
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "not_editable")
	assertAPIError(t, patch("999999", `{"public":true}`), "not_found")
	assertAPIError(t, apiCall(t, ts, http.MethodPatch, "/api/v1/rounds/"+open, apiToken(t, ts, "viewer@example.ps"), `{"public":true}`), "forbidden")
}

// srvText is a message of the locale files in lang.
func srvText(t *testing.T, lang, key string) string {
	t.Helper()
	loc, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := loc[lang].messages[key]
	if !ok {
		t.Fatalf("no message %s", key)
	}
	return s
}

// TestAPIMailPreferences: everyone's own, as on the account page.
func TestAPIMailPreferences(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	moh := apiToken(t, ts, "moh@example.ps")
	r := apiCall(t, ts, http.MethodGet, "/api/v1/me/preferences", moh, "")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"lang":"ar"`, `"mail_optout":false`, `"digest":false`)
	// A respondent's digest stays off; the page shows the rest.
	r = apiCall(t, ts, http.MethodPut, "/api/v1/me/preferences", moh, `{"lang":"en","mail_optout":true,"digest":true}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"lang":"en"`, `"mail_optout":true`, `"digest":false`)
	web := newClient(t, ts)
	web.signIn("en", "moh@example.ps", survey.DemoPassword)
	page := web.get("/en/account").Body
	assertContains(t, page, `value="en" checked`)
	if !regexpMust(`name="mail_optout"[^>]*checked`).MatchString(page) {
		t.Error("the account page does not show the opt-out set through the API")
	}
	admin := apiToken(t, ts, "admin@example.ps")
	assertContains(t, apiCall(t, ts, http.MethodPut, "/api/v1/me/preferences", admin, `{"lang":"ar","mail_optout":false,"digest":true}`).Body, `"digest":true`)
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/me/preferences", moh, "").Body, `"lang":"en"`)

	r = apiCall(t, ts, http.MethodPut, "/api/v1/me/preferences", moh, `{"lang":"fr","mail_optout":false,"digest":false}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if e := assertAPIError(t, r, "validation"); e.Fields["lang"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	assertAPIError(t, apiCall(t, ts, http.MethodPut, "/api/v1/me/preferences", moh, `{"lang":"ar","digest":false,"optout":true}`), "bad_json")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/me/preferences", "", ""), "sign_in_required")
}
