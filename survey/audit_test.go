package survey

import (
	"testing"
)

func TestCompactChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, before, after, wantB, wantA string
	}{
		{"one field", `{"a":1,"b":"x","c":[1,2]}`, `{"a":1,"b":"y","c":[1,2]}`, `{"b":"x"}`, `{"b":"y"}`},
		{"nothing", `{"a":1}`, `{"a":1}`, `{}`, `{}`},
		{"field added", `{"a":1}`, `{"a":1,"n":"new"}`, `{"n":null}`, `{"n":"new"}`},
		{"field dropped", `{"a":1,"n":"old"}`, `{"a":1}`, `{"n":"old"}`, `{"n":null}`},
		{"nested", `{"p":[{"name":"a"}],"q":{"x":1}}`, `{"p":[{"name":"b"}],"q":{"x":1}}`, `{"p":[{"name":"a"}]}`, `{"p":[{"name":"b"}]}`},
		{"institution kept", `{"institution":"MOH","active":true}`, `{"institution":"MOH","active":false}`,
			`{"institution":"MOH","active":true}`, `{"institution":"MOH","active":false}`},
		{"order kept", `{"z":1,"a":1}`, `{"z":2,"a":2}`, `{"z":1,"a":1}`, `{"z":2,"a":2}`},
		{"not objects", `"x"`, `{"a":1}`, `"x"`, `{"a":1}`},
	}
	for _, tc := range tests {
		b, a := CompactChange(tc.before, tc.after)
		if b != tc.wantB || a != tc.wantA {
			t.Errorf("%s: %s → %s, want %s → %s", tc.name, b, a, tc.wantB, tc.wantA)
		}
	}
}
