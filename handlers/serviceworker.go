package handlers

import (
	"bytes"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"marsad/static"
)

// serviceWorker serves static/js/sw.js at the root, so that its scope
// covers the questionnaire pages, with the assets' version written in: a new
// deployment is a new worker, which replaces the copies of the old one.
// Browsers check it for updates on every visit (no-cache).
func (s *Server) serviceWorker(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", s.swScript)
}

// buildServiceWorker is sw.js with the assets' version in it.
func buildServiceWorker(assets string) ([]byte, error) {
	b, err := fs.ReadFile(static.Files, "js/sw.js")
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(b, []byte("__ASSETS__"), []byte(assets)), nil
}
