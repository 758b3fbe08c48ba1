package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"marsad/survey"
)

// Messages by e-mail (issue 18; docs/mail.md) are written here, where the
// translations are: the worker (survey/mailer) calls RenderMail for each
// message it sends. A kind K has two templates, templates/mail/K.html
// (html/template) and templates/mail/K.txt (text/template), each defining
// "content", which layout.html / layout.txt wrap; and two locale keys,
// mail.K.subject and mail.K.why (the footer: why the message was sent), in
// which {institution}, {round}, {deadline} and {P} for each parameter P are
// replaced. Adding a kind is adding those four things.

// mailTemplates are the parsed mail templates of one kind.
type mailTemplates struct {
	html *template.Template
	text *texttemplate.Template
}

// mailKinds parses every kind's templates once.
var mailKinds = sync.OnceValues(func() (map[survey.MailKind]mailTemplates, error) {
	return parseMailTemplates(templateFiles)
})

func parseMailTemplates(fsys fs.FS) (map[survey.MailKind]mailTemplates, error) {
	files, err := fs.Glob(fsys, "templates/mail/*.html")
	if err != nil {
		return nil, err
	}
	out := map[survey.MailKind]mailTemplates{}
	var errs []error
	for _, f := range files {
		kind := strings.TrimSuffix(path.Base(f), ".html")
		if kind == "layout" {
			continue
		}
		txt := strings.TrimSuffix(f, ".html") + ".txt"
		h, err := template.New("layout").ParseFS(fsys, "templates/mail/layout.html", f)
		if err != nil {
			errs = append(errs, fmt.Errorf("handlers: mail template %s: %w", f, err))
			continue
		}
		t, err := texttemplate.New("layout").ParseFS(fsys, "templates/mail/layout.txt", txt)
		if err != nil {
			errs = append(errs, fmt.Errorf("handlers: mail template %s: %w", txt, err))
			continue
		}
		out[survey.MailKind(kind)] = mailTemplates{html: h, text: t}
	}
	return out, errors.Join(errs...)
}

// mailData is what a mail template sees.
type mailData struct {
	Lang, Dir string
	// Start is the side text starts on (right in Arabic): mail clients
	// know no logical properties in inline styles.
	Start       string
	Subject     string
	Why         string
	Link        string // absolute; "" when the message links nowhere
	Institution string // the institution's name in the message's language
	Round       string
	Deadline    string // YYYY-MM-DD
	Params      map[string]string
	To          string

	loc *locale
	tz  *time.Location
}

// T translates key into the message's language.
func (d mailData) T(key string, args ...any) string { return d.loc.T(key, args...) }

// P is the parameter name, "" when absent.
func (d mailData) P(name string) string { return d.Params[name] }

// When is the parameter name, a stored time, as a date and time in the
// server's zone with its name.
func (d mailData) When(name string) string {
	t, err := time.Parse("2006-01-02T15:04:05.000Z", d.Params[name])
	if err != nil {
		return d.Params[name]
	}
	// The date and time isolated left to right (U+2066…U+2069): in an
	// Arabic sentence of plain text there is no <bdi> to do it.
	return "\u2066" + d.loc.clock(t, d.tz) + "\u2069 (" + d.loc.zone(d.tz) + ")"
}

// RenderMail writes a claimed outbox message in its recipient's language:
// subject, plain text and a right-to-left (in Arabic) HTML part with inline
// styles only. The worker calls it; an error fails the message for good.
func (s *Server) RenderMail(_ context.Context, m survey.OutboxMessage) (survey.RenderedMail, error) {
	kinds, err := mailKinds()
	if err != nil {
		return survey.RenderedMail{}, err
	}
	tpl, ok := kinds[m.Kind]
	if !ok {
		return survey.RenderedMail{}, fmt.Errorf("handlers: no mail template for kind %q", m.Kind)
	}
	lang := survey.MailLang(m.Lang)
	loc := s.locales[lang]
	d := mailData{Lang: lang, Dir: "rtl", Start: "right", Institution: m.InstitutionName(lang), Round: m.RoundName,
		Deadline: m.Deadline, Params: m.Params, To: m.To, loc: loc, tz: s.cfg.Location}
	if lang == "en" {
		d.Dir, d.Start = "ltr", "left"
	}
	if m.Link != "" {
		d.Link = s.cfg.BaseURL + "/" + lang + "/" + strings.ReplaceAll(m.Link, survey.SecretMark, m.Secret)
	}
	pairs := []string{"{institution}", d.Institution, "{round}", d.Round, "{deadline}", d.Deadline}
	for k, v := range m.Params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	fill := strings.NewReplacer(pairs...)
	d.Subject = fill.Replace(loc.T("mail." + string(m.Kind) + ".subject"))
	d.Why = fill.Replace(loc.T("mail." + string(m.Kind) + ".why"))
	var h, t bytes.Buffer
	if err := tpl.html.ExecuteTemplate(&h, "layout", d); err != nil {
		return survey.RenderedMail{}, fmt.Errorf("handlers: mail %s html: %w", m.Kind, err)
	}
	if err := tpl.text.ExecuteTemplate(&t, "layout", d); err != nil {
		return survey.RenderedMail{}, fmt.Errorf("handlers: mail %s text: %w", m.Kind, err)
	}
	// Subjects are one line.
	subject := strings.Join(strings.Fields(d.Subject), " ")
	return survey.RenderedMail{Subject: subject, Text: t.String(), HTML: h.String()}, nil
}
