package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// What the schema holds, read from the database itself in either dialect:
// the tables, their foreign keys and primary keys, and a digest of each
// table's rows that is the same on SQLite and PostgreSQL for the same data
// (checksum.go, copy.go).

// foreignKey is one REFERENCES clause: from columns of child refer to the
// columns to of parent, in order.
type foreignKey struct {
	child  string
	id     int // the key's number among child's foreign keys
	parent string
	from   []string
	to     []string
}

// tablesIn lists the user tables as q sees them, sorted.
func (s *Store) tablesIn(ctx context.Context, q rowsQueryer) ([]string, error) {
	// The catalogs differ: SQLite's sqlite_master (without its own
	// sqlite_ tables), PostgreSQL's information_schema.
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if s.pg {
		query = `SELECT CAST(table_name AS TEXT) FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names, err := queryStrings(ctx, q, query)
	if err != nil {
		return nil, fmt.Errorf("survey: tables: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// foreignKeysIn lists every foreign key of the user tables as q sees
// them, by child table and key number, with its columns in order.
func (s *Store) foreignKeysIn(ctx context.Context, q rowsQueryer) ([]foreignKey, error) {
	// SQLite lists keys with pragma_foreign_key_list, one row per column,
	// "to" NULL where the clause names no column (the parent's primary
	// key); PostgreSQL keeps them in pg_constraint as column number arrays.
	query := `SELECT m.name, f.id, f."table", f."from", coalesce(f."to", '')
		FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, f.id, f.seq`
	if s.pg {
		query = `SELECT CAST(cl.relname AS TEXT), CAST(c.conname AS TEXT), CAST(pcl.relname AS TEXT), CAST(a.attname AS TEXT), CAST(pa.attname AS TEXT)
			FROM pg_constraint c
			JOIN pg_class cl ON cl.oid = c.conrelid
			JOIN pg_namespace n ON n.oid = cl.relnamespace
			JOIN pg_class pcl ON pcl.oid = c.confrelid
			CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child_att, parent_att, ord)
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.child_att
			JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_att
			WHERE c.contype = 'f' AND n.nspname = current_schema()
			ORDER BY cl.relname, c.conname, k.ord`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("survey: foreign keys: %w", err)
	}
	var keys []foreignKey
	last := ""
	for rows.Next() {
		var child, key, parent, from, to string
		if err := rows.Scan(&child, &key, &parent, &from, &to); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("survey: foreign keys: %w", err)
		}
		if n := len(keys); n == 0 || keys[n-1].child != child || last != key {
			id := 0
			if n > 0 && keys[n-1].child == child {
				id = keys[n-1].id + 1
			}
			keys = append(keys, foreignKey{child: child, id: id, parent: strings.ToLower(parent)})
		}
		last = key
		k := &keys[len(keys)-1]
		k.from, k.to = append(k.from, from), append(k.to, to)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("survey: foreign keys: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("survey: foreign keys: %w", err)
	}
	for i := range keys {
		if keys[i].to[0] != "" {
			continue
		}
		// REFERENCES parent without columns: the parent's primary key.
		pk, err := s.primaryKeyIn(ctx, q, keys[i].parent)
		if err != nil {
			return nil, err
		}
		if len(pk) != len(keys[i].from) {
			return nil, fmt.Errorf("survey: foreign key %s → %s: %d columns for a primary key of %d", keys[i].child, keys[i].parent, len(keys[i].from), len(pk))
		}
		keys[i].to = pk
	}
	return keys, nil
}

// primaryKeyIn lists the columns of table's primary key in key order (none
// for a table without one).
func (s *Store) primaryKeyIn(ctx context.Context, q rowsQueryer, table string) ([]string, error) {
	query := "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk"
	if s.pg {
		query = `SELECT CAST(a.attname AS TEXT) FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
			WHERE i.indrelid = CAST(CAST(? AS TEXT) AS regclass) AND i.indisprimary
			ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)`
		table = quoteIdent(table)
	}
	cols, err := queryStrings(ctx, q, query, table)
	if err != nil {
		return nil, fmt.Errorf("survey: primary key of %s: %w", table, err)
	}
	return cols, nil
}

// queryStrings runs a query of one text column.
func queryStrings(ctx context.Context, q rowsQueryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return out, rows.Err()
}

// TableSum is what a table holds, in brief: its number of rows and a
// digest of them that does not depend on their order.
type TableSum struct {
	Rows   int64
	Digest string
}

// TableChecksums sums every table but schema_migrations (whose applied_at
// is when each database was migrated) from one snapshot. Equal data gives
// equal sums on SQLite and on PostgreSQL: `marsad copy` compares them.
func (s *Store) TableChecksums(ctx context.Context) (map[string]TableSum, error) {
	tx, err := s.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("survey: table checksums: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	tables, err := s.tablesIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	return tableChecksums(ctx, tx, withoutMigrations(tables))
}

func withoutMigrations(tables []string) []string {
	return slices.DeleteFunc(slices.Clone(tables), func(t string) bool { return t == "schema_migrations" })
}

// tableChecksums sums each of tables as q sees them.
func tableChecksums(ctx context.Context, q rowsQueryer, tables []string) (map[string]TableSum, error) {
	out := make(map[string]TableSum, len(tables))
	for _, t := range tables {
		sum, err := tableChecksum(ctx, q, t)
		if err != nil {
			return nil, err
		}
		out[t] = sum
	}
	return out, nil
}

// tableChecksum reads table once, in whatever order the engine gives,
// and adds up the SHA-256 of each row's canonical text (rowText) modulo
// 2^256: the sum of a multiset, so neither an ORDER BY (and the two
// engines' collations) nor a sort in memory is needed, and a table of any
// size is summed a row at a time.
func tableChecksum(ctx context.Context, q rowsQueryer, table string) (TableSum, error) {
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table)) // #nosec G202 -- a name from the schema, quoted
	if err != nil {
		return TableSum{}, fmt.Errorf("survey: checksum %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return TableSum{}, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var (
		acc [sha256.Size]byte
		n   int64
		buf []byte
	)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableSum{}, fmt.Errorf("survey: checksum %s: %w", table, err)
		}
		buf = rowText(buf[:0], vals)
		addDigest(&acc, sha256.Sum256(buf))
		n++
	}
	if err := rows.Err(); err != nil {
		return TableSum{}, fmt.Errorf("survey: checksum %s: %w", table, err)
	}
	return TableSum{Rows: n, Digest: hex.EncodeToString(acc[:])}, nil
}

// addDigest adds d to acc, both big-endian numbers, modulo 2^256.
func addDigest(acc *[sha256.Size]byte, d [sha256.Size]byte) {
	carry := 0
	for i := sha256.Size - 1; i >= 0; i-- {
		v := int(acc[i]) + int(d[i]) + carry
		acc[i], carry = byte(v&0xff), v>>8
	}
}

// rowText appends a row's canonical text to b. The two drivers give the
// same data as different Go types: an integer is int64 from SQLite and
// from BIGINT but int32 from an INTEGER column in PostgreSQL; text is a
// string or []byte, a blob []byte. So values are written by kind, each
// with a tag and, for text and blobs, a length: integers in decimal, floats
// in the shortest form that reads back the same, text and blobs as their
// bytes (the schemas keep a column text or blob on both engines, so the
// two cannot meet in one column).
func rowText(b []byte, vals []any) []byte {
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, 'N')
		case int64:
			b = strconv.AppendInt(append(b, 'i'), x, 10)
		case int32:
			b = strconv.AppendInt(append(b, 'i'), int64(x), 10)
		case int16:
			b = strconv.AppendInt(append(b, 'i'), int64(x), 10)
		case int:
			b = strconv.AppendInt(append(b, 'i'), int64(x), 10)
		case bool:
			b = append(b, 'i', '0')
			if x {
				b[len(b)-1] = '1'
			}
		case float64:
			b = appendFloat(b, x)
		case float32:
			b = appendFloat(b, float64(x))
		case string:
			b = append(strconv.AppendInt(append(b, 's'), int64(len(x)), 10), ':')
			b = append(b, x...)
		case []byte:
			b = append(strconv.AppendInt(append(b, 's'), int64(len(x)), 10), ':')
			b = append(b, x...)
		case time.Time:
			b = append(append(b, 't'), x.UTC().Format(time.RFC3339Nano)...)
		default:
			s := fmt.Sprint(x)
			b = append(strconv.AppendInt(append(b, '?'), int64(len(s)), 10), ':')
			b = append(b, s...)
		}
		b = append(b, ';')
	}
	return b
}

// appendFloat writes a float; a whole number is written as an integer, so
// that a value one engine hands back as 3 and the other as 3.0 (a column
// without REAL affinity in SQLite keeps 3.0 as an integer) sums the same.
func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(append(b, 'i'), int64(f), 10)
	}
	return strconv.AppendFloat(append(b, 'f'), f, 'g', -1, 64)
}

// columnsIn lists table's columns in their order.
func columnsIn(ctx context.Context, q rowsQueryer, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table)+" WHERE 1 = 0") // #nosec G202 -- a name from the schema, quoted
	if err != nil {
		return nil, fmt.Errorf("survey: columns of %s: %w", table, err)
	}
	cols, err := rows.Columns()
	_ = rows.Close()
	if err != nil {
		return nil, fmt.Errorf("survey: columns of %s: %w", table, err)
	}
	return cols, nil
}
