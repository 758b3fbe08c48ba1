package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// testAudit: every change is in the audit log with who made it, what and
// the values before and after; the log is filtered, paged newest first and
// exported oldest first; a refused write leaves no event.
func testAudit(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOI", "interior")
	must(s.CreateInstitution(ctx, 0, institutionInput("SYS")))(t, "CreateInstitution by the system")
	moh := f.respondent("MOH")
	svc := must(s.CreateService(ctx, moh, serviceInput("MOH", "S-1", "خدمة", 1)))(t, "CreateService")
	f.service(serviceInput("MOI", "S-2", "خدمة أخرى", 1))
	r := f.round("2026")
	f.answer(r, "MOH", in("STR-1", "1"))
	// A pause longer than any clock's step a store keeps (milliseconds
	// here) before the last change, so that a time filter can tell it from
	// the others.
	time.Sleep(10 * time.Millisecond)
	renamed := institutionInput("MOH")
	renamed.NameAr = "وزارة الصحة"
	must(s.UpdateInstitution(ctx, f.admin.ID, "MOH", renamed))(t, "UpdateInstitution")

	page := func(t *testing.T, filter survey.AuditFilter, n, per int) survey.AuditPage {
		t.Helper()
		return must(s.AuditLogPage(ctx, filter, n, per))(t, "AuditLogPage")
	}
	all := page(t, survey.AuditFilter{}, 1, 1000)
	find := func(entity, action, key string) (survey.AuditEvent, bool) {
		for _, e := range all.Events {
			if e.Entity == entity && e.Action == action && e.EntityKey == key {
				return e, true
			}
		}
		return survey.AuditEvent{}, false
	}

	t.Run("events", func(t *testing.T) {
		if all.Total != len(all.Events) || all.Total < 8 || all.Page != 1 || all.Pages != 1 {
			t.Fatalf("whole log: total %d, %d events, page %d of %d", all.Total, len(all.Events), all.Page, all.Pages)
		}
		for i := 1; i < len(all.Events); i++ {
			if all.Events[i].ID >= all.Events[i-1].ID {
				t.Fatalf("log not newest first at %d: %d after %d", i, all.Events[i].ID, all.Events[i-1].ID)
			}
		}
		last := all.Events[0]
		if last.Entity != "institution" || last.Action != "update" || last.EntityKey != "MOH" || last.ActorID != f.admin.ID ||
			last.ActorName != "coordinator@example.ps" || last.At.IsZero() ||
			!strings.Contains(last.Before, "وزارة MOH") || !strings.Contains(last.After, "وزارة الصحة") {
			t.Errorf("newest event %+v; want the coordinator's update of MOH with both names", last)
		}
		if e, found := find("institution", "create", "MOI"); !found || e.Before != "" || !strings.Contains(e.After, "interior") {
			t.Errorf("creation of MOI %+v (found %v); want no before, the record after", e, found)
		}
		if e, found := find("service", "create", "MOH/S-1"); !found || e.ActorID != moh.ID || e.ActorName != "moh@example.ps" {
			t.Errorf("the respondent's service %+v (found %v); want it with the respondent as actor", e, found)
		}
		if e, found := find("institution", "create", "SYS"); !found || e.ActorID != 0 || e.ActorName != "" {
			t.Errorf("the system's change %+v (found %v); want no actor", e, found)
		}
	})

	t.Run("filters", func(t *testing.T) {
		check := func(name string, filter survey.AuditFilter, keep func(survey.AuditEvent) bool) {
			t.Helper()
			got := page(t, filter, 1, 1000)
			var want []int64
			for _, e := range all.Events {
				if keep(e) {
					want = append(want, e.ID)
				}
			}
			var ids []int64
			for _, e := range got.Events {
				ids = append(ids, e.ID)
			}
			if len(want) == 0 || got.Total != len(want) || !slices.Equal(ids, want) {
				t.Errorf("%s: events %v (total %d), want %v", name, ids, got.Total, want)
			}
		}
		check("actor", survey.AuditFilter{Actor: "moh@example.ps"}, func(e survey.AuditEvent) bool { return e.ActorID == moh.ID })
		check("system", survey.AuditFilter{Actor: survey.AuditSystem}, func(e survey.AuditEvent) bool { return e.ActorID == 0 })
		check("entity", survey.AuditFilter{Entity: "service"}, func(e survey.AuditEvent) bool { return e.Entity == "service" })
		check("entity and actor", survey.AuditFilter{Entity: "service", Actor: "coordinator@example.ps"},
			func(e survey.AuditEvent) bool { return e.Entity == "service" && e.ActorID == f.admin.ID })
		// An institution's changes: its record, its services, its
		// responses, its accounts and invitations.
		mohEvents := map[string]bool{}
		check("institution", survey.AuditFilter{Institution: "MOH"}, func(e survey.AuditEvent) bool {
			mine := e.EntityKey == "MOH" || strings.HasPrefix(e.EntityKey, "MOH/") ||
				e.Entity == "response" && strings.Contains(e.EntityKey, "/MOH") ||
				(e.Entity == "user" || e.Entity == "invitation") && e.EntityKey == "moh@example.ps"
			if mine {
				mohEvents[e.Entity] = true
			}
			return mine
		})
		for _, entity := range []string{"institution", "service", "response", "user", "invitation"} {
			if !mohEvents[entity] {
				t.Errorf("MOH's changes have no %s event", entity)
			}
		}
		e := all.Events[0] // the last change, after the pause
		check("from", survey.AuditFilter{From: e.At}, func(x survey.AuditEvent) bool { return !x.At.Before(e.At) })
		check("to", survey.AuditFilter{To: e.At}, func(x survey.AuditEvent) bool { return x.At.Before(e.At) })
		if got := page(t, survey.AuditFilter{From: e.At, To: e.At}, 1, 10); got.Total != 0 || len(got.Events) != 0 || got.Pages != 1 {
			t.Errorf("an empty time range: %+v", got)
		}
	})

	t.Run("pages and export", func(t *testing.T) {
		var paged []int64
		pages := (all.Total + 2) / 3
		for n := 1; n <= pages; n++ {
			p := page(t, survey.AuditFilter{}, n, 3)
			if p.Total != all.Total || p.Page != n || p.Pages != pages {
				t.Errorf("page %d: %d of %d, total %d", n, p.Page, p.Pages, p.Total)
			}
			for _, e := range p.Events {
				paged = append(paged, e.ID)
			}
		}
		var want []int64
		for _, e := range all.Events {
			want = append(want, e.ID)
		}
		if !slices.Equal(paged, want) {
			t.Errorf("pages of 3 hold %v, want %v", paged, want)
		}
		if p := page(t, survey.AuditFilter{}, 99, 3); p.Page != pages || len(p.Events) == 0 {
			t.Errorf("a page past the end: page %d with %d events, want the last (%d)", p.Page, len(p.Events), pages)
		}
		if p := page(t, survey.AuditFilter{}, 0, 3); p.Page != 1 || len(p.Events) != 3 {
			t.Errorf("page 0: page %d with %d events, want the first", p.Page, len(p.Events))
		}

		var exported []int64
		ok(t, "EachAuditEventMatching", s.EachAuditEventMatching(ctx, survey.AuditFilter{}, func(e survey.AuditEvent) error {
			exported = append(exported, e.ID)
			return nil
		}))
		slices.Reverse(want)
		if !slices.Equal(exported, want) {
			t.Errorf("export %v, want %v (oldest first)", exported, want)
		}
		var services int
		ok(t, "EachAuditEventMatching service", s.EachAuditEventMatching(ctx, survey.AuditFilter{Entity: "service"}, func(e survey.AuditEvent) error {
			if e.Entity != "service" {
				t.Errorf("filtered export has %+v", e)
			}
			services++
			return nil
		}))
		if services != 2 {
			t.Errorf("export of service events: %d, want 2", services)
		}
		stop := errors.New("stop")
		if err := s.EachAuditEventMatching(ctx, survey.AuditFilter{}, func(survey.AuditEvent) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("EachAuditEventMatching lost fn's error: %v", err)
		}
	})

	t.Run("refused writes leave no event", func(t *testing.T) {
		moi := f.sub(t).respondent("MOI")
		before := page(t, survey.AuditFilter{}, 1, 1).Total
		_, err := s.CreateService(ctx, moi, serviceInput("MOH", "S-9", "خدمة", 1))
		wantIs(t, "forbidden create", err, survey.ErrForbidden)
		stale := serviceInput("MOH", "S-1", "اسم آخر", 1)
		stale.Version = svc.Version + 5 // not the version stored
		_, err = s.UpdateService(ctx, f.coord, svc.ID, stale)
		wantIs(t, "update from another version", err, survey.ErrConflict)
		_, err = s.CreateInstitution(ctx, f.admin.ID, institutionInput("MOH"))
		wantField(t, "duplicate institution", err, "code", "")
		_, err = s.SaveAnswer(ctx, moi, r.ID, "MOH", in("STR-1", "2"))
		wantIs(t, "forbidden answer", err, survey.ErrForbidden)
		if after := page(t, survey.AuditFilter{}, 1, 1).Total; after != before {
			t.Errorf("refused writes added %d audit events", after-before)
		}
		// A retried save that changes nothing is not a change either.
		same := in("STR-1", "1")
		must(s.SaveAnswer(ctx, moh, r.ID, "MOH", same))(t, "retried save")
		if after := page(t, survey.AuditFilter{}, 1, 1).Total; after != before {
			t.Errorf("a save of what is stored added %d audit events", after-before)
		}
	})

	t.Run("actors", func(t *testing.T) {
		if got := must(s.AuditActors(ctx))(t, "AuditActors"); !slices.Equal(got, []string{"coordinator@example.ps", "moh@example.ps", "moi@example.ps"}) {
			t.Errorf("AuditActors = %v", got)
		}
	})
}
