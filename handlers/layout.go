package handlers

import (
	"bytes"
	"html/template"
	"strings"
)

// The page layout, written in Go (issue 15).
//
// templates/layout.html defines the frame of every page; this writes the
// same bytes without the template engine, whose reflection over the
// layout's thirty actions was a seventh of a questionnaire page. Each value
// goes through the escaper html/template would choose in its place
// (response_content.go: escText; escURL below for a whole URL), and
// TestLayoutMatchesTemplate serves every page of the authorization matrix,
// for every role and in both languages, both ways and compares them. A
// change to the layout is made in both places, or that test fails.

// escURL is html/template's treatment of a value that is a whole URL
// attribute (its urlFilter, urlNormalizer and attribute escaper): a URL
// with a scheme other than http, https or mailto becomes #ZgotmplZ, bytes
// that may not appear in a URL are percent-encoded (lowercase hex, as the
// template writes them, and existing escapes kept), and the result is
// escaped for the attribute.
func escURL(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 && !strings.ContainsAny(s[:i], "/?#") {
		switch strings.ToLower(s[:i]) {
		case "http", "https", "mailto":
		default:
			return "#ZgotmplZ"
		}
	}
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte("0123456789abcdef"[c>>4])
		b.WriteByte("0123456789abcdef"[c&15])
		written = i + 1
	}
	if written == 0 {
		return escText(s)
	}
	b.WriteString(s[written:])
	return escText(b.String())
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// executeLayout writes the page v with the layout around its content:
// v.Content, or else the page template's "content". A page with a layout
// of its own (the standalone export, a whole offline document: see
// pageTemplates) runs its template.
func (s *Server) executeLayout(page string, t *template.Template, buf *bytes.Buffer, v *view) error {
	if s.layoutByTemplate || page == "standalone" {
		return t.ExecuteTemplate(buf, "layout", v)
	}
	if err := writeLayoutHead(buf, v); err != nil {
		return err
	}
	if v.Content != "" {
		buf.WriteString(string(v.Content))
	} else if err := t.ExecuteTemplate(buf, "content", v); err != nil {
		return err
	}
	writeLayoutTail(buf, v)
	return nil
}

// layoutWriter writes the layout's parts: text that is the same from page
// to page (the frame, the navigation, the footer, the user's address) and
// values of the page (its other-language URL, the CSRF token). On a page sent as
// fragments (splice.go) each run of the same text goes out as a kept
// fragment, compressed once (view.piece); elsewhere, or without pieces, all
// of it is written in place. A placeholder of the page's own fragments is
// always the page's own: a run kept for other pages must not hold one.
type layoutWriter struct {
	buf interface{ WriteString(string) (int, error) }
	v   *view
	run []byte
}

// same writes text that repeats from page to page.
func (l *layoutWriter) same(parts ...string) {
	if l.v.piece == nil {
		for _, x := range parts {
			_, _ = l.buf.WriteString(x) // into memory: no error
		}
		return
	}
	for _, x := range parts {
		l.run = append(l.run, x...)
	}
}

// own writes a value of this page.
func (l *layoutWriter) own(parts ...string) {
	l.flush()
	for _, x := range parts {
		_, _ = l.buf.WriteString(x)
	}
}

// flush writes the run of repeated text held so far.
func (l *layoutWriter) flush() {
	if len(l.run) == 0 {
		return
	}
	_, _ = l.buf.WriteString(string(l.v.piece(l.run)))
	l.run = l.run[:0]
}

// writeLayoutHead writes the layout up to the page's content.
func writeLayoutHead(buf *bytes.Buffer, v *view) error {
	nav, err := v.Nav()
	if err != nil {
		return err
	}
	l := &layoutWriter{buf: buf, v: v}
	w, own := l.same, l.own
	t := func(key string) string { return escText(v.T(key)) }
	w("<!doctype html>\n<html lang=\"", escText(v.Lang), "\" dir=\"", escText(v.Dir), "\">\n<head>\n<meta charset=\"utf-8\">\n")
	w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	if v.Title != "" {
		w(escText(v.Title), " — ")
	}
	w(t("app.name"), "</title>\n", string(v.HeadLinks()), "\n</head>\n<body>\n")
	w("<a class=\"skip-link\" href=\"#main\">", t("nav.skip"), "</a>\n")
	if v.Demo {
		w(`<div class="demo-banner" role="note"><strong>`, t("demo.label"), "</strong> ", t("demo.banner"), "</div>")
	}
	w("\n<header class=\"site-header\">\n  <div class=\"container header-inner\">\n    <a class=\"brand\" href=\"", escURL(v.URL("/")), "\">\n")
	w("      <span class=\"brand-mark\" aria-hidden=\"true\"></span>\n      <span class=\"brand-text\"><span class=\"brand-name\">", t("app.name"), "</span>")
	if v.User == nil {
		w(`<span class="brand-tagline">`, t("app.tagline"), `</span>`)
	}
	w("</span>\n    </a>\n    <nav class=\"site-nav\" aria-label=\"", t("nav.label"), "\">\n      <ul class=\"nav-bar\">", string(nav), "</ul>\n")
	w("      <details class=\"nav-compact\" data-menu>\n        <summary>", t("nav.menu"), "</summary>\n        <ul>", string(nav), "</ul>\n      </details>\n    </nav>\n")
	w("    <div class=\"header-tools\">\n      <a class=\"lang-switch\" href=\"")
	own(escURL(v.OtherURL))
	w("\" hreflang=\"", escText(v.OtherLang), "\" lang=\"", escText(v.OtherLang), "\">", t("nav.other_language"), "</a>\n      ")
	if v.User != nil {
		email := escText(v.User.Email)
		w("\n      <a class=\"whoami\" href=\"", escURL(v.URL(pathAccount)), "\" title=\"", email,
			"\"><span class=\"visually-hidden\">", t("nav.account"), ": </span><bdi>", email, "</bdi></a>\n")
		w("      <form method=\"post\" action=\"", escURL(v.URL("/logout")), "\" class=\"inline-form\">\n")
		w("        <input type=\"hidden\" name=\"csrf_token\" value=\"")
		own(escText(v.CSRF()))
		w("\">\n")
		w("        <button type=\"submit\" class=\"link-button\">", t("nav.sign_out"), "</button>\n      </form>\n      ")
	} else {
		w("\n      <a href=\"", escURL(v.URL("/login")), "\">", t("nav.sign_in"), "</a>\n      ")
	}
	w("\n    </div>\n  </div>\n</header>\n<main id=\"main\" class=\"container main\" tabindex=\"-1\">\n")
	l.flush()
	return nil
}

// writeLayoutTail writes the layout after the page's content.
func writeLayoutTail(buf *bytes.Buffer, v *view) {
	l := &layoutWriter{buf: buf, v: v}
	w := l.same
	t := func(key string) string { return escText(v.T(key)) }
	w("\n</main>\n")
	w("<footer class=\"site-footer\">\n  <div class=\"container\">\n    <p>", t("footer.text"), "</p>\n")
	w("    <p><a href=\"", escURL(v.URL("/open-data")), "\">", t("footer.open_data"), "</a></p>\n")
	w("    <p class=\"muted\">", t("footer.version"), " <bdi dir=\"ltr\" translate=\"no\">", escText(v.Version), "</bdi></p>\n  </div>\n</footer>\n</body>\n</html>")
	l.flush()
}
