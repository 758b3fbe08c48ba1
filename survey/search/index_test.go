package search

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// handDocs are services written as people write them: the definite
// article, clitics, plurals, nisba adjectives, English names, a category
// the index does not count, several audiences.
func handDocs() []Doc {
	type svc struct {
		inst, nameAr, nameEn, desc, cat string
		aud                             []string
		stage                           int
		abroad, noVisit, ePay           bool
	}
	list := []svc{
		{"MOI", "استخراج شهادة ميلاد", "Birth certificate", "تصدر الشهادة للمواليد الجدد", "c00", []string{"citizens"}, 4, true, true, true},
		{"MOI", "بطاقة الهوية", "", "تحتاج شهادة الميلاد وصورة شخصية", "c01", []string{"citizens", "diaspora"}, 2, false, false, false},
		{"MOI", "تجديد جواز السفر", "Passport renewal", "للمسافرين إلى الخارج", "c01", []string{"citizens", "diaspora"}, 3, true, false, true},
		{"MOI", "طلب الشهادة المدرسية", "School certificate request", "", "c02", []string{"citizens"}, 1, false, false, false},
		{"MOLG", "إصدار رخصة بناء", "Building permit", "رخصة البناء للمباني السكنية والتجارية", "c08", []string{"citizens", "businesses"}, 3, false, true, true},
		{"MOLG", "تعديل رخص البناء", "", "", "c08", []string{"businesses"}, 2, false, false, false},
		{"MOLG", "شهادات الخبرة الهندسية", "Engineering experience certificates", "للمهندسين والمكاتب", "c05", []string{"businesses"}, 1, false, false, false},
		{"MOH", "تبليغ الولادة", "Birth notification", "يبلغ المستشفى عن المولود", "c00", []string{"citizens", "government"}, 5, false, true, false},
		{"MOH", "والشهادة الصحية", "Health certificate", "فحص طبي", "c03", []string{"citizens"}, 2, false, false, true},
		{"MOH", "خدمات وزارة الصحة", "Ministry of Health services", "بيان بالخدمات", "c03", []string{"government"}, 0, false, false, false},
		{"MOH", "الوزارات والمؤسسات", "", "دليل الجهات الحكومية", "odd", nil, 1, false, false, false},
		{"MOJ", "شهادة عدم محكومية", "Certificate of no criminal record", "للعمل والسفر", "c09", []string{"citizens", "diaspora"}, 4, true, true, true},
		{"MOJ", "تصديق الوكالات", "Power of attorney certification", "الوكالة العامة والخاصة", "c09", []string{"diaspora"}, 3, true, false, true},
		{"MOJ", "بالشهادة", "", "", "c09", []string{"citizens"}, 0, false, false, false},
		{"MOE", "Student transcript", "Student transcript", "English only text S0 2026", "c02", []string{"citizens"}, 3, true, true, false},
	}
	names := map[string][2]string{
		"MOI": {"وزارة الداخلية", "Ministry of Interior"}, "MOLG": {"وزارة الحكم المحلي", "Ministry of Local Government"},
		"MOH": {"وزارة الصحة", "Ministry of Health"}, "MOJ": {"وزارة العدل", ""}, "MOE": {"وزارة التربية", "Ministry of Education"},
	}
	var docs []Doc
	for i, s := range list {
		code := fmt.Sprintf("H%03d", i)
		d := Doc{ID: int64(100000 + i), Institution: s.inst, InstitutionAr: names[s.inst][0], InstitutionEn: names[s.inst][1],
			Category: s.cat, Audience: s.aud, Stage: s.stage, Abroad: s.abroad, NoVisit: s.noVisit, EPayment: s.ePay,
			NameAr: s.nameAr, NameEn: s.nameEn, Updated: fmt.Sprintf("2026-03-%02dT09:00:00Z", 28-i)}
		d.Text = Fold(strings.Join([]string{code, s.nameAr, s.nameEn, s.desc}, " "))
		docs = append(docs, d)
	}
	return docs
}

// testDocs is a generated catalog with the hand-written services among it.
func testDocs() []Doc {
	docs := synthDocs(40, 1500, 7)
	return append(docs[:700:700], append(handDocs(), docs[700:]...)...)
}

