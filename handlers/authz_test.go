package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// The authorization matrix: every route of the real router, called as each
// kind of user on the demo data, with real ids. A route added to routes.go
// without a row here fails the test, naming the route.

// authzVerdict is what a role should get from a request.
type authzVerdict uint8

const (
	// vAllow: 2xx, a 3xx that does not send to sign-in or setup, or one of
	// the row's ok statuses (access granted, input or state refused).
	vAllow    authzVerdict = iota
	vDeny                  // 403
	vLogin                 // pages: 303 to /ar/login…; API: 401
	vNotFound              // 404
)

func (v authzVerdict) String() string { return [...]string{"allow", "deny", "login", "notfound"}[v] }

type authzRole int

const (
	asAnon   authzRole = iota
	asA                // respondent of institution A, MOH
	asB                // respondent of institution B, MOI
	asViewer           // viewer
	asAdmin            // admin
	nRoles
)

var (
	authzRoleNames = [nRoles]string{"anon", "A(MOH)", "B(MOI)", "viewer", "admin"}
	authzEmails    = [nRoles]string{"", "moh@example.ps", "moi@example.ps", "viewer@example.ps", "admin@example.ps"}
)

// authzWant is the verdict for anonymous, A, B, viewer and admin, in that order.
type authzWant [nRoles]authzVerdict

var (
	anyone      = authzWant{vAllow, vAllow, vAllow, vAllow, vAllow}
	anySignedIn = authzWant{vLogin, vAllow, vAllow, vAllow, vAllow}
	editorsOnly = authzWant{vLogin, vAllow, vAllow, vDeny, vAllow}
	// ownA: an object of A's institution that only A and admins may see
	// and change (drafts, the catalog form, obstacles).
	ownA = authzWant{vLogin, vAllow, vDeny, vDeny, vAllow}
	ownB = authzWant{vLogin, vDeny, vAllow, vDeny, vAllow}
	// readA: A's object that viewers may read too (catalog, plans, initiatives).
	readA     = authzWant{vLogin, vAllow, vDeny, vAllow, vAllow}
	adminOnly = authzWant{vLogin, vDeny, vDeny, vDeny, vAllow}
	// unpublishedScores: scores of the open round (not closed, not published).
	unpublishedScores = authzWant{vLogin, vDeny, vDeny, vDeny, vAllow}
	// unpublishedScoresAPI: the score API is open to anonymous callers, and
	// a round they may not see answers 403 (not 401) to them.
	unpublishedScoresAPI = authzWant{vDeny, vDeny, vDeny, vDeny, vAllow}
	// setupClosed: once an admin exists, setup sends everyone to sign in.
	setupClosed = authzWant{vLogin, vLogin, vLogin, vLogin, vLogin}
	noneFound   = authzWant{vNotFound, vNotFound, vNotFound, vNotFound, vNotFound}
)

// authzCase is one row: a request and who may make it.
type authzCase struct {
	route string                       // "METHOD pattern" as registered; language routes by their /ar twin
	path  string                       // the request path with {placeholders}; "" means the pattern itself
	label string                       // tells variants of one route apart
	form  func(e *authzEnv) url.Values // page POST fields (the CSRF token is added)
	body  func(e *authzEnv) string     // API body, JSON unless ctype says otherwise
	ctype string
	want  authzWant
	ok    []int // statuses that also mean "allowed": input or state refused after access was granted
	phase int   // 0 first; 1 destructive (throwaway objects, state changes); 2 sign-out
	// secret is text that the roles in hideFrom (B when empty) must not find
	// in an allowed answer, and admin must (or the check proves nothing).
	secret   func(e *authzEnv) string
	hideFrom []authzRole
}

func (cs authzCase) name() string {
	if cs.label == "" {
		return cs.route
	}
	return cs.route + " [" + cs.label + "]"
}

func authzForm(kv ...string) func(*authzEnv) url.Values {
	return func(*authzEnv) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
}

func authzDraftName(*authzEnv) string { return "authz-draft" }

func authzJSON(s string) func(*authzEnv) string {
	return func(e *authzEnv) string { return e.expand(s) }
}

// authzScorePages is a score page in a published public round and in the
// open round.
func authzScorePages(route, suffix string) []authzCase {
	return []authzCase{
		{route: route, path: "/ar/rounds/{r2025}/" + strings.ReplaceAll(suffix, "{round}", "{r2025}"), label: "published public round", want: anyone},
		{route: route, path: "/ar/rounds/{open}/" + strings.ReplaceAll(suffix, "{round}", "{open}"), label: "open round", want: unpublishedScores},
	}
}

