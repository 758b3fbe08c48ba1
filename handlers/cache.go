package handlers

import "sync"

// pageCache keeps rendered pages (or parts of them) that depend only on a
// key (the URL, the kind of user) and on a version of the data behind them
// (a write counter). An entry is served only while the version is
// unchanged, so a change shows on the next request. Bounded: when full it
// starts over.
type pageCache[T any] struct {
	mu      sync.Mutex
	max     int
	entries map[string]versioned[T]
}

type versioned[T any] struct {
	version string
	value   T
}

func newPageCache[T any](max int) *pageCache[T] {
	return &pageCache[T]{max: max, entries: map[string]versioned[T]{}}
}

// get returns the entry for key if it was made at version.
func (c *pageCache[T]) get(key, version string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.version != version {
		var zero T
		return zero, false
	}
	return e.value, true
}

func (c *pageCache[T]) put(key, version string, value T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = versioned[T]{version, value}
}
