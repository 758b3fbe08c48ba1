package sqlstore_test

import (
	"path/filepath"
	"testing"

	"marsad/survey/sqlstore"
	"marsad/survey/sqlstore/pgtest"
	"marsad/survey/storetest"

	"golang.org/x/crypto/bcrypt"
)

// The SQLite store is a complete store: everything the web layer uses and
// the bootstrap the contract suite needs.
var _ storetest.Store = (*sqlstore.Store)(nil)

// TestContract runs the store contract (package storetest) against SQLite:
// a new database file per area, on the production DSN and migrations,
// with the cheapest bcrypt cost so that accounts and sign-ins are fast.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "marsad.db"), sqlstore.Options{BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}

// TestContractPostgres runs the same contract against PostgreSQL, a new
// database per area, when MARSAD_TEST_POSTGRES names a server (.ci/run
// always sets it).
func TestContractPostgres(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := sqlstore.Open(t.Context(), pgtest.NewDatabase(t, ""), sqlstore.Options{BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}
