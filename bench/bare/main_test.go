package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

const testRound = 7

// newTestApp seeds a real SQLite file with 3 institutions and 60 items:
// q01 a single choice of a, b, c; the others free text.
func newTestApp(t *testing.T) (*app, *httptest.Server) {
	t.Helper()
	items := []item{{ID: "q01", Values: []string{"a", "b", "c"}}}
	for i := 2; i <= 60; i++ {
		items = append(items, item{ID: fmt.Sprintf("q%02d", i)})
	}
	a, err := open(context.Background(), filepath.Join(t.TempDir(), "bare.db"), 3, testRound, items)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.routes())
	t.Cleanup(func() { srv.Close(); a.close() })
	return a, srv
}

type result struct {
	status  int
	code    string
	values  []string
	version int64
}

// put saves body as code's answer to item with token, and reads the reply.
func put(t *testing.T, srv *httptest.Server, token, code, item, body string) result {
	t.Helper()
	url := fmt.Sprintf("%s/api/v1/rounds/%d/responses/%s/answers/%s", srv.URL, testRound, code, item)
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Error(err)
		return result{}
	}
	defer resp.Body.Close()
	var out struct {
		answer
		Error   struct{ Code string } `json:"error"`
		Current *answer               `json:"current"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Errorf("PUT %s: %d %q: %v", item, resp.StatusCode, b, err)
	}
	r := result{status: resp.StatusCode, code: out.Error.Code, version: out.Version}
	a := out.answer
	if out.Current != nil {
		a = *out.Current
		r.version = a.Version
	}
	if a.Values != nil {
		_ = json.Unmarshal(a.Values, &r.values)
	}
	return r
}

func save(values string, version int64) string {
	return fmt.Sprintf(`{"values":%s,"version":%d}`, values, version)
}

func stored(t *testing.T, a *app, inst, item string) (vals string, version int64) {
	t.Helper()
	err := a.r.QueryRow(`SELECT vals, version FROM answers WHERE round = ? AND institution = ? AND item = ?`,
		testRound, inst, item).Scan(&vals, &version)
	if err != nil {
		t.Fatalf("stored %s %s: %v", inst, item, err)
	}
	return vals, version
}

func TestSaveAndConflict(t *testing.T) {
	a, srv := newTestApp(t)
	tok := "bare-token-I0002"
	if r := put(t, srv, tok, "I0002", "q01", `{"values":["b"],"version":0,"na":false,"evidence":"","comment":"x"}`); r.status != 200 || r.version != 1 || len(r.values) != 1 || r.values[0] != "b" {
		t.Fatalf("first save: %+v, want 200 [b] version 1", r)
	}
	if vals, v := stored(t, a, "I0002", "q01"); vals != `["b"]` || v != 1 {
		t.Fatalf("stored %s v%d, want [\"b\"] v1", vals, v)
	}
	if r := put(t, srv, tok, "I0002", "q01", save(`["c"]`, 1)); r.status != 200 || r.version != 2 {
		t.Fatalf("second save: %+v, want 200 version 2", r)
	}
	// A stale version is refused with what is stored now.
	r := put(t, srv, tok, "I0002", "q01", save(`["a"]`, 1))
	if r.status != 409 || r.code != "conflict" || r.version != 2 || len(r.values) != 1 || r.values[0] != "c" {
		t.Fatalf("stale save: %+v, want 409 conflict with [c] version 2", r)
	}
	// A first save that claims a version conflicts with "nothing stored".
	if r := put(t, srv, tok, "I0002", "q02", save(`["x"]`, 3)); r.status != 409 || r.version != 0 || len(r.values) != 0 {
		t.Fatalf("save of an unanswered item with version 3: %+v, want 409 with version 0", r)
	}
	if vals, v := stored(t, a, "I0002", "q01"); vals != `["c"]` || v != 2 {
		t.Fatalf("after the conflict stored %s v%d, want [\"c\"] v2", vals, v)
	}
}

func TestRefusals(t *testing.T) {
	a, srv := newTestApp(t)
	ok := save(`["a"]`, 0)
	cases := []struct {
		name, token, code, item, body string
		want                          int
	}{
		{"unknown token", "bare-token-I0099", "I0001", "q01", ok, 401},
		{"no token", "", "I0001", "q01", ok, 401},
		{"another institution", "bare-token-I0001", "I0002", "q01", ok, 403},
		{"unknown item", "bare-token-I0001", "I0001", "q99", ok, 404},
		{"value not allowed", "bare-token-I0001", "I0001", "q01", save(`["d"]`, 0), 422},
		{"no value", "bare-token-I0001", "I0001", "q01", save(`[]`, 0), 422},
		{"empty free value", "bare-token-I0001", "I0001", "q02", save(`[""]`, 0), 422},
		{"free value too long", "bare-token-I0001", "I0001", "q02", save(`["`+strings.Repeat("x", 1001)+`"]`, 0), 422},
		{"unknown field", "bare-token-I0001", "I0001", "q01", `{"values":["a"],"version":0,"admin":true}`, 400},
		{"oversized body", "bare-token-I0001", "I0001", "q02", `{"values":["a"],"comment":"` + strings.Repeat("x", 70<<10) + `"}`, 413},
	}
	for _, c := range cases {
		if r := put(t, srv, c.token, c.code, c.item, c.body); r.status != c.want {
			t.Errorf("%s: %d %q, want %d", c.name, r.status, r.code, c.want)
		}
	}
	// A free value of exactly 1000 bytes is kept.
	if r := put(t, srv, "bare-token-I0001", "I0001", "q02", save(`["`+strings.Repeat("x", 1000)+`"]`, 0)); r.status != 200 {
		t.Errorf("1000-byte value: %d, want 200", r.status)
	}
	// The wrong round is unknown too.
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/v1/rounds/8/responses/I0001/answers/q01", strings.NewReader(ok))
	req.Header.Set("Authorization", "Bearer bare-token-I0001")
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("another round: %v %v, want 404", resp.Status, err)
	}
	var n int
	if err := a.r.QueryRow(`SELECT count(*) FROM answers`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d answers stored (%v), want only the 1000-byte one", n, err)
	}
	// Tokens are stored as their SHA-256, never as such.
	if err := a.r.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash LIKE 'bare-token-%' OR length(token_hash) != 64`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions stored in clear (%v)", n, err)
	}
}

