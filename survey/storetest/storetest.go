// Package storetest is the contract every implementation of Marsad's store
// must meet: one suite, run against the SQLite store today
// (survey/sqlstore/contract_test.go) and against any other store tomorrow
// (PostgreSQL), so that the web layer can be handed either and behave the
// same.
//
// The suite goes through the interfaces only — the per-area interfaces the
// handlers use (handlers.Store) and the few bootstrap methods listed on
// Store — never through SQL or an implementation's own helpers: what it
// checks is what a page or the API can observe. It checks the behaviour the
// web layer relies on and that the interfaces' documentation promises: what
// is stored is what is read back, filters narrow lists, the domain errors
// (survey.ErrNotFound, survey.ErrForbidden, *survey.ValidationError with its
// field keys, survey.ErrConflict…) come out for the cases the pages
// translate, a refused write stores nothing, versions refuse stale saves,
// and the version counters move after every write that must invalidate a
// cache.
//
// The package must not import an implementation (it would then be that
// implementation's test); an implementation's test imports it.
package storetest

import (
	"context"
	"testing"

	"marsad/handlers"
)

// Store is what the suite needs of an implementation: everything the web
// layer uses (handlers.Store) and the bootstrap a fresh server performs
// before any page can be used.
//
// Every other account the suite needs is made through invitations
// (CreateInvitation, AcceptInvitation), as a coordinator makes them, so the
// extra set stays at what no page can do.
type Store interface {
	handlers.Store

	// NewSetupToken starts first-run setup: the link that carries the token
	// creates the first coordinator (CompleteSetup). It is not among the
	// handlers' interfaces because main asks for it at start-up, not a
	// page; the suite needs it because without a coordinator nobody may
	// invite, review or publish.
	NewSetupToken(ctx context.Context) (string, error)

	// EnableMail turns queuing of e-mail on ("" off): main does it when
	// SMTP is configured, not a page.
	EnableMail(domain string)
}

// Run runs the contract against the store open returns. open must return a
// fresh, empty store with its schema in place (as a first start leaves it:
// no account, no institution), and arrange its closing with t.Cleanup; it is
// called once per area, from parallel subtests, so each area starts from an
// empty store of its own. Password hashing in the store should be cheap
// (bcrypt.MinCost): the suite creates accounts and signs in several times.
// The store's clock must be the real one: the audit log's time filter is
// checked across a pause of a few milliseconds.
func Run(t *testing.T, open func(t *testing.T) Store) {
	areas := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) Store)
	}{
		{"institutions", testInstitutions},
		{"catalog", testCatalog},
		{"rounds and responses", testRounds},
		{"scores", testScores},
		{"rank bands", testRankBands},
		{"comparable rounds", testComparable},
		{"plans", testPlans},
		{"initiatives", testInitiatives},
		{"public registry of initiatives", testPublicRegistry},
		{"microdata", testMicrodata},
		{"accounts and sessions", testAccounts},
		{"audit", testAudit},
		{"system", testSystem},
		{"reminders and mail preferences", testReminders},
		{"outbox", testOutbox},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			a.run(t, open)
		})
	}
}
