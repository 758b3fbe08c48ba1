// Command bare is the baseline for Marsad's autosave: the smallest honest
// server that saves one survey answer per request, with plain net/http and
// SQLite and nothing else — no framework, no templates, no sessions cache,
// no group commit, no audit trail.
//
// Issue 15 asks for Marsad's autosave to reach 70 % of what such a program
// does on the same machine, in the same run, so the bench (bench/bare.go)
// builds it and drives it with the client code it uses for Marsad's
// PUT /api/v1/rounds/:id/responses/:code/answers/:item (bench/survey.go).
// To keep the comparison fair it does every step a real save needs: the
// session looked up by the SHA-256 of its token on a read-only pool, the
// institution, round, item and values checked, and the version compared
// and the answer written in one immediate transaction on the one writer
// connection, committed before the answer goes out. The SQLite settings
// are Marsad's own (survey/sqlstore/dsn.go), and so are the pool sizes
// (survey/sqlstore/store.go).
//
//	bare serve --addr 127.0.0.1:8090 --db bare.db --institutions 200 --round 1 --items items.json
//
// On an empty database it creates the schema and seeds, in one transaction,
// one session per institution I0001…I000N with the token bare-token-I0001…
// and the items of the file: a JSON array of {"id": "…", "values": […]},
// where an empty values list allows any non-empty value of up to 1000 bytes.
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"marsad/survey/sqlstore"
)

const (
	maxBody  = 64 << 10 // bytes of a request body
	maxValue = 1000     // bytes of a free value
)

const schema = `
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, institution TEXT NOT NULL) STRICT;
CREATE TABLE items (id TEXT PRIMARY KEY, vals TEXT NOT NULL) STRICT;
CREATE TABLE answers (
    round INTEGER NOT NULL, institution TEXT NOT NULL, item TEXT NOT NULL,
    vals TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (round, institution, item)
) STRICT, WITHOUT ROWID;`

// item is one question of the items file; Values are the allowed values
// (none: any non-empty value up to maxValue bytes).
type item struct {
	ID     string   `json:"id"`
	Values []string `json:"values"`
}

// app is the server: a read pool, the one writer, and the items (allowed
// values by item; nil allows any value), read once at start.
type app struct {
	r, w  *sql.DB
	round int64
	items map[string]map[string]bool
}

// open opens the database at path, seeding it if it is empty.
func open(ctx context.Context, path string, institutions int, round int64, items []item) (*app, error) {
	w, err := sql.Open("sqlite3", sqlstore.DSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	a := &app{w: w, round: round, items: map[string]map[string]bool{}}
	// The writer creates the file in WAL mode before a reader opens it.
	if err := a.seed(ctx, institutions, items); err != nil {
		_ = w.Close()
		return nil, err
	}
	if a.r, err = sql.Open("sqlite3", sqlstore.DSN(path, true)); err != nil {
		_ = w.Close()
		return nil, err
	}
	a.r.SetMaxOpenConns(4)
	a.r.SetMaxIdleConns(4)
	if err := a.loadItems(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func (a *app) close() {
	_ = a.r.Close()
	_ = a.w.Close()
}

func (a *app) seed(ctx context.Context, institutions int, items []item) error {
	var n int
	if err := a.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&n); err != nil || n > 0 {
		return err
	}
	tx, err := a.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return err
	}
	for i := 1; i <= institutions; i++ {
		code := fmt.Sprintf("I%04d", i)
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions VALUES (?, ?)`, hashToken("bare-token-"+code), code); err != nil {
			return err
		}
	}
	for _, it := range items {
		vals, _ := json.Marshal(it.Values)
		if _, err := tx.ExecContext(ctx, `INSERT INTO items VALUES (?, ?)`, it.ID, string(vals)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (a *app) loadItems(ctx context.Context) error {
	rows, err := a.r.QueryContext(ctx, `SELECT id, vals FROM items`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, text string
		var vals []string
		if err := rows.Scan(&id, &text); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(text), &vals); err != nil {
			return fmt.Errorf("item %s: %w", id, err)
		}
		var allowed map[string]bool
		if len(vals) > 0 {
			allowed = map[string]bool{}
			for _, v := range vals {
				allowed[v] = true
			}
		}
		a.items[id] = allowed
	}
	return rows.Err()
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("PUT /api/v1/rounds/{id}/responses/{code}/answers/{item}", a.saveAnswer)
	return mux
}

// answer is what a save returns, and the current answer of a conflict.
type answer struct {
	Values  json.RawMessage `json:"values"`
	Version int64           `json:"version"`
}

func (a *app) saveAnswer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var inst string
	if ok {
		err := a.r.QueryRowContext(ctx, `SELECT institution FROM sessions WHERE token_hash = ?`, hashToken(token)).Scan(&inst)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			fail(w, http.StatusInternalServerError, "internal", err)
			return
		}
	}
	code, itemID := r.PathValue("code"), r.PathValue("item")
	round, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	allowed, known := a.items[itemID]
	switch {
	case inst == "":
		fail(w, http.StatusUnauthorized, "unauthorized", nil)
		return
	case inst != code:
		fail(w, http.StatusForbidden, "forbidden", nil)
		return
	case err != nil || round != a.round || !known:
		fail(w, http.StatusNotFound, "not_found", nil)
		return
	}
	var in struct {
		Values   []string `json:"values"`
		Version  int64    `json:"version"`
		NA       bool     `json:"na"`
		Evidence string   `json:"evidence"`
		Comment  string   `json:"comment"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || dec.More() {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "too_large", nil)
		} else {
			fail(w, http.StatusBadRequest, "bad_request", nil)
		}
		return
	}
	if !valid(in.Values, allowed) {
		fail(w, http.StatusUnprocessableEntity, "invalid", nil)
		return
	}
	vals, _ := json.Marshal(in.Values)
	out, status, err := a.write(ctx, inst, itemID, in.Version, vals)
	switch {
	case err != nil:
		fail(w, http.StatusInternalServerError, "internal", err)
	case status == http.StatusConflict:
		reply(w, status, map[string]any{"error": map[string]string{"code": "conflict"}, "current": out})
	default:
		reply(w, status, out)
	}
}

