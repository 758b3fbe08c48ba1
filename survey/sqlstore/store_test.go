package sqlstore

import (
	"marsad/data"
	"marsad/survey"

	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/crypto/bcrypt"
)

// fakeClock is a controllable Options.Now, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openTestStore opens (creating and migrating) the store at path with a
// cheap bcrypt cost and closes it when the test ends.
func openTestStore(t *testing.T, path string, opt Options) *Store {
	t.Helper()
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.MinCost
	}
	s, err := Open(context.Background(), path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newTestStoreWithClock opens a fresh database file in t.TempDir() whose
// clock the test controls.
func newTestStoreWithClock(t *testing.T) (*Store, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	s := openTestStore(t, filepath.Join(t.TempDir(), "marsad.db"), Options{BcryptCost: bcrypt.MinCost, Now: clock.Now})
	return s, clock
}

// newTestStore opens a fresh database file in t.TempDir().
func newTestStore(t *testing.T) *Store {
	t.Helper()
	s, _ := newTestStoreWithClock(t)
	return s
}

// countRows counts the rows of table (a constant in the tests).
func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// validInstitution returns a valid input that tests change one field of.
func validInstitution(code string) survey.InstitutionInput {
	return survey.InstitutionInput{
		Code:    code,
		NameAr:  "وزارة الصحة",
		NameEn:  "Ministry of Health",
		Kind:    "ministry",
		Sector:  "health",
		Region:  "national",
		Website: "https://www.moh.ps",
	}
}

func mustCreateInstitution(t *testing.T, s *Store, in survey.InstitutionInput) survey.Institution {
	t.Helper()
	inst, err := s.CreateInstitution(context.Background(), 0, in)
	if err != nil {
		t.Fatalf("CreateInstitution(%s): %v", in.Code, err)
	}
	return inst
}

func mustCreateUser(t *testing.T, s *Store, n survey.NewUser) survey.User {
	t.Helper()
	if n.Password == "" {
		n.Password = "correct horse battery"
	}
	u, err := s.CreateUser(context.Background(), 0, n)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", n.Email, err)
	}
	return u
}

// wantFieldErrors checks that err is a *ValidationError with exactly want.
func wantFieldErrors(t *testing.T, err error, want map[string]string) {
	t.Helper()
	var ve *survey.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want *ValidationError %v", err, want)
	}
	if len(ve.Fields) != len(want) {
		t.Errorf("fields = %v, want %v", ve.Fields, want)
	}
	for f, k := range want {
		if ve.Fields[f] != k {
			t.Errorf("field %q = %q, want %q (all: %v)", f, ve.Fields[f], k, ve.Fields)
		}
	}
}

func TestOpenIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "marsad.db")
	ms, err := loadMigrations("migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}

	first := openTestStore(t, path, Options{})
	mustCreateInstitution(t, first, validInstitution("MOH"))
	// A second store on the same file, while the first is open, and a
	// third after the first is closed, must find the schema in place and
	// apply nothing again. (sql.DB.Close is idempotent, so the cleanup's
	// second Close of first is harmless.)
	second := openTestStore(t, path, Options{})
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third := openTestStore(t, path, Options{})

	for name, s := range map[string]*Store{"second": second, "third": third} {
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatalf("%s: SchemaVersion: %v", name, err)
		}
		if want := ms[len(ms)-1].version; v != want {
			t.Errorf("%s: SchemaVersion = %d, want %d", name, v, want)
		}
		if n := countRows(t, s, "schema_migrations"); n != len(ms) {
			t.Errorf("%s: schema_migrations has %d rows, want %d (one per file)", name, n, len(ms))
		}
		if _, err := s.Institution(ctx, "MOH"); err != nil {
			t.Errorf("%s: data written before reopening is gone: %v", name, err)
		}
	}
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	v, err := s.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The highest numbered file in migrations/: 1 while 0001_init.sql is
	// the only one, without this test breaking when 0002 is added.
	entries, err := migrationFiles.ReadDir("migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		n, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration file %q has no number", e.Name())
		}
		want = max(want, n)
	}
	if want < 1 || v != want {
		t.Errorf("SchemaVersion = %d, want %d (the highest migration file)", v, want)
	}
	var name string
	if err := s.r.QueryRow("SELECT name FROM schema_migrations WHERE version = 1").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "0001_init.sql" {
		t.Errorf("migration 1 recorded as %q, want 0001_init.sql", name)
	}
}

