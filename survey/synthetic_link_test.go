package survey_test

import (
	"context"

	"marsad/survey"
	"marsad/survey/synth"
)

// The package's benchmarks seed generated catalogs with synth.Seed, which
// only a test file outside the package can import.
func init() {
	survey.SetSyntheticSeeder(func(ctx context.Context, s *survey.Store, institutions, services int, seed uint64) error {
		return synth.Seed(ctx, s, institutions, services, seed)
	})
}
