package survey

import (
	"encoding/json"
	"errors"
	"os"
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

// showIfCase is one row of testdata/showif_cases.json, the table that the
// Go and the browser evaluators must both decide as written
// (handlers: TestBrowserShowIfAgreesWithGo runs the browser's side).
type showIfCase struct {
	Cond    string              `json:"cond"`
	Answers map[string][]string `json:"answers"`
	Want    bool                `json:"want"`
}

// readShowIfCases reads the shared table of show_if cases.
func readShowIfCases(t *testing.T) []showIfCase {
	t.Helper()
	b, err := os.ReadFile("testdata/showif_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Cases []showIfCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Cases) < 40 {
		t.Fatalf("only %d cases", len(table.Cases))
	}
	return table.Cases
}

func TestShowIfSharedCases(t *testing.T) {
	for _, tc := range readShowIfCases(t) {
		c, err := ParseCond(tc.Cond)
		if err != nil {
			t.Errorf("%s: %v", tc.Cond, err)
			continue
		}
		if got := c.Eval(answerMap(tc.Answers)); got != tc.Want {
			t.Errorf("%s with %v = %v, want %v", tc.Cond, tc.Answers, got, tc.Want)
		}
	}
}

func TestParseNumber(t *testing.T) {
	good := map[string]float64{"3": 3, " ٣ ": 3, "۴": 4, "+4": 4, "-0.5": -0.5, ".5": 0.5, "3.": 3, "1,500": 1500, "١٬٥٠٠": 1500, "٢٫٥": 2.5, "03": 3}
	for s, want := range good {
		if got, ok := ParseNumber(s); !ok || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", " ", ".", "-", "3 x", "3x", "x3", "1e5", "Inf", "Infinity", "NaN", "0x10", "1_000", "2.5.1", "--3", "3-", strings.Repeat("9", 31)} {
		if got, ok := ParseNumber(s); ok {
			t.Errorf("ParseNumber(%q) = %v, want not a number", s, got)
		}
	}
}
