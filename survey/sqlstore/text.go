package sqlstore

import (
	"strings"
)

func splitColumns(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

func joinColumns(cols []string) string { return strings.Join(cols, ", ") }

// asciiLower folds ASCII letters only, as SQL's lower() does in both
// engines (SQLite's built-in, PostgreSQL's under COLLATE "C").
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
