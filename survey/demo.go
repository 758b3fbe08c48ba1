package survey

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// DemoPassword is the password of every demo account (listed in the README).
const DemoPassword = "marsad-demo"

// DemoAccounts are the accounts SeedDemo creates.
var DemoAccounts = []NewUser{
	{Email: "admin@example.ps", Name: "منسق المسح (تجريبي)", Role: RoleAdmin},
	{Email: "viewer@example.ps", Name: "مكتب الوزير (تجريبي)", Role: RoleViewer},
	{Email: "moh@example.ps", Name: "دائرة تكنولوجيا المعلومات - وزارة الصحة (تجريبي)", Role: RoleRespondent, InstitutionCode: "MOH"},
	{Email: "moi@example.ps", Name: "دائرة تكنولوجيا المعلومات - وزارة الداخلية (تجريبي)", Role: RoleRespondent, InstitutionCode: "MOI"},
}

// settingDemo marks a database that holds demo data, so every page can say so.
const settingDemo = "demo"

// IsDemo reports whether the database was seeded with demo data.
func (s *Store) IsDemo(ctx context.Context) (bool, error) {
	v, err := s.Setting(ctx, settingDemo)
	return v == "1", err
}

// DemoData is what SeedDemo loads: institutions and services as CSV in the
// import formats, and the questionnaire for the demo rounds. Services and
// Questionnaire may be nil, for tests that need an empty catalog or no rounds.
type DemoData struct {
	Institutions  []byte
	Services      []byte
	Questionnaire []byte
}

// SeedDemo fills an empty database with the demo institutions, services,
// accounts and rounds (2024 and 2025 published, 2026 open) in one
// transaction, and marks it as demo. A database seeded before is left
// alone; one with other data is refused.
func (s *Store) SeedDemo(ctx context.Context, dd DemoData) error {
	ins, err := ParseInstitutionsCSV(bytes.NewReader(dd.Institutions))
	if err != nil {
		return fmt.Errorf("survey: demo institutions: %w", err)
	}
	var svcs []ServiceInput
	if dd.Services != nil {
		if svcs, err = ParseServicesCSV(bytes.NewReader(dd.Services)); err != nil {
			return fmt.Errorf("survey: demo services: %w", err)
		}
	}
	var def *Definition
	if dd.Questionnaire != nil {
		if def, err = ParseDefinition(dd.Questionnaire); err != nil {
			return fmt.Errorf("survey: demo questionnaire: %w", err)
		}
	}
	if seeded, err := s.IsDemo(ctx); err != nil || seeded {
		return err // seeded before: start at once, no hashing
	}
	// One hash for the shared demo password keeps start-up fast.
	hash, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), s.opt.BcryptCost)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM institutions) + (SELECT count(*) FROM users)").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("survey: demo data goes only into an empty database; this one has data")
		}
		for _, in := range ins {
			if _, err := s.insertInstitution(ctx, tx, 0, in); err != nil {
				return err
			}
		}
		for _, in := range svcs {
			sv, err := checkService(in)
			if err != nil {
				return fmt.Errorf("survey: demo service %s/%s: %w", in.InstitutionCode, in.Code, err)
			}
			if _, err := s.insertService(ctx, tx, Actor{}, sv); err != nil {
				return fmt.Errorf("survey: demo service %s/%s: %w", in.InstitutionCode, in.Code, err)
			}
		}
		for _, a := range DemoAccounts {
			a.Password = DemoPassword
			if _, err := s.insertUser(ctx, tx, 0, a.normalize(), string(hash)); err != nil {
				return fmt.Errorf("survey: demo account %s: %w", a.Email, err)
			}
		}
		if def != nil {
			if err := s.seedDemoRounds(ctx, tx, def); err != nil {
				return err
			}
			if err := s.seedDemoInitiatives(ctx, tx, def); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens")
		if err != nil {
			return err
		}
		return setSetting(ctx, tx, settingDemo, "1")
	})
}
