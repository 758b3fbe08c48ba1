package survey

import "context"

// seedSynthetic is synth.Seed, handed over by synthetic_link_test.go: an
// external test file may import package synth, this package may not (synth
// imports survey).
var seedSynthetic func(ctx context.Context, s *Store, institutions, services int, seed uint64) error

// SetSyntheticSeeder hands synth.Seed over to the package's tests.
func SetSyntheticSeeder(seed func(ctx context.Context, s *Store, institutions, services int, seed uint64) error) {
	seedSynthetic = seed
}

// SeedSynthetic fills the store with generated institutions and services
// (package synth), for the package's benchmarks.
func (s *Store) SeedSynthetic(ctx context.Context, institutions, services int, seed uint64) error {
	return seedSynthetic(ctx, s, institutions, services, seed)
}
