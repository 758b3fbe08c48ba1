package passwords

import (
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestList(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonText, "\n"), "\n")
	if len(lines) < 2000 || Count() != len(lines) {
		t.Fatalf("%d lines, Count %d: want the 2,026 of the list", len(lines), Count())
	}
	if !sort.StringsAreSorted(lines) {
		t.Error("common.txt is not sorted")
	}
	for i, l := range lines {
		switch {
		case l != strings.ToLower(strings.TrimSpace(l)) || strings.ContainsAny(l, " \t"):
			t.Errorf("line %d %q: not lower-case or has spaces", i+1, l)
		case utf8.RuneCountInString(l) < 10:
			t.Errorf("line %d %q: shorter than 10 characters (the length rule refuses it already)", i+1, l)
		case i > 0 && l == lines[i-1]:
			t.Errorf("line %d %q: twice", i+1, l)
		}
	}
}

func TestIsCommon(t *testing.T) {
	for pw, want := range map[string]bool{
		"qwertyuiop": true, "QwertyUIOP": true, " 1234567890 ": true, "palestine2024": true, "abdullah123": true,
		"marsad-demo": false, "correct horse battery": false, "": false, "zzzzzzzzzzzzzzzzzzzzzz": false,
	} {
		if got := IsCommon(pw); got != want {
			t.Errorf("IsCommon(%q) = %v, want %v", pw, got, want)
		}
	}
}
