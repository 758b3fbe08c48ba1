package handlers

import "sync"

// pageCache keeps rendered pages (or parts of them) that depend only on a
// key (the URL, the kind of user) and on a version of the data behind them
// (a write counter). An entry is served only while the version is
// unchanged, so a change shows on the next request. Bounded in entries and
// in bytes (the server's memory target is 80 MB under load): when either
// is reached, entries taken at random make room for the new one.
type pageCache[T any] struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int
	size     func(T) int
	entries  map[string]versioned[T]
}

type versioned[T any] struct {
	version string
	value   T
}

func newPageCache[T any](max, maxBytes int, size func(T) int) *pageCache[T] {
	return &pageCache[T]{max: max, maxBytes: maxBytes, size: size, entries: map[string]versioned[T]{}}
}

// byteLen is the size of a cached body.
func byteLen(b []byte) int { return len(b) }

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
	n := c.size(value) + len(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.bytes -= c.size(old.value) + len(key)
		delete(c.entries, key)
	}
	// Full: drop entries at random (a map's iteration starts anywhere)
	// until this one fits. Popular pages, asked for again at once, are
	// soon back; dropping everything made every page a miss for a while.
	for k, e := range c.entries {
		if len(c.entries) < c.max && c.bytes+n <= c.maxBytes {
			break
		}
		delete(c.entries, k)
		c.bytes -= c.size(e.value) + len(k)
	}
	c.entries[key] = versioned[T]{version, value}
	c.bytes += n
}
