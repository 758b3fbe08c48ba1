//go:build unix

package main

// Several servers on one PostgreSQL database (issue 20): two `marsad serve`
// processes share it as one application. The test uses the durability
// tests' tools (crash_test.go): the real binary, autosaving clients, the
// acknowledged saves, kill -9.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"marsad/survey/sqlstore/pgtest"
)

const twoServerClients = 100

// TestTwoServersOnPostgres autosaves from 100 clients spread over two
// servers, kills one with SIGKILL during the load, and checks that every
// acknowledged save is in the database, that a save on one server is seen
// on the other at once (its version check included), and that the other
// server's cached pages show a change made on the first.
func TestTwoServersOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	db := pgtest.NewDatabase(t, "")
	seed := crashSeed(t)
	bin := buildMarsad(t)
	dir := t.TempDir()

	a := startMarsad(t, bin, dir, "a", db, true)
	b := startMarsad(t, bin, dir, "b", db, false)
	ca, cb := apiLogin(t, a.base), apiLogin(t, b.base)
	roundID, pairs := prepareLoad(t, ca)
	var onA, onB []*loadPair
	for i, p := range pairs {
		if i%2 == 0 {
			onA = append(onA, p)
		} else {
			onB = append(onB, p)
		}
	}

	acksA, acksB := newAckLog(), newAckLog()
	var statsA, statsB loadStats
	var stoppedA, stoppedB atomic.Bool
	ctxA, cancelA := context.WithCancel(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelA()
	defer cancelB()
	waitA := runLoad(ctxA, ca, roundID, onA, twoServerClients/2, seed, acksA, &stoppedA, &statsA)
	waitB := runLoad(ctxB, cb, roundID, onB, twoServerClients/2, seed+1, acksB, &stoppedB, &statsB)

	time.Sleep(time.Second)
	stoppedA.Store(true)
	a.kill() // kill -9 of one server, requests in flight
	cancelA()
	waitA()
	_, atKill := acksB.snapshot()
	time.Sleep(500 * time.Millisecond) // the other one carries on
	stoppedB.Store(true)
	cancelB()
	waitB()
	statsB.check(t) // the surviving server saw no error
	snapA, totalA := acksA.snapshot()
	snapB, totalB := acksB.snapshot()
	t.Logf("saves acknowledged: %d by server a before its kill -9 (%d cut), %d by server b (%d after the kill)",
		totalA, statsA.cut.Load(), totalB, totalB-atKill)
	if totalA == 0 || totalB == atKill {
		t.Fatalf("server a acknowledged %d saves, server b %d after the kill: the load did not reach both", totalA, totalB-atKill)
	}

	// Every acknowledged save, read through the surviving server and
	// through a new server in place of the killed one.
	all := snapB
	for k, v := range snapA {
		all[k] = v
	}
	a2 := startMarsad(t, bin, dir, "a2", db, false)
	ca2 := apiLogin(t, a2.base)
	for name, c := range map[string]*apiClient{"b": cb, "a2": ca2} {
		if missing := verifyAcks(t, c, roundID, all); missing != 0 {
			t.Errorf("server %s: %d acknowledged saves missing", name, missing)
		}
	}

	// A save on one server is seen on the other at once, and the other
	// refuses a save based on the version before it.
	p := onB[0]
	path := fmt.Sprintf("/api/v1/rounds/%d/responses/%s/answers/%s", roundID, p.inst, p.item)
	var saved savedAnswer
	in := map[string]any{"values": p.randomValues(rand.New(rand.NewPCG(uint64(seed), 99))), "na": false, "evidence": "", "comment": "saved on b", "version": p.version}
	if st, body, err := cb.call(context.Background(), http.MethodPut, path, in, &saved); err != nil || st != http.StatusOK {
		t.Fatalf("save on b: %d %v %s", st, err, body)
	}
	var resp responseBody
	ca2.mustGet(t, fmt.Sprintf("/api/v1/rounds/%d/responses/%s", roundID, p.inst), &resp)
	if got := resp.Answers[p.item]; got.Version != saved.Version || got.Comment != "saved on b" {
		t.Errorf("server a2 reads %s as version %d %q right after b saved version %d", p.key(), got.Version, got.Comment, saved.Version)
	}
	in["comment"] = "stale, on a2"
	if st, body, _ := ca2.call(context.Background(), http.MethodPut, path, in, nil); st != http.StatusConflict {
		t.Errorf("a save on a2 with the version b replaced: %d %s, want 409", st, body)
	}

	// A page that server a2 has cached changes at once when server b
	// changes what it shows.
	var cat struct {
		Items []struct {
			ID      int64 `json:"id"`
			Version int64 `json:"version"`
		} `json:"items"`
	}
	ca2.mustGet(t, "/api/v1/catalog?per_page=1", &cat)
	if len(cat.Items) == 0 {
		t.Fatal("the demo catalog is empty")
	}
	svc := cat.Items[0]
	cb.mustGet(t, fmt.Sprintf("/api/v1/services/%d", svc.ID), &svc) // its version
	page := fmt.Sprintf("/en/catalog/%d", svc.ID)
	before := getPage(t, a2.base+page)
	name := fmt.Sprintf("Renamed on server b %d", seed)
	if strings.Contains(before, name) {
		t.Fatal("the page shows the new name before it was set")
	}
	var patched map[string]any
	if st, body, err := cb.call(context.Background(), http.MethodPatch, fmt.Sprintf("/api/v1/services/%d", svc.ID),
		map[string]any{"name_en": name, "version": svc.Version}, &patched); err != nil || st != http.StatusOK {
		t.Fatalf("rename on b: %d %v %s", st, err, body)
	}
	for _, u := range []string{a2.base + page, a2.base + "/en/catalog?q=" + strings.ReplaceAll(name, " ", "+"), b.base + page} {
		if !strings.Contains(getPage(t, u), name) {
			t.Errorf("%s does not show the name server b just set", u)
		}
	}
	a2.stop()
	b.stop()
}

func getPage(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u) // #nosec G107 -- a loopback test server
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return string(b)
}
