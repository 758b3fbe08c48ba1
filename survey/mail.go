package survey

import (
	"errors"
	"strings"
	"time"
)

// E-mail (issue 18; docs/mail.md). Every message goes through the outbox: a
// store writes a Mail in the same transaction as the change that causes it,
// and the worker (package survey/mailer) renders and sends it later, with
// retries. This file is the domain only: kinds, the message a store
// enqueues, the outbox row, the retry schedule and the limits.

// MailKind names what a message is; each kind has its templates
// (handlers/templates/mail/<kind>.html and .txt) and locale keys
// (mail.<kind>.subject, mail.<kind>.why).
type MailKind string

// The kinds of message. Invitations and password resets are mandatory
// (sent even to someone who turned off notifications); every other kind is
// optional. A new kind: add its constant here (and to MailKinds), its two
// templates and its locale keys; it is optional unless listed in
// mandatoryKinds.
const (
	MailInvitation MailKind = "invitation"
	MailReset      MailKind = "reset"
)

// MailKinds lists every kind the outbox page can filter by. Other files
// (reminders, notifications) add theirs in an init function with
// RegisterMailKind, so that this list needs no edit from them.
var MailKinds = []MailKind{MailInvitation, MailReset}

// RegisterMailKind adds a kind to MailKinds (from an init function).
func RegisterMailKind(k MailKind) {
	for _, x := range MailKinds {
		if x == k {
			return
		}
	}
	MailKinds = append(MailKinds, k)
}

// mandatoryKinds are sent even to users who turned off optional mail.
var mandatoryKinds = map[MailKind]bool{MailInvitation: true, MailReset: true}

// Mandatory says whether a kind is sent whatever the recipient's
// preference (users.mail_optout).
func (k MailKind) Mandatory() bool { return mandatoryKinds[k] }

// Mail is one message a store puts in the outbox, in the transaction of the
// change that causes it. Only Kind and To are required.
type Mail struct {
	Kind MailKind
	// To is the recipient's address.
	To string
	// UserID is the recipient's account, when there is one: its language
	// (users.lang) is used when Lang is empty, and an optional kind is not
	// queued for a user who turned optional mail off.
	UserID int64
	// Lang is "ar" or "en"; empty means the user's, else Arabic.
	Lang string
	// InstitutionID and RoundID, when set, put the institution's name, the
	// round's name and the deadline (the institution's extension if it has
	// one) in the message.
	InstitutionID int64
	RoundID       int64
	// Link is the page the message points to, under /{lang}/, without a
	// leading slash, e.g. "rounds/3/responses/MOH"; "{secret}" in it is
	// replaced by Secret when the message is rendered.
	Link string
	// Secret is a one-time token the link carries (invitation, reset): kept
	// until the message is sent, then cleared; the stored copy of what was
	// sent shows it masked.
	Secret string
	// Params are extra values for the templates (strings only), at most
	// MaxMailParams of them, each at most MaxMailParamLen bytes.
	Params map[string]string
	// DedupeKey, when set, makes the message unique: a second enqueue with
	// the same key is a no-op (e.g. "reminder:ROUND:INST:2026-12-07").
	DedupeKey string
}

// Outbox statuses.
const (
	MailQueued  = "queued"
	MailSending = "sending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// MailStatuses lists the statuses in the outbox page's order.
var MailStatuses = []string{MailQueued, MailSending, MailSent, MailFailed}

// OutboxMessage is one row of the outbox, with what rendering needs.
type OutboxMessage struct {
	ID            int64
	Kind          MailKind
	To            string
	UserID        int64
	Lang          string
	InstitutionID int64
	RoundID       int64
	Link          string
	// Secret is the link's token, set only on a claimed message that
	// still needs it (cleared once sent).
	Secret    string
	Params    map[string]string
	DedupeKey string
	MessageID string
	Status    string
	Attempts  int
	// NextAttemptAt is when a queued message is due, or when a sending
	// one's lease ends.
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
	// What was sent (or last tried), as rendered; the secret masked.
	Subject, Text, HTML string

	// Filled from the institution and round, for rendering and the page.
	InstitutionCode   string
	InstitutionNameAr string
	InstitutionNameEn string
	RoundName         string
	// Deadline is the round's (YYYY-MM-DD), or the institution's
	// extension when it has one.
	Deadline string
}

// InstitutionName is the institution's name in lang (Arabic when there is
// no English name).
func (m OutboxMessage) InstitutionName(lang string) string {
	if lang == "en" && m.InstitutionNameEn != "" {
		return m.InstitutionNameEn
	}
	return m.InstitutionNameAr
}

// Resendable says whether the coordinator may send the message again: a
// failed one always (with its secret, if it had one), a sent one only if
// its link carries no secret (a sent invitation's token is gone: make a
// new invitation).
func (m OutboxMessage) Resendable() bool {
	switch m.Status {
	case MailFailed:
		return true
	case MailSent:
		return !m.HasSecretLink()
	}
	return false
}

// HasSecretLink says whether the message's link carries a one-time token.
func (m OutboxMessage) HasSecretLink() bool { return strings.Contains(m.Link, SecretMark) }

// SecretMark in a Mail's Link is replaced by its Secret when rendering.
const SecretMark = "{secret}"

// RenderedMail is a message ready to send.
type RenderedMail struct {
	Subject string
	Text    string
	HTML    string
}

// OutboxFilter selects messages for the outbox page.
type OutboxFilter struct {
	Status string   // "" for all
	Kind   MailKind // "" for all
}

// OutboxPage is one page of the outbox, newest first.
type OutboxPage struct {
	Messages []OutboxMessage
	Total    int // messages matching the filter
	Page     int
	PerPage  int
	// Counts are all messages by status, whatever the filter.
	Counts map[string]int
}

// MailBackoff is how long the worker waits after each failed attempt
// before the next: attempt 1 failed → 1 minute, … After
// len(MailBackoff)+1 failed attempts the message is failed for good (until
// the coordinator resends it).
var MailBackoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// MaxMailAttempts is how many times a message is tried before it fails.
func MaxMailAttempts() int { return len(MailBackoff) + 1 }

// NextMailAttempt is the wait after the given number of attempts failed,
// and false when the message is to fail for good.
func NextMailAttempt(attempts int) (time.Duration, bool) {
	if attempts < 1 || attempts > len(MailBackoff) {
		return 0, false
	}
	return MailBackoff[attempts-1], true
}

// Limits of what the outbox stores.
const (
	MaxMailParams     = 32
	MaxMailParamLen   = 2000
	MaxMailParamsJSON = 8192
	MaxMailLink       = 500
	MaxMailSecret     = 200
	MaxMailDedupeKey  = 200
	MaxMailError      = 1000
	MaxMailSubject    = 1000
	MaxMailText       = 65536
	MaxMailHTML       = 131072
)

// DefaultMailLease is how long a claimed message stays 'sending' before
// another claim may take it again (the process that claimed it is taken
// to have died). It must be longer than one SMTP delivery may take.
const DefaultMailLease = 5 * time.Minute

// ErrMailNotResendable is a resend refused: the message is queued or being
// sent, or it was sent and its one-time link is gone.
var ErrMailNotResendable = errors.New("survey: this message cannot be sent again")

// ErrMailInvalid is a Mail that cannot be queued (no address, unknown
// language, too long).
var ErrMailInvalid = errors.New("survey: invalid mail")

// MailLang is lang if it is a language mail is written in, else Arabic.
func MailLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "ar"
}
