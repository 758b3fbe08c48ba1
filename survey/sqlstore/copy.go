package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// `marsad copy` moves a whole installation from one database to another,
// SQLite to PostgreSQL above all: every table (audit events, evidence
// files: they are rows of evidence_files and evidence_chunks, migrations
// 0016 and 0018, nothing lives on disk beside the database), in one
// transaction on the target, checked table by table before it commits.

// Copy's refusals.
var (
	// ErrTargetNotEmpty: the target holds more than its migrations put there.
	ErrTargetNotEmpty = errors.New("survey: copy: the target database is not empty")
	// ErrSchemaMismatch: the two databases are at different schema versions
	// or do not have the same tables and columns.
	ErrSchemaMismatch = errors.New("survey: copy: the two databases do not have the same schema")
	// ErrCopyMismatch: after copying, a table's rows or checksum differ.
	ErrCopyMismatch = errors.New("survey: copy: the copy differs from the source")
)

// TableCopy compares one table on both sides of a copy.
type TableCopy struct {
	Table          string
	Source, Target TableSum
}

// Match reports whether both sides hold the same rows.
func (t TableCopy) Match() bool { return t.Source == t.Target }

// CopyReport is what a copy or a verification found, table by table in
// copy order (parents before children).
type CopyReport struct {
	Tables  []TableCopy
	Elapsed time.Duration
}

// Rows is the number of rows of the source, all tables.
func (r CopyReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Source.Rows
	}
	return n
}

// Mismatches are the tables whose two sides differ.
func (r CopyReport) Mismatches() []TableCopy {
	var out []TableCopy
	for _, t := range r.Tables {
		if !t.Match() {
			out = append(out, t)
		}
	}
	return out
}

// Rows go to the target in multi-row INSERTs of at most copyBatchParams
// values (SQLite takes 32766 parameters, PostgreSQL 65535) and about
// copyBatchBytes of text and blobs, so that a table of evidence chunks
// (256 KB each) is held a few chunks at a time.
const (
	copyBatchParams = 30000
	copyBatchRows   = 1000
	copyBatchBytes  = 4 << 20
)

// derivedTables are written by the schema's triggers as other tables'
// rows are inserted (version counters: migrations 0002, 0004, 0011, 0014),
// so they are copied last, in this order, replacing what the triggers
// wrote: the source's counters are the copy's.
var derivedTables = []string{"round_scores_versions", "settings"}

// Copy copies every table of from into to, which must be at the same
// schema version and hold nothing but what its migrations seed (settings,
// the default obstacles). It reads one snapshot of from and writes in one
// transaction on to (all or nothing), parents before children, then
// compares every table's row count and checksum on both sides before
// committing: a difference rolls the whole copy back (ErrCopyMismatch,
// with the report). progress, if not nil, hears of each table once copied.
// On PostgreSQL, identity columns are moved past the copied ids.
func Copy(ctx context.Context, from, to *Store, progress func(table string, rows int64)) (CopyReport, error) {
	start := time.Now()
	var rep CopyReport
	fv, err := from.SchemaVersion(ctx)
	if err != nil {
		return rep, err
	}
	tv, err := to.SchemaVersion(ctx)
	if err != nil {
		return rep, err
	}
	if fv != tv {
		return rep, fmt.Errorf("%w: the source is at version %d, the target at %d (run both with the same marsad)", ErrSchemaMismatch, fv, tv)
	}
	src, err := from.snapshot(ctx)
	if err != nil {
		return rep, fmt.Errorf("survey: copy: %w", err)
	}
	defer func() { _ = src.Rollback() }()
	tables, err := from.tablesIn(ctx, src)
	if err != nil {
		return rep, err
	}
	keys, err := from.foreignKeysIn(ctx, src)
	if err != nil {
		return rep, err
	}
	order, err := copyOrder(withoutMigrations(tables), keys)
	if err != nil {
		return rep, err
	}
	seeded, err := migratedSums()
	if err != nil {
		return rep, err
	}
	err = to.withTx(ctx, func(tx *sql.Tx) error {
		got, err := to.tablesIn(ctx, tx)
		if err != nil {
			return err
		}
		if !slices.Equal(got, tables) {
			return fmt.Errorf("%w: source tables %s; target tables %s", ErrSchemaMismatch, strings.Join(tables, ", "), strings.Join(got, ", "))
		}
		if err := checkSeededOnly(ctx, tx, order, seeded); err != nil {
			return err
		}
		for _, t := range order {
			n, err := from.copyTable(ctx, src, tx, t)
			if err != nil {
				return err
			}
			if progress != nil {
				progress(t, n)
			}
		}
		if to.pg {
			if err := resetIdentities(ctx, tx); err != nil {
				return err
			}
		}
		rep, err = compareTables(ctx, src, tx, order)
		if err != nil {
			return err
		}
		if bad := rep.Mismatches(); len(bad) > 0 {
			return fmt.Errorf("%w: %s", ErrCopyMismatch, describeMismatches(bad))
		}
		return nil
	})
	if err == nil {
		err = to.analyze(ctx)
	}
	rep.Elapsed = time.Since(start)
	return rep, err
}

