package handlers

import (
	"html/template"
	"strconv"
	"strings"

	"marsad/survey"
)

// The questionnaire page's content, written in Go (issue 15).
//
// templates/pages/response.html is the page's definition; this is the same
// page written out by hand, because the template engine's reflection was
// two thirds of what the section page cost after its questions were kept
// rendered, and a respondent opens ten such pages for each response. Every
// value goes through the escaper html/template itself would choose in its
// place (escText, escURLStart, escQuery), so the bytes are the template's:
// TestResponseContentMatchesTemplate renders every section in many states
// (editable, read-only, late, pre-fill offered, missing answers, notices,
// hostile names) both ways and compares the pages. A change to the page is
// made in both places, or that test fails.

// htmlEscaper escapes text and quoted attribute values as html/template
// does (its htmlReplacementTable): the same characters, the same
// references.
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// escText is html/template's escaping of a string in text or in a quoted
// attribute.
func escText(s string) string { return htmlEscaper.Replace(s) }

// escQuery is html/template's escaping of a value inside a URL's query or
// fragment (its urlEscaper), then as an attribute: every byte but the
// unreserved ones percent-encoded.
func escQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// escURLStart is html/template's treatment of a value that starts a URL
// attribute (its urlFilter, urlNormalizer and attribute escaper), for the
// site's own paths: a path made of safe characters stays as it is. Anything
// else falls to the template's own filter (#ZgotmplZ) so that a surprise
// shows in the comparison test instead of reaching a page.
func escURLStart(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0) {
			return "#ZgotmplZ"
		}
	}
	return s
}

