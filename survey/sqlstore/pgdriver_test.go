package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b IN (?, ?)", "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)"},
		{"SELECT '?', \"col?\", ? -- a comment?\nFROM t WHERE x = ?", "SELECT '?', \"col?\", $1 -- a comment?\nFROM t WHERE x = $2"},
		{"SELECT 'it''s ?' || ?", "SELECT 'it''s ?' || $1"},
		{"SELECT json_extract(x, '$.a') FROM t WHERE id = ?", "SELECT json_extract(x, '$.a') FROM t WHERE id = $1"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
		{"UPDATE t SET a = ? -- last?", "UPDATE t SET a = $1 -- last?"},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
