package sqlite

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
