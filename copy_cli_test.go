package main

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/demo"
	"marsad/survey/sqlstore"
	"marsad/survey/sqlstore/pgtest"

	"golang.org/x/crypto/bcrypt"
)

// copyCmd runs `marsad copy args…` and returns its status and output.
func copyCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runCopy(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCopyCLI: the command copies a database with the demo institutions
// and accounts into a new SQLite file (and PostgreSQL database when
// MARSAD_TEST_POSTGRES is set), prints a line per table and the check;
// refuses a target with data (1) and a wrong command line (2).
func TestCopyCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "source.db")
	st, err := sqlstore.Open(ctx, src, sqlstore.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedData(ctx, st, survey.DemoData{Institutions: data.DemoInstitutions}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no flags", nil, 2, "usage: marsad copy"},
		{"no target", []string{"--from", src}, 2, "usage: marsad copy"},
		{"same database", []string{"--from", src, "--to", src}, 2, "the same database"},
		{"unknown flag", []string{"--from", src, "--to", "x.db", "--force"}, 2, "not defined"},
		{"no source file", []string{"--from", filepath.Join(dir, "missing.db"), "--to", filepath.Join(dir, "x.db")}, 1, "missing.db"},
	} {
		code, out, errOut := copyCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%s: status %d, output %q; want %d and %q", tc.name, code, out+errOut, tc.code, tc.want)
		}
	}

	dst := filepath.Join(dir, "new", "target.db")
	code, out, errOut := copyCmd(t, "--from", src, "--to", "sqlite:"+dst)
	if code != 0 || !strings.Contains(out, "checksums match") || !strings.Contains(out, "institutions") || errOut != "" {
		t.Fatalf("copy: status %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "users ") || strings.Contains(out, "DIFFERS") {
		t.Errorf("copy output lacks a table or shows a difference:\n%s", out)
	}

	code, out, errOut = copyCmd(t, "--from", src, "--to", dst)
	if code != 1 || !strings.Contains(errOut, "not empty") || !strings.Contains(errOut, "nothing was written") {
		t.Errorf("copy into a target with data: status %d\n%s\n%s", code, out, errOut)
	}

	if pgtest.URL() == "" {
		return
	}
	pg := pgtest.NewDatabase(t, "")
	code, out, errOut = copyCmd(t, "--from", dst, "--to", pg)
	if code != 0 || !strings.Contains(out, "checksums match") {
		t.Fatalf("copy to PostgreSQL: status %d\n%s\n%s", code, out, errOut)
	}
	if u, err := url.Parse(pg); err == nil {
		if pw, ok := u.User.Password(); ok && strings.Contains(out+errOut, ":"+pw+"@") {
			t.Errorf("the output shows the password:\n%s", out)
		}
	}
	if !strings.Contains(out, sqlstore.Redacted(pg)) {
		t.Errorf("the output does not name the target %s:\n%s", sqlstore.Redacted(pg), out)
	}
	// And back, from PostgreSQL into a new SQLite file.
	code, out, errOut = copyCmd(t, "--from", pg, "--to", filepath.Join(dir, "back.db"))
	if code != 0 || !strings.Contains(out, "checksums match") {
		t.Errorf("copy from PostgreSQL: status %d\n%s\n%s", code, out, errOut)
	}
}

// TestCopyStatus: run's error for runCopy's status.
func TestCopyStatus(t *testing.T) {
	if copyStatus(0) != nil || copyStatus(2) == nil || copyStatus(2).Error() != "exit status 2" {
		t.Errorf("copyStatus: %v, %v", copyStatus(0), copyStatus(2))
	}
}
