package handlers

import (
	"html/template"
	"net/url"
	"strings"
	"sync"
)

// navMemo keeps the site's navigation (the nav_links template of
// templates/layout.html) rendered. It is the same for every page of one
// language, one role and one current section: drawing it twice (wide
// screens, compact menu) took a respondent's questionnaire page about 100 of
// its 250 template actions, a quarter of its time (issue 15).
//
// What the template reads is the language, the user's role and which of its
// links the page is under (view.Here). The links it asks about depend only
// on the language and the role, so the first rendering for a language and
// role records them; later pages compute which of those hold and find the
// rendering under that key. TestNavMemoMatchesTemplate compares the memo
// with the template over the roles, languages and pages.
type navMemo struct {
	mu    sync.RWMutex
	paths map[string][]string      // language|role → the paths nav_links asks Here about, in order
	html  map[string]template.HTML // language|role|which of them hold → the rendering
}

// maxNavEntries bounds the memo; a key holds two languages, five roles and
// the few paths a page can be under at once, so it never nears this.
const maxNavEntries = 512

// nav is the navigation of v's page, rendered with t (any page's template
// set: they share the layout).
func (m *navMemo) nav(t *template.Template, v *view) (template.HTML, error) {
	role := "-"
	if v.User != nil {
		role = string(v.User.Role)
		if v.User.FocalPoint { // a focal point's navigation has the team's link
			role += "+focal"
		}
	}
	group := v.Lang + "|" + role
	m.mu.RLock()
	paths, known := m.paths[group]
	var key string
	if known {
		key = navKey(group, v, paths)
		if h, ok := m.html[key]; ok {
			m.mu.RUnlock()
			return h, nil
		}
	}
	m.mu.RUnlock()

	rec := *v
	rec.here = &[]string{}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "nav_links", &rec); err != nil {
		return "", err
	}
	h := template.HTML(b.String()) // #nosec G203 -- made by html/template just now
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.paths == nil {
		m.paths, m.html = map[string][]string{}, map[string]template.HTML{}
	}
	if !known {
		paths = *rec.here
		m.paths[group] = paths
		key = navKey(group, v, paths)
	}
	if len(m.html) < maxNavEntries {
		m.html[key] = h
	}
	return h, nil
}

// navKey names a rendering: the group and, for each path, whether the page
// is under it.
func navKey(group string, v *view, paths []string) string {
	b := []byte(group + "|")
	for _, p := range paths {
		if v.underPath(p) {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	return string(b)
}

// headLinks are the layout's links to the style sheet, icons and scripts,
// each with the assets' hash in its URL so that a new build is fetched:
// the same on every page, so made once rather than by ten template actions
// a page. With charts, the chart scripts come too.
func headLinks(assets string, charts bool) template.HTML {
	v := template.HTMLEscapeString(url.QueryEscape(assets))
	var b strings.Builder
	b.WriteString(`<link rel="stylesheet" href="/static/css/marsad.css?v=` + v + `">
<link rel="icon" href="/static/favicon.svg?v=` + v + `" type="image/svg+xml">
<link rel="icon" href="/favicon.ico" sizes="32x32">
`)
	scripts := []string{"js/app.js", "js/menu.js", "js/questionnaire.js"}
	if charts {
		scripts = append([]string{"echarts/echarts.min.js", "echarts/langAR.js", "js/charts.js", "js/present.js"}, scripts...)
	}
	for i, src := range scripts {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(`<script src="/static/` + src + `?v=` + v + `" defer></script>`)
	}
	return template.HTML(b.String()) // #nosec G203 -- fixed paths and an escaped hash
}

// HeadLinks are the page's head links (headLinks), with the chart scripts
// when the page draws charts.
func (v *view) HeadLinks() template.HTML {
	if v.Charts {
		return v.heads[1]
	}
	return v.heads[0]
}
