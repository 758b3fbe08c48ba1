// Package sqlite keeps Marsad's data in one SQLite file: the store behind
// the interfaces of handlers/store.go. It holds the SQL, the migrations
// (migrations/*.sql, applied in order at Open), the DSN, the group commit
// of autosaves (batch.go), the loading of the catalog's search index, sign-in
// throttling, the /healthz write probe, backups and the demo writer. The
// rules it applies (validation, state machines, scoring) are the domain's,
// in package marsad/survey; what it derives and keeps in memory lives in the
// process's one cache (package marsad/survey/cache). The contract suite in
// package marsad/survey/storetest runs against it (contract_test.go).
package sqlstore
