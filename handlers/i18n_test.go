package handlers

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestLocalesHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	locs, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	keys := func(l *locale) map[string]bool {
		out := map[string]bool{}
		for k := range l.messages {
			out[k] = true
		}
		for k := range l.plurals {
			out["plural:"+k] = true
		}
		return out
	}
	ar, en := keys(locs["ar"]), keys(locs["en"])
	var diff []string
	for k := range ar {
		if !en[k] {
			diff = append(diff, "only in ar.json: "+k)
		}
	}
	for k := range en {
		if !ar[k] {
			diff = append(diff, "only in en.json: "+k)
		}
	}
	sort.Strings(diff)
	for _, d := range diff {
		t.Error(d)
	}
}

func TestArabicPluralForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n    int
		want string
	}{
		{0, "zero"}, {1, "one"}, {2, "two"}, {3, "few"}, {10, "few"}, {11, "many"}, {99, "many"},
		{100, "other"}, {101, "other"}, {102, "other"}, {103, "few"}, {111, "many"}, {1000, "other"},
	}
	for _, tc := range cases {
		if got := pluralCategory("ar", tc.n); got != tc.want {
			t.Errorf("ar %d → %s, want %s", tc.n, got, tc.want)
		}
	}
	locs, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{0: "لا توجد مؤسسات", 1: "مؤسسة واحدة", 2: "مؤسستان", 7: "7 مؤسسات", 35: "35 مؤسسة", 100: "100 مؤسسة"} {
		if got := locs["ar"].N("count.institutions", n); got != want {
			t.Errorf("ar N(%d) = %q, want %q", n, got, want)
		}
	}
	if got := locs["en"].N("count.institutions", 1); got != "1 institution" {
		t.Errorf("en N(1) = %q", got)
	}
}

// TestEveryUsedKeyIsTranslated finds the message keys written literally in
// templates and Go code (the domain's validation keys included) and checks
// both languages have them.
func TestEveryUsedKeyIsTranslated(t *testing.T) {
	t.Parallel()
	locs, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	tmplKey := regexp.MustCompile(`\.(?:T|N) "([a-z_]+\.[a-z0-9_.-]+)"`)
	goKey := regexp.MustCompile(`"((?:err|notice|error|home|login|setup|invite|import|institutions?|invitations|users|count|field)\.[a-z0-9_]+)"`)
	_ = fs.WalkDir(templateFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templateFiles, p)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return nil
	})
	for _, dir := range []string{".", "../survey"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
				if filepath.Ext(m[1]) == ".csv" || strings.HasSuffix(m[1], "_") {
					continue // a file name, or the start of a key built at run time
				}
				used[m[1]] = true
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys; the scan is broken", len(used))
	}
	for k := range used {
		for lang, l := range locs {
			_, msg := l.messages[k]
			_, pl := l.plurals[k]
			if !msg && !pl {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}
