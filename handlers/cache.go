package handlers

import "sync"

// pageCache keeps rendered public pages that depend only on their URL and
// on a version of the data behind them (the catalog's write counter). A
// page is served from it only while the version is unchanged, so a change
// shows on the next request. Bounded: when full it starts over.
type pageCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cachedPage
}

type cachedPage struct {
	version string
	body    []byte
}

func newPageCache(max int) *pageCache {
	return &pageCache{max: max, entries: map[string]cachedPage{}}
}

// get returns the page for key if it was rendered at version.
func (c *pageCache) get(key, version string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.entries[key]
	if !ok || p.version != version {
		return nil, false
	}
	return p.body, true
}

func (c *pageCache) put(key, version string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = cachedPage{version, body}
}
