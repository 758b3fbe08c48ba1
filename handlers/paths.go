package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Paths of Marsad's pages, built in one place: one function per kind of
// page, without the language prefix (/ar, /en) that view.URL and seeOther
// add. Handlers redirect with them; templates call the view methods below,
// which add the page's language. Codes are path-escaped, though the domain
// only accepts letters, digits and hyphens in them.

func roundPath(id int64) string { return "/rounds/" + strconv.FormatInt(id, 10) }

func responsePath(round int64, code string) string {
	return roundPath(round) + "/responses/" + url.PathEscape(code)
}

func scorecardPath(round int64, code string) string {
	return roundPath(round) + "/scorecards/" + url.PathEscape(code)
}

func planPath(round int64, code string) string {
	return roundPath(round) + "/plans/" + url.PathEscape(code)
}

func adminRoundPath(id int64) string { return "/admin/rounds/" + strconv.FormatInt(id, 10) }

func institutionServicesPath(code string) string {
	return "/institutions/" + url.PathEscape(code) + "/services"
}

func initiativePath(id int64) string { return "/initiatives/" + strconv.FormatInt(id, 10) }

// Pages without parameters.
const (
	pathHome              = "/"
	pathLogin             = "/login"
	pathSetup             = "/setup"
	pathRounds            = "/rounds"
	pathInitiatives       = "/initiatives"
	pathAdminUsers        = "/admin/users"
	pathAdminInstitutions = "/admin/institutions"
	pathAdminInvitations  = "/admin/invitations"
	pathAdminServices     = "/admin/services"
	pathAdminStories      = "/admin/stories"
	pathAdminObstacles    = "/admin/obstacles"
)

// seeOther redirects (303) to path — with its query and fragment, if any —
// in the request's language.
func seeOther(c *gin.Context, path string) {
	c.Redirect(http.StatusSeeOther, "/"+lang(c)+path)
}

// RoundURL is a round's path in the page's language; its pages follow
// ("/dashboard", "/rankings.csv?…").
func (v *view) RoundURL(id int64) string { return v.URL(roundPath(id)) }

// ResponseURL is an institution's response to a round.
func (v *view) ResponseURL(round int64, code string) string { return v.URL(responsePath(round, code)) }

// ScorecardURL is an institution's scorecard in a round.
func (v *view) ScorecardURL(round int64, code string) string {
	return v.URL(scorecardPath(round, code))
}

// PlanURL is an institution's action plan after a round.
func (v *view) PlanURL(round int64, code string) string { return v.URL(planPath(round, code)) }
