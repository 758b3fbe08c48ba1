package cache

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func bytesSize(b []byte) int64 { return int64(len(b)) }

func TestVersionMiss(t *testing.T) {
	t.Parallel()
	c := New(1 << 20)
	s := NewSpace(c, "pages", bytesSize)
	s.Put("/ar/", "v1", []byte("one"))
	if v, ok := s.Get("/ar/", "v1"); !ok || string(v) != "one" {
		t.Fatalf("Get at the same version = %q, %v", v, ok)
	}
	if _, ok := s.Get("/ar/", "v2"); ok {
		t.Error("a value computed at v1 was served at v2")
	}
	other := NewSpace(c, "api", bytesSize)
	if _, ok := other.Get("/ar/", "v1"); ok {
		t.Error("spaces share keys")
	}
}

// TestBudget: the cache never holds more than its budget, and what it drops
// first is what was used least recently, whatever the space.
func TestBudget(t *testing.T) {
	t.Parallel()
	c := New(10_000)
	a := NewSpace(c, "a", bytesSize)
	b := NewSpace(c, "b", bytesSize)
	val := make([]byte, 1000-entryOverhead-3) // with key "a\x00k", 1,000 bytes an entry … roughly
	for i := range 8 {
		a.Put(fmt.Sprint(i), "", val)
	}
	a.Get("0", "") // 0 is now the most recently used
	for i := range 5 {
		b.Put(fmt.Sprint(i), "", val)
	}
	st := c.Stats()
	if st.Bytes > st.Budget {
		t.Fatalf("holds %d bytes, budget %d", st.Bytes, st.Budget)
	}
	if _, ok := a.Get("0", ""); !ok {
		t.Error("the most recently used entry of a was evicted")
	}
	if _, ok := a.Get("1", ""); ok {
		t.Error("the least recently used entry of a was kept")
	}
	for i := range 5 {
		if _, ok := b.Get(fmt.Sprint(i), ""); !ok {
			t.Errorf("b/%d, just put, was evicted", i)
		}
	}
	var evicted int64
	for _, sp := range st.Spaces {
		evicted += sp.Evictions
	}
	if evicted == 0 {
		t.Error("no evictions counted")
	}
}

func TestOversizedNotKept(t *testing.T) {
	t.Parallel()
	c := New(8000)
	s := NewSpace(c, "s", bytesSize)
	s.Put("small", "", []byte("x"))
	s.Put("big", "", make([]byte, 2000)) // more than an eighth of the budget
	if _, ok := s.Get("big", ""); ok {
		t.Error("a value over an eighth of the budget was kept")
	}
	if _, ok := s.Get("small", ""); !ok {
		t.Error("an oversized value evicted the others")
	}
}

// TestLoadOnce: misses that arrive together compute the value once.
func TestLoadOnce(t *testing.T) {
	t.Parallel()
	c := New(1 << 20)
	s := NewSpace(c, "rankings", func(int) int64 { return 8 })
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	var started atomic.Int32
	for range 20 {
		wg.Go(func() {
			started.Add(1)
			v, err := s.Load("round/1", "v7", func() (int, error) {
				calls.Add(1)
				<-release
				return 42, nil
			})
			if err != nil || v != 42 {
				t.Errorf("Load = %d, %v", v, err)
			}
		})
	}
	// Let every goroutine reach Load before the computation ends (those
	// that arrive after it would be hits, which proves nothing).
	for started.Load() < 20 {
		runtime.Gosched()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("computed %d times, want once", n)
	}
	if v, ok := s.Get("round/1", "v7"); !ok || v != 42 {
		t.Errorf("after Load, Get = %d, %v", v, ok)
	}
}

func TestLoadErrorKeepsNothing(t *testing.T) {
	t.Parallel()
	s := NewSpace(New(1<<20), "s", func(int) int64 { return 8 })
	boom := errors.New("boom")
	if _, err := s.Load("k", "v", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("Load error = %v, want boom", err)
	}
	if _, ok := s.Get("k", "v"); ok {
		t.Error("a failed computation was kept")
	}
}

// TestForgetDuringLoad: a value read before an invalidation and stored
// after it would outlive the invalidation; it is not kept.
func TestForgetDuringLoad(t *testing.T) {
	t.Parallel()
	s := NewSpace(New(1<<20), "sessions", func(string) int64 { return 8 })
	v, err := s.Load("tok", "", func() (string, error) {
		s.Forget("tok") // a sign-out while the session was being read
		return "alive", nil
	})
	if err != nil || v != "alive" {
		t.Fatalf("Load = %q, %v", v, err)
	}
	if _, ok := s.Get("tok", ""); ok {
		t.Error("a value read before Forget was kept after it")
	}
	gen := s.Generation()
	s.Clear()
	s.PutAt(gen, "tok", "", "stale")
	if _, ok := s.Get("tok", ""); ok {
		t.Error("PutAt kept a value from before Clear")
	}
}

func TestClearOnlyItsSpace(t *testing.T) {
	t.Parallel()
	c := New(1 << 20)
	a := NewSpace(c, "a", bytesSize)
	b := NewSpace(c, "b", bytesSize)
	a.Put("k", "", []byte("a"))
	b.Put("k", "", []byte("b"))
	a.Clear()
	if _, ok := a.Get("k", ""); ok {
		t.Error("Clear left an entry")
	}
	if _, ok := b.Get("k", ""); !ok {
		t.Error("Clear of a dropped b's entry")
	}
	if st := c.Stats(); st.Bytes != b.c.spaces["b"].bytes {
		t.Errorf("bytes %d after Clear, want b's %d", st.Bytes, b.c.spaces["b"].bytes)
	}
}
