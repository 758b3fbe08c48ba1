package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/static"
)

// health answers load balancers and operators: version and database status.
func (s *Server) health(c *gin.Context) {
	status, db := http.StatusOK, "ok"
	if err := s.store.Ping(c.Request.Context()); err != nil {
		s.log.Error("health: database", "err", err)
		status, db = http.StatusServiceUnavailable, "unavailable"
	}
	c.JSON(status, gin.H{"status": http.StatusText(status), "version": s.cfg.Version, "database": db})
}

var staticFiles = http.FileServer(http.FS(static.Files))

// serveStatic serves the embedded CSS, JavaScript and fonts.
func (s *Server) serveStatic(c *gin.Context) {
	p := c.Param("filepath")
	if strings.HasSuffix(p, "/") {
		s.notFound(c) // no directory listings
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Request.URL.Path = p
	staticFiles.ServeHTTP(c.Writer, c.Request)
}

// chooseLanguage sends / to /ar/ or /en/: the remembered choice first, then
// the browser's preference, then Arabic.
func (s *Server) chooseLanguage(c *gin.Context) {
	l, _ := c.Cookie(cookieLang)
	if l != "ar" && l != "en" {
		l = langFromAcceptLanguage(c.GetHeader("Accept-Language"))
	}
	if l == "" {
		l = Languages[0]
	}
	c.Redirect(http.StatusFound, "/"+l+"/")
}

type homePage struct {
	Institutions int
}

func (s *Server) showHome(c *gin.Context) {
	n, err := s.store.CountInstitutions(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "home.title")
	v.Data = homePage{Institutions: n}
	s.render(c, http.StatusOK, "home", v)
}
