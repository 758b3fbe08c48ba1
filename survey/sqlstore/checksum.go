package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// Checksum is a digest of every row of every table but those named in
// except (sessions, which each request touches, for example), read from
// one snapshot, each table summed as `marsad copy` sums it (tableChecksum).
// Two equal checksums mean the same data: tests use it to prove a refused
// request stored nothing, operators to compare a backup with its source.
func (s *Store) Checksum(ctx context.Context, except ...string) (string, error) {
	tx, err := s.snapshot(ctx)
	if err != nil {
		return "", fmt.Errorf("survey: checksum: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	tables, err := s.tablesIn(ctx, tx)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, t := range tables {
		if slices.Contains(except, t) {
			continue
		}
		sum, err := tableChecksum(ctx, tx, t)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "table %s %d %s\n", t, sum.Rows, sum.Digest)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
