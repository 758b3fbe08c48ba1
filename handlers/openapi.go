package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"

	"marsad/docs"
)

// apiReference is the OpenAPI document (docs/openapi.yaml) as the server
// gives it: the JSON clients fetch and the operations the reference page
// lists. It is built once, when the program starts: the document is
// compiled in and never changes while it runs.
type apiReference struct {
	JSON []byte // compact JSON, the YAML's key order kept
	ETag string
	Tags []apiTag
}

// apiTag is one group of operations on the reference page.
type apiTag struct {
	Name string
	Ops  []apiOp
}

// apiOp is one operation of the document.
type apiOp struct {
	Method    string   // GET, POST…
	Path      string   // /api/v1/rounds/{id}
	Segments  []string // the path's parts after each "/", where a phone may wrap it
	ID        string   // operationId
	Summary   string   // English
	SummaryAr string   // x-summary-ar, "" when the document has none
	Public    bool     // callable without signing in
}

// openAPIDoc and openAPIErr are the document read at start-up. A broken
// document is a programming error the tests catch (openapi_test.go); the
// server still starts, and only the two routes that serve it answer 500.
var openAPIDoc, openAPIErr = loadAPIReference(docs.OpenAPI)

// apiMethods are the operations' methods in the order the page lists them.
var apiMethods = []string{"get", "post", "put", "patch", "delete"}

// loadAPIReference converts the YAML document to JSON and gathers its
// operations by tag, in the document's tag order.
func loadAPIReference(src []byte) (*apiReference, error) {
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, js); err != nil {
		return nil, fmt.Errorf("openapi.yaml as JSON: %w", err)
	}
	var doc struct {
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(compact.Bytes(), &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	sum := sha256.Sum256(compact.Bytes())
	ref := &apiReference{JSON: compact.Bytes(), ETag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	byTag := map[string]int{}
	for _, t := range doc.Tags {
		byTag[t.Name] = len(ref.Tags)
		ref.Tags = append(ref.Tags, apiTag{Name: t.Name})
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		for _, m := range apiMethods {
			raw, ok := doc.Paths[p][m]
			if !ok {
				continue
			}
			var op struct {
				ID        string                 `json:"operationId"`
				Summary   string                 `json:"summary"`
				SummaryAr string                 `json:"x-summary-ar"`
				Tags      []string               `json:"tags"`
				Security  *[]map[string][]string `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("openapi.yaml: %s %s: %w", m, p, err)
			}
			if len(op.Tags) == 0 {
				return nil, fmt.Errorf("openapi.yaml: %s %s has no tag", m, p)
			}
			i, ok := byTag[op.Tags[0]]
			if !ok {
				return nil, fmt.Errorf("openapi.yaml: %s %s: tag %q is not declared", m, p, op.Tags[0])
			}
			public := false
			if op.Security != nil {
				// An empty requirement ({} or an empty list) lets anyone call it.
				public = len(*op.Security) == 0 || slices.ContainsFunc(*op.Security, func(r map[string][]string) bool { return len(r) == 0 })
			}
			ref.Tags[i].Ops = append(ref.Tags[i].Ops, apiOp{Method: strings.ToUpper(m), Path: p, ID: op.ID,
				Summary: op.Summary, SummaryAr: op.SummaryAr, Public: public, Segments: strings.Split(strings.TrimPrefix(p, "/"), "/")})
		}
	}
	return ref, nil
}

// apiOpenAPI serves the OpenAPI document as JSON to anyone. It changes only
// with a new release, so caches may keep it an hour and then revalidate
// with its ETag.
func (s *Server) apiOpenAPI(c *gin.Context) {
	if openAPIErr != nil {
		s.serverError(c, openAPIErr)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("ETag", openAPIDoc.ETag)
	if c.GetHeader("If-None-Match") == openAPIDoc.ETag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json", openAPIDoc.JSON)
}

// apiReferencePage is what the reference page shows.
type apiReferencePage struct {
	Tags []apiTag
}

// showAPIReference is the API's reference page: every operation of the
// document by tag, with a link to the document itself.
func (s *Server) showAPIReference(c *gin.Context) {
	if openAPIErr != nil {
		s.serverError(c, openAPIErr)
		return
	}
	v := s.newView(c, "apiref.title")
	v.Data = apiReferencePage{Tags: openAPIDoc.Tags}
	s.render(c, http.StatusOK, "api_reference", v)
}
