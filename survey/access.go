package survey

// Access policy: who may read or change what, in one pure function that
// pages and the API both ask. Routes add the coarse checks (signed in, a
// role); Allowed decides for a given round and institution. Its table test
// (access_test.go) is the policy written down; the authorisation matrix
// (handlers/authz_test.go) checks that every route asks it.

// Permission is what a reader wants to do.
type Permission string

// The permissions Allowed decides on.
const (
	// SeeRound: know that a round exists, and its questionnaire. Draft
	// rounds are the coordinator's until they open, archived rounds once
	// archived (every permission in an archived round is the coordinator's).
	SeeRound Permission = "see-round"
	// SeeRankings: a round's comparative figures — rankings, dashboards,
	// heatmap, stages, exports, the scores API, and any change measured
	// against the round. Everyone once published and public; signed-in
	// readers once published; viewers once closed; the coordinator always.
	SeeRankings Permission = "see-rankings"
	// SeeScorecard: one institution's scorecard in a round. As
	// SeeRankings, and also the institution's own respondents as soon as
	// it is scored (who then see its own figures only until the round is
	// published: OwnFiguresOnly).
	SeeScorecard Permission = "see-scorecard"
	// SeeResponse: an institution's answers in a round, drafts included:
	// the coordinator and its own respondents.
	SeeResponse Permission = "see-response"
	// SeeInstitution: an institution's back-office records — its catalog
	// with drafts and retired services, its initiatives, its action plans:
	// the coordinator and viewers, and its own respondents.
	SeeInstitution Permission = "see-institution"
	// Edit: change an institution's catalog, answers, plans, obstacles and
	// initiatives: the coordinator and its own respondents.
	Edit Permission = "edit"
)

// Allowed reports whether u (nil: not signed in) may do p to the
// institution with code (empty for round-wide actions) in round r (the
// zero Round for permissions that do not depend on one). It is pure: it reads
// only its arguments.
func Allowed(u *User, p Permission, r Round, code string) bool {
	published := r.Status == RoundPublished
	closed := r.Status == RoundClosed || published
	admin := u != nil && u.Role == RoleAdmin
	viewer := u != nil && u.Role == RoleViewer
	own := u != nil && u.Role == RoleRespondent && u.InstitutionCode != "" && u.InstitutionCode == code
	if r.Archived && !admin {
		// An archived round is put away: kept for the coordinator, who may
		// restore it, and nowhere to be seen by anyone else.
		return false
	}
	switch p {
	case SeeRound:
		return admin || r.Status != RoundDraft
	case SeeRankings:
		switch {
		case u == nil:
			return published && r.Public
		case admin:
			return true
		case viewer:
			return closed
		}
		return published
	case SeeScorecard:
		return own || Allowed(u, SeeRankings, r, "")
	case SeeResponse:
		return admin || own
	case SeeInstitution:
		return admin || viewer || own
	case Edit:
		return admin || own
	}
	return false
}

// OwnFiguresOnly says whether u may see an institution's scorecard in r but
// not the round's rankings: a respondent's own, before publication. Such a
// page shows the institution's own figures only — no rank, no national
// average, no best in the sector, no other institution.
func OwnFiguresOnly(u *User, r Round) bool { return !Allowed(u, SeeRankings, r, "") }
