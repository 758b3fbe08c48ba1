package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/demo"
	"marsad/survey/sqlstore/pgtest"
)

// demoSource seeds the full demo once per test binary, with an evidence
// file of two chunks (bytes that are not text, a NUL among them) and audit
// events, and keeps a consistent copy of the file (Backup).
var demoSource = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "marsad-copy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(dir, "seed.db"), Options{BcryptCost: 4})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	dd := survey.DemoData{Institutions: data.DemoInstitutions, Services: data.DemoServices, Questionnaire: data.DefaultQuestionnaire}
	if err := demo.SeedData(ctx, s, dd); err != nil {
		return nil, err
	}
	if err := addCopyExtras(ctx, s); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "copy.db")
	if err := s.Backup(ctx, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
})

// addCopyExtras stores an evidence file attached to the first response's
// first answer, and two audit events with JSON and NULLs.
func addCopyExtras(ctx context.Context, s *Store) error {
	chunk0 := bytes.Repeat([]byte{0, 0xff, 0xfe, 'a', 0x80}, evidenceChunk/5)
	chunk1 := []byte{1, 2, 3, 0, 0xc3}
	sum := sha256.Sum256(append(append([]byte{}, chunk0...), chunk1...))
	sha := hex.EncodeToString(sum[:])
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var resp int64
		var item string
		if err := tx.QueryRowContext(ctx, "SELECT response_id, item_id FROM answers ORDER BY response_id, item_id LIMIT 1").Scan(&resp, &item); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO evidence_files (sha256, size, content_type, created_at) VALUES (?, ?, ?, ?)",
			sha, len(chunk0)+len(chunk1), "application/octet-stream", "2026-03-01T09:00:00.000Z"); err != nil {
			return err
		}
		for i, c := range [][]byte{chunk0, chunk1} {
			if _, err := tx.ExecContext(ctx, "INSERT INTO evidence_chunks (sha256, seq, data) VALUES (?, ?, ?)", sha, i, c); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO answer_evidence (response_id, item_id, sha256, title, filename, answer_version, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, 'محضر الاجتماع', 'minutes.bin', 1, NULL, '2026-03-01T09:00:00.000Z')`, resp, item, sha); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, 0, "attach", "evidence", "copy-test", nil, map[string]any{"sha256": sha, "title": "محضر"}); err != nil {
			return err
		}
		return s.audit(ctx, tx, 1, "update", "settings", "copy-test", map[string]any{"n": 1.5}, map[string]any{"n": 2})
	})
}

// newCopySource opens a test's own copy of the seeded demo.
func newCopySource(t *testing.T) *Store {
	t.Helper()
	b, err := demoSource()
	if err != nil {
		t.Fatalf("seeding the demo: %v", err)
	}
	path := filepath.Join(t.TempDir(), "source.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return openTestStore(t, path, Options{})
}

// TestCopySQLite copies the demo from SQLite to SQLite (every run).
func TestCopySQLite(t *testing.T) {
	src := newCopySource(t)
	testCopy(t, src, func(t *testing.T) *Store {
		return openTestStore(t, filepath.Join(t.TempDir(), "target.db"), Options{})
	})
}

// TestCopyPostgres copies the demo from SQLite to PostgreSQL, and back.
func TestCopyPostgres(t *testing.T) {
	pgtest.Require(t)
	src := newCopySource(t)
	testCopy(t, src, func(t *testing.T) *Store {
		return openTestStore(t, pgtest.NewDatabase(t, ""), Options{})
	})
}

func testCopy(t *testing.T, src *Store, newTarget func(*testing.T) *Store) {
	ctx := context.Background()
	dst := newTarget(t)

	var progress []string
	rep, err := Copy(ctx, src, dst, func(table string, rows int64) { progress = append(progress, table) })
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if len(progress) != len(rep.Tables) || len(rep.Tables) < 30 {
		t.Errorf("progress for %d tables, report of %d: want one per table, 30 or more", len(progress), len(rep.Tables))
	}
	if bad := rep.Mismatches(); len(bad) > 0 {
		t.Errorf("mismatches after a successful copy: %+v", bad)
	}
	want := map[string]bool{"audit_events": true, "evidence_chunks": true, "evidence_files": true, "answer_evidence": true, "answers": true, "services": true, "users": true, "settings": true, "obstacles": true}
	for _, tc := range rep.Tables {
		if want[tc.Table] && tc.Source.Rows == 0 {
			t.Errorf("%s: no rows in the source: the test copies too little", tc.Table)
		}
	}
	t.Logf("copied %d rows of %d tables in %v", rep.Rows(), len(rep.Tables), rep.Elapsed)
	if rep.Tables[len(rep.Tables)-1].Table != "settings" {
		t.Errorf("last table copied %s, want settings", rep.Tables[len(rep.Tables)-1].Table)
	}

	// The same sums read independently, and the evidence file whole.
	a, err := src.TableChecksums(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.TableChecksums(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("TableChecksums %s: source %+v, target %+v", k, v, b[k])
		}
	}
	var sha string
	if err := src.r.QueryRowContext(ctx, "SELECT sha256 FROM evidence_files LIMIT 1").Scan(&sha); err != nil {
		t.Fatal(err)
	}
	var fa, fb bytes.Buffer
	if err := src.WriteEvidence(ctx, sha, &fa); err != nil {
		t.Fatal(err)
	}
	if err := dst.WriteEvidence(ctx, sha, &fb); err != nil || !bytes.Equal(fa.Bytes(), fb.Bytes()) {
		t.Errorf("evidence read back from the target: %d bytes (err %v), want the source's %d", fb.Len(), err, fa.Len())
	}

	// New rows in the target take ids after the copied ones (PostgreSQL's
	// identity sequences were moved); the test takes it away again.
	err = dst.withTx(ctx, func(tx *sql.Tx) error {
		return dst.audit(ctx, tx, 0, "copy", "database", "test", nil, nil)
	})
	if err != nil {
		t.Errorf("a new audit event in the target: %v", err)
	}
	if _, err := dst.w.ExecContext(ctx, "DELETE FROM audit_events WHERE action = 'copy' AND entity = 'database'"); err != nil {
		t.Fatal(err)
	}

	// A second copy into the same target is refused.
	if _, err := Copy(ctx, src, dst, nil); !errors.Is(err, ErrTargetNotEmpty) {
		t.Errorf("second copy: %v, want ErrTargetNotEmpty", err)
	}

	// Sabotage after the copy (a row gone, a byte changed): Verify finds
	// both, table by table.
	if rep, err := Verify(ctx, src, dst); err != nil || len(rep.Mismatches()) > 0 {
		t.Fatalf("Verify before sabotage: %v, mismatches %+v", err, rep.Mismatches())
	}
	if _, err := dst.w.ExecContext(ctx, "DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events)"); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.w.ExecContext(ctx, "UPDATE evidence_chunks SET data = ? WHERE seq = 1", []byte{1, 2, 3, 0, 0xc4}); err != nil {
		t.Fatal(err)
	}
	rep, err = Verify(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range rep.Mismatches() {
		names = append(names, m.Table)
		if m.Table == "evidence_chunks" && m.Source.Rows != m.Target.Rows {
			t.Errorf("evidence_chunks: %d rows and %d, want the same", m.Source.Rows, m.Target.Rows)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"audit_events", "evidence_chunks"}) {
		t.Errorf("after sabotage, mismatches in %v; want audit_events and evidence_chunks", names)
	}

	// A copy that fails half-way leaves the target as it was.
	half := newTarget(t)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	_, err = Copy(cctx, src, half, func(string, int64) {
		if n++; n == 5 {
			cancel()
		}
	})
	if err == nil {
		t.Error("a copy cancelled half-way succeeded")
	}
	if n := countRows(t, half, "institutions"); n != 0 {
		t.Errorf("the cancelled copy left %d institutions", n)
	}

	// A fresh target a schema version behind is refused, and left empty.
	old := newTarget(t)
	if _, err := old.w.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"); err != nil {
		t.Fatal(err)
	}
	if _, err := Copy(ctx, src, old, nil); !errors.Is(err, ErrSchemaMismatch) {
		t.Errorf("copy into an older schema: %v, want ErrSchemaMismatch", err)
	}
	if n := countRows(t, old, "institutions"); n != 0 {
		t.Errorf("the refused copy left %d institutions", n)
	}
}

// TestCopyOrder: parents first, derived tables last, cycles refused.
func TestCopyOrder(t *testing.T) {
	keys := []foreignKey{
		{child: "b", parent: "a", from: []string{"a_id"}, to: []string{"id"}},
		{child: "c", parent: "b", from: []string{"b_id"}, to: []string{"id"}},
		{child: "c", parent: "c", from: []string{"parent_id"}, to: []string{"id"}},
		{child: "round_scores_versions", parent: "a", from: []string{"a_id"}, to: []string{"id"}},
	}
	got, err := copyOrder([]string{"c", "settings", "b", "round_scores_versions", "a"}, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c", "round_scores_versions", "settings"}
	if !slices.Equal(got, want) {
		t.Errorf("copyOrder = %v, want %v", got, want)
	}
	keys = append(keys, foreignKey{child: "a", parent: "c", from: []string{"c_id"}, to: []string{"id"}})
	if _, err := copyOrder([]string{"a", "b", "c"}, keys); err == nil {
		t.Error("a cycle of foreign keys gave an order")
	}
}

// TestForeignKeys: both dialects list the same keys (the PostgreSQL side
// when MARSAD_TEST_POSTGRES is set), with the parent's primary key where
// a clause names no column.
func TestForeignKeys(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	keys, err := s.foreignKeysIn(ctx, s.r)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range keys {
		if k.child == "rank_bands" && len(k.from) == 3 && k.parent == "rank_analyses" {
			found = true
		}
		for _, c := range k.to {
			if c == "" {
				t.Errorf("%s → %s: a column of the parent left empty", k.child, k.parent)
			}
		}
	}
	if !found || len(keys) < 40 {
		t.Errorf("%d foreign keys, rank_bands → rank_analyses on three columns found: %v", len(keys), found)
	}
	if pgtest.URL() == "" {
		return
	}
	pg := openTestStore(t, pgtest.NewDatabase(t, ""), Options{})
	pkeys, err := pg.foreignKeysIn(ctx, pg.r)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(ks []foreignKey) map[string]bool {
		m := map[string]bool{}
		for _, k := range ks {
			m[k.child+" "+k.parent+" "+strings.Join(k.from, ",")+" "+strings.Join(k.to, ",")] = true
		}
		return m
	}
	a, b := norm(keys), norm(pkeys)
	for k := range a {
		if !b[k] {
			t.Errorf("SQLite key %s not on PostgreSQL", k)
		}
	}
	for k := range b {
		if !a[k] {
			t.Errorf("PostgreSQL key %s not on SQLite", k)
		}
	}
	st, err := s.tablesIn(ctx, s.r)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := pg.tablesIn(ctx, pg.r)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st, pt) {
		t.Errorf("tables differ:\nSQLite     %v\nPostgreSQL %v", st, pt)
	}
}
