package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"marsad/static"
)

// serveFavicon answers /favicon.ico, which browsers ask for on their own
// whatever the page links; without it every first visit logs a failed
// request. Pages link /static/favicon.svg.
func (s *Server) serveFavicon(c *gin.Context) {
	b, err := static.Files.ReadFile("favicon.ico")
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/x-icon", b)
}