// analyze gathers the planner's statistics after a copy: PostgreSQL's
// autovacuum would, but only after a while, and until then its plans
// guess at the tables' sizes. (SQLite plans without statistics unless
// asked; Marsad does not ask.)
func (s *Store) analyze(ctx context.Context) error {
	if !s.pg {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("survey: copy: analyze: %w", err)
	}
	return nil
}

// Verify compares every table of a and b (but schema_migrations) as they
// are now: counts and checksums, in copy order. It changes nothing.
func Verify(ctx context.Context, a, b *Store) (CopyReport, error) {
	start := time.Now()
	ta, err := a.snapshot(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("survey: verify: %w", err)
	}
	defer func() { _ = ta.Rollback() }()
	tb, err := b.snapshot(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("survey: verify: %w", err)
	}
	defer func() { _ = tb.Rollback() }()
	tables, err := a.tablesIn(ctx, ta)
	if err != nil {
		return CopyReport{}, err
	}
	keys, err := a.foreignKeysIn(ctx, ta)
	if err != nil {
		return CopyReport{}, err
	}
	order, err := copyOrder(withoutMigrations(tables), keys)
	if err != nil {
		return CopyReport{}, err
	}
	other, err := b.tablesIn(ctx, tb)
	if err != nil {
		return CopyReport{}, err
	}
	if !slices.Equal(tables, other) {
		return CopyReport{}, fmt.Errorf("%w: tables %s; and %s", ErrSchemaMismatch, strings.Join(tables, ", "), strings.Join(other, ", "))
	}
	rep, err := compareTables(ctx, ta, tb, order)
	rep.Elapsed = time.Since(start)
	return rep, err
}

func describeMismatches(bad []TableCopy) string {
	var parts []string
	for _, t := range bad {
		if t.Source.Rows != t.Target.Rows {
			parts = append(parts, fmt.Sprintf("%s has %d rows in the source, %d in the target", t.Table, t.Source.Rows, t.Target.Rows))
		} else {
			parts = append(parts, fmt.Sprintf("%s has the same %d rows but not the same content", t.Table, t.Source.Rows))
		}
	}
	return strings.Join(parts, "; ")
}

// compareTables sums tables on both sides.
func compareTables(ctx context.Context, a, b rowsQueryer, tables []string) (CopyReport, error) {
	var rep CopyReport
	for _, t := range tables {
		sa, err := tableChecksum(ctx, a, t)
		if err != nil {
			return rep, err
		}
		sb, err := tableChecksum(ctx, b, t)
		if err != nil {
			return rep, err
		}
		rep.Tables = append(rep.Tables, TableCopy{Table: t, Source: sa, Target: sb})
	}
	return rep, nil
}

// copyOrder puts tables in an order where every table comes after the
// tables it refers to (a table referring to itself is copied in primary
// key order, copyTable), the derived tables last. Among tables free to go,
// the alphabet decides, so the order is the same on every run.
func copyOrder(tables []string, keys []foreignKey) ([]string, error) {
	parents := map[string]map[string]bool{}
	for _, k := range keys {
		if k.child == k.parent || !slices.Contains(tables, k.child) {
			continue
		}
		if parents[k.child] == nil {
			parents[k.child] = map[string]bool{}
		}
		parents[k.child][k.parent] = true
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(tables) {
		progressed := false
		for _, t := range tables { // sorted
			if done[t] {
				continue
			}
			ready := true
			for p := range parents[t] {
				if !done[p] && slices.Contains(tables, p) {
					ready = false
					break
				}
			}
			if ready {
				order = append(order, t)
				done[t] = true
				progressed = true
				break
			}
		}
		if !progressed {
			var left []string
			for _, t := range tables {
				if !done[t] {
					left = append(left, t)
				}
			}
			return nil, fmt.Errorf("survey: copy: the foreign keys of %s form a cycle", strings.Join(left, ", "))
		}
	}
	for _, d := range derivedTables {
		if i := slices.Index(order, d); i >= 0 {
			order = append(slices.Delete(order, i, i+1), d)
		}
	}
	return order, nil
}

// migratedSums are the tables of a database just migrated (SQLite, in
// memory): what "empty" means for a copy's target, since migrations seed
// settings and the default obstacles. Computed once per process.
var migratedSums = sync.OnceValues(func() (map[string]TableSum, error) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// One connection: each connection to :memory: is a database of its own.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	ref := &Store{w: db, opt: Options{}.withDefaults()}
	if err := ref.migrate(ctx); err != nil {
		return nil, fmt.Errorf("survey: copy: migrating a reference database: %w", err)
	}
	tables, err := ref.tablesIn(ctx, db)
	if err != nil {
		return nil, err
	}
	return tableChecksums(ctx, db, withoutMigrations(tables))
})

