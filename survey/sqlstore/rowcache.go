package sqlstore

import (
	"context"
	"sync"
	"time"
)

// Rows that every questionnaire page reads and few writes change — its
// round and its institution — are kept in memory for at most rowCacheTTL,
// and only while the store has committed no write since it read them
// (Store.wrote, moved by every transaction of withTx and every migration).
// A change made through this process is therefore seen by the next
// request, as if nothing were cached; one made outside it (SQL in another
// process) at most rowCacheTTL later, as for sessions (sessions.go).
// Saves (the batches, batch.go) change neither and do not move the count.
// On PostgreSQL, with several servers on one database, nothing is kept.
//
// On the respondent's path each section page read both: 3.5 % of the
// server's CPU (issue 15).
const rowCacheTTL = time.Second

// rowCacheMax bounds each kind of row kept (the map is emptied when it is
// full): a few hundred bytes a row, a few MB at most.
const rowCacheMax = 4096

type rowCache[T any] struct {
	mu sync.Mutex
	m  map[string]cachedRow[T]
}

type cachedRow[T any] struct {
	v     T
	wrote uint64    // Store.wrote when the row was read
	at    time.Time // when it was read
}

// cachedRead returns the row under key kept in c, or reads it with load
// and keeps it. The count of writes is taken before the read, so a write
// that commits during it leaves a row that the next request reads again.
func cachedRead[T any](ctx context.Context, s *Store, c *rowCache[T], key string, load func(context.Context) (T, error)) (T, error) {
	if s.pg {
		return load(ctx)
	}
	wrote, now := s.wrote.Load(), s.now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.wrote == wrote && now.Sub(e.at) < rowCacheTTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= rowCacheMax {
		c.m = map[string]cachedRow[T]{}
	}
	c.m[key] = cachedRow[T]{v: v, wrote: wrote, at: now}
	c.mu.Unlock()
	return v, nil
}
