package sqlstore_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"marsad/survey"
	"marsad/survey/demo"
	"marsad/survey/sqlstore"
	"marsad/survey/sqlstore/pgtest"
)

// TestDemoOnPostgres seeds the whole demo (demo.Seed, as the server does)
// into SQLite and into PostgreSQL and reads the same pages from both: the
// rounds, their rankings, what deleting each would remove (the schema's
// foreign keys, read from each engine's catalog), the observed figures
// (url_checks through a JSON list of ids), a catalog search and the
// microdata must agree.
func TestDemoOnPostgres(t *testing.T) {
	pgURL := pgtest.NewDatabase(t, "")
	ctx := context.Background()
	seed := func(engine, db string) *sqlstore.Store {
		st, err := sqlstore.Open(ctx, db, sqlstore.Options{BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		start := time.Now()
		if err := demo.Seed(ctx, st); err != nil {
			t.Fatalf("%s: seeding the demo: %v", engine, err)
		}
		t.Logf("%s: demo seeded in %v", engine, time.Since(start).Round(time.Millisecond))
		return st
	}
	lite := seed("SQLite", filepath.Join(t.TempDir(), "marsad.db"))
	pg := seed("PostgreSQL", pgURL)
	if !pg.Postgres() || lite.Postgres() {
		t.Fatal("the two stores are not one of each engine")
	}

	roundsOf := func(st *sqlstore.Store) []survey.Round {
		rounds, err := st.ListRounds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rounds
	}
	liteRounds, pgRounds := roundsOf(lite), roundsOf(pg)
	if len(pgRounds) == 0 || len(pgRounds) != len(liteRounds) {
		t.Fatalf("%d rounds on PostgreSQL, %d on SQLite", len(pgRounds), len(liteRounds))
	}
	published := 0
	for i, r := range pgRounds {
		lr := liteRounds[i]
		if r.Name != lr.Name || r.Status != lr.Status {
			t.Fatalf("round %d: %s (%s) on PostgreSQL, %s (%s) on SQLite", i, r.Name, r.Status, lr.Name, lr.Status)
		}
		ranked := func(st *sqlstore.Store, id int64) []string {
			var out []string
			err := st.ReadRanking(ctx, id, survey.ScoreSelf, func(rk *survey.Ranking) error {
				for _, sc := range rk.List {
					out = append(out, fmt.Sprintf("%s@%.3f", sc.Code, sc.Index))
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: ranking: %v", r.Name, err)
			}
			return out
		}
		p, l := ranked(pg, r.ID), ranked(lite, lr.ID)
		if !slices.Equal(p, l) {
			t.Errorf("%s: ranking\n%v on PostgreSQL\n%v on SQLite", r.Name, p, l)
		}
		if r.Status == survey.RoundPublished && len(p) == 0 {
			t.Errorf("%s: published with no ranking", r.Name)
		}
		pc, err := pg.RoundContents(ctx, r.ID)
		if err != nil {
			t.Fatalf("%s: RoundContents on PostgreSQL: %v", r.Name, err)
		}
		lc, err := lite.RoundContents(ctx, lr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pc.Responses != lc.Responses || pc.Answers != lc.Answers || pc.Submitted != lc.Submitted || !maps.Equal(pc.Other, lc.Other) {
			t.Errorf("%s: contents %+v on PostgreSQL, %+v on SQLite", r.Name, pc, lc)
		}
		pv, err := pg.ScoringVersions(ctx, r.ID)
		if err != nil {
			t.Fatalf("%s: ScoringVersions on PostgreSQL: %v", r.Name, err)
		}
		if lv, err := lite.ScoringVersions(ctx, lr.ID); err != nil || !slices.Equal(pv, lv) {
			t.Errorf("%s: scoring versions %v on PostgreSQL, %v, %v on SQLite", r.Name, pv, lv, err)
		}
		if r.Frozen() {
			pcat, err := pg.RoundCatalog(ctx, r.ID)
			if err != nil {
				t.Fatalf("%s: RoundCatalog on PostgreSQL: %v", r.Name, err)
			}
			if lcat, err := lite.RoundCatalog(ctx, lr.ID); err != nil || pcat.Frozen != lcat.Frozen || len(pcat.Institutions) != len(lcat.Institutions) {
				t.Errorf("%s: round catalog differs: %v", r.Name, err)
			}
		}
		analysis := func(st *sqlstore.Store, id int64) string {
			a, err := st.RankAnalysis(ctx, id, survey.ScoreSelf)
			if err != nil {
				t.Fatalf("%s: RankAnalysis: %v", r.Name, err)
			}
			if a == nil {
				return "none"
			}
			return fmt.Sprint(a.Bands, a.Published, a.Dimensions)
		}
		if p, l := analysis(pg, r.ID), analysis(lite, lr.ID); p != l {
			t.Errorf("%s: rank analysis\n%s on PostgreSQL\n%s on SQLite", r.Name, p, l)
		}
		if r.Status != survey.RoundPublished {
			continue
		}
		published++
		po, err := pg.RoundObserved(ctx, r.ID, "MOH")
		if err != nil {
			t.Fatalf("%s: RoundObserved on PostgreSQL: %v", r.Name, err)
		}
		lo, err := lite.RoundObserved(ctx, lr.ID, "MOH")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(po.Tech) != fmt.Sprint(lo.Tech) || len(po.Discrepancies) != len(lo.Discrepancies) {
			t.Errorf("%s: observed figures differ: %+v on PostgreSQL, %+v on SQLite", r.Name, po, lo)
		}
		micro := func(st *sqlstore.Store, id int64) (n int) {
			if err := st.EachMicrodata(ctx, id, func(survey.MicrodataResponse) error { n++; return nil }); err != nil {
				t.Fatalf("%s: microdata: %v", r.Name, err)
			}
			return n
		}
		if p, l := micro(pg, r.ID), micro(lite, lr.ID); p != l || p == 0 {
			t.Errorf("%s: %d microdata responses on PostgreSQL, %d on SQLite", r.Name, p, l)
		}
	}
	if published == 0 {
		t.Error("the demo has no published round")
	}

	for _, q := range []survey.CatalogQuery{{}, {Q: "رخصة"}, {Q: "permit", Sort: "name", Lang: "en"}, {StageMin: 3, Page: 2}} {
		p, err := pg.SearchCatalog(ctx, q)
		if err != nil {
			t.Fatalf("search %+v on PostgreSQL: %v", q, err)
		}
		l, err := lite.SearchCatalog(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		codes := func(res survey.CatalogResult) []string {
			var out []string
			for _, sv := range res.Services {
				out = append(out, sv.InstitutionCode+"/"+sv.Code)
			}
			return out
		}
		if p.Total != l.Total || !slices.Equal(codes(p), codes(l)) {
			t.Errorf("search %+v: %d %v on PostgreSQL, %d %v on SQLite", q, p.Total, codes(p), l.Total, codes(l))
		}
	}
}

// TestDemoSeededTogether: two servers started with --demo on one empty
// PostgreSQL database seed it once; the second finds the first's demo and
// starts.
func TestDemoSeededTogether(t *testing.T) {
	db := pgtest.NewDatabase(t, "")
	ctx := context.Background()
	stores := make([]*sqlstore.Store, 2)
	for i := range stores {
		st, err := sqlstore.Open(ctx, db, sqlstore.Options{BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	errs := make(chan error, len(stores))
	for _, st := range stores {
		go func() { errs <- demo.Seed(ctx, st) }()
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Errorf("demo.Seed: %v", err)
		}
	}
	insts, err := stores[1].ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, in := range insts {
		codes[in.Code]++
	}
	for code, n := range codes {
		if n != 1 {
			t.Errorf("institution %s seeded %d times", code, n)
		}
	}
	if len(codes) == 0 {
		t.Error("no institution seeded")
	}
}
