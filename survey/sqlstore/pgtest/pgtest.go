// Package pgtest gives tests a PostgreSQL database of their own on the
// server that MARSAD_TEST_POSTGRES names (a postgres:// URL of a database
// whose role may create databases): .ci/run always sets it, and without it
// the PostgreSQL tests say that they did not run.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Env is the variable that names the test server's database.
const Env = "MARSAD_TEST_POSTGRES"

// URL is the test server's database, or "" when none is set.
func URL() string { return os.Getenv(Env) }

// Require skips t, saying why, when no test server is set. CI always sets
// one (.ci/run), so there the tests run.
func Require(t testing.TB) string {
	t.Helper()
	u := URL()
	if u == "" {
		t.Skip(Env + " is not set: the PostgreSQL tests did not run (README, Tests)")
	}
	return u
}

// NewDatabase makes a database for t, empty or a copy of template (a
// database name, "" for none), dropped when t ends, and returns its URL.
func NewDatabase(t testing.TB, template string) string {
	t.Helper()
	base := Require(t)
	u, drop, err := CreateDatabase(context.Background(), base, template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// CreateDatabase makes a database with a new name on base's server (a copy
// of template when it is not ""), returning its URL and a function that
// drops it. Copying a template database is how a test gets a seeded demo in
// a fraction of the time of seeding it.
func CreateDatabase(ctx context.Context, base, template string) (dbURL string, drop func() error, err error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: %w", err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "marsad_t_" + hex.EncodeToString(b[:])
	stmt := "CREATE DATABASE " + name // #nosec G202 -- a name made of a fixed prefix and hex
	if template != "" {
		stmt += " TEMPLATE " + quoteIdent(template)
	}
	// A template in use by another session refuses to be copied; the
	// session that seeded it may take a moment to end.
	for try := 0; ; try++ {
		_, err = admin.ExecContext(ctx, stmt)
		if err == nil || try == 20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: %s: %w", stmt, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: %w", err)
	}
	u.Path = "/" + name
	drop = func() error {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer admin.Close()
		// A plain DROP waits for nobody: it fails while a session is still
		// connected (a pool closing a moment late), and it ends an
		// autovacuum worker itself, which FORCE may not do for a role that
		// is not a superuser. So: plain first, then FORCE for the test's own
		// sessions, a few times.
		for try := 0; ; try++ {
			_, err = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
			if err == nil {
				return nil
			}
			if _, ferr := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); ferr == nil {
				return nil
			}
			if try == 50 {
				return fmt.Errorf("drop %s: %w", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return u.String(), drop, nil
}

// Name is the database name of a URL CreateDatabase returned.
func Name(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || len(u.Path) < 2 {
		return ""
	}
	return u.Path[1:]
}

func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
