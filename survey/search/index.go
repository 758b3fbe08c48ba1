package search

import (
	"slices"
	"strings"
)

// Config is what the index needs to know of the catalog's vocabularies.
type Config struct {
	Categories []string // in the order their counts are listed; other categories are searchable but not counted
	Audiences  []string // in the order their counts are listed; at most 8
	MaxStage   int      // stages run from 0 to MaxStage
}

// Doc is one public service as the index sees it.
type Doc struct {
	ID                           int64
	Institution                  string // code
	InstitutionAr, InstitutionEn string // names; the first Doc of an institution gives them
	Category                     string
	Audience                     []string
	Stage                        int
	Abroad                       bool // available from abroad
	NoVisit                      bool // no visit required
	EPayment                     bool
	Text                         string // the folded text searched: code, names and descriptions (see Fold)
	NameAr, NameEn               string // as shown: sorted on, and their matches ranked first
	Updated                      string // sortable time of the last change
}

// Index is an in-memory copy of the catalog's searchable facts, kept in
// each sort order. A search finds the services with its words in a
// vocabulary of words, then walks those services once in id order,
// counting every filter value, and once in the order asked for. It holds
// no text of any service: ids, small numbers and the words. It never
// changes once built (a changed catalog gets a new one), so any number of
// searches may run on one at once.
type Index struct {
	cfg          Config
	ids          []int64            // by ord: the position in the order the Docs were added
	entries      []entry            // by ord
	all          bitset             // every ord, for searches without words
	orders       [numOrders][]int32 // ords in each sort order
	institutions []institution      // by ordinal, the order first seen
	byLabel      [2][]int32         // institution ordinals by Arabic, by English label (as Facet.Label)
	categories   []string           // by category number: Config.Categories, then any other seen
	vocab        [2]vocabulary      // the words of pure ASCII, and the others
}

// The sort orders of Index.orders.
const (
	orderNameAr = iota
	orderNameEn
	orderStage
	orderInstitution
	orderUpdated
	numOrders
)

type institution struct {
	code, nameAr, nameEn string
}

// entry is a service's filter values, 8 bytes: a search reads every
// candidate's, so they are small and in one array, in the order the
// postings list them.
type entry struct {
	inst     int32  // ordinal in Index.institutions
	category uint16 // number in Index.categories
	audience uint8  // bit i set when Audiences[i] is served
	stage    uint8
	flags    uint8 // failAbroad, failNoVisit, failEPayment set when the service has that property
}

// vocabulary is a set of distinct words of the services' folded text and
// which services have each. A search term has no space, so it is in a
// service's text exactly when it is in one of its words: a search scans
// the vocabulary instead of every service's text (on 30,000 services:
// 57,000 words, 330 KB, against 6 MB of text). text is the words, each
// after a newline (which no term has), starts[i] where word i begins in
// it, so that one pass of strings.Index over text finds every word with
// the term. Words of pure ASCII (codes, numbers, English) are a
// vocabulary of their own, which a term with Arabic letters cannot be in
// and does not scan.
type vocabulary struct {
	text   string
	starts []int32
	// The postings of word i, by ord ascending, are post[postAt[i]:postAt[i+1]]:
	// the services whose text has it; those whose name (Arabic or English)
	// has it are names[namesAt[i]:namesAt[i+1]]. Flat arrays of int32 hold
	// no pointer for the collector to trace.
	post, postAt   []int32
	names, namesAt []int32
	// A word that most services have («خدمة») is a bitset instead (its
	// list above is empty): or-ing 470 words beats setting 30,000 bits.
	densePost, denseNames map[int32]bitset
}

// postings puts the services whose text has word w in set, and those whose
// name has it in names unless that is nil.
func (v *vocabulary) postings(w int, set, names bitset) {
	if from, to := v.postAt[w], v.postAt[w+1]; from < to {
		set.add(v.post[from:to])
	} else if d := v.densePost[int32(w)]; d != nil { // #nosec G115 -- as ord
		set.or(d)
	}
	if names == nil {
		return
	}
	if from, to := v.namesAt[w], v.namesAt[w+1]; from < to {
		names.add(v.names[from:to])
	} else if d := v.denseNames[int32(w)]; d != nil { // #nosec G115 -- as ord
		names.or(d)
	}
}