// valid reports whether values is a non-empty list of allowed values.
func valid(values []string, allowed map[string]bool) bool {
	if len(values) == 0 || len(values) > max(len(allowed), 1) {
		return false
	}
	for _, v := range values {
		switch {
		case allowed == nil && (v == "" || len(v) > maxValue):
			return false
		case allowed != nil && !allowed[v]:
			return false
		}
	}
	return true
}

// write compares the sent version with the stored one and, if they are the
// same, stores the answer with the next version, in one transaction that
// commits before it returns.
func (a *app) write(ctx context.Context, inst, itemID string, version int64, vals []byte) (answer, int, error) {
	tx, err := a.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock in the DSN)
	if err != nil {
		return answer{}, 0, err
	}
	defer func() { _ = tx.Rollback() }()
	cur := answer{Values: json.RawMessage("[]")}
	var stored string
	err = tx.QueryRowContext(ctx, `SELECT vals, version FROM answers WHERE round = ? AND institution = ? AND item = ?`,
		a.round, inst, itemID).Scan(&stored, &cur.Version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return answer{}, 0, err
	default:
		cur.Values = json.RawMessage(stored)
	}
	if version != cur.Version {
		return cur, http.StatusConflict, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET vals = excluded.vals, version = excluded.version, updated_at = excluded.updated_at`,
		a.round, inst, itemID, string(vals), version+1, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	if err != nil {
		return answer{}, 0, err
	}
	if err := tx.Commit(); err != nil {
		return answer{}, 0, err
	}
	return answer{Values: vals, Version: version + 1}, http.StatusOK, nil
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers {"error":{"code":…}}; err, if any, is logged (500s only).
func fail(w http.ResponseWriter, status int, code string, err error) {
	if err != nil {
		log.Printf("bare: %v", err)
	}
	reply(w, status, map[string]any{"error": map[string]string{"code": code}})
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Printf("bare: %v", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] != "serve" {
		return errors.New("usage: bare serve --addr HOST:PORT --db PATH --institutions N --round R --items FILE")
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	dbPath := fs.String("db", "bare.db", "SQLite database file")
	institutions := fs.Int("institutions", 200, "institutions to seed on an empty database")
	round := fs.Int64("round", 1, "the one open round")
	itemsPath := fs.String("items", "", "JSON file of the items to seed on an empty database")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var items []item
	if *itemsPath != "" {
		b, err := os.ReadFile(*itemsPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &items); err != nil {
			return fmt.Errorf("%s: %w", *itemsPath, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := open(ctx, *dbPath, *institutions, *round, items)
	if err != nil {
		return err
	}
	defer a.close()
	srv := &http.Server{Addr: *addr, Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("bare: listening on %s, database %s, %d items", *addr, *dbPath, len(a.items))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}
