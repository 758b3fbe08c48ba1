package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Checksum is a digest of every row of every table but those named in
// except (sessions, which each request touches, for example). Two equal
// checksums mean the same data: tests use it to prove a refused request
// stored nothing, operators to compare a backup with its source.
func (s *Store) Checksum(ctx context.Context, except ...string) (string, error) {
	all, err := s.tables(ctx)
	if err != nil {
		return "", err
	}
	var tables []string
	for _, name := range all {
		if !slices.Contains(except, name) {
			tables = append(tables, name)
		}
	}
	h := sha256.New()
	for _, t := range tables {
		// Table names come from the schema (s.tables), quoted as identifiers. Rows
		// are sorted after reading: some tables have no rowid to order by.
		rs, err := s.r.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(t, `"`, `""`)+`"`) // #nosec G202 -- names from the schema
		if err != nil {
			return "", fmt.Errorf("survey: checksum %s: %w", t, err)
		}
		cols, _ := rs.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				_ = rs.Close()
				return "", err
			}
			lines = append(lines, fmt.Sprintf("%q", vals))
		}
		_ = rs.Close()
		if err := rs.Err(); err != nil {
			return "", err
		}
		slices.Sort(lines)
		fmt.Fprintf(h, "table %s %d\n%s\n", t, len(lines), strings.Join(lines, "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
