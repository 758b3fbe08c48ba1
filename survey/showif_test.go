package survey

import (
	"errors"
	"strings"
	"testing"
)

// answerMap is a simple Answers for tests.
type answerMap map[string][]string

func (a answerMap) Values(id string) []string { return a[id] }

func TestCondEval(t *testing.T) {
	answers := answerMap{
		"STR-1": {"2"}, "q7": {"٣"}, "q12": {"yes"}, "q13": {"no"},
		"DIA-4": {"1", "3"}, "name": {"نابلس"}, "empty": nil,
	}
	cases := []struct {
		expr string
		want bool
	}{
		{"", true},
		{"STR-1 >= 2", true},
		{"STR-1 > 2", false},
		{"STR-1 == 2", true},
		{`STR-1 == "2"`, true},
		{"STR-1 != 2", false},
		{"STR-1 <= 1.5", false},
		{"q7 >= 3", true}, // Arabic-Indic digits in the answer
		{"q7 < ٤", true},  // and in the expression
		{`q12 == "yes"`, true},
		{"q12 == true", true},
		{"q13 == false", true},
		{`q12 == 'yes' && q13 == "no"`, true},
		{`q12 == "yes" and q13 == "yes"`, false},
		{`q12 == "no" || STR-1 >= 2`, true},
		{`q12 == "no" or STR-1 >= 3`, false},
		{"!(STR-1 >= 2)", false},
		{"not q13 == \"yes\"", true},
		{`DIA-4 == "3"`, true}, // multiple choice: is 3 among the chosen?
		{`DIA-4 == "2"`, false},
		{`DIA-4 in ["2", "3"]`, true},
		{`DIA-4 in ["2", "4"]`, false},
		{`DIA-4 != "2"`, true},
		{`DIA-4 != "1"`, false},
		{`name == "نابلس"`, true},
		{"STR-1", true},    // answered
		{"missing", false}, // unanswered
		{"!missing", true},
		{"missing >= 0", false}, // comparisons with no answer are false
		{`missing != "x"`, false},
		{"empty", false},
		{"(STR-1 >= 1 && (q12 == true || q13 == true)) && !missing", true},
	}
	for _, tc := range cases {
		c, err := ParseCond(tc.expr)
		if err != nil {
			t.Errorf("ParseCond(%q): %v", tc.expr, err)
			continue
		}
		if got := c.Eval(answers); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestCondRefs(t *testing.T) {
	c, err := ParseCond(`a == 1 || (b >= 2 && !c) || d in [1, 2]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Refs(), ","); got != "a,b,c,d" {
		t.Errorf("refs = %s", got)
	}
}

// TestCondRejectsHostileInput: every malformed or hostile expression is a
// parse error with a position, never a panic, never code.
func TestCondRejectsHostileInput(t *testing.T) {
	cases := map[string]string{
		"unclosed paren":     "(a == 1",
		"unclosed text":      `a == "yes`,
		"dangling operator":  "a ==",
		"operator first":     "== 1",
		"two operators":      "a == == 1",
		"order needs number": `a > "x"`,
		"bad character":      "a == 1; os.Exit(1)",
		"function call":      "exec('rm -rf /')",
		"backticks":          "`a`",
		"bad number":         "a == 1.2.3",
		"in without list":    "a in 1",
		"unclosed list":      "a in [1, 2",
		"empty":              "()",
		"trailing garbage":   "a == 1 b",
		"deep nesting":       strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40),
		"many nots":          strings.Repeat("!", 200) + "a",
		"too many terms":     strings.Repeat("a == 1 || ", 120) + "a == 1",
		"too long":           strings.Repeat("a", 600),
		"invalid utf-8":      "a == \"\xff\"",
		"huge list":          "a in [" + strings.Repeat("1,", 150) + "1]",
		"arabic identifier":  "سؤال == 1",
		"lone and":           "&& a",
		"assignment":         "a = 1",
	}
	for name, expr := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseCond(expr)
			var ce *CondError
			if !errors.As(err, &ce) || ce.Pos < 1 {
				t.Fatalf("ParseCond(%q) = %v, want a CondError with a position", expr, err)
			}
		})
	}
}

func FuzzParseCond(f *testing.F) {
	for _, seed := range []string{"", "a == 1", `STR-1 >= 2 && !(q == "x")`, `d in ["1", '2']`, "((a))", "a ||", "!!!a", `q == "نعم"`} {
		f.Add(seed)
	}
	answers := answerMap{"a": {"1"}, "q": {"x"}, "d": {"1", "2"}}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCond(src)
		if err != nil {
			var ce *CondError
			if !errors.As(err, &ce) {
				t.Fatalf("error is not a CondError: %v", err)
			}
			return
		}
		_ = c.Eval(answers) // must not panic
		if len(c.Refs()) > maxCondNodes {
			t.Fatalf("%d refs passed the node limit", len(c.Refs()))
		}
	})
}