func authzCases() []authzCase {
	cases := []authzCase{
		{route: "GET /healthz", want: anyone},
		{route: "GET /static/*filepath", path: "/static/css/marsad.css", want: anyone},
		{route: "GET /sw.js", want: anyone},
		{route: "GET /favicon.ico", want: anyone},
		{route: "GET /", want: anyone},

		// Sign-in, setup, invitations, the public catalog and stories.
		{route: "GET /ar/setup", want: setupClosed},
		{route: "POST /ar/setup", form: authzForm("token", "guess", "email", "x@example.ps", "password", "a-long-password", "password_confirm", "a-long-password"), want: setupClosed},
		{route: "GET /ar/", want: anyone},
		{route: "GET /ar/login", want: anyone},
		// Unknown account: 401 is the sign-in form refusing the credentials.
		{route: "POST /ar/login", form: authzForm("email", "nobody@example.ps", "password", "wrong-password"), want: anyone, ok: []int{http.StatusUnauthorized}},
		{route: "POST /ar/logout", want: anyone, phase: 2},
		{route: "GET /ar/invite/:token", path: "/ar/invite/{inviteToken}", want: anyone},
		{route: "POST /ar/invite/:token", path: "/ar/invite/{inviteToken}", form: authzForm("name", "x", "password", "a-long-password", "password_confirm", "another-password"),
			want: anyone, ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /ar/reset/:token", path: "/ar/reset/{resetToken}", want: anyone},
		{route: "POST /ar/reset/:token", path: "/ar/reset/{resetToken}", form: authzForm("password", "a-long-password", "password_confirm", "another-password"),
			want: anyone, ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /ar/catalog", want: anyone},
		{route: "GET /ar/catalog/:id", path: "/ar/catalog/{svcA}", want: anyone},
		{route: "GET /ar/stories", want: anyone},
		{route: "GET /ar/method/rankings", want: anyone},
		{route: "GET /ar/api", want: anyone},
		{route: "GET /ar/stories/:id", path: "/ar/stories/{story}", label: "approved story", want: anyone},
		{route: "GET /ar/stories/:id", path: "/ar/stories/{initA}", label: "A's initiative, not a story", want: noneFound},
		{route: "GET /ar/stories/:id", path: "/ar/stories/{storyPending}", label: "story awaiting review", want: noneFound},
		// A public story's files are anyone's; no other initiative's are public.
		{route: "GET /ar/stories/:id/evidence/:file", path: "/ar/stories/{story}/evidence/{storyEvidence}", label: "approved story", want: anyone,
			secret: func(*authzEnv) string { return authzEvidenceText + " storyEvidence" }, hideFrom: []authzRole{}},
		{route: "GET /ar/stories/:id/evidence/:file", path: "/ar/stories/{initA}/evidence/{initEvidenceA}", label: "A's initiative, not a story", want: noneFound},
		{route: "GET /ar/stories/:id/evidence/:file", path: "/ar/stories/{storyPending}/evidence/{pendingEvidence}", label: "story awaiting review", want: noneFound},
	}

	// Score pages: a published public round is for everyone, the open
	// round for admins only.
	for _, p := range []struct{ route, suffix string }{
		{"GET /ar/rounds/:id/rankings", "rankings"},
		{"GET /ar/rounds/:id/heatmap", "heatmap"},
		{"GET /ar/rounds/:id/stages", "stages"},
		{"GET /ar/rounds/:id/stages.csv", "stages.csv"},
		{"GET /ar/rounds/:id/stages.xlsx", "stages.xlsx"},
		{"GET /ar/rounds/:id/compare", "compare?c=MOH&c=MOI"},
		{"GET /ar/rounds/:id/rankings.csv", "rankings.csv"},
		{"GET /ar/rounds/:id/rankings.xlsx", "rankings.xlsx"},
		{"GET /ar/rounds/:id/dashboard", "dashboard"},
		{"GET /ar/rounds/:id/dashboard.html", "dashboard.html"},
		{"GET /ar/rounds/:id/dashboard.csv", "dashboard.csv?chart=chart_leaderboard_{round}"},
		{"GET /ar/rounds/:id/dashboard.xlsx", "dashboard.xlsx?chart=chart_leaderboard_{round}"},
	} {
		cases = append(cases, authzScorePages(p.route, p.suffix)...)
	}
	cases = append(cases, []authzCase{
		{route: "GET /ar/present/:id", path: "/ar/present/{r2025}", label: "published public round", want: anyone},
		{route: "GET /ar/present/:id", path: "/ar/present/{open}", label: "open round", want: unpublishedScores},
		{route: "GET /ar/rounds/:id/scorecards/:code", path: "/ar/rounds/{r2025}/scorecards/MOH", label: "published A", want: anyone},
		// A's draft has no score yet: A and admin get past the check to 404.
		{route: "GET /ar/rounds/:id/scorecards/:code", path: "/ar/rounds/{open}/scorecards/MOH", label: "open round, A (draft)",
			want: authzWant{vLogin, vNotFound, vDeny, vDeny, vNotFound}},
		{route: "GET /ar/rounds/:id/scorecards/:code", path: "/ar/rounds/{open}/scorecards/{scored}", label: "open round, a submitted score",
			want: unpublishedScores},

		// The catalog: respondents their own institution's, admins any.
		{route: "GET /ar/services", want: editorsOnly},
		// A respondent's work page: only respondents, each seeing their own
		// institution (admins and viewers have the board and dashboards).
		{route: "GET /ar/work", want: authzWant{vLogin, vAllow, vAllow, vDeny, vDeny},
			secret: func(*authzEnv) string { return "/responses/MOH" }},
		{route: "GET /ar/institutions/:code/services", path: "/ar/institutions/MOH/services", label: "A", want: ownA},
		{route: "GET /ar/institutions/:code/services", path: "/ar/institutions/MOI/services", label: "B", want: ownB},
		{route: "GET /ar/institutions/:code/services/new", path: "/ar/institutions/MOH/services/new", want: ownA},
		{route: "POST /ar/institutions/:code/services", path: "/ar/institutions/MOH/services", want: ownA,
			form: authzForm("code", "AZ-FORM", "name_ar", "خدمة عبر النموذج", "category", "birth-family", "audience", "citizens",
				"channels", "counter", "stage", "0", "languages", "ar", "status", "active")},
		{route: "GET /ar/services/:id/edit", path: "/ar/services/{svcA}/edit", label: "A's service", want: ownA},
		{route: "GET /ar/services/:id/edit", path: "/ar/services/{svcB}/edit", label: "B's service", want: ownB},
		{route: "POST /ar/services/:id", path: "/ar/services/{svcA}", want: ownA, form: func(e *authzEnv) url.Values { return e.serviceForm("svcA") }},
		{route: "POST /ar/services/:id/retire", path: "/ar/services/{svcRetire}/retire", want: ownA, phase: 1},

		// A's response in the open round.
		{route: "GET /ar/rounds/:id/responses/:code", path: "/ar/rounds/{open}/responses/MOH", label: "A, open round", want: ownA},
		{route: "GET /ar/rounds/:id/responses/:code", path: "/ar/rounds/{open}/responses/MOI", label: "B, open round", want: ownB},
		{route: "GET /ar/rounds/:id/responses/:code", path: "/ar/rounds/{r2025}/responses/MOH", label: "A, past round", want: ownA},
		{route: "POST /ar/rounds/:id/responses/:code", path: "/ar/rounds/{open}/responses/MOH", want: ownA, form: (*authzEnv).sectionForm},
		{route: "POST /ar/rounds/:id/responses/:code/prefill", path: "/ar/rounds/{open}/responses/MOH/prefill", want: ownA, phase: 1},
		// Before submitting, which makes the response read-only.
		{route: "POST /ar/rounds/:id/responses/:code/evidence/:file/delete", path: "/ar/rounds/{open}/responses/MOH/evidence/{evidenceDetach}/delete", want: ownA, phase: 1},
		// Submitting: 422 while incomplete, 409 once already submitted.
		{route: "POST /ar/rounds/:id/responses/:code/submit", path: "/ar/rounds/{open}/responses/MOH/submit", want: ownA, phase: 1,
			ok: []int{http.StatusUnprocessableEntity, http.StatusConflict}},
		{route: "GET /ar/rounds/:id/responses/:code/xlsx", path: "/ar/rounds/{open}/responses/MOH/xlsx", want: ownA},
		// No file: 422 once access is granted.
		{route: "POST /ar/rounds/:id/responses/:code/xlsx", path: "/ar/rounds/{open}/responses/MOH/xlsx", want: ownA, ok: []int{http.StatusUnprocessableEntity}},
		{route: "POST /ar/rounds/:id/responses/:code/xlsx/apply", path: "/ar/rounds/{open}/responses/MOH/xlsx/apply", want: ownA, form: authzForm("changes", "[]")},
		{route: "GET /ar/rounds/:id/responses/:code/obstacles", path: "/ar/rounds/{open}/responses/MOH/obstacles", want: ownA},
		// Evidence files: the institution's respondents and the coordinator, not viewers.
		{route: "GET /ar/rounds/:id/responses/:code/evidence", path: "/ar/rounds/{open}/responses/MOH/evidence", want: ownA,
			secret: func(*authzEnv) string { return "evidenceA" }},
		// No file: 422 once access is granted.
		{route: "POST /ar/rounds/:id/responses/:code/evidence", path: "/ar/rounds/{open}/responses/MOH/evidence", want: ownA, ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /ar/rounds/:id/responses/:code/evidence/:file", path: "/ar/rounds/{open}/responses/MOH/evidence/{evidenceA}", want: ownA,
			secret: func(*authzEnv) string { return authzEvidenceText }},
		{route: "GET /ar/rounds/:id/responses/:code/evidence/:file", path: "/ar/rounds/{open}/responses/MOI/evidence/{evidenceA}", label: "A's file under B's response",
			// B and the coordinator may open B's response (which makes its
			// draft), where A's file is not found.
			want: authzWant{vLogin, vDeny, vAllow, vDeny, vAllow}, ok: []int{http.StatusNotFound}},
		{route: "POST /ar/rounds/:id/responses/:code/obstacles", path: "/ar/rounds/{open}/responses/MOH/obstacles", want: ownA, form: (*authzEnv).obstaclesForm},

		// Initiatives and plans.
		{route: "GET /ar/institutions/:code/initiatives/new", path: "/ar/institutions/MOH/initiatives/new", want: ownA},
		{route: "POST /ar/institutions/:code/initiatives", path: "/ar/institutions/MOH/initiatives", want: ownA,
			form: func(*authzEnv) url.Values { return initiativeValues("مبادرة عبر النموذج") }},
		{route: "GET /ar/initiatives/:id/edit", path: "/ar/initiatives/{initA}/edit", want: ownA},
		{route: "POST /ar/initiatives/:id", path: "/ar/initiatives/{initA}", want: ownA, form: func(e *authzEnv) url.Values { return e.initiativeForm("initA") }},
		{route: "POST /ar/initiatives/:id/archive", path: "/ar/initiatives/{initArchive}/archive", want: ownA, phase: 1},
		{route: "POST /ar/initiatives/:id/restore", path: "/ar/initiatives/{initA}/restore", want: ownA},
		// Initiatives' files: the institution's respondents and the coordinator, not viewers.
		// No file: 422 once access is granted.
		{route: "POST /ar/initiatives/:id/evidence", path: "/ar/initiatives/{initA}/evidence", want: ownA, ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /ar/initiatives/:id/evidence/:file", path: "/ar/initiatives/{initA}/evidence/{initEvidenceA}", want: ownA,
			secret: func(*authzEnv) string { return authzEvidenceText + " initEvidenceA" }},
		{route: "GET /ar/initiatives/:id/evidence/:file", path: "/ar/initiatives/{storyPending}/evidence/{pendingEvidence}", label: "story awaiting review", want: ownA},
		{route: "POST /ar/initiatives/:id/evidence/:file/delete", path: "/ar/initiatives/{initA}/evidence/{initEvidenceDetach}/delete", want: ownA, phase: 1},
		{route: "POST /ar/rounds/:id/plans/:code", path: "/ar/rounds/{r2025}/plans/MOH", want: ownA,
			form: authzForm("text_ar", "إجراء عبر النموذج", "owner", "مدير تكنولوجيا المعلومات", "target_round", "2026", "progress", "planned")},
		{route: "POST /ar/plans/:id", path: "/ar/plans/{planA}", want: ownA, form: func(e *authzEnv) url.Values { return e.planForm("planA") }},
		{route: "POST /ar/plans/:id/delete", path: "/ar/plans/{planDelete}/delete", want: ownA, phase: 1},

		// Draft rounds are the coordinator's: others do not see them listed.
		{route: "GET /ar/rounds", want: anySignedIn, secret: authzDraftName, hideFrom: []authzRole{asA, asB, asViewer}},
		// Visitors read the public registry there: never A's private initiative.
		{route: "GET /ar/initiatives", path: "/ar/initiatives?institution=MOH", want: anyone, secret: (*authzEnv).initiativeATitle, hideFrom: []authzRole{asAnon, asB}},
		{route: "GET /ar/initiatives.csv", path: "/ar/initiatives.csv?institution=MOH", want: anySignedIn, secret: (*authzEnv).initiativeATitle},
		{route: "GET /ar/initiatives.xlsx", path: "/ar/initiatives.xlsx?institution=MOH", want: anySignedIn},
		{route: "GET /ar/initiatives/:id", path: "/ar/initiatives/{initA}", label: "A's, not public", want: authzWant{vNotFound, vAllow, vDeny, vAllow, vAllow}},
		{route: "GET /ar/initiatives/:id", path: "/ar/initiatives/{initPublic}", label: "in the public registry", want: anyone},
		// Respondents are sent on to their own plan.
		{route: "GET /ar/rounds/:id/plans", path: "/ar/rounds/{r2025}/plans", want: anySignedIn},
		{route: "GET /ar/rounds/:id/plans/:code", path: "/ar/rounds/{r2025}/plans/MOH", label: "A's plan", want: readA},
		{route: "GET /ar/rounds/:id/plans/:code", path: "/ar/rounds/{open}/plans/MOI", label: "B's plan, open round", want: authzWant{vLogin, vDeny, vAllow, vAllow, vAllow}},
		// The account page: each person's own mail preferences (account.go).
		{route: "GET /ar/account", want: anySignedIn},
		{route: "POST /ar/account", want: anySignedIn, form: authzForm("mail_lang", "ar")},
		// Personal access tokens (tokens.go): each person's own; an id that
		// is not theirs is not found.
		{route: "POST /ar/account/tokens", want: anySignedIn, form: authzForm("token_name", "authz", "token_scope", "read", "token_days", "7")},
		{route: "POST /ar/account/tokens/:id/revoke", path: "/ar/account/tokens/999999/revoke", want: authzWant{vLogin, vNotFound, vNotFound, vNotFound, vNotFound}},

		// The coordinator's pages.
		{route: "GET /ar/admin/institutions", want: adminOnly},
		{route: "GET /ar/admin/institutions/new", want: adminOnly},
		{route: "POST /ar/admin/institutions", want: adminOnly,
			form: authzForm("code", "ZFORM", "name_ar", "مؤسسة عبر النموذج", "kind", "agency", "sector", "ict", "region", "gaza")},
		{route: "GET /ar/admin/institutions/import", want: adminOnly},
		{route: "POST /ar/admin/institutions/import", want: adminOnly, ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /ar/admin/institutions/export.csv", want: adminOnly},
		{route: "GET /ar/admin/institutions/:code/edit", path: "/ar/admin/institutions/MOH/edit", want: adminOnly},
		{route: "POST /ar/admin/institutions/:code", path: "/ar/admin/institutions/MOH", want: adminOnly, form: (*authzEnv).institutionForm},
		{route: "POST /ar/admin/institutions/:code/active", path: "/ar/admin/institutions/MOH/active", want: adminOnly, form: authzForm("active", "1")},
		{route: "GET /ar/admin/invitations", want: adminOnly},
		{route: "POST /ar/admin/invitations", want: adminOnly, form: authzForm("email", "az-form@example.ps", "role", "viewer")},
		{route: "POST /ar/admin/invitations/:id/revoke", path: "/ar/admin/invitations/{inviteRevoke}/revoke", want: adminOnly, phase: 1},
		{route: "GET /ar/admin/users", want: adminOnly},
		{route: "GET /ar/admin/outbox", want: adminOnly},
		{route: "GET /ar/admin/outbox/:id", path: "/ar/admin/outbox/{mail}", want: adminOnly},
		{route: "POST /ar/admin/outbox/:id/resend", path: "/ar/admin/outbox/{mail}/resend", want: adminOnly, phase: 1},
		{route: "POST /ar/admin/users/:id/reset", path: "/ar/admin/users/{userReset}/reset", want: adminOnly, phase: 1},
		{route: "POST /ar/admin/users/:id/active", path: "/ar/admin/users/{userToggle}/active", want: adminOnly, phase: 1, form: authzForm("active", "0")},

		// Teams (teams.go). A (moh@example.ps) is MOH's focal point in the
		// demo; B is a respondent who is not: focal-point pages are 403 to
		// B, and to viewers and the coordinator (who has the users page).
		{route: "GET /ar/team", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny},
			secret: func(*authzEnv) string { return "moh-head@example.ps" }},
		{route: "GET /ar/team/activity", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}},
		{route: "POST /ar/team/invitations", form: authzForm("email", "az-colleague@example.ps"), want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}},
		{route: "POST /ar/team/invitations/:id/revoke", path: "/ar/team/invitations/{teamInvite}/revoke", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}, phase: 1},
		{route: "POST /ar/team/users/:id/active", path: "/ar/team/users/{colleagueToggle}/active", form: authzForm("active", "0"),
			want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}, phase: 1},
		// Assignments: the coordinator and the institution's focal point.
		{route: "GET /ar/rounds/:id/responses/:code/assignments", path: "/ar/rounds/{open}/responses/MOH/assignments", want: ownA},
		{route: "GET /ar/rounds/:id/responses/:code/assignments", path: "/ar/rounds/{open}/responses/MOI/assignments", label: "B's, B not a focal point",
			want: authzWant{vLogin, vDeny, vDeny, vDeny, vAllow}},
		{route: "POST /ar/rounds/:id/responses/:code/assignments", path: "/ar/rounds/{open}/responses/MOH/assignments", want: ownA,
			form: func(e *authzEnv) url.Values { return url.Values{"section": {e.q.Def.Sections[0].ID}, "user": {"0"}} }},
		// Sign-off: the summary for the institution and the coordinator; the
		// decisions for the head only (none of the matrix's roles). The open
		// round does not require sign-off: sending is 409 once allowed.
		{route: "GET /ar/rounds/:id/responses/:code/signoff", path: "/ar/rounds/{open}/responses/MOH/signoff", want: ownA},
		{route: "POST /ar/rounds/:id/responses/:code/signoff/request", path: "/ar/rounds/{open}/responses/MOH/signoff/request", want: ownA,
			ok: []int{http.StatusConflict}},
		{route: "POST /ar/rounds/:id/responses/:code/signoff/approve", path: "/ar/rounds/{open}/responses/MOH/signoff/approve",
			want: authzWant{vLogin, vDeny, vDeny, vDeny, vDeny}},
		{route: "POST /ar/rounds/:id/responses/:code/signoff/send-back", path: "/ar/rounds/{open}/responses/MOH/signoff/send-back",
			form: authzForm("comment", "أعيدوا النظر في المحور الأول"), want: authzWant{vLogin, vDeny, vDeny, vDeny, vDeny}},
		{route: "POST /ar/admin/users/:id/team", path: "/ar/admin/users/{teamFlags}/team", form: authzForm("focal_point", "1"), want: adminOnly},
		{route: "POST /ar/admin/rounds/:id/signoff", path: "/ar/admin/rounds/{draft}/signoff", form: authzForm("requires_signoff", "1"), want: adminOnly},
		{route: "GET /ar/admin/services", want: adminOnly},
		{route: "GET /ar/admin/services/export.csv", want: adminOnly},
		{route: "GET /ar/admin/services/export.xlsx", want: adminOnly},
		{route: "POST /ar/admin/services/import", want: adminOnly, ok: []int{http.StatusUnprocessableEntity}},
		{route: "POST /ar/admin/services/check", want: adminOnly},
		{route: "POST /ar/admin/rounds", want: adminOnly, form: func(e *authzEnv) url.Values {
			return url.Values{"name": {"authz-form"}, "questionnaire": {e.ids["qid"]}, "deadline": {"2027-06-30"}}
		}},
		{route: "POST /ar/admin/rounds/:id", path: "/ar/admin/rounds/{r2025}", want: adminOnly, form: authzForm("action", "public")},
		{route: "GET /ar/admin/rounds/:id", path: "/ar/admin/rounds/{open}", want: adminOnly},
		{route: "GET /ar/admin/rounds/:id/responses/:code", path: "/ar/admin/rounds/{open}/responses/MOH", want: adminOnly},
		{route: "POST /ar/admin/rounds/:id/responses/:code", path: "/ar/admin/rounds/{open}/responses/MOH", want: adminOnly},
		{route: "POST /ar/admin/rounds/:id/answers", path: "/ar/admin/rounds/{open}/answers", want: adminOnly, ok: []int{http.StatusUnprocessableEntity}},
		// A round's life: extensions, deletion of a round never published,
		// archiving a published one (2024, which no other row reads).
		{route: "GET /ar/admin/rounds/archived", want: adminOnly},
		{route: "GET /ar/admin/rounds/:id/extensions/:code", path: "/ar/admin/rounds/{open}/extensions/MOH", want: adminOnly},
		{route: "POST /ar/admin/rounds/:id/extensions/:code", path: "/ar/admin/rounds/{open}/extensions/MOH", want: adminOnly,
			form: authzForm("until", "2099-01-31", "reason", "طلب مكتوب")},
		{route: "POST /ar/admin/rounds/:id/extensions/:code/revoke", path: "/ar/admin/rounds/{open}/extensions/MOH/revoke", want: adminOnly, phase: 1},
		// Reminders (reminders.go): mail is off on the matrix's server, so a
		// confirmed run is refused (409) once access is granted.
		{route: "GET /ar/admin/rounds/:id/reminders", path: "/ar/admin/rounds/{open}/reminders", want: adminOnly},
		{route: "POST /ar/admin/rounds/:id/reminders", path: "/ar/admin/rounds/{open}/reminders", want: adminOnly,
			form: authzForm("state", "none"), ok: []int{http.StatusConflict}},
		{route: "POST /ar/admin/rounds/:id/reminders/settings", path: "/ar/admin/rounds/{open}/reminders/settings", want: adminOnly,
			form: authzForm("first_days", "7", "second_days", "2")},
		{route: "GET /ar/admin/rounds/:id/delete", path: "/ar/admin/rounds/{roundDelete}/delete", want: adminOnly},
		{route: "POST /ar/admin/rounds/:id/delete", path: "/ar/admin/rounds/{roundDelete}/delete", want: adminOnly, phase: 1,
			form: authzForm("responses", "0", "answers", "0")},
		{route: "POST /ar/admin/rounds/:id/archive", path: "/ar/admin/rounds/{r2024}/archive", want: adminOnly, phase: 1},
		{route: "POST /ar/admin/rounds/:id/restore", path: "/ar/admin/rounds/{r2024}/restore", want: adminOnly, phase: 1},
		{route: "GET /ar/admin/audit", want: adminOnly},
		{route: "GET /ar/admin/audit.csv", want: adminOnly},
		{route: "GET /ar/admin/stories", want: adminOnly},
		{route: "GET /ar/admin/evidence", want: adminOnly},
		{route: "POST /ar/admin/evidence", want: adminOnly, form: authzForm("file_mb", "10", "round_mb", "100")},
		{route: "GET /ar/open-data", want: anyone},
		{route: "GET /ar/admin/open-data", want: adminOnly},
		{route: "POST /ar/admin/open-data", want: adminOnly, form: authzForm("licence", "cc-by-4.0", "publisher_ar", "وزارة الاتصالات والاقتصاد الرقمي")},
		{route: "POST /ar/admin/initiatives/:id/public", path: "/ar/admin/initiatives/{initPublish}/public", want: adminOnly, phase: 1,
			form: func(e *authzEnv) url.Values {
				return url.Values{"public": {"1"}, "version": {strconv.FormatInt(e.initiative("initPublish").Version, 10)}}
			}},
		{route: "POST /ar/admin/initiatives/:id/story", path: "/ar/admin/initiatives/{storyPending}/story", want: adminOnly, phase: 1,
			form: func(e *authzEnv) url.Values { return e.storyDecision("storyPending") }},
		{route: "GET /ar/admin/obstacles", want: adminOnly},
		{route: "POST /ar/admin/obstacles", want: adminOnly, form: (*authzEnv).obstacleListForm},
		{route: "GET /ar/admin/questionnaires", want: adminOnly},
		{route: "POST /ar/admin/questionnaires", want: adminOnly, ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /ar/admin/questionnaires/:id", path: "/ar/admin/questionnaires/{qid}", want: adminOnly},
		{route: "GET /ar/admin/questionnaires/:id/version", path: "/ar/admin/questionnaires/{qid}/version", want: adminOnly},
		{route: "POST /ar/admin/questionnaires/:id/predecessor", path: "/ar/admin/questionnaires/{qid}/predecessor", want: adminOnly,
			form: authzForm("predecessor", "")},

		// The API, with bearer tokens.
		{route: "POST /api/v1/auth/login", want: anyone, body: authzJSON(`{"email":"viewer@example.ps","password":"` + survey.DemoPassword + `"}`)},
		{route: "POST /api/v1/auth/logout", want: anyone, phase: 2},
		{route: "GET /api/v1/openapi.json", want: anyone},
		{route: "GET /api/v1/catalog", want: anyone},
		{route: "GET /api/v1/catalog.csv", want: anyone},
		{route: "GET /api/v1/catalog.jsonld", want: anyone},
		{route: "GET /api/v1/vocab.jsonld", want: anyone},
		{route: "GET /api/v1/dcat", want: anyone},
		// Microdata and codebook (microdata.go): a published public round's
		// for anyone; an open round has none, for nobody.
		{route: "GET /api/v1/rounds/:id/microdata.csv", path: "/api/v1/rounds/{r2025}/microdata.csv", label: "published public round", want: anyone},
		{route: "GET /api/v1/rounds/:id/microdata.csv", path: "/api/v1/rounds/{open}/microdata.csv", label: "open round", want: noneFound},
		{route: "GET /api/v1/rounds/:id/microdata.xlsx", path: "/api/v1/rounds/{r2025}/microdata.xlsx", label: "published public round", want: anyone},
		{route: "GET /api/v1/rounds/:id/microdata.xlsx", path: "/api/v1/rounds/{open}/microdata.xlsx", label: "open round", want: noneFound},
		{route: "GET /api/v1/rounds/:id/microdata.json", path: "/api/v1/rounds/{r2025}/microdata.json", label: "published public round", want: anyone},
		{route: "GET /api/v1/rounds/:id/microdata.json", path: "/api/v1/rounds/{open}/microdata.json", label: "open round", want: noneFound},
		{route: "GET /api/v1/rounds/:id/codebook.json", path: "/api/v1/rounds/{r2025}/codebook.json", label: "published public round", want: anyone},
		{route: "GET /api/v1/rounds/:id/codebook.json", path: "/api/v1/rounds/{open}/codebook.json", label: "open round", want: noneFound},
		// The public registry of initiatives and the stories (initiatives_public.go).
		{route: "GET /api/v1/open/initiatives", want: anyone},
		{route: "GET /api/v1/open/initiatives.csv", want: anyone},
		{route: "GET /api/v1/open/stories", want: anyone},
		{route: "GET /api/v1/rounds/:id/dashboard", path: "/api/v1/rounds/{r2025}/dashboard", label: "published public round", want: anyone},
		{route: "GET /api/v1/rounds/:id/dashboard", path: "/api/v1/rounds/{open}/dashboard", label: "open round", want: unpublishedScoresAPI},
		{route: "GET /api/v1/rounds/:id/scores", path: "/api/v1/rounds/{r2025}/scores", label: "published public round", want: anyone},
		{route: "GET /api/v1/rounds/:id/scores", path: "/api/v1/rounds/{open}/scores", label: "open round", want: unpublishedScoresAPI},
		{route: "GET /api/v1/rounds/:id/institutions/:code/scorecard", path: "/api/v1/rounds/{r2025}/institutions/MOH/scorecard", label: "published A", want: anyone},
		{route: "GET /api/v1/rounds/:id/institutions/:code/scorecard", path: "/api/v1/rounds/{open}/institutions/MOH/scorecard", label: "open round, A (draft)",
			want: authzWant{vDeny, vNotFound, vDeny, vDeny, vNotFound}},
		{route: "GET /api/v1/rounds/:id/institutions/:code/scorecard", path: "/api/v1/rounds/{open}/institutions/{scored}/scorecard", label: "open round, a submitted score",
			want: unpublishedScoresAPI},
		{route: "GET /api/v1/me", want: anySignedIn},
		{route: "GET /api/v1/me/tokens", want: anySignedIn},
		{route: "POST /api/v1/me/tokens", want: anySignedIn, body: authzJSON(`{"name":"authz","scope":"read","days":7}`)},
		{route: "DELETE /api/v1/me/tokens/:id", path: "/api/v1/me/tokens/999999", want: authzWant{vLogin, vNotFound, vNotFound, vNotFound, vNotFound}},
		{route: "GET /api/v1/institutions", want: anySignedIn},
		{route: "GET /api/v1/institutions/:code", path: "/api/v1/institutions/MOH", label: "active", want: anySignedIn},
		{route: "GET /api/v1/institutions/:code", path: "/api/v1/institutions/ZOFF", label: "inactive", want: authzWant{vLogin, vNotFound, vNotFound, vNotFound, vAllow}},
		{route: "GET /api/v1/institutions/:code/services", path: "/api/v1/institutions/MOH/services", want: readA},
		{route: "GET /api/v1/services/:id", path: "/api/v1/services/{svcA}", want: readA},
		{route: "POST /api/v1/institutions/:code/services", path: "/api/v1/institutions/MOH/services", want: ownA,
			body: authzJSON(`{"code":"AZ-API","name_ar":"خدمة عبر الواجهة","category":"health","audience":["citizens"],"channels":["counter"],"stage":0,"languages":["ar"],"status":"active"}`)},
		{route: "PUT /api/v1/services/:id", path: "/api/v1/services/{svcA}", want: ownA, body: func(e *authzEnv) string { return e.serviceJSON("svcA") }},
		{route: "PATCH /api/v1/services/:id", path: "/api/v1/services/{svcA}", want: ownA, body: func(e *authzEnv) string { return e.serviceJSON("svcA") }},
		{route: "DELETE /api/v1/services/:id", path: "/api/v1/services/{svcDelete}", want: ownA, phase: 1},
		{route: "GET /api/v1/initiatives", path: "/api/v1/initiatives?institution=MOH", want: anySignedIn, secret: (*authzEnv).initiativeATitle},
		{route: "GET /api/v1/initiatives/:id", path: "/api/v1/initiatives/{initA}", want: readA},
		{route: "GET /api/v1/institutions/:code/initiatives", path: "/api/v1/institutions/MOH/initiatives", want: readA},
		{route: "POST /api/v1/institutions/:code/initiatives", path: "/api/v1/institutions/MOH/initiatives", want: ownA,
			body: authzJSON(`{"title_ar":"مبادرة عبر الواجهة","status":"in_progress","budget_band":"unknown"}`)},
		{route: "PUT /api/v1/initiatives/:id", path: "/api/v1/initiatives/{initA}", want: ownA, body: func(e *authzEnv) string { return e.initiativeJSON("initA") }},
		{route: "PATCH /api/v1/initiatives/:id", path: "/api/v1/initiatives/{initA}", want: ownA, body: func(e *authzEnv) string { return e.initiativeJSON("initA") }},
		{route: "DELETE /api/v1/initiatives/:id", path: "/api/v1/initiatives/{initDelete}", want: ownA, phase: 1},
		{route: "POST /api/v1/initiatives/:id/restore", path: "/api/v1/initiatives/{initA}/restore", want: ownA},
		{route: "GET /api/v1/rounds", want: anySignedIn, secret: authzDraftName, hideFrom: []authzRole{asA, asB, asViewer}},
		{route: "GET /api/v1/rounds/:id/questionnaire", path: "/api/v1/rounds/{open}/questionnaire", label: "open round", want: anySignedIn},
		{route: "GET /api/v1/rounds/:id/questionnaire", path: "/api/v1/rounds/{draft}/questionnaire", label: "draft round", want: authzWant{vLogin, vNotFound, vNotFound, vNotFound, vAllow}},
		{route: "GET /api/v1/rounds/:id/responses/:code", path: "/api/v1/rounds/{open}/responses/MOH", label: "A", want: ownA},
		{route: "GET /api/v1/rounds/:id/responses/:code", path: "/api/v1/rounds/{open}/responses/MOI", label: "B", want: ownB},
		{route: "PUT /api/v1/rounds/:id/responses/:code/answers/:item", path: "/api/v1/rounds/{open}/responses/MOH/answers/{item}", want: ownA, body: (*authzEnv).answerJSON},
		{route: "PUT /api/v1/rounds/:id/responses/:code/answers", path: "/api/v1/rounds/{open}/responses/MOH/answers", want: ownA, body: (*authzEnv).answersJSON},
		{route: "GET /api/v1/rounds/:id/responses/:code/prefill", path: "/api/v1/rounds/{open}/responses/MOH/prefill", label: "A", want: ownA},
		// 409 once the page's pre-fill and submit rows before it sent A's response in.
		{route: "POST /api/v1/rounds/:id/responses/:code/prefill", path: "/api/v1/rounds/{open}/responses/MOH/prefill", want: ownA, phase: 1,
			body: authzJSON(`{}`), ok: []int{http.StatusConflict}},
		// A respondent may not accept (review) a response, even its own; for
		// admin a draft cannot be accepted (409).
		{route: "POST /api/v1/rounds/:id/responses/:code/:action", path: "/api/v1/rounds/{open}/responses/MOH/accept", label: "accept", want: adminOnly,
			ok: []int{http.StatusConflict}},
		{route: "POST /api/v1/rounds/:id/responses/:code/:action", path: "/api/v1/rounds/{open}/responses/MOH/submit", label: "submit", want: ownA, phase: 1,
			ok: []int{http.StatusUnprocessableEntity, http.StatusConflict}},
		{route: "POST /api/v1/institutions", want: adminOnly,
			body: authzJSON(`{"code":"ZAPI","name_ar":"مؤسسة عبر الواجهة","kind":"agency","sector":"ict","region":"abroad"}`)},
		{route: "PUT /api/v1/institutions/:code", path: "/api/v1/institutions/MOH", want: adminOnly, body: (*authzEnv).institutionJSON},
		{route: "PATCH /api/v1/institutions/:code", path: "/api/v1/institutions/MOH", want: adminOnly, body: (*authzEnv).institutionJSON},
		{route: "DELETE /api/v1/institutions/:code", path: "/api/v1/institutions/ZDEL", want: adminOnly, phase: 1},
		{route: "POST /api/v1/institutions/:code/activate", path: "/api/v1/institutions/ZOFF/activate", want: adminOnly, phase: 1},
		{route: "GET /api/v1/users", want: adminOnly},
		{route: "POST /api/v1/users/:id/deactivate", path: "/api/v1/users/{userToggle}/deactivate", want: adminOnly, phase: 1},
		{route: "POST /api/v1/users/:id/activate", path: "/api/v1/users/{userToggle}/activate", want: adminOnly, phase: 1},
		{route: "POST /api/v1/rounds", want: adminOnly, body: authzJSON(`{"name":"authz-api","questionnaire_id":{qid},"deadline":"2027-06-30"}`)},
		{route: "POST /api/v1/rounds/:id/:action", path: "/api/v1/rounds/{draft}/open", want: adminOnly, phase: 1},
		{route: "GET /api/v1/rounds/archived", want: adminOnly},
		{route: "GET /api/v1/rounds/:id/extensions", path: "/api/v1/rounds/{open}/extensions", want: adminOnly},
		{route: "PUT /api/v1/rounds/:id/extensions/:code", path: "/api/v1/rounds/{open}/extensions/MOI", want: adminOnly,
			body: authzJSON(`{"until":"2099-01-31","reason":"request"}`)},
		{route: "DELETE /api/v1/rounds/:id/extensions/:code", path: "/api/v1/rounds/{open}/extensions/MOI", want: adminOnly, phase: 1},
		{route: "GET /api/v1/rounds/:id/contents", path: "/api/v1/rounds/{roundDeleteAPI}/contents", want: adminOnly},
		{route: "DELETE /api/v1/rounds/:id", path: "/api/v1/rounds/{roundDeleteAPI}?responses=0&answers=0", want: adminOnly, phase: 1},
		{route: "POST /api/v1/rounds/:id/archive", path: "/api/v1/rounds/{r2024}/archive", want: adminOnly, phase: 1},
		{route: "POST /api/v1/rounds/:id/restore", path: "/api/v1/rounds/{r2024}/restore", want: adminOnly, phase: 1},
		// A file without the expected header: 422 once access is granted.
		{route: "POST /api/v1/rounds/:id/answers/import", path: "/api/v1/rounds/{open}/answers/import", want: adminOnly, ctype: "text/csv",
			body: authzJSON("a,b\n1,2\n"), ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /api/v1/questionnaires", want: adminOnly},
		{route: "POST /api/v1/questionnaires", want: adminOnly, body: (*authzEnv).questionnaireJSON},
		{route: "PUT /api/v1/questionnaires/:id/predecessor", path: "/api/v1/questionnaires/{qid}/predecessor", want: adminOnly,
			body: authzJSON(`{"predecessor_id":0}`)},
		// A response and what follows it (api-work: work_api.go,
		// teams_api.go, evidence_api.go), as on the pages above.
		{route: "GET /api/v1/obstacles", want: anySignedIn},
		{route: "POST /api/v1/obstacles", want: adminOnly,
			body: authzJSON(`{"code":"az_api","kind":"internal","label_ar":"معيق عبر الواجهة","position":90,"active":true}`)},
		{route: "PUT /api/v1/obstacles/:id", path: "/api/v1/obstacles/{obstacle}", want: adminOnly, body: (*authzEnv).obstacleJSON},
		{route: "GET /api/v1/rounds/:id/responses/:code/obstacles", path: "/api/v1/rounds/{open}/responses/MOH/obstacles", want: ownA},
		{route: "PUT /api/v1/rounds/:id/responses/:code/obstacles", path: "/api/v1/rounds/{open}/responses/MOH/obstacles", want: ownA,
			body: (*authzEnv).obstacleRatingsJSON},
		{route: "GET /api/v1/rounds/:id/plans", path: "/api/v1/rounds/{r2025}/plans", want: anySignedIn},
		{route: "GET /api/v1/rounds/:id/plans/:code", path: "/api/v1/rounds/{r2025}/plans/MOH", label: "A's plan", want: readA},
		{route: "GET /api/v1/rounds/:id/plans/:code", path: "/api/v1/rounds/{open}/plans/MOI", label: "B's plan, open round", want: authzWant{vLogin, vDeny, vAllow, vAllow, vAllow}},
		{route: "POST /api/v1/rounds/:id/plans/:code", path: "/api/v1/rounds/{r2025}/plans/MOH", want: ownA,
			body: authzJSON(`{"text_ar":"إجراء عبر الواجهة","owner":"مدير تكنولوجيا المعلومات","target_round":"2026","progress":"planned"}`)},
		{route: "GET /api/v1/plans/:id", path: "/api/v1/plans/{planA}", want: readA},
		{route: "PUT /api/v1/plans/:id", path: "/api/v1/plans/{planA}", want: ownA, body: func(e *authzEnv) string { return e.planJSON("planA") }},
		{route: "PATCH /api/v1/plans/:id", path: "/api/v1/plans/{planA}", want: ownA, body: func(e *authzEnv) string { return e.planJSON("planA") }},
		{route: "DELETE /api/v1/plans/:id", path: "/api/v1/plans/{planDeleteAPI}", want: ownA, phase: 1},
		{route: "GET /api/v1/stories/pending", want: adminOnly, secret: func(*authzEnv) string { return "قصة نجاح بانتظار المراجعة" }, hideFrom: []authzRole{}},
		{route: "POST /api/v1/initiatives/:id/story", path: "/api/v1/initiatives/{storyPendingAPI}/story", want: adminOnly, phase: 1,
			body: func(e *authzEnv) string { return e.storyDecisionJSON("storyPendingAPI") }},
		{route: "GET /api/v1/rounds/:id/responses/:code/review", path: "/api/v1/rounds/{open}/responses/MOH/review", want: adminOnly},
		{route: "PUT /api/v1/rounds/:id/responses/:code/review", path: "/api/v1/rounds/{open}/responses/MOH/review", want: adminOnly,
			body: authzJSON(`{"marks":[]}`)},
		{route: "GET /api/v1/rounds/:id/responses/:code/assignments", path: "/api/v1/rounds/{open}/responses/MOH/assignments", want: ownA},
		{route: "GET /api/v1/rounds/:id/responses/:code/assignments", path: "/api/v1/rounds/{open}/responses/MOI/assignments", label: "B's, B not a focal point",
			want: authzWant{vLogin, vDeny, vDeny, vDeny, vAllow}},
		{route: "PUT /api/v1/rounds/:id/responses/:code/assignments/:section", path: "/api/v1/rounds/{open}/responses/MOH/assignments/{section}", want: ownA,
			body: authzJSON(`{"user_id":0}`)},
		{route: "GET /api/v1/rounds/:id/responses/:code/signoff", path: "/api/v1/rounds/{open}/responses/MOH/signoff", want: ownA},
		{route: "POST /api/v1/rounds/:id/responses/:code/signoff/request", path: "/api/v1/rounds/{open}/responses/MOH/signoff/request", want: ownA,
			ok: []int{http.StatusConflict}},
		{route: "POST /api/v1/rounds/:id/responses/:code/signoff/approve", path: "/api/v1/rounds/{open}/responses/MOH/signoff/approve",
			want: authzWant{vLogin, vDeny, vDeny, vDeny, vDeny}},
		{route: "POST /api/v1/rounds/:id/responses/:code/signoff/send-back", path: "/api/v1/rounds/{open}/responses/MOH/signoff/send-back",
			body: authzJSON(`{"comment":"أعيدوا النظر في المحور الأول"}`), want: authzWant{vLogin, vDeny, vDeny, vDeny, vDeny}},
		{route: "GET /api/v1/rounds/:id/responses/:code/evidence", path: "/api/v1/rounds/{open}/responses/MOH/evidence", want: ownA,
			secret: func(*authzEnv) string { return "evidenceA" }},
		// A form without a file: 422 once access is granted.
		{route: "POST /api/v1/rounds/:id/responses/:code/evidence", path: "/api/v1/rounds/{open}/responses/MOH/evidence", want: ownA,
			ctype: "multipart/form-data; boundary=azb", body: authzJSON("--azb\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\n{item}\r\n--azb--\r\n"),
			ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /api/v1/rounds/:id/responses/:code/evidence/:file", path: "/api/v1/rounds/{open}/responses/MOH/evidence/{evidenceA}", want: ownA,
			secret: func(*authzEnv) string { return authzEvidenceText }},
		// 409 once a row before sent A's response in.
		{route: "DELETE /api/v1/rounds/:id/responses/:code/evidence/:file", path: "/api/v1/rounds/{open}/responses/MOH/evidence/{evidenceDetachAPI}", want: ownA,
			phase: 1, ok: []int{http.StatusConflict}},
		// A focal point's team through the API (team_api.go): as the team
		// page, 403 to B (not a focal point), viewers and the coordinator.
		{route: "GET /api/v1/team", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny},
			secret: func(*authzEnv) string { return "moh-head@example.ps" }},
		{route: "GET /api/v1/team/invitations", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny},
			secret: func(*authzEnv) string { return "az-teaminviteapi@example.ps" }},
		{route: "POST /api/v1/team/invitations", body: authzJSON(`{"email":"az-api-colleague@example.ps"}`), want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}},
		{route: "DELETE /api/v1/team/invitations/:id", path: "/api/v1/team/invitations/{teamInviteAPI}", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}, phase: 1},
		{route: "POST /api/v1/team/users/:id/activate", path: "/api/v1/team/users/{colleagueToggleAPI}/activate", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}},
		{route: "POST /api/v1/team/users/:id/deactivate", path: "/api/v1/team/users/{colleagueToggleAPI}/deactivate", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}, phase: 1},
		{route: "GET /api/v1/team/activity", want: authzWant{vLogin, vAllow, vDeny, vDeny, vDeny}},
		// An initiative's files through the API (initiative_evidence_api.go),
		// as on its page: the institution's respondents and the coordinator.
		{route: "GET /api/v1/initiatives/:id/evidence", path: "/api/v1/initiatives/{initA}/evidence", want: ownA,
			secret: func(*authzEnv) string { return "initEvidenceA" }},
		// A form without a file: 422 once access is granted.
		{route: "POST /api/v1/initiatives/:id/evidence", path: "/api/v1/initiatives/{initA}/evidence", want: ownA,
			ctype: "multipart/form-data; boundary=azb", body: authzJSON("--azb\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--azb--\r\n"),
			ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /api/v1/initiatives/:id/evidence/:file", path: "/api/v1/initiatives/{initA}/evidence/{initEvidenceA}", want: ownA,
			secret: func(*authzEnv) string { return authzEvidenceText + " initEvidenceA" }},
		{route: "DELETE /api/v1/initiatives/:id/evidence/:file", path: "/api/v1/initiatives/{initA}/evidence/{initEvidenceDetachAPI}", want: ownA, phase: 1},
		// The coordinator's pages and the account page through the API (api_admin.go).
		{route: "GET /api/v1/invitations", want: adminOnly},
		{route: "POST /api/v1/invitations", want: adminOnly, body: authzJSON(`{"email":"az-api-invite@example.ps","role":"viewer"}`)},
		{route: "DELETE /api/v1/invitations/:id", path: "/api/v1/invitations/{inviteRevoke}", want: adminOnly, phase: 1},
		{route: "POST /api/v1/users/:id/reset", path: "/api/v1/users/{userReset}/reset", want: adminOnly, phase: 1},
		{route: "PUT /api/v1/users/:id/team", path: "/api/v1/users/{teamFlags}/team", want: adminOnly, body: authzJSON(`{"focal_point":true}`)},
		{route: "GET /api/v1/audit", want: adminOnly},
		{route: "GET /api/v1/outbox", want: adminOnly},
		{route: "GET /api/v1/outbox/:id", path: "/api/v1/outbox/{mail}", want: adminOnly},
		// The matrix's one message is queued, not failed: 409 once access is granted.
		{route: "POST /api/v1/outbox/:id/resend", path: "/api/v1/outbox/{mail}/resend", want: adminOnly, phase: 1, ok: []int{http.StatusConflict}},
		{route: "PATCH /api/v1/rounds/:id", path: "/api/v1/rounds/{draft}", want: adminOnly, body: authzJSON(`{"requires_signoff":true}`)},
		{route: "GET /api/v1/rounds/:id/reminders", path: "/api/v1/rounds/{open}/reminders", want: adminOnly},
		// Mail is off on the matrix's server: a run is refused (409) once access is granted.
		{route: "POST /api/v1/rounds/:id/reminders", path: "/api/v1/rounds/{open}/reminders", want: adminOnly,
			body: authzJSON(`{"states":["none"]}`), ok: []int{http.StatusConflict}},
		{route: "GET /api/v1/rounds/:id/reminders/settings", path: "/api/v1/rounds/{open}/reminders/settings", want: adminOnly},
		{route: "PUT /api/v1/rounds/:id/reminders/settings", path: "/api/v1/rounds/{open}/reminders/settings", want: adminOnly,
			body: authzJSON(`{"first_days":7,"second_days":2}`)},
		{route: "GET /api/v1/me/preferences", want: anySignedIn},
		{route: "PUT /api/v1/me/preferences", want: anySignedIn, body: authzJSON(`{"lang":"ar","mail_optout":false,"digest":false}`)},
		// Imports, exports, checks and settings (admin_io_api.go). A file
		// without the expected header: 422 once access is granted.
		{route: "POST /api/v1/institutions/import", want: adminOnly, ctype: "text/csv", body: authzJSON("a,b\n1,2\n"),
			ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /api/v1/institutions/export.csv", want: adminOnly},
		{route: "POST /api/v1/services/import", want: adminOnly, ctype: "text/csv", body: authzJSON("a,b\n1,2\n"),
			ok: []int{http.StatusUnprocessableEntity}},
		{route: "GET /api/v1/services/export.csv", want: adminOnly},
		{route: "GET /api/v1/services/export.xlsx", want: adminOnly},
		{route: "GET /api/v1/services/checks", want: adminOnly},
		// The page's "check now" row may have started a run moments ago:
		// 409 or 429 once access is granted.
		{route: "POST /api/v1/services/checks", want: adminOnly, ok: []int{http.StatusConflict, http.StatusTooManyRequests}},
		{route: "GET /api/v1/settings/evidence", want: adminOnly},
		{route: "PUT /api/v1/settings/evidence", want: adminOnly, body: authzJSON(`{"file_mb":10,"round_mb":100}`)},
		{route: "GET /api/v1/settings/open-data", want: adminOnly},
		{route: "PUT /api/v1/settings/open-data", want: adminOnly,
			body: authzJSON(`{"licence":"cc-by-4.0","licence_name":"","licence_url":"","publisher_ar":"وزارة الاتصالات والاقتصاد الرقمي","publisher_en":""}`)},
	}...)
	// Destructive rows run after the others, sign-out last.
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].phase < cases[j].phase })
	return cases
}

