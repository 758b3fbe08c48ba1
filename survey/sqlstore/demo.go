package sqlstore

import (
	"context"
)

// settingDemo marks a database that holds demo data, so every page can say so.
const settingDemo = "demo"

// IsDemo reports whether the database was seeded with demo data.
func (s *Store) IsDemo(ctx context.Context) (bool, error) {
	v, err := s.Setting(ctx, settingDemo)
	return v == "1", err
}
