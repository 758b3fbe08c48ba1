package handlers

import "marsad/survey/cache"

// pageCache keeps rendered pages (or parts of them) that depend only on a
// key (the URL, the kind of user) and on a version of the data behind them
// (a write counter). It is a space of the process's one cache (package
// survey/cache, Config.Cache), which the store shares: one byte budget for
// rankings, searches and pages together, least recently used dropped first.
// An entry is served only while the version is unchanged, so a change shows
// on the next request.
type pageCache[T any] struct {
	space *cache.Space[T]
}

func newPageCache[T any](c *cache.Cache, name string, size func(T) int) *pageCache[T] {
	return &pageCache[T]{cache.NewSpace(c, name, func(v T) int64 { return int64(size(v)) })}
}

// byteLen is the size of a cached body.
func byteLen(b []byte) int { return len(b) }

// get returns the entry for key if it was made at version.
func (c *pageCache[T]) get(key, version string) (T, bool) { return c.space.Get(key, version) }

// put keeps value for key at version.
func (c *pageCache[T]) put(key, version string, value T) { c.space.Put(key, version, value) }
