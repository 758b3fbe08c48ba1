package storetest

import (
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// testOutbox is the outbox's contract (issue 18; docs/mail.md): messages
// queued with the change that causes them, only when mail is on; claims
// that count the attempt before sending; results, back-off and resend.
func testOutbox(t *testing.T, open func(t *testing.T) Store) {
	t.Run("queued with invitations and resets, only with mail on", func(t *testing.T) {
		t.Parallel()
		f := setup(t, open)
		s, ctx := f.s, f.ctx
		f.institution("MOH", "health")
		_, _, err := s.CreateInvitation(ctx, f.admin.ID, survey.InvitationInput{Email: "off@example.ps", Role: survey.RoleViewer})
		ok(t, "CreateInvitation with mail off", err)
		if c := must(s.OutboxCounts(ctx))(t, "OutboxCounts"); c[survey.MailQueued] != 0 {
			t.Fatalf("mail off: %v queued", c)
		}
		if s.MailEnabled() {
			t.Fatal("a fresh store has mail on")
		}
		s.EnableMail("example.ps")
		inv, token, err := s.CreateInvitation(ctx, f.admin.ID, survey.InvitationInput{Email: "new@example.ps",
			Role: survey.RoleRespondent, InstitutionCode: "MOH", Lang: "en"})
		ok(t, "CreateInvitation", err)
		moh := f.respondent("MOH")
		reset := must(s.CreatePasswordReset(ctx, f.coord, moh.ID))(t, "CreatePasswordReset")
		// A refused invitation (the account exists) queues nothing.
		_, _, err = s.CreateInvitation(ctx, f.admin.ID, survey.InvitationInput{Email: "moh@example.ps", Role: survey.RoleViewer})
		if err == nil {
			t.Fatal("a second invitation for the same account was made")
		}

		page := must(s.OutboxPage(ctx, survey.OutboxFilter{Kind: survey.MailInvitation}, 1, 50))(t, "OutboxPage")
		// The fixture's own invitation of moh@ is queued too.
		var m survey.OutboxMessage
		for _, x := range page.Messages {
			if x.To == inv.Email {
				m = x
			}
		}
		if m.ID == 0 || m.Lang != "en" || m.Status != survey.MailQueued || m.MessageID == "" || m.InstitutionCode != "MOH" || m.Secret != "" {
			t.Fatalf("queued invitation %+v", m)
		}
		if page.Counts[survey.MailQueued] != 3 {
			t.Errorf("counts %v, want 3 queued (2 invitations, 1 reset)", page.Counts)
		}

		claimed := must(s.ClaimMail(ctx, 10, time.Minute))(t, "ClaimMail")
		if len(claimed) != 3 {
			t.Fatalf("claimed %d, want 3", len(claimed))
		}
		if again := must(s.ClaimMail(ctx, 10, time.Minute))(t, "ClaimMail again"); len(again) != 0 {
			t.Fatalf("claimed %d again within the lease", len(again))
		}
		secrets := map[string]string{}
		for _, c := range claimed {
			if c.Status != survey.MailSending && c.Attempts != 1 {
				t.Errorf("claimed %+v", c)
			}
			secrets[c.To] = c.Secret
		}
		if secrets["new@example.ps"] != token || secrets["moh@example.ps"] != reset {
			t.Fatalf("claimed secrets %v, want the invitation's and the reset's tokens", secrets)
		}
		for _, c := range claimed {
			switch c.To {
			case "new@example.ps":
				ok(t, "MarkMailSent", s.MarkMailSent(ctx, c.ID, 1, survey.RenderedMail{Subject: "s", Text: "link /en/invite/" + c.Secret}))
			default:
				ok(t, "MarkMailFailed", s.MarkMailFailed(ctx, c.ID, 1, survey.RenderedMail{}, "550 no such mailbox", true))
			}
		}
		sent := must(s.OutboxMessage(ctx, m.ID))(t, "OutboxMessage")
		if sent.Status != survey.MailSent || sent.Secret != "" || strings.Contains(sent.Text, token) || !strings.Contains(sent.Text, "/en/invite/********") {
			t.Errorf("sent message %+v: want sent, the token masked", sent)
		}
		wantIs(t, "resending a sent invitation", s.ResendMail(ctx, f.coord, m.ID), survey.ErrMailNotResendable)
		failed := must(s.OutboxPage(ctx, survey.OutboxFilter{Status: survey.MailFailed}, 1, 50))(t, "OutboxPage failed")
		if failed.Total != 2 || failed.Messages[0].LastError != "550 no such mailbox" {
			t.Fatalf("failed %+v", failed)
		}
		id := failed.Messages[0].ID
		wantIs(t, "a respondent resending", s.ResendMail(ctx, moh, id), survey.ErrForbidden)
		wantIs(t, "resending nothing", s.ResendMail(ctx, f.coord, unknownID), survey.ErrNotFound)
		ok(t, "ResendMail", s.ResendMail(ctx, f.coord, id))
		again := must(s.OutboxMessage(ctx, id))(t, "OutboxMessage")
		if again.Status != survey.MailQueued || again.Attempts != 0 || again.MessageID != failed.Messages[0].MessageID {
			t.Errorf("resent %+v: want queued, no attempts, the same Message-ID", again)
		}
		wantIs(t, "resending a queued message", s.ResendMail(ctx, f.coord, id), survey.ErrMailNotResendable)
	})
}