// routeRecorder keeps the route pattern each request reached, by request
// id, from the server's request log: a row's path must reach its route.
type routeRecorder struct {
	mu   sync.Mutex
	byID map[string]string
}

func (l *routeRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *routeRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *routeRecorder) WithGroup(string) slog.Handler            { return l }
func (l *routeRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	var id, route string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "id":
			id = a.Value.String()
		case "route":
			route = a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	l.byID[id] = route
	l.mu.Unlock()
	return nil
}

// route waits briefly: the log line may follow the end of the body.
func (l *routeRecorder) route(id string) string {
	for i := 0; i < 200; i++ {
		l.mu.Lock()
		r, ok := l.byID[id]
		l.mu.Unlock()
		if ok {
			return r
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "(not logged)"
}

// authzEnv is one demo server and the real ids of its objects, with
// throwaway objects for the destructive rows.
type authzEnv struct {
	t      *testing.T
	ctx    context.Context
	st     *sqlstore.Store
	ts     *httptest.Server
	routes *routeRecorder
	ids    map[string]string
	rep    *strings.Replacer
	q      survey.QuestionnaireVersion
	// item is an unconditional single-choice question of the open round
	// that A has not answered yet; options are two of its values.
	item    string
	options []string
}

func (e *authzEnv) expand(s string) string { return e.rep.Replace(s) }

func (e *authzEnv) id(key string) int64 {
	n, err := strconv.ParseInt(e.ids[key], 10, 64)
	if err != nil {
		e.t.Fatalf("id %s = %q", key, e.ids[key])
	}
	return n
}

func (e *authzEnv) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

func newAuthzEnv(t *testing.T) *authzEnv {
	t.Helper()
	st := newDemoStore(t)
	ctx := context.Background()
	rec := &routeRecorder{byID: map[string]string{}}
	srv, err := New(ctx, st, Config{Version: "test", BaseURL: "http://marsad.test", Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	srv.tap = openAPITap(t) // every API answer of the matrix, checked against docs/openapi.yaml
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &authzEnv{t: t, ctx: ctx, st: st, ts: ts, routes: rec, ids: map[string]string{}}
	set := func(k string, id int64) { e.ids[k] = strconv.FormatInt(id, 10) }

	users, err := st.ListUsers(ctx)
	e.must(err, "users")
	var adminID int64
	for _, u := range users {
		if u.Email == "admin@example.ps" {
			adminID = u.ID
		}
	}
	actor := survey.Actor{ID: adminID, Role: survey.RoleAdmin}

	e.ids["r2025"] = roundIDByName(t, st, "2025")
	open := openRoundID(t, st)
	set("open", open)
	round, err := st.Round(ctx, open)
	e.must(err, "open round")
	set("qid", round.QuestionnaireID)
	e.q, err = st.Questionnaire(ctx, round.QuestionnaireID)
	e.must(err, "questionnaire")
	draft, err := st.CreateRound(ctx, adminID, survey.RoundInput{Name: "authz-draft", QuestionnaireID: round.QuestionnaireID, Deadline: "2027-06-30"})
	e.must(err, "draft round")
	set("draft", draft.ID)
	e.ids["r2024"] = roundIDByName(t, st, "2024")
	for _, key := range []string{"roundDelete", "roundDeleteAPI"} {
		r, err := st.CreateRound(ctx, adminID, survey.RoundInput{Name: "authz-" + key, QuestionnaireID: round.QuestionnaireID})
		e.must(err, key)
		set(key, r.ID)
	}
	answered := e.answersA()
	for i := len(e.q.Def.Items) - 1; i >= 0; i-- {
		it := e.q.Def.Items[i]
		if _, ok := answered[it.ID]; !ok && it.Type == survey.TypeSingle && it.ShowIf == "" && len(it.Options) > 2 {
			e.item, e.options = it.ID, []string{it.Options[1].Value, it.Options[2].Value}
			break
		}
	}
	if e.item == "" {
		t.Fatal("A's draft has no unanswered, unconditional single-choice question")
	}
	e.ids["item"] = e.item
	scores, err := st.Scores(ctx, open, survey.ScoreSelf)
	e.must(err, "open round scores")
	for _, sc := range scores {
		if sc.Code != "MOH" && sc.Code != "MOI" {
			e.ids["scored"] = sc.Code
			break
		}
	}
	if e.ids["scored"] == "" {
		t.Fatal("no submitted score in the open round")
	}

	for key, code := range map[string]string{"svcA": "MOH", "svcB": "MOI"} {
		list, err := st.InstitutionServices(ctx, code)
		e.must(err, code+" services")
		for _, sv := range list {
			if sv.Status == survey.ServiceActive {
				set(key, sv.ID)
				break
			}
		}
		if e.ids[key] == "" {
			t.Fatalf("no active %s service", code)
		}
	}
	set("svcRetire", addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "AZ-RETIRE", NameAr: "خدمة للسحب", Stage: "0", Channels: []string{"counter"}}).ID)
	set("svcDelete", addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "AZ-DELETE", NameAr: "خدمة للحذف", Stage: "0", Channels: []string{"counter"}}).ID)

	// A's initiative is not a success story: its page is not public.
	list, err := st.ListInitiatives(ctx, survey.InitiativeFilter{Institution: "MOH"})
	e.must(err, "MOH initiatives")
	for _, in := range list {
		if !in.Story && !in.Public {
			set("initA", in.ID)
			break
		}
	}
	// The public registry: one of the demo's public initiatives, and one
	// the coordinator publishes.
	public, err := st.ListInitiatives(ctx, survey.InitiativeFilter{PublicOnly: true, ActiveOnly: true})
	e.must(err, "public initiatives")
	if len(public) == 0 {
		t.Fatal("no public initiative in the demo")
	}
	set("initPublic", public[0].ID)
	if e.ids["initA"] == "" {
		t.Fatal("no MOH initiative that is not a story")
	}
	for _, key := range []string{"initArchive", "initDelete", "initPublish"} {
		in, err := st.CreateInitiative(ctx, actor, survey.InitiativeInput{InstitutionCode: "MOH", TitleAr: "مبادرة مؤقتة", Status: "in_progress", BudgetBand: "unknown"})
		e.must(err, key)
		set(key, in.ID)
	}
	pending, err := st.CreateInitiative(ctx, actor, survey.InitiativeInput{InstitutionCode: "MOH", TitleAr: "قصة نجاح بانتظار المراجعة",
		Status: "done", BudgetBand: "lt_100k", StartMonth: "2025-01", Story: true, StoryAr: "أصبح بإمكان المواطنين في الخارج طلب الخدمة دون زيارة.",
		FigureLabelAr: "طلبات من الخارج سنوياً", FigureBefore: "0", FigureAfter: "1200"})
	e.must(err, "pending story")
	if pending.StoryStatus != survey.StoryPending {
		t.Fatalf("new story is %q, not pending", pending.StoryStatus)
	}
	set("storyPending", pending.ID)
	stories, err := st.PublicStories(ctx, 0)
	e.must(err, "stories")
	if len(stories) == 0 {
		t.Fatal("no approved story in the demo")
	}
	set("story", stories[0].ID)

	for _, key := range []string{"planA", "planDelete"} {
		p, err := st.CreatePlanAction(ctx, actor, e.id("r2025"), "MOH", survey.PlanInput{TextAr: "إجراء مؤقت", Owner: "مدير تكنولوجيا المعلومات", TargetRound: "2026"})
		e.must(err, key)
		set(key, p.ID)
	}

	inv, _, err := st.CreateInvitation(ctx, adminID, survey.InvitationInput{Email: "az-revoke@example.ps", Role: survey.RoleViewer})
	e.must(err, "invitation")
	set("inviteRevoke", inv.ID)
	_, token, err := st.CreateInvitation(ctx, adminID, survey.InvitationInput{Email: "az-accept@example.ps", Role: survey.RoleViewer})
	e.must(err, "invitation")
	e.ids["inviteToken"] = token
	// An outbox message: mail on, in this store only, for one invitation.
	st.EnableMail("example.ps")
	_, _, err = st.CreateInvitation(ctx, adminID, survey.InvitationInput{Email: "az-mail@example.ps", Role: survey.RoleViewer})
	e.must(err, "mailed invitation")
	st.EnableMail("")
	ob, err := st.OutboxPage(ctx, survey.OutboxFilter{}, 1, 1)
	e.must(err, "outbox")
	set("mail", ob.Messages[0].ID)

	// Password resets and deactivation end the person's sessions:
	// throwaway accounts.
	for _, key := range []string{"userReset", "userToken", "userToggle"} {
		u, err := st.CreateUser(ctx, adminID, survey.NewUser{Email: "az-" + strings.ToLower(key) + "@example.ps", Name: "حساب مؤقت",
			Role: survey.RoleViewer, Password: "a-long-password"})
		e.must(err, key)
		set(key, u.ID)
	}
	e.ids["resetToken"], err = st.CreatePasswordReset(ctx, actor, e.id("userToken"))
	e.must(err, "password reset")

	// Teams: MOH colleagues for the focal point and the coordinator's marks,
	// and an invitation into MOH to revoke.
	for _, key := range []string{"colleagueToggle", "teamFlags"} {
		u, err := st.CreateUser(ctx, adminID, survey.NewUser{Email: "az-" + strings.ToLower(key) + "@example.ps", Name: "زميل مؤقت",
			Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "a-long-password"})
		e.must(err, key)
		set(key, u.ID)
	}
	teamInv, _, err := st.CreateInvitation(ctx, adminID, survey.InvitationInput{Email: "az-teaminvite@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	e.must(err, "team invitation")
	set("teamInvite", teamInv.ID)

	for _, code := range []string{"ZDEL", "ZOFF"} {
		_, err := st.CreateInstitution(ctx, adminID, survey.InstitutionInput{Code: code, NameAr: "مؤسسة مؤقتة", Kind: "agency", Sector: "ict", Region: "gaza"})
		e.must(err, code)
	}
	e.must(st.SetInstitutionActive(ctx, adminID, "ZOFF", false), "deactivate ZOFF")

	// Evidence files on A's open response: one to download, one to remove.
	for _, key := range []string{"evidenceA", "evidenceDetach"} {
		body := authzEvidenceText + " " + key
		l, err := st.AttachEvidence(ctx, actor, open, "MOH", survey.EvidenceInput{ItemID: e.item, Title: key, Filename: key + ".txt",
			File: survey.EvidenceFile{SHA256: sha256Hex(body), Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
			Body: strings.NewReader(body)})
		e.must(err, key)
		set(key, l.ID)
	}

	// Files on A's initiative, on the pending story and (the coordinator's,
	// so that it stays approved) on a public story.
	for _, f := range []struct{ key, on string }{{"initEvidenceA", "initA"}, {"initEvidenceDetach", "initA"}, {"pendingEvidence", "storyPending"}, {"storyEvidence", "story"}} {
		body := authzEvidenceText + " " + f.key
		l, err := st.AttachInitiativeEvidence(ctx, actor, e.id(f.on), survey.EvidenceInput{Title: f.key, Filename: f.key + ".txt",
			File: survey.EvidenceFile{SHA256: sha256Hex(body), Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
			Body: strings.NewReader(body)})
		e.must(err, f.key)
		set(f.key, l.ID)
	}

	e.apiWorkSetup(actor, set) // work_api_test.go
	e.teamAPISetup(actor, set) // team_api_test.go
	var pairs []string
	for k, v := range e.ids {
		pairs = append(pairs, "{"+k+"}", v)
	}
	e.rep = strings.NewReplacer(pairs...)
	return e
}

// Bodies read at request time, from the current state: versions change as
// the rows before write.

func authzFormValues(f *form) url.Values {
	v := url.Values{}
	for k, x := range f.Values {
		v.Set(k, x)
	}
	for k, xs := range f.Multi {
		v[k] = append([]string(nil), xs...)
	}
	return v
}

func (e *authzEnv) service(key string) survey.Service {
	sv, err := e.st.Service(e.ctx, e.id(key))
	e.must(err, key)
	return sv
}

func (e *authzEnv) serviceForm(key string) url.Values {
	return authzFormValues(serviceForm(serviceInputOf(e.service(key))))
}

func (e *authzEnv) serviceJSON(key string) string {
	sv := e.service(key)
	stage := sv.Stage
	b, _ := json.Marshal(serviceJSON{Code: sv.Code, NameAr: sv.NameAr, NameEn: sv.NameEn, DescriptionAr: sv.DescriptionAr,
		DescriptionEn: sv.DescriptionEn, Category: sv.Category, Audience: sv.Audience, Channels: sv.Channels, Stage: &stage,
		OnlineURL: sv.OnlineURL, EPayment: sv.EPayment, EID: sv.EID, Abroad: sv.Abroad, NoVisit: sv.NoVisit,
		MobileFriendly: sv.MobileFriendly, Languages: sv.Languages, FeeILS: sv.FeeILS, ProcessingDays: sv.ProcessingDays,
		YearlyVolume: sv.YearlyVolume, OnlineShare: sv.OnlineShare, DataExchange: sv.DataExchange, LastReviewed: sv.LastReviewed,
		Status: sv.Status, Version: sv.Version})
	return string(b)
}

func (e *authzEnv) initiative(key string) survey.Initiative {
	in, err := e.st.Initiative(e.ctx, e.id(key))
	e.must(err, key)
	return in
}

func (e *authzEnv) initiativeATitle() string { return e.initiative("initA").TitleAr }

func (e *authzEnv) initiativeForm(key string) url.Values {
	in := initiativeInputOf(e.initiative(key))
	v := authzFormValues(initiativeForm(in))
	for _, p := range in.Partners {
		v.Add("partner_type", p.Type)
		v.Add("partner_name", p.Name)
	}
	return v
}

func (e *authzEnv) initiativeJSON(key string) string {
	in := e.initiative(key)
	b, _ := json.Marshal(initiativeJSON{TitleAr: in.TitleAr, TitleEn: in.TitleEn, SummaryAr: in.SummaryAr, SummaryEn: in.SummaryEn,
		Status: in.Status, StartMonth: in.StartMonth, EndMonth: in.EndMonth, BudgetBand: in.BudgetBand, OutcomeAr: in.OutcomeAr,
		OutcomeEn: in.OutcomeEn, Partners: in.Partners, Services: in.ServiceIDs, SuccessStory: in.Story, StoryAr: in.StoryAr,
		StoryEn: in.StoryEn, FigureLabelAr: in.FigureLabelAr, FigureLabelEn: in.FigureLabelEn, FigureBefore: in.FigureBefore,
		FigureAfter: in.FigureAfter, Version: in.Version})
	return string(b)
}

func (e *authzEnv) planForm(key string) url.Values {
	p, err := e.st.PlanAction(e.ctx, e.id(key))
	e.must(err, key)
	return url.Values{"text_ar": {p.TextAr}, "owner": {p.Owner}, "target_round": {p.TargetRound}, "progress": {"in_progress"},
		"version": {strconv.FormatInt(p.Version, 10)}}
}

// answersA are A's current answers in the open round.
func (e *authzEnv) answersA() survey.AnswerSet {
	resp, err := e.st.Response(e.ctx, e.id("open"), "MOH")
	e.must(err, "A's response")
	answers, err := e.st.Answers(e.ctx, resp.ID)
	e.must(err, "A's answers")
	return answers
}

// sectionForm is the section of the question as the page sends it: every
// answer as it is, the question answered.
func (e *authzEnv) sectionForm() url.Values {
	answers := e.answersA()
	it, _ := e.q.Def.Item(e.item)
	v := url.Values{"section": {it.Section}}
	for _, x := range e.q.Def.SectionItems(it.Section) {
		if x.Type == survey.TypeMetric {
			continue
		}
		a := answers[x.ID]
		v["v."+x.ID] = append([]string(nil), a.Values...)
		if a.NA {
			v.Set("na."+x.ID, "1")
		}
		v.Set("ev."+x.ID, a.Evidence)
		v.Set("c."+x.ID, a.Comment)
		v.Set("ver."+x.ID, strconv.FormatInt(a.Version, 10))
	}
	v["v."+e.item] = []string{e.options[0]}
	return v
}

func (e *authzEnv) answerJSON() string {
	b, _ := json.Marshal(survey.AnswerInput{Values: []string{e.options[1]}, BaseVersion: e.answersA()[e.item].Version})
	return string(b)
}

func (e *authzEnv) answersJSON() string {
	b, _ := json.Marshal([]survey.AnswerInput{{ItemID: e.item, Values: []string{e.options[0]}, BaseVersion: e.answersA()[e.item].Version}})
	return string(b)
}

func (e *authzEnv) obstaclesForm() url.Values {
	resp, err := e.st.Response(e.ctx, e.id("open"), "MOH")
	e.must(err, "A's response")
	cur, err := e.st.ResponseObstacles(e.ctx, resp.ID)
	e.must(err, "A's obstacles")
	v := url.Values{"version": {strconv.FormatInt(cur.Version, 10)}}
	for id, sev := range cur.Severity {
		v.Set(fmt.Sprintf("o_%d", id), strconv.Itoa(sev))
	}
	return v
}

func (e *authzEnv) storyDecision(key string) url.Values {
	return url.Values{"decision": {"approve"}, "version": {strconv.FormatInt(e.initiative(key).Version, 10)}}
}

func (e *authzEnv) institutionInput() survey.InstitutionInput {
	inst, err := e.st.Institution(e.ctx, "MOH")
	e.must(err, "MOH")
	return survey.InstitutionInput{Code: inst.Code, NameAr: inst.NameAr, NameEn: inst.NameEn, Kind: inst.Kind,
		Sector: inst.Sector, Region: inst.Region, Website: inst.Website}
}

func (e *authzEnv) institutionForm() url.Values {
	v := url.Values{}
	for k, x := range institutionValues(e.institutionInput()) {
		v.Set(k, x)
	}
	return v
}

func (e *authzEnv) institutionJSON() string {
	b, _ := json.Marshal(e.institutionInput())
	return string(b)
}

// obstacleListForm changes nothing of the first obstacle on the list.
func (e *authzEnv) obstacleListForm() url.Values {
	list, err := e.st.Obstacles(e.ctx, true)
	e.must(err, "obstacles")
	o := list[0]
	v := url.Values{"id": {strconv.FormatInt(o.ID, 10)}, "code": {o.Code}, "kind": {o.Kind}, "label_ar": {o.LabelAr},
		"label_en": {o.LabelEn}, "position": {strconv.Itoa(o.Position)}, "version": {strconv.FormatInt(o.Version, 10)}}
	if o.Active {
		v.Set("active", "1")
	}
	return v
}

func (e *authzEnv) questionnaireJSON() string {
	b, err := e.st.QuestionnaireBody(e.ctx, e.id("qid"))
	e.must(err, "questionnaire body")
	return string(b)
}

// authzResult is what one role got from one row.
type authzResult struct {
	status int
	login  bool // a redirect to sign-in
	pass   bool
	why    string
}

// lastAudit is the newest audit event: every change a request makes is
// recorded there.
func (e *authzEnv) lastAudit() int64 {
	events, err := e.st.AuditLog(e.ctx, "", 1)
	e.must(err, "audit log")
	if len(events) == 0 {
		return 0
	}
	return events[0].ID
}

// checksum is a digest of the database but for sessions and sign-in
// attempts.
func (e *authzEnv) checksum() string {
	sum, err := e.st.Checksum(e.ctx, "sessions", "login_failures")
	e.must(err, "checksum")
	return sum
}

// runAuthz makes every row's request as role, on a server of its own.
//
// A refused request must change nothing. Each is checked on the audit log
// (where every change is recorded) at once. The refused requests go first,
// then the allowed ones in table order, so that one digest of the whole
// database before and after the refused ones checks them all. (Allowed
// requests may write, even reads: opening the form of the open round
// creates the institution's draft. Refused requests do not depend on what
// allowed ones did: they touch objects made at setup.)
func runAuthz(t *testing.T, role authzRole, cases []authzCase) []authzResult {
	e := newAuthzEnv(t)
	c := newClient(t, e.ts)
	token, csrfPage := "", "/ar/login"
	if role != asAnon {
		c.signIn("ar", authzEmails[role], survey.DemoPassword)
		token, csrfPage = apiToken(t, e.ts, authzEmails[role]), "/ar/"
	}
	csrf := c.csrf(csrfPage)
	var refused, allowed []int
	for i, cs := range cases {
		if cs.want[role] == vAllow {
			allowed = append(allowed, i)
		} else {
			refused = append(refused, i)
		}
	}
	out := make([]authzResult, len(cases))
	before := e.checksum()
	for _, i := range refused {
		out[i] = e.call(c, role, cases[i], token, csrf)
	}
	if e.checksum() != before {
		var names []string
		for _, i := range refused {
			if m, _, _ := strings.Cut(cases[i].route, " "); m != http.MethodGet {
				names = append(names, cases[i].name())
			}
		}
		t.Errorf("as %s, refused requests changed the database: see the rows failed, else look among the refused writes: %s",
			authzRoleNames[role], strings.Join(names, "; "))
	}
	for _, i := range allowed {
		out[i] = e.call(c, role, cases[i], token, csrf)
	}
	return out
}

// call makes one row's request as role and judges the answer.
func (e *authzEnv) call(c *client, role authzRole, cs authzCase, token, csrf string) authzResult {
	method, pattern, _ := strings.Cut(cs.route, " ")
	path := cs.path
	if path == "" {
		path = pattern
	}
	path = e.expand(path)
	api := strings.HasPrefix(path, "/api/")
	audit := e.lastAudit()
	var r response
	switch {
	case api:
		body, ctype := "", cs.ctype
		if cs.body != nil {
			body = cs.body(e)
		}
		if ctype == "" {
			ctype = "application/json"
		}
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		r = newClient(e.t, e.ts).do(req)
	case method == http.MethodGet:
		r = c.get(path)
	default:
		form := url.Values{}
		if cs.form != nil {
			form = cs.form(e)
		}
		form.Set("csrf_token", csrf)
		r = c.post(path, form, "")
	}
	res := authzResult{status: r.Status}
	loc := r.Header.Get("Location")
	res.login = r.Status/100 == 3 && strings.HasPrefix(loc, "/ar/login")
	res.pass, res.why = judgeAuthz(cs, cs.want[role], api, r)
	if got := e.routes.route(r.Header.Get("X-Request-ID")); res.pass && got != pattern {
		res.pass, res.why = false, fmt.Sprintf("%s reached route %q, not %q: fix the row's path", path, got, pattern)
	}
	if res.pass && cs.want[role] != vAllow && e.lastAudit() != audit {
		res.pass, res.why = false, "refused, yet a change was recorded in the audit log"
	}
	if res.pass && cs.secret != nil && cs.want[role] == vAllow {
		secret, hide := cs.secret(e), cs.hideFrom
		if hide == nil {
			hide = []authzRole{asB}
		}
		switch {
		case slices.Contains(hide, role) && strings.Contains(r.Body, secret):
			res.pass, res.why = false, fmt.Sprintf("%s sees %q", authzRoleNames[role], secret)
		case role == asAdmin && !strings.Contains(r.Body, secret):
			res.pass, res.why = false, fmt.Sprintf("admin's answer lacks %q, so the others' check proves nothing", secret)
		}
	}
	if !res.pass {
		got := strconv.Itoa(r.Status)
		if loc != "" {
			got += " → " + loc
		}
		res.why = fmt.Sprintf("%s %s as %s: got %s, want %s: %s\n%.300s", method, path, authzRoleNames[role], got,
			cs.want[role], res.why, r.Body)
	}
	return res
}

// judgeAuthz says whether a response is the verdict wanted.
func judgeAuthz(cs authzCase, w authzVerdict, api bool, r response) (bool, string) {
	loc := r.Header.Get("Location")
	toSignIn := strings.HasPrefix(loc, "/ar/login") || strings.HasPrefix(loc, "/ar/setup")
	switch w {
	case vAllow:
		for _, s := range cs.ok {
			if r.Status == s {
				return true, ""
			}
		}
		switch {
		case r.Status >= 200 && r.Status < 300:
			return true, ""
		case r.Status >= 300 && r.Status < 400 && !toSignIn:
			return true, ""
		}
		return false, "not allowed"
	case vDeny:
		return r.Status == http.StatusForbidden, "not 403"
	case vLogin:
		if api {
			return r.Status == http.StatusUnauthorized, "not 401"
		}
		return r.Status == http.StatusSeeOther && strings.HasPrefix(loc, "/ar/login"), "not sent to sign in"
	case vNotFound:
		return r.Status == http.StatusNotFound, "not 404"
	}
	return false, "unknown verdict"
}

// authzRouteKey is a route as the table names it: language routes by
// their /ar twin.
func authzRouteKey(method, path string) string {
	for _, l := range Languages {
		if path == "/"+l || strings.HasPrefix(path, "/"+l+"/") {
			path = "/ar" + strings.TrimPrefix(path, "/"+l)
			break
		}
	}
	return method + " " + path
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	cases := authzCases()

	// Every registered route has a row, and every row a route.
	srv := newServerOn(t, newTestStore(t))
	registered := map[string]bool{}
	for _, rt := range srv.Routes() {
		registered[authzRouteKey(rt.Method, rt.Path)] = true
	}
	covered := map[string]bool{}
	for _, cs := range cases {
		covered[cs.route] = true
		if !registered[cs.route] {
			t.Errorf("row for %s, which is not a route: fix or remove it", cs.route)
		}
	}
	var missing []string
	for k := range registered {
		if !covered[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("route %s has no row in the authorization matrix (authz_test.go): add one saying who may call it", k)
	}

	results := make([][]authzResult, nRoles)
	t.Run("roles", func(t *testing.T) {
		for role := asAnon; role < nRoles; role++ {
			t.Run(authzRoleNames[role], func(t *testing.T) {
				t.Parallel()
				res := runAuthz(t, role, cases)
				for _, r := range res {
					if !r.pass {
						t.Error(r.why)
					}
				}
				results[role] = res
			})
		}
	})

	// The matrix: route × role → status (L: sent to sign in, *: wrong).
	var b strings.Builder
	width := 0
	for _, cs := range cases {
		width = max(width, len(cs.name()))
	}
	fmt.Fprintf(&b, "\n%-*s", width, "route")
	for _, n := range authzRoleNames {
		fmt.Fprintf(&b, " %7s", n)
	}
	for i, cs := range cases {
		fmt.Fprintf(&b, "\n%-*s", width, cs.name())
		for role := asAnon; role < nRoles; role++ {
			cell := "-"
			if results[role] != nil {
				r := results[role][i]
				cell = strconv.Itoa(r.status)
				if r.login {
					cell += "L"
				}
				if !r.pass {
					cell += "*"
				}
			}
			fmt.Fprintf(&b, " %7s", cell)
		}
	}
	// Shown on failure, and with -v.
	t.Logf("authorization matrix (L: sent to sign in, *: not as expected):%s", b.String())
	t.Logf("%d routes (%d patterns after /en → /ar), %d rows × %d roles in %s",
		len(srv.Routes()), len(registered), len(cases), nRoles, time.Since(start).Round(time.Millisecond))
}

// TestDraftRoundsHidden: a draft round is the coordinator's alone: opened
// by its id, its questionnaire, obstacles and plans are not found for
// anyone else.
func TestDraftRoundsHidden(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	open, err := st.Round(ctx, openRoundID(t, st))
	if err != nil {
		t.Fatal(err)
	}
	draft, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: "draft-hidden", QuestionnaireID: open.QuestionnaireID, Deadline: "2027-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(draft.ID, 10)
	pages := []string{"/ar/rounds/" + id + "/responses/MOH", "/ar/rounds/" + id + "/responses/MOH/obstacles", "/ar/rounds/" + id + "/plans/MOH", "/ar/rounds/" + id + "/plans"}
	for _, who := range []string{"moh@example.ps", "viewer@example.ps"} {
		c := newClient(t, ts)
		c.signIn("ar", who, survey.DemoPassword)
		for _, p := range pages {
			if r := c.get(p); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("%s: %s answers %d", who, p, r.Status)
			}
		}
	}
	r := apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/responses/MOH", apiToken(t, ts, "moh@example.ps"), "")
	assertStatus(t, r, http.StatusNotFound)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	assertStatus(t, admin.get("/ar/rounds/"+id+"/plans"), http.StatusOK)
}

// authzEvidenceText is the content of the evidence files of the matrix:
// the text only the institution's users and the coordinator may download.
const authzEvidenceText = "authz evidence: the decree of A"

// sha256Hex is the hex SHA-256 of s.
func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
