package search

import (
	"math/bits"
	"strings"
)

// Query is a search of the catalog; each field is a filter that is off at
// its zero value. Page and PerPage are for the caller, which pages a Match.
type Query struct {
	Q           string // words to find in names and descriptions (folded and stemmed, see Stem)
	Institution string // institution code
	Category    string
	Audience    string // one of Config.Audiences; any other value filters nothing
	StageMin    int
	Abroad      bool // available from abroad
	NoVisit     bool // no visit required
	EPayment    bool
	Sort        string // "relevance" (default with words), "name" (default without), "stage", "institution", "updated"
	Lang        string // language whose names "name" sorts by
	Page        int    // 1-based
	PerPage     int
}

// Sorts are the accepted sort orders.
var Sorts = []string{"relevance", "name", "stage", "institution", "updated"}

// order is the index order the query's results come in (before relevance).
func (q Query) order() int {
	switch q.Sort {
	case "stage":
		return orderStage
	case "institution":
		return orderInstitution
	case "updated":
		return orderUpdated
	}
	if q.Lang == "en" {
		return orderNameEn
	}
	return orderNameAr
}

// Facet is one filter value with how many results have it.
type Facet struct {
	Value   string
	LabelAr string
	LabelEn string
	Count   int
}

// Label is the facet's label in lang ("" for values that the page translates).
func (f Facet) Label(lang string) string {
	if lang == "en" && f.LabelEn != "" {
		return f.LabelEn
	}
	return f.LabelAr
}

// Match is a search's outcome before paging: every result in order, and
// the counts for every filter value. It holds 4 bytes a result, and is
// only read once made (it may share the index's arrays).
type Match struct {
	ids                                 []int64 // the index's, by ord
	ords                                []int32 // the results, in order
	Total                               int
	Institutions, Categories, Audiences []Facet
	Stages                              []int // results at each stage, 0 to MaxStage
	Abroad, NoVisit, EPayment           int
}

// IDs is the services of results from to to (0-based, end excluded,
// clipped to the results), in order.
func (m *Match) IDs(from, to int) []int64 {
	from, to = max(from, 0), min(to, len(m.ords))
	if from >= to {
		return []int64{}
	}
	out := make([]int64, 0, to-from)
	for _, ord := range m.ords[from:to] {
		out = append(out, m.ids[ord])
	}
	return out
}

// Bytes is roughly what the match holds in memory, for callers that keep
// matches.
func (m *Match) Bytes() int {
	return 4*len(m.ords) + 64*len(m.Institutions) + 32*(len(m.Categories)+len(m.Audiences)) + 8*len(m.Stages) + 256
}

// Filters a service can fail, as bits. The last three are also
// entry.flags, where they mean the service has the property.
const (
	failInstitution = 1 << iota
	failCategory
	failAudience
	failStage
	failAbroad
	failNoVisit
	failEPayment
)

// has is 1 when flags has flag, else 0.
func has(flags, flag uint8) int {
	if flags&flag != 0 {
		return 1
	}
	return 0
}

// filter is a query's filters (all but the words) as the entries hold them.
type filter struct {
	inst     int32 // the institution's ordinal, noFilter, or nowhere for a code not in the catalog
	category int32 // likewise, the category's number
	audience uint8 // the audience's bit, 0 for none
	stageMin int
	flags    uint8 // the flags a service must have
}

const (
	noFilter = -1
	nowhere  = -2 // matches no entry
)

func (idx *Index) filter(q Query) filter {
	f := filter{inst: noFilter, category: noFilter, stageMin: q.StageMin}
	if q.Institution != "" {
		f.inst = nowhere
		for i := range idx.institutions {
			if idx.institutions[i].code == q.Institution {
				f.inst = int32(i) // #nosec G115 -- as ord
				break
			}
		}
	}
	if q.Category != "" {
		f.category = nowhere
		for i, c := range idx.categories {
			if c == q.Category {
				f.category = int32(i) // #nosec G115 -- a short list
				break
			}
		}
	}
	for i, a := range idx.cfg.Audiences {
		if a == q.Audience {
			f.audience = 1 << i
		}
	}
	if q.Abroad {
		f.flags |= failAbroad
	}
	if q.NoVisit {
		f.flags |= failNoVisit
	}
	if q.EPayment {
		f.flags |= failEPayment
	}
	return f
}

// none tells whether the filter lets every service through.
func (f *filter) none() bool {
	return f.inst == noFilter && f.category == noFilter && f.audience == 0 && f.stageMin <= 0 && f.flags == 0
}

// failures tells which of the filters the entry fails, as fail bits.
func (f *filter) failures(e *entry) uint {
	fails := uint(f.flags &^ e.flags)
	if f.inst != noFilter && e.inst != f.inst {
		fails |= failInstitution
	}
	if f.category != noFilter && int32(e.category) != f.category {
		fails |= failCategory
	}
	if e.audience&f.audience != f.audience {
		fails |= failAudience
	}
	if int(e.stage) < f.stageMin {
		fails |= failStage
	}
	return fails
}

