// Package demo seeds the demo that `marsad --demo` and the tests start
// from: real Palestinian institutions with fictional services, accounts,
// three rounds of generated answers, initiatives, success stories,
// obstacles and action plans. The content is in files under data/demo
// (embedded by package marsad/data); this package reads and checks them
// and writes the demo through the store's demo writer (survey.DemoWriter), in
// one transaction.
//
// Generated parts are deterministic: one seeded generator, drawn in a fixed
// order, and hashes of institution codes, so every seeding gives the same
// scores, ranks and figures (the tests and the README rely on them).
package demo

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"marsad/data"
	"marsad/survey"
)

// Store is where a demo is written: a store that runs fill in one
// transaction (for SQLite, (*sqlite.Store).SeedDemoTx).
type Store interface {
	SeedDemoTx(ctx context.Context, password string, fill func(survey.DemoWriter) error) error
}

// Content is a demo read from its files and checked, ready to seed.
type Content struct {
	Institutions []survey.InstitutionInput
	Services     []survey.ServiceInput
	Accounts     []survey.NewUser
	// Questionnaire is the rounds' questionnaire; without one there are
	// no rounds, and so no obstacles, plans or initiatives.
	Questionnaire *survey.Definition

	rounds      roundsFile
	initiatives []initiative
	plans       plansFile
}

// initiative is one demo initiative: the form's input, the codes of the
// institution's services it touches, and its story's state.
type initiative struct {
	in       survey.InitiativeInput
	services []string
	story    string // survey.StoryApproved or StoryPending when in.Story
}

// Load reads the whole demo from data/demo and the default questionnaire.
func Load() (*Content, error) {
	return FromData(survey.DemoData{Institutions: data.DemoInstitutions, Services: data.DemoServices,
		Questionnaire: data.DefaultQuestionnaire})
}

// FromData reads a demo whose catalog and questionnaire are dd's (tests
// seed smaller ones) and whose accounts, rounds, initiatives, stories and
// plans are data/demo's.
func FromData(dd survey.DemoData) (*Content, error) {
	c := &Content{}
	var err error
	if c.Institutions, err = survey.ParseInstitutionsCSV(bytes.NewReader(dd.Institutions)); err != nil {
		return nil, fmt.Errorf("demo: institutions: %w", err)
	}
	if dd.Services != nil {
		if c.Services, err = survey.ParseServicesCSV(bytes.NewReader(dd.Services)); err != nil {
			return nil, fmt.Errorf("demo: services: %w", err)
		}
	}
	codes := map[string]bool{}
	for _, in := range c.Institutions {
		codes[in.Code] = true
	}
	if c.Accounts, err = parseAccounts(data.DemoAccounts, codes); err != nil {
		return nil, err
	}
	if dd.Questionnaire == nil {
		return c, nil
	}
	if c.Questionnaire, err = survey.ParseDefinition(dd.Questionnaire); err != nil {
		return nil, fmt.Errorf("demo: questionnaire: %w", err)
	}
	if c.rounds, err = parseRounds(data.DemoRounds); err != nil {
		return nil, err
	}
	if c.initiatives, err = parseInitiatives(data.DemoInitiatives, data.DemoStories); err != nil {
		return nil, err
	}
	if c.plans, err = parsePlans(data.DemoPlans, c.rounds.Rounds, c.Questionnaire); err != nil {
		return nil, err
	}
	return c, nil
}

// Seed fills an empty database with the whole demo (see Load and
// Content.Seed).
func Seed(ctx context.Context, st Store) error {
	c, err := Load()
	if err != nil {
		return err
	}
	return c.Seed(ctx, st)
}

// SeedData fills an empty database with a demo of dd's catalog (see
// FromData and Content.Seed).
func SeedData(ctx context.Context, st Store, dd survey.DemoData) error {
	c, err := FromData(dd)
	if err != nil {
		return err
	}
	return c.Seed(ctx, st)
}

// Seed writes the demo into an empty database in one transaction and marks
// it as demo: institutions, services and accounts (every one with the
// password survey.DemoPassword), then with a questionnaire the rounds and
// their answers, initiatives and stories, obstacles and plans. A database
// seeded before is left alone; one with other data is refused.
func (c *Content) Seed(ctx context.Context, st Store) error {
	return st.SeedDemoTx(ctx, survey.DemoPassword, func(tx survey.DemoWriter) error {
		var insts []survey.Institution
		for _, in := range c.Institutions {
			inst, err := tx.AddInstitution(in)
			if err != nil {
				return err
			}
			insts = append(insts, inst)
		}
		for _, sv := range c.Services {
			if err := tx.AddService(sv); err != nil {
				return err
			}
		}
		if err := c.seedChecks(tx, tx.Now()); err != nil {
			return err
		}
		if err := tx.SetOpenData(survey.DemoOpenData); err != nil { // the demo's data is CC BY 4.0
			return err
		}
		for _, a := range c.Accounts {
			if err := tx.AddUser(a); err != nil {
				return err
			}
		}
		if c.Questionnaire == nil {
			return nil
		}
		rounds, cites, err := c.seedRounds(tx, insts)
		if err != nil {
			return err
		}
		for _, d := range c.initiatives {
			if _, err := tx.AddInitiative(d.in, d.services, d.story); err != nil {
				return err
			}
		}
		for _, ct := range cites {
			if err := tx.AddObstacles(ct.response, c.obstacles(ct.inst, ct.round)); err != nil {
				return err
			}
		}
		return c.seedPlans(tx, rounds)
	})
}

// roll is a stable number in [0, 1) for the parts of a key.
func roll(parts ...string) float64 {
	return float64(fnv64(strings.Join(parts, "/"))%10000) / 10000
}

// evidenceURL is the demo's evidence link for an institution's item.
func (c *Content) evidenceURL(code, item string) string {
	return strings.NewReplacer("{institution}", strings.ToLower(code), "{item}", strings.ToLower(item)).
		Replace(c.rounds.Answers.EvidenceURL)
}

// byCode sorts institutions by code, as the database orders them.
func byCode(insts []survey.Institution) []survey.Institution {
	out := slices.Clone(insts)
	slices.SortFunc(out, func(a, b survey.Institution) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// formatFloat writes a number as answers store it.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
