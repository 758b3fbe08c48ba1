package survey

import (
	"context"
	"errors"
)

// DemoPassword is the password of every demo account (listed in the README).
const DemoPassword = "marsad-demo"

// settingDemo marks a database that holds demo data, so every page can say so.
const settingDemo = "demo"

// IsDemo reports whether the database was seeded with demo data.
func (s *Store) IsDemo(ctx context.Context) (bool, error) {
	v, err := s.Setting(ctx, settingDemo)
	return v == "1", err
}

// DemoData is the catalog a demo is seeded with: institutions and services
// as CSV in the import formats, and the questionnaire of the demo rounds.
// Services and Questionnaire may be nil, for tests that need an empty
// catalog or no rounds (no questionnaire: no rounds, initiatives or plans).
// The rest of the demo (accounts, rounds, initiatives, stories, plans) is
// in data/demo, read by package marsad/survey/demo.
type DemoData struct {
	Institutions  []byte
	Services      []byte
	Questionnaire []byte
}

// demoSeeder is the demo package's seeding function. survey cannot import
// that package (it imports survey), so the package hands it over when it is
// linked in: see RegisterDemoSeeder.
var demoSeeder func(context.Context, *Store, DemoData) error

// RegisterDemoSeeder is called once, by package marsad/survey/demo as it
// initialises, so that SeedDemo can delegate to it. Nothing else calls it.
func RegisterDemoSeeder(seed func(context.Context, *Store, DemoData) error) { demoSeeder = seed }

// errNoDemoPackage is SeedDemo's answer in a program that does not link
// the demo package in.
var errNoDemoPackage = errors.New(`survey: SeedDemo needs package marsad/survey/demo (import _ "marsad/survey/demo")`)

// SeedDemo seeds the demo with dd's catalog and the rest of data/demo; see
// demo.SeedData, to which it delegates. It stays for callers written before
// the demo had its own package (tests that seed through the store); new
// code calls package demo directly.
func (s *Store) SeedDemo(ctx context.Context, dd DemoData) error {
	if demoSeeder == nil {
		return errNoDemoPackage
	}
	return demoSeeder(ctx, s, dd)
}