// word is word i of the vocabulary.
func (v *vocabulary) word(i int) string {
	end := len(v.text)
	if i+1 < len(v.starts) {
		end = int(v.starts[i+1]) - 1
	}
	return v.text[v.starts[i]:end]
}

// Builder makes an Index from Docs added one by one.
type Builder struct {
	idx        *Index
	insts      map[string]int32
	categories map[string]uint16
	keys       []sortKey
	wordIDs    map[string]int
	words      []string
	post       [][]int32 // by word id
	names      [][]int32
}

// sortKey is what a service is sorted on, kept only while building.
type sortKey struct {
	nameAr, nameEn, updated string
}

// NewBuilder starts an index of a catalog with cfg's vocabularies.
func NewBuilder(cfg Config) *Builder {
	b := &Builder{idx: &Index{cfg: cfg}, insts: map[string]int32{}, categories: map[string]uint16{}, wordIDs: map[string]int{}}
	for _, c := range cfg.Categories {
		b.category(c)
	}
	return b
}

// category is the number of category c, given one when first seen.
func (b *Builder) category(c string) uint16 {
	n, ok := b.categories[c]
	if !ok {
		n = uint16(len(b.idx.categories)) // #nosec G115 -- categories are a short fixed list (the store checks them)
		b.categories[c] = n
		b.idx.categories = append(b.idx.categories, c)
	}
	return n
}

// addWords adds ord to the postings of every word of text.
func (b *Builder) addWords(post *[][]int32, text string, ord int32) {
	for w := range strings.FieldsSeq(text) {
		id, ok := b.wordIDs[w]
		if !ok {
			// A copy: the word alone, not the whole text it was cut from,
			// stays in the vocabulary (30,000 texts held to the end of the
			// build were a third of its peak memory).
			w = strings.Clone(w)
			id = len(b.words)
			b.wordIDs[w] = id
			b.words = append(b.words, w)
			b.post = append(b.post, nil)
			b.names = append(b.names, nil)
		}
		if p := (*post)[id]; len(p) == 0 || p[len(p)-1] != ord { // a word twice in one text
			(*post)[id] = append(p, ord)
		}
	}
}

// Add adds one service. Services that sort equal stay in the order they
// were added, so add them in a stable order (by ID). A stage outside 0 to
// MaxStage counts as the nearest one.
func (b *Builder) Add(d Doc) {
	idx := b.idx
	ord := int32(len(idx.entries)) // #nosec G115 -- a catalog of 2^31 services would not fit in memory first
	b.addWords(&b.post, d.Text, ord)
	b.addWords(&b.names, Fold(d.NameAr+" "+d.NameEn), ord)
	inst, ok := b.insts[d.Institution]
	if !ok {
		inst = int32(len(idx.institutions)) // #nosec G115 -- as ord
		b.insts[d.Institution] = inst
		idx.institutions = append(idx.institutions, institution{d.Institution, d.InstitutionAr, d.InstitutionEn})
	}
	e := entry{inst: inst, category: b.category(d.Category), stage: uint8(min(max(d.Stage, 0), idx.cfg.MaxStage, 255))} // #nosec G115 -- clamped
	for i, a := range idx.cfg.Audiences {
		if slices.Contains(d.Audience, a) {
			e.audience |= 1 << i
		}
	}
	if d.Abroad {
		e.flags |= failAbroad
	}
	if d.NoVisit {
		e.flags |= failNoVisit
	}
	if d.EPayment {
		e.flags |= failEPayment
	}
	k := sortKey{d.NameAr, d.NameEn, d.Updated}
	if k.nameEn == "" {
		k.nameEn = k.nameAr
	}
	b.keys = append(b.keys, k)
	idx.ids = append(idx.ids, d.ID)
	idx.entries = append(idx.entries, e)
}