// Search finds the services that have every word of q.Q and pass q's
// filters, in q's order, and counts the results for every filter value.
//
// A word is found inside longer words, as typed («رخص» finds «رخصة»), and
// in its light stem (see Stem): «الشهادة» finds what «شهادة» finds, and
// «شهادة الميلاد» finds «شهادة ميلاد». With relevance, the services whose
// name has every word as typed come first, then those whose name has them
// by their stems, then those whose text has them as typed, then the rest;
// each group in name order.
func (idx *Index) Search(q Query) *Match {
	relevance := q.Sort == "relevance"
	m := &Match{ids: idx.ids}
	terms := idx.findTerms(FoldTerms(q.Q), relevance)
	found := idx.all
	if terms != nil {
		found = terms.text
	}
	f := idx.filter(q)
	cfg := &idx.cfg
	instCount := make([]int, len(idx.institutions))
	catCount := make([]int, len(cfg.Categories))
	var audCount [8]int
	stageCount := make([]int, cfg.MaxStage+1)
	matched := newBitset(len(idx.entries))
	// Each filter's counts say what choosing a value would give, so they
	// apply every other filter but not their own: with MOH chosen, the
	// institution list still counts MOI's services. A service that fails
	// two filters is in no count. Counts need no order: this pass goes by
	// ord, reading the entries in the order they lie in memory.
	for wi, word := range found {
		for word != 0 {
			ord := int32(wi<<6 + bits.TrailingZeros64(word)) // #nosec G115 -- as ord
			word &= word - 1
			e := &idx.entries[ord]
			fails := f.failures(e)
			switch fails {
			case 0:
				matched.set(ord)
				m.Total++
				instCount[e.inst]++
				if int(e.category) < len(catCount) {
					catCount[e.category]++
				}
				for a := e.audience; a != 0; a &= a - 1 {
					audCount[bits.TrailingZeros8(a)]++
				}
				stageCount[e.stage]++
				m.Abroad += has(e.flags, failAbroad)
				m.NoVisit += has(e.flags, failNoVisit)
				m.EPayment += has(e.flags, failEPayment)
			case failInstitution:
				instCount[e.inst]++
			case failCategory:
				if int(e.category) < len(catCount) {
					catCount[e.category]++
				}
			case failAudience:
				for a := e.audience; a != 0; a &= a - 1 {
					audCount[bits.TrailingZeros8(a)]++
				}
			case failStage:
				stageCount[e.stage]++
			}
			// Failing only failAbroad (or the other flags) means lacking
			// that property: nothing to count.
		}
	}
	m.Stages = stageCount
	if terms == nil && f.none() {
		m.ords = idx.orders[q.order()] // every service: the order itself, shared
	} else {
		m.ords = idx.order(q, matched, m.Total, terms)
	}
	nonzero := 0
	for _, n := range instCount {
		nonzero += min(n, 1)
	}
	if nonzero > 0 {
		m.Institutions = make([]Facet, 0, nonzero)
	}
	for _, i := range idx.institutionsBy(q.Lang) { // in label order
		if n := instCount[i]; n > 0 {
			inst := &idx.institutions[i]
			m.Institutions = append(m.Institutions, Facet{Value: inst.code, LabelAr: inst.nameAr, LabelEn: inst.nameEn, Count: n})
		}
	}
	for i, c := range cfg.Categories {
		if catCount[i] > 0 {
			m.Categories = append(m.Categories, Facet{Value: c, Count: catCount[i]})
		}
	}
	for i, a := range cfg.Audiences {
		if audCount[i] > 0 {
			m.Audiences = append(m.Audiences, Facet{Value: a, Count: audCount[i]})
		}
	}
	return m
}

// order lists the total matched services in the query's order: one walk
// of that order, ended as soon as every one is found.
func (idx *Index) order(q Query, matched bitset, total int, terms *termSets) []int32 {
	out := make([]int32, 0, total)
	if total == 0 {
		return out
	}
	order := idx.orders[q.order()]
	if q.Sort != "relevance" || terms == nil {
		for _, ord := range order {
			if matched.has(ord) {
				out = append(out, ord)
				if len(out) == total {
					break
				}
			}
		}
		return out
	}
	// Relevance: four groups (see Search), each in name order. One walk
	// lists the services and their groups, then each goes to its group's
	// place: a counting sort, with no slice growing.
	gs := make([]uint8, 0, total)
	var counts [4]int
	for _, ord := range order {
		if !matched.has(ord) {
			continue
		}
		g := uint8(3)
		switch {
		case terms.nameExact.has(ord):
			g = 0
		case terms.name.has(ord):
			g = 1
		case terms.textExact.has(ord):
			g = 2
		}
		out = append(out, ord)
		gs = append(gs, g)
		counts[g]++
		if len(out) == total {
			break
		}
	}
	var at [4]int
	for g := 1; g < 4; g++ {
		at[g] = at[g-1] + counts[g-1]
	}
	grouped := make([]int32, total)
	for i, ord := range out {
		grouped[at[gs[i]]] = ord
		at[gs[i]]++
	}
	return grouped
}

