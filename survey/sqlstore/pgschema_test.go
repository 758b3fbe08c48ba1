package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" driver
)

// TestPostgresSchemaMatchesSQLite applies migrations/sqlite to a new SQLite
// file and migrations/postgres to a new schema of the server that
// MARSAD_TEST_POSTGRES names, and compares what they made, table by table:
// the columns in order (name, type, NOT NULL, default, identity), the
// primary key, the unique constraints, the foreign keys with their ON
// DELETE, the indexes (name, columns, unique, partial condition) and the
// number of CHECK constraints. Both directories must hold the same file
// names. `marsad copy` copies every table column by column and compares
// checksums, so both must be the same schema
// (migrations/postgres/0001_init.sql says how the types map).
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	base := os.Getenv("MARSAD_TEST_POSTGRES")
	if base == "" {
		t.Skip("MARSAD_TEST_POSTGRES not set")
	}
	lite := pgsSQLite(t)
	pg := pgsPostgres(t, base)

	if len(lite) == 0 {
		t.Fatal("the SQLite migrations made no table")
	}
	n := 0
	for _, f := range lite {
		n += len(f)
	}
	t.Logf("%d tables, %d facts from SQLite", len(lite), n)
	for _, name := range pgsTables(lite, pg) {
		l, inLite := lite[name]
		p, inPG := pg[name]
		switch {
		case !inPG:
			t.Errorf("table %s: in SQLite, not in PostgreSQL", name)
		case !inLite:
			t.Errorf("table %s: in PostgreSQL, not in SQLite", name)
		default:
			for _, f := range l {
				if !slices.Contains(p, f) {
					t.Errorf("table %s: SQLite has %q, PostgreSQL does not", name, f)
				}
			}
			for _, f := range p {
				if !slices.Contains(l, f) {
					t.Errorf("table %s: PostgreSQL has %q, SQLite does not", name, f)
				}
			}
		}
	}
}

// A schema is, per table, a set of facts written the same way for both
// databases ("column 3: name text not null default 1", "pk: id", …).
type pgsFacts map[string][]string

func pgsTables(a, b pgsFacts) []string {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// pgsFiles is the bodies of the .sql files of dir, in name order.
func pgsFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dir))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("migrations", dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	if len(files) == 0 {
		t.Fatalf("no migrations in migrations/%s", dir)
	}
	return files
}

