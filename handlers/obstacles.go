package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

type obstaclesPage struct {
	responseCtx
	Obstacles []survey.Obstacle
	// Chosen is the severity of each obstacle as typed or stored (0: not cited).
	Chosen   map[int64]int
	Version  int64
	Editable bool
	Notice   string
	// Conflict is someone else's newer choice, shown beside the typed one.
	Conflict map[int64]int
	Error    string
}

// Severity is the chosen severity of an obstacle (0 when not cited).
func (p obstaclesPage) Severity(id int64) int { return p.Chosen[id] }

// Theirs is the other person's severity for an obstacle, on a conflict.
func (p obstaclesPage) Theirs(id int64) int { return p.Conflict[id] }

// obstaclesFor loads the obstacle list and the response's current choice.
func (s *Server) obstaclesFor(c *gin.Context) (obstaclesPage, bool) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return obstaclesPage{}, false
	}
	p := obstaclesPage{responseCtx: rc, Chosen: map[int64]int{},
		Editable: rc.Round.Editable() && rc.Response.Editable() && currentUser(c).Role != survey.RoleViewer && !rc.Late}
	var err error
	if p.Obstacles, err = s.store.Obstacles(c.Request.Context(), false); err != nil {
		s.serverError(c, err)
		return p, false
	}
	if rc.Response.ID != 0 {
		cur, err := s.store.ResponseObstacles(c.Request.Context(), rc.Response.ID)
		if err != nil {
			s.serverError(c, err)
			return p, false
		}
		p.Chosen, p.Version = cur.Severity, cur.Version
	}
	return p, true
}

// showObstacles is the questionnaire's obstacles part: each obstacle of
// the standard list, not faced or faced with a severity of 1 to 3. It is
// not scored.
func (s *Server) showObstacles(c *gin.Context) {
	p, ok := s.obstaclesFor(c)
	if !ok {
		return
	}
	if c.Query("saved") == "1" {
		p.Notice = "response.saved"
	}
	s.renderObstacles(c, http.StatusOK, p)
}

func (s *Server) renderObstacles(c *gin.Context, status int, p obstaclesPage) {
	v := s.newView(c, "obstacles.title")
	v.Title = v.T("obstacles.title") + " — " + p.Round.Name
	v.Data = p
	s.render(c, status, "obstacles", v)
}

// obstaclesWritable checks that the obstacles of a loaded response may be
// saved now (the page and the API): 409 past the deadline or once the
// response or round no longer takes changes. It answers itself when false.
func (s *Server) obstaclesWritable(c *gin.Context, p obstaclesPage) bool {
	switch {
	case p.Late:
		s.fail(c, http.StatusConflict, "err.past_deadline")
		return false
	case !p.Editable:
		s.fail(c, http.StatusConflict, "err.not_editable")
		return false
	}
	return true
}

// saveObstacles stores the obstacles as one set, against the version the
// page showed; a newer set saved by someone else is shown, not overwritten.
func (s *Server) saveObstacles(c *gin.Context) {
	p, ok := s.obstaclesFor(c)
	if !ok || !s.obstaclesWritable(c, p) {
		return
	}
	chosen := map[int64]int{}
	bad := false
	for _, o := range p.Obstacles {
		raw := c.PostForm(fmt.Sprintf("o_%d", o.ID))
		if raw == "" || raw == "0" {
			continue
		}
		sev, err := strconv.Atoi(raw)
		if err != nil || sev < 1 || sev > survey.MaxSeverity {
			bad = true
			continue
		}
		chosen[o.ID] = sev
	}
	version, _ := strconv.ParseInt(c.PostForm("version"), 10, 64)
	if bad {
		p.Chosen, p.Version = chosen, version
		v := s.newView(c, "")
		p.Error = v.T("err.severity")
		s.renderObstacles(c, http.StatusUnprocessableEntity, p)
		return
	}
	_, err := s.store.SaveResponseObstacles(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code, chosen, version)
	var conflict *survey.ObstacleConflictError
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &conflict):
		p.Chosen, p.Conflict, p.Version = chosen, conflict.Current.Severity, conflict.Current.Version
		v := s.newView(c, "")
		p.Error = v.T("err.obstacles_conflict")
		s.renderObstacles(c, http.StatusConflict, p)
		return
	case errors.As(err, &ve):
		p.Chosen, p.Version = chosen, version
		v := s.newView(c, "")
		p.Error = v.T("err.choose_from_list")
		s.renderObstacles(c, http.StatusUnprocessableEntity, p)
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	seeOther(c, responsePath(p.Round.ID, p.Institution.Code)+"/obstacles?saved=1")
}

