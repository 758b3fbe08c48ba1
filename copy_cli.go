package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"marsad/survey/sqlstore"
)

// runCopy is `marsad copy --from SRC --to DST`: it moves a whole
// installation from one database to another, a SQLite file to PostgreSQL
// above all (docs/architecture.md), evidence files and audit log
// included, and checks every table's rows and checksum on both sides
// before it commits (survey/sqlstore/copy.go). The target must be new:
// migrated or not, holding no data. Both databases are migrated to this
// binary's schema first. MARSAD_DB plays no part: both are named.
//
// Its exit status: 0 copied and checked; 1 refused or failed, nothing
// written; 2 the command line is wrong.
func runCopy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var from, to string
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&from, "from", "", "the database to copy: a SQLite file (or sqlite:FILE) or a postgres:// URL")
	fs.StringVar(&to, "to", "", "the new database to copy into, empty: a SQLite file (created if absent) or a postgres:// URL")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: marsad copy --from SRC --to DST")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case from == "" || to == "" || fs.NArg() > 0:
		fs.Usage()
		return 2
	case from == to:
		fmt.Fprintln(stderr, "marsad copy: --from and --to name the same database")
		return 2
	}
	if !sqlstore.IsPostgres(from) {
		// Opening a file that is not there would make an empty database
		// and copy nothing.
		if _, err := os.Stat(strings.TrimPrefix(from, "sqlite:")); err != nil {
			fmt.Fprintf(stderr, "marsad copy: source: %v\n", err)
			return 1
		}
	}
	if err := copyDatabases(ctx, from, to, stdout); err != nil {
		fmt.Fprintf(stderr, "marsad copy: %v\n", err)
		return 1
	}
	return 0
}

func copyDatabases(ctx context.Context, from, to string, stdout io.Writer) error {
	src, err := openStore(ctx, from, sqlstore.Options{})
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	dst, err := openStore(ctx, to, sqlstore.Options{})
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	fmt.Fprintf(stdout, "copying %s to %s\n", sqlstore.Redacted(from), sqlstore.Redacted(to))
	rep, err := sqlstore.Copy(ctx, src, dst, func(table string, rows int64) {
		fmt.Fprintf(stdout, "  %-28s %10d rows\n", table, rows)
	})
	if len(rep.Tables) > 0 {
		printCopyReport(stdout, rep)
	}
	if err != nil {
		return fmt.Errorf("%w; nothing was written to %s", err, sqlstore.Redacted(to))
	}
	fmt.Fprintf(stdout, "checksums match: %d tables, %d rows, in %.1fs\n", len(rep.Tables), rep.Rows(), rep.Elapsed.Seconds())
	return nil
}

// printCopyReport prints each table's rows on both sides, and whether their
// checksums agree.
func printCopyReport(w io.Writer, rep sqlstore.CopyReport) {
	fmt.Fprintf(w, "%-28s %12s %12s  %s\n", "table", "source rows", "target rows", "checksum")
	for _, t := range rep.Tables {
		state := "match"
		if !t.Match() {
			state = "DIFFERS"
		}
		fmt.Fprintf(w, "%-28s %12d %12d  %s\n", t.Table, t.Source.Rows, t.Target.Rows, state)
	}
}

// copyStatus is runCopy's status as run's error: nil for 0.
func copyStatus(code int) error {
	if code == 0 {
		return nil
	}
	return exitStatus(code)
}

// exitStatus is an error that carries a command's exit status; the
// command has already said what went wrong.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