// pgsApply runs each file in its own transaction, in name order.
func pgsApply(t *testing.T, db *sql.DB, files map[string]string) {
	t.Helper()
	ctx := t.Context()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, files[n]); err != nil {
			_ = tx.Rollback()
			t.Fatalf("%s: %v", n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
}

func pgsSQLite(t *testing.T) pgsFacts {
	t.Helper()
	ctx := t.Context()
	lite := pgsFiles(t, "sqlite")
	pgFiles := pgsFiles(t, "postgres")
	for n := range lite {
		if _, ok := pgFiles[n]; !ok {
			t.Errorf("migrations/postgres has no %s", n)
		}
	}
	for n := range pgFiles {
		if _, ok := lite[n]; !ok {
			t.Errorf("migrations/sqlite has no %s", n)
		}
	}

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "schema.db")+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	pgsApply(t, db, lite)

	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	ddl := map[string]string{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		ddl[name] = text
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	types := map[string]string{"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision", "BLOB": "bytea"}
	facts := pgsFacts{}
	for table, text := range ddl {
		var f []string
		// Foreign keys first: a rowid alias that is also a foreign key is
		// given, never generated, so it is no identity in PostgreSQL.
		type fkRow struct {
			id, seq                 int
			ref, from, to, onDelete string
		}
		var fks []fkRow
		fkCols := map[string]bool{}
		rows, err := db.QueryContext(ctx, `SELECT id, seq, "table", "from", coalesce("to", ''), on_delete
			FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r fkRow
			if err := rows.Scan(&r.id, &r.seq, &r.ref, &r.from, &r.to, &r.onDelete); err != nil {
				t.Fatal(err)
			}
			fks = append(fks, r)
			fkCols[r.from] = true
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(fks); {
			j := i
			var from, to []string
			for ; j < len(fks) && fks[j].id == fks[i].id; j++ {
				from = append(from, fks[j].from)
				to = append(to, fks[j].to)
			}
			f = append(f, pgsFK(from, fks[i].ref, to, fks[i].onDelete))
			i = j
		}

		rows, err = db.QueryContext(ctx, `SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			t.Fatal(err)
		}
		type colRow struct {
			cid, notNull, pk int
			name, typ        string
			dflt             sql.NullString
		}
		var cols []colRow
		for rows.Next() {
			var c colRow
			if err := rows.Scan(&c.cid, &c.name, &c.typ, &c.notNull, &c.dflt, &c.pk); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		pk := make([]string, len(cols))
		npk := 0
		for _, c := range cols {
			if c.pk > 0 {
				pk[c.pk-1] = c.name
				npk++
			}
		}
		pk = pk[:npk]
		withoutRowid := regexp.MustCompile(`(?i)WITHOUT\s+ROWID`).MatchString(text)
		for _, c := range cols {
			typ, ok := types[strings.ToUpper(c.typ)]
			if !ok {
				typ = "sqlite " + c.typ
			}
			rowid := npk == 1 && c.pk == 1 && strings.EqualFold(c.typ, "INTEGER") && !withoutRowid
			identity := rowid && !fkCols[c.name]
			// A primary key column is NOT NULL in PostgreSQL, and a rowid
			// alias is never NULL in SQLite.
			f = append(f, pgsColumn(c.cid, c.name, typ, c.notNull == 1 || c.pk > 0, c.dflt, identity))
		}
		if len(pk) > 0 {
			f = append(f, "pk: "+strings.Join(pk, ","))
		}

		rows, err = db.QueryContext(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		type idxRow struct {
			name, origin    string
			unique, partial int
		}
		var idxs []idxRow
		for rows.Next() {
			var r idxRow
			if err := rows.Scan(&r.name, &r.unique, &r.origin, &r.partial); err != nil {
				t.Fatal(err)
			}
			idxs = append(idxs, r)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for _, r := range idxs {
			var where string
			if r.partial == 1 {
				var ddl string
				if err := db.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", r.name).Scan(&ddl); err != nil {
					t.Fatal(err)
				}
				if i := pgsWhereWord.FindAllStringIndex(ddl, -1); len(i) > 0 {
					where = ddl[i[len(i)-1][1]:]
				}
			}
			var cols []string
			rows, err := db.QueryContext(ctx, `SELECT coalesce(name, '(expr)') FROM pragma_index_info(?) ORDER BY seqno`, r.name)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					t.Fatal(err)
				}
				cols = append(cols, c)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			switch r.origin {
			case "pk":
				// the primary key, above
			case "u":
				f = append(f, "unique: "+strings.Join(cols, ","))
			default:
				f = append(f, pgsIndex(r.name, cols, r.unique == 1, where))
			}
		}
		f = append(f, fmt.Sprintf("checks: %d", pgsCountChecks(text)))
		facts[table] = f
	}
	return facts
}

func pgsPostgres(t *testing.T, base string) pgsFacts {
	t.Helper()
	ctx := t.Context()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "pgschema_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pgsApply(t, db, pgsFiles(t, "postgres"))

	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`, schema)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	// attnames turns a constraint's or an index's column numbers into names.
	const attnames = `(SELECT string_agg(a.attname, ',' ORDER BY k.i)
		FROM unnest(%s) WITH ORDINALITY AS k(n, i)
		JOIN pg_attribute a ON a.attrelid = %s AND a.attnum = k.n)`
	facts := pgsFacts{}
	for _, table := range tables {
		var f []string
		rel := pgsQuote(schema) + "." + pgsQuote(table)

		rows, err := db.QueryContext(ctx, `SELECT ordinal_position, column_name, data_type, coalesce(collation_name, ''),
				is_nullable = 'NO', column_default, is_identity = 'YES'
			FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var (
				pos               int
				name, typ, coll   string
				notNull, identity bool
				dflt              sql.NullString
			)
			if err := rows.Scan(&pos, &name, &typ, &coll, &notNull, &dflt, &identity); err != nil {
				t.Fatal(err)
			}
			if typ == "text" && coll != "C" {
				typ = fmt.Sprintf("text (collation %q)", coll)
			}
			f = append(f, pgsColumn(pos-1, name, typ, notNull, pgsDefault(dflt), identity))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}

		rows, err = db.QueryContext(ctx, fmt.Sprintf(`SELECT contype, `+attnames+`, coalesce(confrelid::regclass::text, ''),
				coalesce(`+attnames+`, ''), confdeltype
			FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`,
			"conkey", "conrelid", "confkey", "confrelid"), rel)
		if err != nil {
			t.Fatal(err)
		}
		checks := 0
		for rows.Next() {
			var kind, cols, ref, refCols, onDelete string
			var colsN sql.NullString
			if err := rows.Scan(&kind, &colsN, &ref, &refCols, &onDelete); err != nil {
				t.Fatal(err)
			}
			cols = colsN.String
			switch kind {
			case "p":
				f = append(f, "pk: "+cols)
			case "u":
				f = append(f, "unique: "+cols)
			case "f":
				actions := map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
				ref = strings.TrimPrefix(ref, schema+".")
				f = append(f, pgsFK(strings.Split(cols, ","), ref, strings.Split(refCols, ","), actions[onDelete]))
			case "c":
				checks++
			case "n":
				// NOT NULL, from PostgreSQL 18 on: in the column facts
			default:
				f = append(f, "constraint of kind "+kind+" on "+cols)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		f = append(f, fmt.Sprintf("checks: %d", checks))

		// Indexes that no constraint made (a primary key or UNIQUE makes one).
		rows, err = db.QueryContext(ctx, fmt.Sprintf(`SELECT c.relname, coalesce(`+attnames+`, ''), x.indisunique, coalesce(pg_get_expr(x.indpred, x.indrelid), '')
			FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
			WHERE x.indrelid = $1::regclass
			  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)`,
			"x.indkey::int2[]", "x.indrelid"), rel)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, cols, where string
			var unique bool
			if err := rows.Scan(&name, &cols, &unique, &where); err != nil {
				t.Fatal(err)
			}
			f = append(f, pgsIndex(name, strings.Split(cols, ","), unique, where))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		facts[table] = f
	}
	return facts
}

func pgsColumn(pos int, name, typ string, notNull bool, dflt sql.NullString, identity bool) string {
	s := fmt.Sprintf("column %d: %s %s", pos, name, typ)
	if notNull {
		s += " not null"
	}
	if dflt.Valid {
		s += " default " + dflt.String
	}
	if identity {
		s += " identity"
	}
	return s
}

func pgsFK(from []string, ref string, to []string, onDelete string) string {
	return fmt.Sprintf("fk: (%s) -> %s (%s) on delete %s", strings.Join(from, ","), ref, strings.Join(to, ","), onDelete)
}

func pgsIndex(name string, cols []string, unique bool, where string) string {
	s := "index " + name + ": " + strings.Join(cols, ",")
	if unique {
		s += " unique"
	}
	if where != "" {
		s += " where " + pgsPredicate(where)
	}
	return s
}

// pgsPredicate writes a partial index's condition, SQLite's as written or
// PostgreSQL's as pg_get_expr gives it back, in one form: no casts to
// text, no parentheses or spaces, <> for !=, IN for = ANY (ARRAY[…]).
func pgsPredicate(p string) string {
	p = strings.TrimSuffix(strings.TrimSpace(p), ";")
	p = strings.ReplaceAll(p, "::text", "")
	p = strings.NewReplacer("(", "", ")", "", " ", "", "\n", "", "\t", "", "!=", "<>").Replace(p)
	p = pgsAnyArray.ReplaceAllString(p, "IN$1")
	return p
}

var (
	pgsAnyArray  = regexp.MustCompile(`(?i)=ANYARRAY\[([^\]]*)\]`)
	pgsWhereWord = regexp.MustCompile(`(?i)\bWHERE\b`)
)

// pgsDefault writes a column default as SQLite's table_info does: without
// PostgreSQL's cast (::text), and a number without quotes.
func pgsDefault(d sql.NullString) sql.NullString {
	if !d.Valid {
		return d
	}
	s := d.String
	for _, cast := range []string{"::text", "::bigint", "::double precision", "::integer", "::numeric"} {
		s = strings.TrimSuffix(s, cast)
	}
	if len(s) > 2 && s[0] == '\'' && s[len(s)-1] == '\'' && pgsNumeric.MatchString(s[1:len(s)-1]) {
		s = s[1 : len(s)-1] // '0'::double precision
	}
	return sql.NullString{String: s, Valid: true}
}

var pgsNumeric = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// pgsCountChecks counts the CHECK constraints in a CREATE TABLE statement,
// outside comments, quoted text and quoted names.
func pgsCountChecks(ddl string) int {
	var b strings.Builder
	for i := 0; i < len(ddl); i++ {
		switch c := ddl[i]; {
		case c == '-' && i+1 < len(ddl) && ddl[i+1] == '-':
			for i < len(ddl) && ddl[i] != '\n' {
				i++
			}
			b.WriteByte(' ')
		case c == '/' && i+1 < len(ddl) && ddl[i+1] == '*':
			end := strings.Index(ddl[i+2:], "*/")
			if end < 0 {
				i = len(ddl)
			} else {
				i += end + 3
			}
			b.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			// a doubled quote inside is two quoted runs back to back
			for i++; i < len(ddl) && ddl[i] != c; i++ {
			}
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return len(pgsCheckWord.FindAllString(b.String(), -1))
}

var pgsCheckWord = regexp.MustCompile(`(?i)\bCHECK\s*\(`)

func pgsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
