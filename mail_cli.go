package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"marsad/handlers"
	"marsad/survey"
	"marsad/survey/mailer"
	"marsad/survey/sqlstore"
)

// mailConfig is the e-mail part of serve's command line (docs/mail.md).
type mailConfig struct {
	set          mailer.Settings
	passwordFile string
	workers      int
	lease        time.Duration
}

// addMailFlags adds the SMTP settings. The password is never a flag (a
// flag's value shows in ps): it comes from MARSAD_SMTP_PASSWORD or from
// the file --smtp-password-file names.
func addMailFlags(fs *flag.FlagSet, mc *mailConfig) {
	fs.StringVar(&mc.set.Host, "smtp-host", os.Getenv("MARSAD_SMTP_HOST"), "SMTP server that sends Marsad's e-mail; empty = no e-mail, links to copy (env MARSAD_SMTP_HOST)")
	fs.IntVar(&mc.set.Port, "smtp-port", envInt("MARSAD_SMTP_PORT", 0), "SMTP port; 0 = 587 for starttls, 465 for tls, 25 for none (env MARSAD_SMTP_PORT)")
	fs.StringVar(&mc.set.TLS, "smtp-tls", envOr("MARSAD_SMTP_TLS", mailer.TLSStartTLS), "starttls (required STARTTLS), tls (implicit TLS) or none (env MARSAD_SMTP_TLS)")
	fs.StringVar(&mc.set.User, "smtp-user", os.Getenv("MARSAD_SMTP_USER"), "SMTP user name; the password comes from MARSAD_SMTP_PASSWORD or --smtp-password-file (env MARSAD_SMTP_USER)")
	fs.StringVar(&mc.passwordFile, "smtp-password-file", os.Getenv("MARSAD_SMTP_PASSWORD_FILE"), "file holding the SMTP password (env MARSAD_SMTP_PASSWORD_FILE; or the password itself in MARSAD_SMTP_PASSWORD)")
	fs.StringVar(&mc.set.From, "mail-from", os.Getenv("MARSAD_MAIL_FROM"), "sender address of Marsad's e-mail, e.g. marsad@mtit.gov.ps (env MARSAD_MAIL_FROM)")
	fs.StringVar(&mc.set.FromName, "mail-from-name", envOr("MARSAD_MAIL_FROM_NAME", "مرصد"), "sender name shown with the address (env MARSAD_MAIL_FROM_NAME)")
	fs.IntVar(&mc.workers, "mail-workers", envInt("MARSAD_MAIL_WORKERS", 2), "SMTP connections sending at once (env MARSAD_MAIL_WORKERS)")
	fs.DurationVar(&mc.lease, "mail-lease", envDuration("MARSAD_MAIL_LEASE", survey.DefaultMailLease), "how long a message being sent is held before a restarted server tries it again (env MARSAD_MAIL_LEASE)")
}

// settings reads the password and checks the whole.
func (mc *mailConfig) settings() (mailer.Settings, error) {
	s := mc.set
	if mc.lease < time.Second {
		return s, fmt.Errorf("--mail-lease %s: at least 1s (longer than one delivery takes)", mc.lease)
	}
	s.Password = os.Getenv("MARSAD_SMTP_PASSWORD")
	if mc.passwordFile != "" {
		b, err := os.ReadFile(mc.passwordFile)
		if err != nil {
			return s, fmt.Errorf("--smtp-password-file: %w", err)
		}
		s.Password = strings.TrimRight(string(b), "\r\n")
	}
	return s, s.Check()
}

// startMail starts the outbox worker when mail is configured and returns
// the function that waits for it to stop (after ctx ends). Without mail,
// the store queues nothing and pages say that mail is not configured.
func startMail(ctx context.Context, mc mailConfig, baseURL string, store *sqlstore.Store, srv *handlers.Server, log *slog.Logger) (func(), error) {
	set, err := mc.settings()
	if err != nil {
		return nil, err
	}
	if !set.Configured() {
		store.EnableMail("")
		log.Info("mail not configured: invitation and reset links are shown to copy", "see", "--smtp-host, --mail-from")
		return func() {}, nil
	}
	sender, err := mailer.NewSender(set)
	if err != nil {
		return nil, err
	}
	store.EnableMail(set.Domain())
	if strings.Contains(baseURL, "127.0.0.1") || strings.Contains(baseURL, "localhost") {
		log.Warn("mail links point to a local address: set --base-url to the public address", "base_url", baseURL)
	}
	w := &mailer.Worker{Store: store, Render: srv.RenderMail, Sender: sender, Log: log,
		Lease: mc.lease, Concurrency: mc.workers}
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	log.Info("mail on", "smtp", fmt.Sprintf("%s:%d", set.Host, set.Port), "tls", set.TLS, "from", set.From, "workers", mc.workers)
	return wg.Wait, nil
}