// want is what a search must give, worked out by scanning every service's
// text the slow, obvious way.
type want struct {
	ids                                 []int64
	institutions, categories, audiences []Facet
	stages                              []int
	abroad, noVisit, ePayment           int
}

func scan(docs []Doc, q Query) want {
	terms := FoldTerms(q.Q)
	var forms []string
	for _, t := range terms {
		forms = append(forms, searchForm(t))
	}
	all := func(text string, words []string) bool {
		for _, w := range words {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	}
	// fails reports the filters d fails, leaving out the one named.
	fails := func(d Doc, except string) bool {
		return (except != "institution" && q.Institution != "" && d.Institution != q.Institution) ||
			(except != "category" && q.Category != "" && d.Category != q.Category) ||
			(except != "audience" && slices.Contains(testConfig.Audiences, q.Audience) && !slices.Contains(d.Audience, q.Audience)) ||
			(except != "stage" && d.Stage < q.StageMin) ||
			(except != "abroad" && q.Abroad && !d.Abroad) ||
			(except != "novisit" && q.NoVisit && !d.NoVisit) ||
			(except != "epay" && q.EPayment && !d.EPayment)
	}
	w := want{stages: make([]int, testConfig.MaxStage+1)}
	instCount, catCount, audCount := map[string]int{}, map[string]int{}, map[string]int{}
	var found []Doc
	var instOrder []Doc // first service of each institution
	seen := map[string]bool{}
	for _, d := range docs {
		if !seen[d.Institution] {
			seen[d.Institution] = true
			instOrder = append(instOrder, d)
		}
		if !all(d.Text, forms) {
			continue
		}
		if !fails(d, "institution") {
			instCount[d.Institution]++
		}
		if !fails(d, "category") {
			catCount[d.Category]++
		}
		if !fails(d, "audience") {
			for _, a := range d.Audience {
				audCount[a]++
			}
		}
		if !fails(d, "stage") {
			w.stages[d.Stage]++
		}
		if fails(d, "") {
			continue
		}
		found = append(found, d)
		w.abroad += b2i(d.Abroad)
		w.noVisit += b2i(d.NoVisit)
		w.ePayment += b2i(d.EPayment)
	}
	nameEn := func(d Doc) string {
		if d.NameEn == "" {
			return d.NameAr
		}
		return d.NameEn
	}
	slices.SortStableFunc(found, func(a, b Doc) int {
		switch q.Sort {
		case "stage":
			if a.Stage != b.Stage {
				return b.Stage - a.Stage
			}
			return strings.Compare(a.NameAr, b.NameAr)
		case "institution":
			if c := strings.Compare(a.Institution, b.Institution); c != 0 {
				return c
			}
			return strings.Compare(a.NameAr, b.NameAr)
		case "updated":
			return strings.Compare(b.Updated, a.Updated)
		}
		if q.Lang == "en" {
			return strings.Compare(nameEn(a), nameEn(b))
		}
		return strings.Compare(a.NameAr, b.NameAr)
	})
	if q.Sort == "relevance" && len(terms) > 0 {
		groups := map[int64]int{}
		group := func(d Doc) int {
			names := Fold(d.NameAr + " " + d.NameEn)
			switch {
			case all(names, terms):
				return 0
			case all(names, forms):
				return 1
			case all(d.Text, terms):
				return 2
			}
			return 3
		}
		for _, d := range found {
			groups[d.ID] = group(d)
		}
		slices.SortStableFunc(found, func(a, b Doc) int { return groups[a.ID] - groups[b.ID] })
	}
	w.ids = []int64{}
	for _, d := range found {
		w.ids = append(w.ids, d.ID)
	}
	label := func(d Doc) string {
		return Facet{LabelAr: d.InstitutionAr, LabelEn: d.InstitutionEn}.Label(q.Lang)
	}
	slices.SortStableFunc(instOrder, func(a, b Doc) int { return strings.Compare(label(a), label(b)) })
	for _, d := range instOrder {
		if n := instCount[d.Institution]; n > 0 {
			w.institutions = append(w.institutions, Facet{Value: d.Institution, LabelAr: d.InstitutionAr, LabelEn: d.InstitutionEn, Count: n})
		}
	}
	for _, c := range testConfig.Categories {
		if n := catCount[c]; n > 0 {
			w.categories = append(w.categories, Facet{Value: c, Count: n})
		}
	}
	for _, a := range testConfig.Audiences {
		if n := audCount[a]; n > 0 {
			w.audiences = append(w.audiences, Facet{Value: a, Count: n})
		}
	}
	return w
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// check runs q on idx and compares every part of the outcome with a scan.
func check(t *testing.T, idx *Index, docs []Doc, q Query) {
	t.Helper()
	m := idx.Search(q)
	w := scan(docs, q)
	got := want{m.IDs(0, m.Total), m.Institutions, m.Categories, m.Audiences, m.Stages, m.Abroad, m.NoVisit, m.EPayment}
	if m.Total != len(w.ids) {
		t.Errorf("%+v: %d results, the scan finds %d", q, m.Total, len(w.ids))
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%+v:\n got %+v\nwant %+v", q, got, w)
	}
}

// TestSearchEqualsScan: for words (whole, folded, parts of words, stemmed,
// Latin, codes, misses), every filter, every order and both languages, a
// search gives what scanning every service's text gives: the same results
// in the same order and the same counts for every filter value.
func TestSearchEqualsScan(t *testing.T) {
	docs := testDocs()
	idx := build(docs)
	queries := []string{"", "شهادة", "الشهادة", "شهادات", "شهاده الميلاد", "شهادة ميلاد", "رخصة البناء", "البناء", "رخص", "هاد",
		"ة", "جواز سفر", "سفر جواز", "السفر", "وزارة", "الوزارة", "بيان", "والمكاتب", "بالخدمات", "للمهندسين", "الولادة",
		"شهادة ال", "cert", "ertif", "Birth", "certificates", "S0", "s000", "H01", "2026", "service 12", "غير موجود", "ال", "و",
		"passport renewal", "إِصْدَارُ", "تـــجديد", "طلب الشهادة"}
	for v := range idx.vocab { // and parts of indexed words
		for i := 0; i < min(30, len(idx.vocab[v].starts)); i++ {
			r := []rune(idx.vocab[v].word(i))
			queries = append(queries, string(r), string(r[len(r)/2:]), string(r[:max(1, len(r)-1)]), "ال"+string(r))
		}
	}
	filters := []Query{{}, {Institution: "MOI"}, {Institution: "I0003"}, {Institution: "NOPE"}, {Category: "c00"}, {Category: "odd"},
		{Category: "nope"}, {Audience: "citizens"}, {Audience: "nope"}, {StageMin: 3}, {Abroad: true}, {NoVisit: true},
		{EPayment: true}, {Institution: "MOJ", StageMin: 3, Abroad: true}, {Category: "c09", Audience: "diaspora", EPayment: true}}
	sorts := []string{"relevance", "name", "stage", "institution", "updated", ""}
	for qi, text := range queries {
		for fi, f := range filters {
			q := f
			q.Q = text
			q.Sort = sorts[(qi+fi)%len(sorts)]
			q.Lang = []string{"ar", "en"}[(qi/len(sorts)+fi)%2]
			check(t, idx, docs, q)
		}
	}
	for _, text := range []string{"", "شهادة", "الشهادة الصحية", "رخص", "certificate"} {
		for _, sort := range sorts {
			for _, lang := range []string{"ar", "en"} {
				check(t, idx, docs, Query{Q: text, Sort: sort, Lang: lang})
			}
		}
	}
}

// TestSearchFindsStems: the examples of issue 14 and other forms of the
// same words, each found as its other form is.
func TestSearchFindsStems(t *testing.T) {
	docs := handDocs()
	idx := build(docs)
	names := func(q string) []string {
		m := idx.Search(Query{Q: q, Sort: "relevance"})
		var out []string
		for _, id := range m.IDs(0, m.Total) {
			out = append(out, docs[id-100000].NameAr)
		}
		return out
	}
	// «الشهادة» finds what «شهادة» finds, and the plural too.
	if a, b := names("الشهادة"), names("شهادة"); !reflect.DeepEqual(sorted(a), sorted(b)) || len(a) == 0 {
		t.Errorf("الشهادة finds %q, شهادة %q", a, b)
	}
	for _, c := range []struct{ q, finds string }{
		{"شهادة الميلاد", "استخراج شهادة ميلاد"},
		{"رخصة البناء", "إصدار رخصة بناء"},
		{"الشهادة", "شهادات الخبرة الهندسية"},
		{"شهادات", "استخراج شهادة ميلاد"},
		{"والشهادة", "طلب الشهادة المدرسية"},
		{"البطاقة", "بطاقة الهوية"},
		{"الجوازات", "تجديد جواز السفر"},
		{"الوزارة", "خدمات وزارة الصحة"},
		{"الوكالة", "تصديق الوكالات"},
		{"وزارات", "الوزارات والمؤسسات"},
	} {
		if got := names(c.q); !slices.Contains(got, c.finds) {
			t.Errorf("%s finds %q, not %s", c.q, got, c.finds)
		}
	}
	// Too short a stem is looked for as typed: بيان does not become بي.
	if got := names("بيان"); !reflect.DeepEqual(got, []string{"خدمات وزارة الصحة"}) {
		t.Errorf("بيان finds %q", got)
	}
	// English is not stemmed.
	if got := names("certificates"); !reflect.DeepEqual(got, []string{"شهادات الخبرة الهندسية"}) {
		t.Errorf("certificates finds %q", got)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestExactMatchesFirst: with relevance, a service whose name has the
// words as typed comes before those whose names have them only by their
// stems, and those before the ones that have them only in the description,
// whatever the names' alphabetical order.
func TestExactMatchesFirst(t *testing.T) {
	docs := []Doc{
		{ID: 1, Institution: "A", NameAr: "أ شهادة ميلاد", Text: Fold("أ شهادة ميلاد")},                       // stem in the name
		{ID: 2, Institution: "A", NameAr: "ب دليل", Text: Fold("ب دليل عن الشهادة")},                          // as typed, description only
		{ID: 3, Institution: "A", NameAr: "ت طلب الشهادة", Text: Fold("ت طلب الشهادة")},                       // as typed in the name
		{ID: 4, Institution: "A", NameAr: "ث دليل", Text: Fold("ث دليل الشهادات")},                            // stem, description only
		{ID: 5, Institution: "A", NameAr: "ج استمارة", NameEn: "Form", Text: Fold("ج استمارة form بالشهادة")}, // as typed inside a longer word, description
		{ID: 6, Institution: "A", NameAr: "ح لا شيء", Text: Fold("ح لا شيء")},
	}
	idx := build(docs)
	m := idx.Search(Query{Q: "الشهادة", Sort: "relevance"})
	if got, want := m.IDs(0, m.Total), []int64{3, 1, 2, 5, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("relevance order %v, want %v", got, want)
	}
	// By name, the same services in name order.
	m = idx.Search(Query{Q: "الشهادة", Sort: "name"})
	if got, want := m.IDs(0, m.Total), []int64{1, 2, 3, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("name order %v, want %v", got, want)
	}
	// Without the article: «شهادة» is in both names as typed, and in the
	// plural «الشهادات» only by its stem.
	m = idx.Search(Query{Q: "شهادة", Sort: "relevance"})
	if got, want := m.IDs(0, m.Total), []int64{1, 3, 2, 5, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("شهادة: relevance order %v, want %v", got, want)
	}
}

// TestMatchIDs: pages of a match, clipped to the results.
func TestMatchIDs(t *testing.T) {
	idx := build(handDocs())
	m := idx.Search(Query{Sort: "name"})
	all := m.IDs(0, m.Total)
	if len(all) != len(handDocs()) {
		t.Fatalf("%d ids of %d", len(all), len(handDocs()))
	}
	for _, c := range []struct{ from, to, n int }{{0, 5, 5}, {10, 20, len(all) - 10}, {len(all), len(all) + 5, 0}, {99, 120, 0}, {-3, 2, 2}} {
		got := m.IDs(c.from, c.to)
		if len(got) != c.n || (c.n > 0 && got[0] != all[max(c.from, 0)]) {
			t.Errorf("IDs(%d, %d) = %v", c.from, c.to, got)
		}
	}
	if empty := idx.Search(Query{Q: "غير موجود"}); empty.Total != 0 || len(empty.IDs(0, 20)) != 0 || empty.IDs(0, 20) == nil {
		t.Errorf("a miss: %+v", empty)
	}
}
