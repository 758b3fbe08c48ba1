// Package cache is Marsad's one in-memory cache: every value a process
// keeps to avoid recomputing it (rankings, parsed questionnaires, recent
// catalog searches, sessions read in the last second, rendered page parts)
// lives in one Cache, under one byte budget, evicted least recently used
// first.
//
// Values are grouped in spaces (one per kind of value, each with its own
// key and its own way of counting bytes). An entry is kept with the version
// of the data it was computed from, a counter the store keeps in the
// database and bumps on every write (catalog_version, scores_version…):
// Get with another version is a miss, so a change made by any process is
// seen on the next request and a stale value is never served. Concurrent
// misses on one key compute it once (singleflight), and an invalidation
// that happens while a value is being computed stops that value from being
// kept (generations).
package cache

import (
	"container/list"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sync/singleflight"
)

// entryOverhead is what an entry costs besides its key and value: the list
// element, the map slot and the entry struct (measured with
// testing.AllocsPerRun and runtime.MemStats; rounded up).
const entryOverhead = 160

// Cache holds values of every space under one budget of bytes.
type Cache struct {
	budget int64

	mu      sync.Mutex
	bytes   int64
	lru     *list.List // of *entry, most recently used at the front
	entries map[string]*list.Element
	spaces  map[string]*spaceStats

	flight singleflight.Group
}

type entry struct {
	space   string
	key     string // space + "\x00" + the space's key
	version string
	value   any
	size    int64
}

type spaceStats struct {
	gen                     uint64
	entries                 int
	bytes                   int64
	hits, misses, evictions int64
}

// New returns a cache that holds at most budget bytes of values.
func New(budget int64) *Cache {
	return &Cache{budget: budget, lru: list.New(), entries: map[string]*list.Element{}, spaces: map[string]*spaceStats{}}
}

// Budget is the most the cache holds, in bytes.
func (c *Cache) Budget() int64 { return c.budget }

// Space is the part of a cache that holds values of one kind.
type Space[T any] struct {
	c    *Cache
	name string
	size func(T) int64
}

// NewSpace names a space of c whose values weigh size(v) bytes (without
// key and bookkeeping, which the cache adds). Each name is used once.
func NewSpace[T any](c *Cache, name string, size func(T) int64) *Space[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.spaces[name]; ok {
		panic(fmt.Sprintf("cache: space %q made twice", name))
	}
	c.spaces[name] = &spaceStats{}
	return &Space[T]{c: c, name: name, size: size}
}

func (s *Space[T]) fullKey(key string) string { return s.name + "\x00" + key }

// Get returns the value kept under key if it was computed at version.
func (s *Space[T]) Get(key, version string) (T, bool) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.spaces[s.name]
	if el, ok := c.entries[s.fullKey(key)]; ok {
		e := el.Value.(*entry)
		if e.version == version {
			c.lru.MoveToFront(el)
			st.hits++
			return e.value.(T), true
		}
	}
	st.misses++
	var zero T
	return zero, false
}

// Put keeps v under key at version, replacing what was there.
func (s *Space[T]) Put(key, version string, v T) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.putLocked(key, version, v)
}

// putLocked stores an entry, evicting the least recently used entries of
// any space until it fits. A value larger than an eighth of the budget is
// not kept: it would empty the cache for one page.
func (s *Space[T]) putLocked(key, version string, v T) {
	c := s.c
	fk := s.fullKey(key)
	size := s.size(v) + int64(len(fk)) + entryOverhead
	if el, ok := c.entries[fk]; ok {
		c.remove(el)
	}
	if size > c.budget/8 {
		return
	}
	for c.bytes+size > c.budget {
		oldest := c.lru.Back()
		if oldest == nil {
			break
		}
		c.spaces[oldest.Value.(*entry).space].evictions++
		c.remove(oldest)
	}
	c.entries[fk] = c.lru.PushFront(&entry{space: s.name, key: fk, version: version, value: v, size: size})
	c.bytes += size
	st := c.spaces[s.name]
	st.entries++
	st.bytes += size
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.bytes -= e.size
	st := c.spaces[e.space]
	st.entries--
	st.bytes -= e.size
}

// Load returns the value under key at version, computing it with load on a
// miss. Callers that miss together wait for one computation. The result is
// kept only if nothing in the space was forgotten while it was computed
// (Forget, Clear): it may have been read before the change that caused it.
// An error is returned to every waiter and nothing is kept.
func (s *Space[T]) Load(key, version string, load func() (T, error)) (T, error) {
	if v, ok := s.Get(key, version); ok {
		return v, nil
	}
	gen := s.Generation()
	v, err, _ := s.c.flight.Do(s.fullKey(key)+"\x00"+version, func() (any, error) {
		if v, ok := s.Get(key, version); ok { // kept by a computation that just ended
			return v, nil
		}
		v, err := load()
		if err != nil {
			return nil, err
		}
		s.PutAt(gen, key, version, v)
		return v, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// Generation changes whenever an entry of the space is forgotten. A caller
// that reads a value from the database notes it first and keeps the value
// with PutAt, which refuses it if something was forgotten meanwhile.
func (s *Space[T]) Generation() uint64 {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.spaces[s.name].gen
}

// PutAt is Put, unless the space's generation moved past gen.
func (s *Space[T]) PutAt(gen uint64, key, version string, v T) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.c.spaces[s.name].gen != gen {
		return
	}
	s.putLocked(key, version, v)
}

// Forget drops the value under key, at any version.
func (s *Space[T]) Forget(key string) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spaces[s.name].gen++
	if el, ok := c.entries[s.fullKey(key)]; ok {
		c.remove(el)
	}
}

// Clear drops every value of the space.
func (s *Space[T]) Clear() {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spaces[s.name].gen++
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*entry).space == s.name {
			c.remove(el)
		}
		el = next
	}
}

// SpaceStats describes one space: what it holds and how it was used.
type SpaceStats struct {
	Name      string
	Entries   int
	Bytes     int64
	Hits      int64
	Misses    int64
	Evictions int64
}

// Stats describes the cache and each of its spaces (by name).
type Stats struct {
	Budget int64
	Bytes  int64
	Spaces []SpaceStats
}

// Stats reports what the cache holds now.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Stats{Budget: c.budget, Bytes: c.bytes}
	for name, st := range c.spaces {
		out.Spaces = append(out.Spaces, SpaceStats{Name: name, Entries: st.entries, Bytes: st.bytes,
			Hits: st.hits, Misses: st.misses, Evictions: st.evictions})
	}
	sort.Slice(out.Spaces, func(i, j int) bool { return out.Spaces[i].Name < out.Spaces[j].Name })
	return out
}
