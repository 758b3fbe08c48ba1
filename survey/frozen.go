package survey

import (
	"errors"
	"fmt"
)

// A published round never changes (docs/architecture.md, "Frozen rounds"):
// every figure of a closed or published round comes from what was frozen
// with it — the scores stored with its responses, the catalog snapshot each
// response froze on submit, and the institutions it was run with, recorded
// when it closed. Only the open round shows today's catalog, and says so.

// ErrRoundPublished refuses a change to a response of a published round
// (a review mark, accept, return, reopen): its figures are frozen.
var ErrRoundPublished = errors.New("survey: the round is published; its figures no longer change")

// Frozen reports whether the round's figures come from what was frozen with
// it rather than from today's catalog: once it is closed.
func (r Round) Frozen() bool { return r.Status == RoundClosed || r.Status == RoundPublished }

// RoundCatalog is what a round's services figures (the dashboard's services
// by stage and reach, the stages page and their exports) are made of.
type RoundCatalog struct {
	// Frozen: the figures are the catalog snapshots frozen with the round's
	// scored (submitted or accepted) responses, as each institution
	// submitted them. Otherwise they are today's published catalog, live.
	Frozen bool
	// Institutions are those the round counts, by code: in a frozen round
	// the institutions it was run with (active when it closed); otherwise
	// the active institutions today.
	Institutions []Institution
	// Tallies are the services of each institution by code. In a frozen
	// round only the institutions scored in it have one.
	Tallies map[string]MetricsTally
}

// Catalogued are the institutions whose services the figures hold: every
// one of a live round (an institution with no service counts as none), only
// those scored in a frozen one (the others froze no catalog with it).
func (c RoundCatalog) Catalogued() []Institution {
	if !c.Frozen {
		return c.Institutions
	}
	var out []Institution
	for _, in := range c.Institutions {
		if _, ok := c.Tallies[in.Code]; ok {
			out = append(out, in)
		}
	}
	return out
}

// RescoreRefused is the answer to rescoring a published round with the
// scoring version its scores already have: that would change published
// figures under the same version, so that nobody could tell which rules
// produced them. A published round is rescored only under a new version.
type RescoreRefused struct {
	Round   string // the round's name
	Version string // the scoring version asked for, which its scores already have
}

func (e *RescoreRefused) Error() string {
	return fmt.Sprintf("round %s is published and its scores already have scoring version %s: "+
		"rescoring it with the same version would change published figures; a published round can only be rescored "+
		"under a new scoring version (its previous scores stay readable)", e.Round, e.Version)
}