// Fifty respondents at once, each on its own item: every save is kept.
func TestConcurrentDistinctItems(t *testing.T) {
	a, srv := newTestApp(t)
	var wg sync.WaitGroup
	for i := 2; i <= 51; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item := fmt.Sprintf("q%02d", i)
			if r := put(t, srv, "bare-token-I0003", "I0003", item, save(fmt.Sprintf(`["v%d"]`, i), 0)); r.status != 200 || r.version != 1 {
				t.Errorf("%s: %+v, want 200 version 1", item, r)
			}
		}()
	}
	wg.Wait()
	for i := 2; i <= 51; i++ {
		item := fmt.Sprintf("q%02d", i)
		if vals, v := stored(t, a, "I0003", item); vals != fmt.Sprintf(`["v%d"]`, i) || v != 1 {
			t.Errorf("%s stored %s v%d, want [\"v%d\"] v1", item, vals, v, i)
		}
	}
}

// Fifty writers on one item, each sending the version it last saw: exactly
// one save succeeds per version, the others get 409 with the newer one.
func TestConcurrentOneItem(t *testing.T) {
	a, srv := newTestApp(t)
	var (
		mu  sync.Mutex
		won []int64
		wg  sync.WaitGroup
	)
	for g := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seen int64
			for range 4 {
				r := put(t, srv, "bare-token-I0001", "I0001", "q01", save(`["`+string(rune('a'+g%3))+`"]`, seen))
				switch r.status {
				case 200:
					mu.Lock()
					won = append(won, r.version)
					mu.Unlock()
				case 409:
				default:
					t.Errorf("status %d %q", r.status, r.code)
					return
				}
				seen = r.version
			}
		}()
	}
	wg.Wait()
	sort.Slice(won, func(i, j int) bool { return won[i] < won[j] })
	for i, v := range won {
		if v != int64(i+1) {
			t.Fatalf("versions acknowledged: %v, want 1…%d once each", won, len(won))
		}
	}
	if _, v := stored(t, a, "I0001", "q01"); len(won) < 2 || v != int64(len(won)) {
		t.Fatalf("stored version %d after %d acknowledged saves", v, len(won))
	}
}

func TestHealthAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bare.db")
	items := []item{{ID: "q01", Values: []string{"a"}}}
	for range 2 { // the second open finds the database seeded and leaves it
		a, err := open(context.Background(), path, 2, testRound, items)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := a.r.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n); err != nil || n != 2 || len(a.items) != 1 {
			t.Fatalf("%d sessions (%v), %d items; want 2 and 1", n, err, len(a.items))
		}
		rec := httptest.NewRecorder()
		a.routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), []byte("ok")) {
			t.Fatalf("/healthz: %d %q", rec.Code, rec.Body)
		}
		a.close()
	}
}
