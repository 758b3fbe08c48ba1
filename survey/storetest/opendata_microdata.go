package storetest

import (
	"testing"

	"marsad/survey"
)

// testPublicRegistry: only the coordinator changes an initiative's public
// mark — by SetInitiativePublic with the version read, or on an update —
// while an editor may send back the mark as it is; the public list holds
// the public, not archived initiatives of active institutions.
func testPublicRegistry(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	moh := f.respondent("MOH")
	in := must(s.CreateInitiative(ctx, moh, initiativeInput("MOH")))(t, "CreateInitiative")
	if in.Public {
		t.Fatal("a new initiative is public")
	}
	yes, no := true, false
	publicOnly := survey.InitiativeFilter{PublicOnly: true, ActiveOnly: true}

	// A respondent may not publish, by either way; the current mark is fine.
	_, err := s.SetInitiativePublic(ctx, moh, in.ID, in.Version, true)
	wantIs(t, "respondent publishing", err, survey.ErrForbidden)
	upd := initiativeInput("MOH")
	upd.Version, upd.Public = in.Version, &yes
	_, err = s.UpdateInitiative(ctx, moh, in.ID, upd)
	wantIs(t, "respondent updating with public", err, survey.ErrForbidden)
	upd.Public = &no
	in = must(s.UpdateInitiative(ctx, moh, in.ID, upd))(t, "respondent sending back public=false")
	created := initiativeInput("MOH")
	created.Public = &yes
	_, err = s.CreateInitiative(ctx, moh, created)
	wantIs(t, "respondent creating a public one", err, survey.ErrForbidden)
	if list := must(s.ListInitiatives(ctx, publicOnly))(t, "ListInitiatives public"); len(list) != 0 {
		t.Fatalf("public list %v before any publication", list)
	}

	// The coordinator publishes with the version read; a stale one is refused.
	_, err = s.SetInitiativePublic(ctx, f.coord, in.ID, in.Version-1, true)
	wantIs(t, "stale version", err, survey.ErrConflict)
	pub := must(s.SetInitiativePublic(ctx, f.coord, in.ID, in.Version, true))(t, "SetInitiativePublic")
	if !pub.Public || pub.Version != in.Version+1 {
		t.Errorf("published %+v", pub)
	}
	if list := must(s.ListInitiatives(ctx, publicOnly))(t, "ListInitiatives public"); len(list) != 1 || list[0].ID != in.ID {
		t.Errorf("public list %v", list)
	}
	events := must(s.AuditLogPage(ctx, survey.AuditFilter{Entity: "initiative"}, 1, 100))(t, "AuditLogPage")
	found := false
	for _, e := range events.Events {
		found = found || (e.Action == "publish" && e.ActorID == f.admin.ID)
	}
	if !found {
		t.Error("publishing is not in the audit log")
	}
	// A respondent's edit that sends the mark back keeps it.
	upd = initiativeInput("MOH")
	upd.Version, upd.Public = pub.Version, &yes
	pub = must(s.UpdateInitiative(ctx, moh, in.ID, upd))(t, "respondent keeping public=true")
	if !pub.Public {
		t.Error("an edit sending back public=true unpublished it")
	}
	// Archived, it leaves the registry; the coordinator cannot publish it.
	ok(t, "ArchiveInitiative", s.ArchiveInitiative(ctx, moh, in.ID))
	if list := must(s.ListInitiatives(ctx, publicOnly))(t, "ListInitiatives public"); len(list) != 0 {
		t.Errorf("archived initiative still public: %v", list)
	}
	arch := must(s.Initiative(ctx, in.ID))(t, "Initiative")
	_, err = s.SetInitiativePublic(ctx, f.coord, in.ID, arch.Version, false)
	wantIs(t, "publishing an archived initiative", err, survey.ErrNotFound)
}

// testMicrodata: EachMicrodata gives every scored response of a round, in
// the order of the codes, with its answers as stored, its evidence counts
// and the result stored when it was scored.
func testMicrodata(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOF", "finance")
	f.institution("MOI", "interior")
	r := f.round("2026")
	f.answer(r, "MOH", in("STR-1", "2"), in("STR-2", "a", "b"), in("SRV-2", "30"), in("SRV-3", "50"))
	f.answer(r, "MOF", in("STR-1", "1"))
	f.answer(r, "MOI", in("STR-1", "0")) // a draft: not in the microdata
	f.submit(r, "MOH")
	f.submit(r, "MOF")
	var got []survey.MicrodataResponse
	ok(t, "EachMicrodata", s.EachMicrodata(ctx, r.ID, func(m survey.MicrodataResponse) error {
		got = append(got, m)
		return nil
	}))
	if len(got) != 2 || got[0].Institution.Code != "MOF" || got[1].Institution.Code != "MOH" {
		t.Fatalf("EachMicrodata gave %d responses: %+v", len(got), got)
	}
	mohResp := got[1]
	stored := must(s.ScoreResult(ctx, r.ID, "MOH", survey.ScoreSelf))(t, "ScoreResult")
	if mohResp.Status != "submitted" || mohResp.Result.Index != stored.Index || len(mohResp.Result.Items) != len(stored.Items) ||
		mohResp.ScoringVersion != survey.ScoringVersion {
		t.Errorf("MOH microdata %+v, stored index %v", mohResp, stored.Index)
	}
	if a := mohResp.Answers["STR-2"]; len(a.Values) != 2 || a.Values[0] != "a" || a.Values[1] != "b" {
		t.Errorf("STR-2 = %+v", a)
	}
	if a := mohResp.Answers["SRV-3"]; a.NA || len(a.Values) != 1 || a.Values[0] != "50" {
		t.Errorf("SRV-3 = %+v", a)
	}
	if len(mohResp.EvidenceFiles) != 0 {
		t.Errorf("evidence files %v, want none", mohResp.EvidenceFiles)
	}
}
