package handlers

import (
	"strings"
	"testing"
)

// TestTemplatesParse parses every page as the server does after starting,
// so that a broken page fails here and not on a request.
func TestTemplatesParse(t *testing.T) {
	p, err := loadTemplates()
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
