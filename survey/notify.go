package survey

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Notifications (issue 18, §2; docs/reminders.md): the optional messages
// Marsad sends besides invitations and resets. Each is written to the
// outbox in the transaction of the change it tells about; a person who
// turned optional notifications off gets none (the outbox skips them).

// The kinds of this file, each with its templates
// (handlers/templates/mail/<kind>.html and .txt) and locale keys.
const (
	MailReminder      MailKind = "reminder"       // to the respondents of a late institution
	MailReturned      MailKind = "returned"       // a response returned with comments
	MailAccepted      MailKind = "accepted"       // a response accepted
	MailExtension     MailKind = "extension"      // a deadline extension granted
	MailStoryApproved MailKind = "story_approved" // to the story's author
	MailStoryReturned MailKind = "story_returned" // sent back with a note
	MailDigest        MailKind = "digest"         // the coordinator's daily digest
)

// A digest's lists are bounded so that its parameters fit the outbox
// (MaxMailParamLen each): lines are cut, and those past the bound counted.
const (
	maxDigestListBytes = 1800
	maxDigestLineBytes = 160
)

func init() {
	for _, k := range []MailKind{MailReminder, MailReturned, MailAccepted, MailExtension, MailStoryApproved, MailStoryReturned, MailDigest} {
		RegisterMailKind(k)
	}
}

// ErrReminderTooSoon is a manual reminder run confirmed less than
// ReminderGap after the round's last one (answered 429).
var ErrReminderTooSoon = errors.New("survey: a reminder was sent moments ago")

// ErrRemindersNeedMail is a reminder run asked of a server without mail
// configured: nothing would be sent, so nothing is recorded (answered 409).
var ErrRemindersNeedMail = errors.New("survey: reminders need mail to be configured")

// MailPrefs are a person's choices about mail, on the account page.
type MailPrefs struct {
	// Lang is the language of the messages they receive: "ar" or "en".
	Lang string `json:"lang"`
	// OptOut turns off optional notifications (reminders and the other
	// notifications; invitations and password resets always go).
	OptOut bool `json:"mail_optout"`
	// Digest: a coordinator receives the daily digest of submissions and
	// returns (off by default; coordinators only).
	Digest bool `json:"digest"`
}

// MailPrefsInput is the account page's form.
type MailPrefsInput struct {
	Lang   string `form:"mail_lang"`
	OptOut bool   `form:"mail_optout"`
	Digest bool   `form:"digest"`
}

// CheckMailPrefs validates the account page's form for a user of role:
// a known language; the digest only for coordinators.
func CheckMailPrefs(role Role, in MailPrefsInput) (MailPrefs, error) {
	fe := FieldErrors{}
	if in.Lang != "ar" && in.Lang != "en" {
		fe.Add("mail_lang", "err.choose_one")
	}
	return MailPrefs{Lang: in.Lang, OptOut: in.OptOut, Digest: in.Digest && role == RoleAdmin}, fe.Err()
}

// DigestEvent is one submission or return the digest tells about.
type DigestEvent struct {
	Action      string // "submit" or "return"
	RoundName   string
	Institution Institution
	At          time.Time
}

// DigestKey is the outbox's dedupe key of a coordinator's digest for a day.
func DigestKey(userID int64, day string) string { return fmt.Sprintf("digest:%d:%s", userID, day) }

// DigestParams are the digest's template values in lang: the counts and
// one line per event ("round — institution"), each list bounded.
func DigestParams(day string, events []DigestEvent, lang string) map[string]string {
	lists := map[string][]string{}
	for _, e := range events {
		line := e.RoundName + " — " + e.Institution.Name(lang)
		if len(line) > maxDigestLineBytes {
			line = TruncateBytes(line, maxDigestLineBytes)
		}
		lists[e.Action] = append(lists[e.Action], line)
	}
	p := map[string]string{"day": day}
	for _, a := range []string{"submit", "return"} {
		lines := lists[a]
		p[a+"_n"] = fmt.Sprint(len(lines))
		kept, size := 0, 0
		for _, l := range lines {
			if size+len(l)+1 > maxDigestListBytes {
				break
			}
			kept, size = kept+1, size+len(l)+1
		}
		p[a+"_lines"] = strings.Join(lines[:kept], "\n")
		p[a+"_more"] = fmt.Sprint(len(lines) - kept)
	}
	return p
}

// TruncateBytes cuts s to at most n bytes at a rune boundary, ending "…".
func TruncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !validRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func validRuneStart(b byte) bool { return b&0xC0 != 0x80 }
