// Package mailer sends Marsad's e-mail: it is the only SMTP client in the
// code (as survey/probe is the only HTTP client), and runs the worker that
// takes messages from the outbox, renders them, sends them and records the
// result, with retries (docs/mail.md).
//
// Delivery is at least once: a message is claimed (status 'sending', the
// attempt counted) and that claim is committed before anything is sent, so
// a process that dies after the SMTP server accepted a message and before
// 'sent' was recorded sends it once more when the claim's lease ends. That
// is at most one extra copy per crash per message, and it carries the same
// Message-ID, by which mail clients merge the two.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"marsad/survey"
)

// TLS modes of the connection to the SMTP server.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: a relay on the same host or in tests only
)

// Settings are how Marsad reaches its SMTP server (main's --smtp-* flags).
type Settings struct {
	Host string
	Port int
	// TLS is TLSStartTLS (the default), TLSImplicit or TLSNone.
	TLS      string
	User     string
	Password string
	// From is the sender's address; FromName the name shown with it.
	From     string
	FromName string
	// Timeout bounds connecting and each SMTP command; 0 is 30 s.
	Timeout time.Duration
}

// Configured says whether mail is to be sent at all: a host and a sender.
func (s Settings) Configured() bool { return s.Host != "" && s.From != "" }

// Check says what is wrong with configured settings.
func (s Settings) Check() error {
	if !s.Configured() {
		if s.Host != "" || s.From != "" {
			return errors.New("mail: set both --smtp-host and --mail-from, or neither")
		}
		return nil
	}
	if _, err := mail.ParseAddress(s.From); err != nil || strings.ContainsAny(s.From, "<> ") {
		return fmt.Errorf("mail: --mail-from %q is not an address", s.From)
	}
	switch s.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("mail: --smtp-tls %q: want starttls, tls or none", s.TLS)
	}
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("mail: --smtp-port %d", s.Port)
	}
	if s.User != "" && s.Password == "" {
		return errors.New("mail: --smtp-user is set but no password (MARSAD_SMTP_PASSWORD or --smtp-password-file)")
	}
	return nil
}

// Domain is the sender's domain, which the Message-IDs use.
func (s Settings) Domain() string {
	if _, d, ok := strings.Cut(s.From, "@"); ok && d != "" {
		return d
	}
	return "marsad.invalid"
}

// Outgoing is one rendered message to send.
type Outgoing struct {
	To        string
	Lang      string
	MessageID string // without angle brackets
	survey.RenderedMail
}

// Sender opens connections to the SMTP server.
type Sender struct {
	set Settings
}

// NewSender checks the settings.
func NewSender(s Settings) (*Sender, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if !s.Configured() {
		return nil, errors.New("mail: not configured")
	}
	if s.Timeout == 0 {
		s.Timeout = 30 * time.Second
	}
	if s.TLS == "" {
		s.TLS = TLSStartTLS
	}
	return &Sender{set: s}, nil
}

func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithTimeout(s.set.Timeout)}
	port := s.set.Port
	switch s.set.TLS {
	case TLSImplicit:
		if port == 0 {
			port = 465
		}
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSConfig(&tls.Config{ServerName: s.set.Host, MinVersion: tls.VersionTLS12}))
	case TLSNone:
		if port == 0 {
			port = 25
		}
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		if port == 0 {
			port = 587
		}
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory),
			gomail.WithTLSConfig(&tls.Config{ServerName: s.set.Host, MinVersion: tls.VersionTLS12}))
	}
	opts = append(opts, gomail.WithPort(port))
	if s.set.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.set.User), gomail.WithPassword(s.set.Password))
	}
	return gomail.NewClient(s.set.Host, opts...)
}

// Conn is one open connection, for several messages in turn.
type Conn struct {
	s *Sender
	c *gomail.Client
}

// Dial opens a connection to the SMTP server.
func (s *Sender) Dial(ctx context.Context) (*Conn, error) {
	c, err := s.client()
	if err != nil {
		return nil, err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, err
	}
	return &Conn{s: s, c: c}, nil
}

// Close ends the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Send sends one message. An error is permanent (Permanent) when the
// server refused it for good (a 5xx answer: unknown address…), else
// temporary.
func (c *Conn) Send(o Outgoing) error {
	m, err := c.s.message(o)
	if err != nil {
		return permanent{err}
	}
	if err := c.c.Send(m); err != nil {
		var se *gomail.SendError
		// Only a 5xx answer is final: a broken connection or a 4xx is
		// tried again.
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return permanent{err}
		}
		return err
	}
	return nil
}

// message builds the MIME message: a plain-text part and an HTML
// alternative, in UTF-8, with the stored Message-ID.
func (s *Sender) message(o Outgoing) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	var err error
	if s.set.FromName != "" {
		err = m.FromFormat(s.set.FromName, s.set.From)
	} else {
		err = m.From(s.set.From)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: sender: %w", err)
	}
	if err := m.To(o.To); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	m.Subject(o.Subject)
	m.SetMessageIDWithValue(o.MessageID)
	m.SetDate()
	m.SetGenHeader(gomail.HeaderContentLang, o.Lang)
	// Automatic mail: out-of-office replies and the like are not wanted
	// (RFC 3834).
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader("X-Auto-Response-Suppress", "All")
	m.SetBodyString(gomail.TypeTextPlain, o.Text)
	if o.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, o.HTML)
	}
	return m, nil
}

// permanent marks an error that retrying will not mend.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Permanent says whether err is one that retrying will not mend.
func Permanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