// TestConnectionSettings checks that the DSN settings are in effect on the
// live connections, not only written in the string.
func TestConnectionSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	pragma := func(name string) string {
		t.Helper()
		var v string
		if err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for name, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "1"} {
		if got := pragma(name); got != want {
			t.Errorf("writer PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	_, err := s.r.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('k', 'v')")
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrReadonly {
		t.Errorf("write through the reader pool: err = %v, want SQLITE_READONLY", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	isFK := func(err error) bool {
		var se sqlite3.Error
		return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
	}

	_, err := s.w.ExecContext(ctx, `INSERT INTO users (email, password_hash, role, institution_id, created_at)
		VALUES ('x@example.ps', 'h', 'respondent', 999, '2026-01-01T00:00:00.000Z')`)
	if !isFK(err) {
		t.Errorf("user with unknown institution: err = %v, want FOREIGN KEY constraint", err)
	}
	if _, _, err := s.CreateSession(ctx, 999, survey.SessionWeb); !isFK(err) {
		t.Errorf("session for unknown user: err = %v, want FOREIGN KEY constraint", err)
	}

	// ON DELETE CASCADE works too, which it does only with foreign keys on.
	u := mustCreateUser(t, s, survey.NewUser{Email: "v@example.ps", Role: survey.RoleViewer})
	if _, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "DELETE FROM audit_events"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "DELETE FROM users WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "sessions"); n != 0 {
		t.Errorf("sessions after deleting their user = %d, want 0 (ON DELETE CASCADE)", n)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	dir := t.TempDir()

	var (
		mu        sync.Mutex
		committed []string
	)
	for i := range 20 {
		code := fmt.Sprintf("PRE%02d", i)
		mustCreateInstitution(t, s, validInstitution(code))
		committed = append(committed, code)
	}

	stop := make(chan struct{})
	writerErr := make(chan error, 1)
	wrote := make(chan struct{})
	go func() {
		defer close(writerErr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			code := fmt.Sprintf("W%04d", i)
			if _, err := s.CreateInstitution(ctx, 0, validInstitution(code)); err != nil {
				writerErr <- err
				return
			}
			mu.Lock()
			committed = append(committed, code)
			mu.Unlock()
			if i == 5 {
				close(wrote)
			}
		}
	}()

	select { // the writer is busy before the backup starts
	case <-wrote:
	case err := <-writerErr:
		t.Fatalf("concurrent writer: %v", err)
	}
	mu.Lock()
	before := append([]string(nil), committed...)
	mu.Unlock()
	dest := filepath.Join(dir, "copy.db")
	backupErr := s.Backup(ctx, dest)
	close(stop)
	if err := <-writerErr; err != nil {
		t.Fatalf("concurrent writer: %v", err)
	}
	if backupErr != nil {
		t.Fatalf("Backup: %v", backupErr)
	}

	cp := openTestStore(t, dest, Options{})
	var check string
	if err := cp.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		t.Fatal(err)
	}
	if check != "ok" {
		t.Errorf("integrity_check on the copy = %q, want ok", check)
	}
	list, err := cp.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	inCopy := map[string]bool{}
	for _, i := range list {
		inCopy[i.Code] = true
	}
	for _, code := range before {
		if !inCopy[code] {
			t.Errorf("institution %s, committed before Backup, is missing from the copy", code)
		}
	}
	if len(list) < len(before) {
		t.Errorf("copy has %d institutions, want at least %d", len(list), len(before))
	}

	t.Run("existing destination", func(t *testing.T) {
		existing := filepath.Join(dir, "existing.db")
		if err := os.WriteFile(existing, []byte("precious data"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.Backup(ctx, existing); err == nil {
			t.Error("Backup onto an existing file succeeded, want an error")
		}
		if b, _ := os.ReadFile(existing); string(b) != "precious data" {
			t.Errorf("existing file was changed to %q", b)
		}
		if err := s.Backup(ctx, dest); err == nil {
			t.Error("Backup onto an earlier backup succeeded, want an error")
		}
	})
}

func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	const n = 50
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in := validInstitution(fmt.Sprintf("C%02d", i))
			if _, err := s.CreateInstitution(ctx, 0, in); err != nil {
				errs <- fmt.Errorf("create %s: %w", in.Code, err)
			}
		})
		wg.Go(func() { // readers at the same time must not disturb the writers
			if _, err := s.ListInstitutions(ctx, survey.InstitutionFilter{}); err != nil {
				errs <- fmt.Errorf("list: %w", err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, err := s.CountInstitutions(ctx); err != nil || got != n {
		t.Errorf("CountInstitutions = %d, %v; want %d", got, err, n)
	}
	if got := countRows(t, s, "audit_events"); got != n {
		t.Errorf("audit events = %d, want %d", got, n)
	}
}

// TestOpenPathWithURIChars: a folder name with # ? or % must not cut the path
// short or drop the read-only mode of the reader pool.
func TestOpenPathWithURIChars(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%20d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "m.db")
	s, err := Open(context.Background(), path, Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at its path: %v", err)
	}
	if _, err := s.r.ExecContext(context.Background(), "INSERT INTO settings (key, value) VALUES ('x', 'y')"); err == nil {
		t.Error("the reader pool accepted a write")
	}
}

// demoData is the full demo seed.
var demoData = survey.DemoData{Institutions: data.DemoInstitutions, Services: data.DemoServices, Questionnaire: data.DefaultQuestionnaire}
