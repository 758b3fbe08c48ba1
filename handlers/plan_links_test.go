package handlers

import (
	"net/http"
	"strings"
	"testing"

	"marsad/survey"
)

// TestPlanLinksOnlyToAScorecardThatExists: an institution's plan page
// links back to its scorecard in the round only when it has one there — MOH
// answered the 2025 round but not 2024, where a link would be a 404.
func TestPlanLinksOnlyToAScorecardThatExists(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "moh@example.ps", survey.DemoPassword)
	for name, want := range map[string]bool{"2025": true, "2024": false} {
		id := roundIDByName(t, st, name)
		r := c.get("/ar/rounds/" + id + "/plans/MOH")
		assertStatus(t, r, http.StatusOK)
		link := "/ar/rounds/" + id + "/scorecards/MOH"
		if got := strings.Contains(r.Body, `href="`+link+`"`); got != want {
			t.Errorf("round %s: link to %s %v, want %v", name, link, got, want)
		}
		if want {
			assertStatus(t, c.get(link), http.StatusOK)
		} else {
			assertStatus(t, c.get(link), http.StatusNotFound)
		}
	}
}
