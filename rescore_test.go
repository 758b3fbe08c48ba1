package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"marsad/survey"
	"marsad/survey/demo"
	"marsad/survey/sqlstore"
)

// TestRescoreCommand: `marsad rescore` on a published round is refused,
// with the reason, while its scores have this server's scoring version; on
// scores of an earlier version (a database an earlier release wrote) it
// rescores, says how many, and the earlier scores stay in the database.
func TestRescoreCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "marsad.db")
	st, err := sqlstore.Open(ctx, db, sqlstore.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	var id int64
	rounds, _ := st.ListRounds(ctx)
	for _, r := range rounds {
		if r.Name == "2025" && r.Status == survey.RoundPublished {
			id = r.ID
		}
	}
	st.Close()
	if id == 0 {
		t.Fatal("no published round 2025")
	}
	round := strconv.FormatInt(id, 10)

	out, err := runCmd(t, "", "rescore", "--round", round, "--db", db)
	if err == nil || !strings.Contains(err.Error(), "published") || !strings.Contains(err.Error(), "new scoring version") {
		t.Fatalf("rescore of a published round under its own version: %v\n%s", err, out)
	}

	raw, err := sql.Open("sqlite3", sqlstore.DSN(db, false))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE scores SET scoring_version = '0' WHERE response_id IN (SELECT id FROM responses WHERE round_id = ?)`, id); err != nil {
		t.Fatal(err)
	}
	out, err = runCmd(t, "", "rescore", "--round", round, "--db", db)
	if err != nil || !strings.Contains(out, "35 responses scored (scoring version "+survey.ScoringVersion+")") {
		t.Fatalf("rescore under a new version: %v\n%s", err, out)
	}
	var kept int
	if err := raw.QueryRow(`SELECT count(*) FROM previous_scores WHERE scoring_version = '0'`).Scan(&kept); err != nil || kept != 70 {
		t.Errorf("%d scores of version 0 kept, %v; want 70", kept, err)
	}
	if _, err := runCmd(t, "", "rescore", "--round", round, "--db", db); err == nil {
		t.Error("a second rescore under the same version was not refused")
	}
}