// Build finishes the index; the Builder is not to be used after.
func (b *Builder) Build() *Index {
	idx := b.idx
	n := len(idx.entries)
	idx.entries = slices.Clip(idx.entries)
	idx.ids = slices.Clip(idx.ids)
	idx.all = newBitset(n)
	for i := range n {
		idx.all.set(int32(i)) // #nosec G115 -- as ord
	}

	var ascii, other []int
	for id, w := range b.words {
		if isASCII(w) {
			ascii = append(ascii, id)
		} else {
			other = append(other, id)
		}
	}
	for v, ids := range [][]int{ascii, other} {
		idx.vocab[v] = b.vocabulary(ids, n)
	}

	for l, lang := range []string{"ar", "en"} {
		label := func(i int32) string {
			in := idx.institutions[i]
			return Facet{LabelAr: in.nameAr, LabelEn: in.nameEn}.Label(lang)
		}
		order := make([]int32, len(idx.institutions))
		for i := range order {
			order[i] = int32(i) // #nosec G115 -- as ord
		}
		slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(label(a), label(b)) })
		idx.byLabel[l] = order
	}

	keys := b.keys
	sorted := func(cmp func(a, b int32) int) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(i) // #nosec G115 -- as ord
		}
		slices.SortStableFunc(out, cmp) // stable over id order: ties break by id
		return out
	}
	idx.orders[orderNameAr] = sorted(func(a, b int32) int { return strings.Compare(keys[a].nameAr, keys[b].nameAr) })
	idx.orders[orderNameEn] = sorted(func(a, b int32) int { return strings.Compare(keys[a].nameEn, keys[b].nameEn) })
	idx.orders[orderStage] = sorted(func(a, b int32) int {
		if sa, sb := idx.entries[a].stage, idx.entries[b].stage; sa != sb {
			return int(sb) - int(sa)
		}
		return strings.Compare(keys[a].nameAr, keys[b].nameAr)
	})
	idx.orders[orderInstitution] = sorted(func(a, b int32) int {
		if c := strings.Compare(idx.institutions[idx.entries[a].inst].code, idx.institutions[idx.entries[b].inst].code); c != 0 {
			return c
		}
		return strings.Compare(keys[a].nameAr, keys[b].nameAr)
	})
	idx.orders[orderUpdated] = sorted(func(a, b int32) int { return -strings.Compare(keys[a].updated, keys[b].updated) })
	b.idx = nil
	return idx
}

// vocabulary lays out the words with ids as one vocabulary of a catalog of
// n services.
func (b *Builder) vocabulary(ids []int, n int) vocabulary {
	v := vocabulary{densePost: map[int32]bitset{}, denseNames: map[int32]bitset{}}
	// A list of k ords takes 4k bytes, a bitset n/8: past n/32 ords the
	// bitset is smaller, and quicker to add.
	dense := func(ords []int32) bool { return len(ords) > n/32 }
	size, npost, nnames := 0, 0, 0
	for _, id := range ids {
		size += len(b.words[id]) + 1
		if !dense(b.post[id]) {
			npost += len(b.post[id])
		}
		if !dense(b.names[id]) {
			nnames += len(b.names[id])
		}
	}
	var text strings.Builder
	text.Grow(size)
	v.starts = make([]int32, 0, len(ids))
	v.post, v.postAt = make([]int32, 0, npost), make([]int32, 0, len(ids)+1)
	v.names, v.namesAt = make([]int32, 0, nnames), make([]int32, 0, len(ids)+1)
	lay := func(list *[]int32, at *[]int32, sets map[int32]bitset, w int32, ords []int32) {
		*at = append(*at, int32(len(*list))) // #nosec G115 -- as ord
		if !dense(ords) {
			*list = append(*list, ords...)
			return
		}
		set := newBitset(n)
		set.add(ords)
		sets[w] = set
	}
	for i, id := range ids {
		text.WriteByte('\n')
		v.starts = append(v.starts, int32(text.Len())) // #nosec G115 -- the vocabulary is far below 2 GB
		text.WriteString(b.words[id])
		w := int32(i) // #nosec G115 -- as ord
		lay(&v.post, &v.postAt, v.densePost, w, b.post[id])
		lay(&v.names, &v.namesAt, v.denseNames, w, b.names[id])
	}
	v.postAt = append(v.postAt, int32(len(v.post)))    // #nosec G115 -- as ord
	v.namesAt = append(v.namesAt, int32(len(v.names))) // #nosec G115 -- as ord
	v.text = text.String()
	return v
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Len is the number of services in the index.
func (idx *Index) Len() int { return len(idx.entries) }