// termSets are the services that have every word of a query, as bitsets
// by ord: in their text by the words' search forms (the results), in their
// text as typed, and likewise in their names. The name sets are kept only
// for relevance; where no word was stemmed, the exact sets are the others.
type termSets struct {
	text, textExact, name, nameExact bitset
}

// findTerms finds the services with every term, or nil when there are no
// terms. It scans the vocabulary once a term, for the term's search form:
// every word that has the term has the form, so the words with the term
// as typed are found among them.
func (idx *Index) findTerms(terms []string, names bool) *termSets {
	if len(terms) == 0 {
		return nil
	}
	n := len(idx.entries)
	var acc termSets
	for k, t := range terms {
		s := searchForm(t)
		var one termSets
		one.text = newBitset(n)
		one.textExact = one.text
		if s != t {
			one.textExact = newBitset(n)
		}
		if names {
			one.name = newBitset(n)
			one.nameExact = one.name
			if s != t {
				one.nameExact = newBitset(n)
			}
		}
		some := false
		for v := range idx.vocab {
			if v == 0 && !isASCII(s) {
				continue // an Arabic letter is in no ASCII word
			}
			some = idx.vocab[v].find(s, t, &one) || some
		}
		if k == 0 {
			acc = one
		} else {
			acc.and(&one)
		}
		if !some { // nothing has this word: nothing has them all
			break
		}
	}
	if !names {
		acc.name, acc.nameExact = nil, nil
	}
	return &acc
}

// and keeps in each of ts's sets only what o's has. Where ts has one set
// for two (no word stemmed so far) and o two (a stemmed word), the one is
// copied first.
func (ts *termSets) and(o *termSets) {
	if same(ts.text, ts.textExact) && !same(o.text, o.textExact) {
		ts.textExact = append(bitset(nil), ts.text...)
	}
	if same(ts.name, ts.nameExact) && !same(o.name, o.nameExact) {
		ts.nameExact = append(bitset(nil), ts.name...)
	}
	ts.text.and(o.text)
	if !same(ts.text, ts.textExact) {
		ts.textExact.and(o.textExact)
	}
	ts.name.and(o.name)
	if !same(ts.name, ts.nameExact) {
		ts.nameExact.and(o.nameExact)
	}
}

// same tells whether a and b are one set.
func same(a, b bitset) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

// find adds to ts the services with a word that has s, and to its exact
// sets those with a word that has t (which has s); it reports whether any
// word has s.
func (v *vocabulary) find(s, t string, ts *termSets) bool {
	found := false
	w := 0
	for at := 0; at < len(v.text); {
		i := strings.Index(v.text[at:], s)
		if i < 0 {
			break
		}
		at += i
		found = true
		// The word holding the match: the last to start at or before it,
		// at or after the last word found.
		w = v.wordAt(at, w)
		v.postings(w, ts.text, ts.name)
		if s != t && strings.Contains(v.word(w), t) {
			v.postings(w, ts.textExact, ts.nameExact)
		}
		// On to the next word: this one is counted.
		if w+1 >= len(v.starts) {
			break
		}
		at = int(v.starts[w+1])
	}
	return found
}

// wordAt is the number of the word at byte at of the text, which is word
// from or a later one. It gallops from from, then halves: a term found in
// many words (a number in every code) finds each a few words on from the
// last, in a few steps rather than a search of the whole vocabulary.
func (v *vocabulary) wordAt(at, from int) int {
	lo, step := from, 1 // starts[lo] <= at
	for lo+step < len(v.starts) && int(v.starts[lo+step]) <= at {
		lo += step
		step *= 2
	}
	hi := min(lo+step, len(v.starts)) // the answer is below hi
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if int(v.starts[mid]) <= at {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// institutionsBy is the institutions' ordinals in the order of their
// labels in lang, as the institution filter lists them.
func (idx *Index) institutionsBy(lang string) []int32 {
	if lang == "en" {
		return idx.byLabel[1]
	}
	return idx.byLabel[0]
}

// bitset is a set of ords.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(ord int32)      { b[ord>>6] |= 1 << (ord & 63) }
func (b bitset) has(ord int32) bool { return b[ord>>6]&(1<<(ord&63)) != 0 }

// add puts every ord of a posting list in the set.
func (b bitset) add(ords []int32) {
	for _, ord := range ords {
		b[ord>>6] |= 1 << (ord & 63)
	}
}

// or adds to b what o has.
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

// and keeps in b only what o has.
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}