// checkSeededOnly refuses a target that holds anything but what its
// migrations put there; settings may differ (they are replaced).
func checkSeededOnly(ctx context.Context, tx *sql.Tx, tables []string, seeded map[string]TableSum) error {
	for _, t := range tables {
		if t == "settings" {
			continue
		}
		want := seeded[t]
		if want.Rows == 0 {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+quoteIdent(t)+" LIMIT 1").Scan(&one) // #nosec G202 -- a name from the schema, quoted
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("survey: copy: %s: %w", t, err)
			}
			return fmt.Errorf("%w: %s has rows", ErrTargetNotEmpty, t)
		}
		got, err := tableChecksum(ctx, tx, t)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%w: %s is not as the migrations left it (%d rows)", ErrTargetNotEmpty, t, got.Rows)
		}
	}
	return nil
}

// copyTable replaces the rows of table in tx by those of src, the source
// store's snapshot, streaming: the target's rows (what migrations or
// triggers put there) are deleted, then the source's are inserted in
// batches, in primary key order so that a row referring to an earlier row
// of its own table finds it.
func (s *Store) copyTable(ctx context.Context, src rowsQueryer, tx *sql.Tx, table string) (int64, error) {
	cols, err := columnsIn(ctx, src, table)
	if err != nil {
		return 0, err
	}
	targetCols, err := columnsIn(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	if !sameSet(cols, targetCols) {
		return 0, fmt.Errorf("%w: %s has columns %s in the source, %s in the target", ErrSchemaMismatch, table, strings.Join(cols, ", "), strings.Join(targetCols, ", "))
	}
	pk, err := s.primaryKeyIn(ctx, src, table)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+quoteIdent(table)); err != nil { // #nosec G202 -- a name from the schema, quoted
		return 0, fmt.Errorf("survey: copy %s: %w", table, err)
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	query := "SELECT " + strings.Join(quoted, ", ") + " FROM " + quoteIdent(table)
	if len(pk) > 0 {
		order := make([]string, len(pk))
		for i, c := range pk {
			order[i] = quoteIdent(c)
		}
		query += " ORDER BY " + strings.Join(order, ", ")
	}
	rows, err := src.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("survey: copy %s: read: %w", table, err)
	}
	defer rows.Close()
	ins := batchInsert{table: table, cols: quoted, maxRows: min(copyBatchRows, copyBatchParams/len(cols))}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("survey: copy %s: read: %w", table, err)
		}
		if err := ins.add(ctx, tx, vals); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("survey: copy %s: read: %w", table, err)
	}
	return n, ins.flush(ctx, tx)
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

// batchInsert gathers rows for one multi-row INSERT.
type batchInsert struct {
	table   string
	cols    []string // quoted
	maxRows int
	args    []any
	rows    int
	bytes   int
	full    string // the statement for maxRows rows, made once
}

func (b *batchInsert) add(ctx context.Context, tx *sql.Tx, vals []any) error {
	for _, v := range vals {
		switch x := v.(type) {
		case []byte:
			b.bytes += len(x)
		case string:
			b.bytes += len(x)
		}
	}
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows >= b.maxRows || b.bytes >= copyBatchBytes {
		return b.flush(ctx, tx)
	}
	return nil
}

func (b *batchInsert) flush(ctx context.Context, tx *sql.Tx) error {
	if b.rows == 0 {
		return nil
	}
	stmt := b.full
	if b.rows != b.maxRows || stmt == "" {
		stmt = b.statement(b.rows)
		if b.rows == b.maxRows {
			b.full = stmt
		}
	}
	if _, err := tx.ExecContext(ctx, stmt, b.args...); err != nil {
		return fmt.Errorf("survey: copy %s: write: %w", b.table, err)
	}
	clear(b.args) // let the values go before the next batch is read
	b.args, b.rows, b.bytes = b.args[:0], 0, 0
	return nil
}

func (b *batchInsert) statement(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.cols)), ", ") + ")"
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + quoteIdent(b.table) + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	return sb.String()
}

// resetIdentities moves every identity column's sequence past the largest
// id copied: rows were inserted with their ids, which a column GENERATED BY
// DEFAULT AS IDENTITY takes without advancing its sequence, so the next
// row would otherwise be given id 1 again. (SQLite's rowids need nothing:
// a new row takes the largest plus one.)
func resetIdentities(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name, column_name`)
	if err != nil {
		return fmt.Errorf("survey: copy: identity columns: %w", err)
	}
	var pairs [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			_ = rows.Close()
			return err
		}
		pairs = append(pairs, [2]string{t, c})
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, p := range pairs {
		// #nosec G202 -- names from the schema, quoted
		q := "SELECT setval(pg_get_serial_sequence(CAST(? AS TEXT), CAST(? AS TEXT)), coalesce(max(" + quoteIdent(p[1]) + "), 0) + 1, false) FROM " + quoteIdent(p[0])
		if _, err := tx.ExecContext(ctx, q, quoteIdent(p[0]), p[1]); err != nil {
			return fmt.Errorf("survey: copy: identity of %s.%s: %w", p[0], p[1], err)
		}
	}
	return nil
}