// contentHTML is the page's content as response.html writes it. What
// other pages show too (most of it; the institution's name and addresses
// are the same on its ten pages) is written with w, what is this page's
// own (the CSRF token, the answers, the counts, the questions' fragments)
// with own, so that the rest goes out as kept fragments (layout.go,
// layoutWriter).
func (p *responsePage) contentHTML(v *view) template.HTML {
	var b strings.Builder
	b.Grow(8 << 10)
	l := &layoutWriter{buf: &b, v: v}
	w, own := l.same, l.own
	t := func(key string) string { return escText(v.T(key)) }
	respURL := escURLStart(v.ResponseURL(p.Round.ID, p.Institution.Code))
	token := escText(v.CSRF())
	csrf := func() {
		w(`<input type="hidden" name="csrf_token" value="`)
		own(token)
		w(`">`)
	}

	w("\n\n<div class=\"response\" data-response=\"", escText(v.URL("")), "\" data-api=\"/api/v1/rounds/", strconv.FormatInt(p.Round.ID, 10), "/responses/",
		escText(p.Institution.Code), "\" data-csrf=\"")
	own(token)
	w("\"\n  ", string(v.ResponseTexts()), " ")
	own(string(p.StateAttr()), " data-user=\"", strconv.FormatInt(v.User.ID, 10))
	w("\"")
	if p.Editable {
		w(` data-editable="1"`)
	}
	w(">\n<span class=\"caption\" dir=\"auto\">", escText(v.InstitutionName(p.Institution)), " · ", t("rounds.round"), " ", escText(p.Round.Name), "</span>\n")
	w("<h1 class=\"heading-xl\" dir=\"auto\">", escText(p.Q.Title(v.Lang)), "</h1>\n")
	if p.Notice != "" {
		w(`<div class="notice" role="status">`, t(p.Notice), `</div>`)
	}
	w("\n")
	if p.Prefilled {
		w(`<div class="notice" role="status">`, escText(v.N("response.prefilled", p.PrefilledN)))
		if p.PrefilledFrom != "" {
			w(" ", string(v.TB("response.prefilled_from", p.PrefilledFrom)))
		}
		w(`</div>`)
	}
	w("\n")
	if len(p.Missing) > 0 {
		w("\n<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" data-autofocus>\n  <h2 class=\"error-summary-title\">", t("response.missing"), "</h2>\n  <ul>")
		for _, it := range p.Missing {
			w(`<li><a href="?section=`, escQuery(it.Section), `#i-`, escQuery(it.ID), `">`, escText(it.ID), " — ", escText(it.Label(v.Lang)), `</a></li>`)
		}
		w("</ul>\n</div>\n")
	}
	w("\n<div class=\"response-status\">\n  <span class=\"tag tag-resp-", escText(p.Response.Status), "\">", t("response_status."+p.Response.Status), "</span>\n")
	pct := strconv.Itoa(p.Percent())
	w("  <progress class=\"progress\" max=\"100\" value=\"")
	own(pct)
	w("\" aria-label=\"", t("response.progress_label"), "\">")
	own(pct)
	w("%</progress>\n  <span id=\"progress-text\">")
	own(escText(v.T("rounds.progress", p.Answered, p.Total)))
	w("</span>\n")
	w("  <span class=\"autosave-status\" role=\"status\" aria-live=\"polite\"></span>\n</div>\n")
	if p.DueText != "" {
		w(`<p class="response-due`)
		if p.Late {
			w(` response-due-late`)
		}
		w(`">`, string(p.DueText), `</p>`)
	}
	w("\n")
	if p.Late {
		w(`<div class="warning-text deadline-passed" role="status">`, t("due.closed_notice"), "</div>\n")
	} else if !p.Editable {
		w(`<div class="warning-text">`)
		if p.Round.Status == survey.RoundOpen {
			w(t("response.readonly_status"))
		} else {
			w(t("response.readonly_round"))
		}
		w(`</div>`)
	}
	w("\n<div class=\"response-layout\">\n<nav class=\"section-nav\" aria-label=\"", t("response.sections"), "\">\n  <ol>")
	own(string(p.SectionLinks(v)))
	w("\n    <li class=\"section-extra\"><a href=\"")
	w(respURL)
	w("/evidence\">", t("evidence.open"), "</a></li>\n    <li class=\"section-extra\"><a href=\"")
	w(respURL)
	w("/obstacles\">", t("obstacles.section"), " <span class=\"small muted\">(", t("obstacles.not_scored"), ")</span></a></li>\n  </ol>\n</nav>\n")
	w("<form method=\"post\" action=\"")
	w(respURL)
	w("\" class=\"questionnaire\" novalidate>\n  ")
	csrf()
	w("\n")
	w("  <input type=\"hidden\" name=\"section\" value=\"", escText(p.Section.ID), "\">\n")
	w("  <h2 class=\"heading-l\" dir=\"auto\">", escText(p.Section.Title(v.Lang)), "</h2>\n  ")
	if d := p.Section.Description(v.Lang); d != "" {
		w(`<p class="muted" dir="auto">`, escText(d), `</p>`)
	}
	w("\n  ")
	own(string(p.ItemsHTML())) // placeholders of this page's fragments
	w("\n  ")
	if p.Editable {
		w("\n  <div class=\"actions\">\n    <button type=\"submit\" class=\"button\" name=\"go\" value=\"next\">")
		if p.Next != "" {
			w(t("response.save_next"))
		} else {
			w(t("form.save"))
		}
		w("</button>\n    <button type=\"submit\" class=\"button button-secondary\" name=\"go\" value=\"stay\">", t("form.save"), "</button>\n  </div>\n  ")
	}
	w("\n</form>\n</div>\n")
	if p.Editable && p.Answered == 0 && len(p.Prefill) > 0 {
		w("\n<form method=\"post\" action=\"")
		w(respURL)
		w("/prefill\" class=\"prefill-box\">\n  ")
		csrf()
		w("\n")
		w("  <h2 class=\"heading-m\">", t("response.prefill"), "</h2>\n  <p>", t("response.prefill_help"), "</p>\n  <div class=\"form-group\">\n")
		w("  <label class=\"label\" for=\"f-from\">", t("response.prefill_from"), "</label>\n  <p class=\"hint\" id=\"h-from\">", t("response.prefill_from_hint"), "</p>\n")
		w("  <select class=\"select\" id=\"f-from\" name=\"from\" aria-describedby=\"h-from\" required>\n    ")
		if !p.PrefillDefault() {
			w(`<option value="" selected disabled>`, t("response.prefill_choose"), `</option>`)
		}
		w("\n    ")
		for _, x := range p.Prefill {
			w(`<option value="`, strconv.FormatInt(x.Round.ID, 10), `"`)
			if x.Standard {
				w(` selected`)
			}
			w(`>`, t("rounds.round"), " ", escText(x.Round.Name), " — ", t("response_status."+x.Status), " — ", escText(v.N("count.answers", x.Answers)))
			if x.Round.Test {
				w(" — ", t("rounds.test"))
			}
			if !x.Same {
				w(" — ", t("response.prefill_other_questionnaire"))
			}
			if x.Standard {
				w(" (", t("response.prefill_default"), ")")
			}
			w(`</option>`)
		}
		w("\n  </select>\n  </div>\n  <button type=\"submit\" class=\"button button-secondary\">", t("response.prefill_button"), "</button>\n</form>\n")
	}
	w("\n<details class=\"offline-box\">\n  <summary>", t("offline.summary"), "</summary>\n  <p>", t("offline.help"), "</p>\n")
	w("  <p><a class=\"button button-secondary\" href=\"")
	w(respURL)
	w("/xlsx\">", t("offline.download"), "</a></p>\n  ")
	if p.Editable {
		w("\n  <form method=\"post\" action=\"")
		w(respURL)
		w("/xlsx\" enctype=\"multipart/form-data\">\n    ")
		csrf()
		w("\n")
		w("    <label class=\"label\" for=\"f-sheet\">", t("offline.file"), "</label>\n")
		w("    <input class=\"file-input\" id=\"f-sheet\" name=\"file\" type=\"file\" accept=\".xlsx\">\n")
		w("    <button type=\"submit\" class=\"button button-secondary\">", t("offline.upload"), "</button>\n  </form>\n  ")
	}
	w("\n</details>\n")
	if p.Signoff != "" {
		own(string(p.Signoff)) // the sign-off box (teams.go), rendered by html/template
	} else if p.Editable {
		w("\n<form method=\"post\" action=\"")
		w(respURL)
		w("/submit\" class=\"submit-box\">\n  ")
		csrf()
		w("\n")
		w("  <input type=\"hidden\" name=\"section\" value=\"", escText(p.Section.ID), "\">\n")
		w("  <h2 class=\"heading-m\">", t("response.submit_heading"), "</h2>\n  <p>", t("response.submit_help"), "</p>\n")
		w("  <button type=\"submit\" class=\"button\">", t("response.submit"), "</button>\n</form>\n")
	}
	w("\n</div>\n\n")
	l.flush()
	return template.HTML(b.String()) // #nosec G203 -- every value above escaped as html/template would (TestResponseContentMatchesTemplate)
}