type obstacleListPage struct {
	List   []survey.Obstacle
	Notice string
	// Conflict is the obstacle as a colleague saved it after the form
	// was opened, shown beside what was typed.
	Conflict *survey.Obstacle
}

// listObstacleList is the coordinator's standard list of obstacles, to add
// to, reword, reorder or deactivate.
func (s *Server) listObstacleList(c *gin.Context) {
	list, err := s.store.Obstacles(c.Request.Context(), true)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "obstacles.admin_title")
	p := obstacleListPage{List: list}
	if c.Query("saved") == "1" {
		p.Notice = "notice.obstacle_saved"
	}
	v.Form = &form{Values: map[string]string{"kind": survey.ObstacleInternal, "position": strconv.Itoa(len(list) + 1)}, Multi: map[string][]string{"active": {"1"}}}
	// ?edit=ID puts one obstacle in the form.
	for _, o := range list {
		if strconv.FormatInt(o.ID, 10) == c.Query("edit") {
			v.Form = &form{Values: map[string]string{"id": strconv.FormatInt(o.ID, 10), "code": o.Code, "kind": o.Kind,
				"label_ar": o.LabelAr, "label_en": o.LabelEn, "position": strconv.Itoa(o.Position),
				"version": strconv.FormatInt(o.Version, 10)}, Multi: map[string][]string{}}
			if o.Active {
				v.Form.Multi["active"] = []string{"1"}
			}
		}
	}
	v.Data = p
	s.render(c, http.StatusOK, "obstacle_list", v)
}

// saveObstacleList adds an obstacle (id empty) or changes one.
func (s *Server) saveObstacleList(c *gin.Context) {
	id, _ := strconv.ParseInt(c.PostForm("id"), 10, 64)
	version, _ := strconv.ParseInt(c.PostForm("version"), 10, 64)
	in := survey.ObstacleInput{Code: c.PostForm("code"), Kind: c.PostForm("kind"), LabelAr: c.PostForm("label_ar"),
		LabelEn: c.PostForm("label_en"), Position: c.PostForm("position"), Active: c.PostForm("active") == "1", Version: version}
	_, err := s.store.SaveObstacle(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, in)
	var (
		ve       *survey.ValidationError
		conflict *survey.ListConflictError
	)
	if errors.As(err, &ve) || errors.As(err, &conflict) {
		list, lerr := s.store.Obstacles(c.Request.Context(), true)
		if lerr != nil {
			s.serverError(c, lerr)
			return
		}
		v := s.newView(c, "obstacles.admin_title")
		// What was typed stays in the form.
		v.Form = &form{Values: map[string]string{"id": c.PostForm("id"), "code": in.Code, "kind": in.Kind, "label_ar": in.LabelAr,
			"label_en": in.LabelEn, "position": in.Position, "version": c.PostForm("version")}, Multi: map[string][]string{}}
		if in.Active {
			v.Form.Multi["active"] = []string{"1"}
		}
		p := obstacleListPage{List: list}
		status := http.StatusUnprocessableEntity
		if conflict != nil {
			// Saving again now replaces the colleague's version, knowingly.
			status, p.Conflict = http.StatusConflict, &conflict.Current
			v.Form.Values["version"] = strconv.FormatInt(conflict.Current.Version, 10)
			v.Form.Errors = map[string]string{"version": v.T("err.conflict")}
		} else {
			v.Form.Errors = v.loc.fieldMessages(ve)
		}
		v.Data = p
		s.render(c, status, "obstacle_list", v)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAdminObstacles+"?saved=1")
}
