// Package survey is Marsad's domain: institutions, services, accounts,
// questionnaires and their show_if conditions, rounds, responses, scoring and
// rankings, action plans, initiatives and obstacles. It holds the types, the
// validation of what people type and the rules (who may see what, how a
// response moves through its states, how answers are scored) and nothing
// of how they are kept or served: no SQL, no cgo, no HTTP. The SQLite store
// is package marsad/survey/sqlstore; docs/architecture.md draws the layout.
package survey
