package sqlstore

import (
	"net/url"
	"strings"
	"testing"
)

func TestDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		readOnly bool
		want     map[string]string
		absent   []string
	}{
		{
			name: "writer",
			want: map[string]string{
				"_journal_mode": "WAL", "_busy_timeout": "5000", "_foreign_keys": "on",
				"_txlock": "immediate", "_synchronous": "NORMAL",
			},
			absent: []string{"mode"},
		},
		{
			name:     "reader",
			readOnly: true,
			want:     map[string]string{"mode": "ro", "_busy_timeout": "5000", "_foreign_keys": "on"},
			absent:   []string{"_txlock", "_journal_mode"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dsn := DSN("/var/lib/marsad/marsad.db", tc.readOnly)
			path, query, ok := strings.Cut(dsn, "?")
			if !ok || path != "file:/var/lib/marsad/marsad.db" {
				t.Fatalf("DSN = %q, want file:/var/lib/marsad/marsad.db?...", dsn)
			}
			v, err := url.ParseQuery(query)
			if err != nil {
				t.Fatalf("DSN query %q: %v", query, err)
			}
			for k, want := range tc.want {
				if got := v.Get(k); got != want {
					t.Errorf("%s = %q, want %q (DSN %s)", k, got, want, dsn)
				}
			}
			for _, k := range tc.absent {
				if v.Has(k) {
					t.Errorf("%s must not be set (DSN %s)", k, dsn)
				}
			}
		})
	}
}
