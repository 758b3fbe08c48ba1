package handlers

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
)

// TestTemplatesParse makes every page as the server does on first use —
// parsed into a clone of the layout and partials, and escaped — so that a
// page that parses but does not escape fails here and not on a request.
func TestTemplatesParse(t *testing.T) {
	t.Parallel()
	p, err := loadTemplates(templateFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.pages) < 40 {
		t.Errorf("%d pages found", len(p.pages))
	}
	if err := p.parseAll(); err != nil {
		t.Fatal(err)
	}
	for name := range p.pages {
		tpl, err := p.get(name)
		if err != nil || tpl == nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tpl.Lookup("layout") == nil {
			t.Errorf("%s has no layout", name)
		}
		if name != "standalone" && tpl.Lookup("content") == nil {
			t.Errorf("%s has no content", name)
		}
	}
	if _, err := p.get("no-such-page"); err == nil || !strings.Contains(err.Error(), "no page") {
		t.Errorf("an unknown page: %v", err)
	}
}

// TestBrokenTemplateStopsStartUp: a page, standalone export or partial that
// does not parse makes New fail, naming the file, before the server
// answers anything. A page that parses but does not escape is found by the
// check that TestTemplatesParse runs.
func TestBrokenTemplateStopsStartUp(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name, path, text, want string
		escaping               bool // found on the page's first use, not by New
	}{
		{"unclosed action", "templates/pages/home.html", `{{define "content"}}<p>{{if .User}}</p>{{end}`, "template home:", false},
		{"unknown function", "templates/pages/catalog.html", `{{define "content"}}{{nosuchfunc .}}{{end}}`, "template catalog:", false},
		{"missing end", "templates/standalone.html", `{{define "layout"}}<html>{{range .Data}}</html>{{end}}`, "template standalone:", false},
		{"partial", "templates/partials/*", `{{define "x"}}{{.A.}}{{end}}`, "handlers: layout:", false},
		{"escaping", "templates/pages/stages.html", `{{define "content"}}{{if .User}}<a href="{{else}}<b>{{end}}x{{end}}`, "template stages:", true},
		{"missing partial", "templates/pages/rounds.html", `{{define "content"}}{{template "no-such-partial" .}}{{end}}`, "template rounds:", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := copyTemplates(t)
			path := tc.path
			if strings.HasSuffix(path, "*") {
				matches, _ := fs.Glob(fsys, path+".html")
				path = matches[0]
			}
			fsys[path] = &fstest.MapFile{Data: []byte(tc.text)}
			srv, err := New(context.Background(), st, Config{Version: "test", Logger: quiet, templates: fsys})
			if tc.escaping {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				err = srv.pages.parseAll()
			} else if err == nil || srv != nil {
				t.Fatalf("New started with a broken template (%v)", err)
			}
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v does not name the file (want %q)", err, tc.want)
			}
		})
	}
	// The copy itself, unbroken, starts and makes every page.
	srv, err := New(context.Background(), st, Config{Version: "test", Logger: quiet, templates: copyTemplates(t)})
	if err != nil {
		t.Fatalf("the copy of the templates: %v", err)
	}
	if err := srv.pages.parseAll(); err != nil {
		t.Fatalf("the copy of the templates: %v", err)
	}
}

// copyTemplates copies the embedded templates into a map to break one of.
func copyTemplates(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(templateFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFiles, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
