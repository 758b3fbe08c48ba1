package sqlstore

import (
	"net/url"
	"strings"
)

// DSN returns the data source name for the SQLite file at path. Production
// and tests use the same settings, so tests behave like production.
//
//   - _journal_mode=WAL: readers never block the writer nor the writer the
//     readers; a crash loses nothing that was committed.
//   - _synchronous=NORMAL: safe with WAL (a commit survives a process crash;
//     only a power cut can lose the last transactions) and much faster than FULL.
//   - _busy_timeout=5000: a connection that finds the database locked waits up
//     to 5 s instead of failing at once with "database is locked".
//   - _foreign_keys=on: SQLite enforces REFERENCES only when asked, per connection.
//   - _cache_size=-2000: each connection keeps up to 2 MB of pages in
//     memory (SQLite's default). Catalog search runs on an in-memory
//     index and rankings are cached above the store, so the page cache
//     serves lists and exports, whose pages the operating system caches
//     anyway. 32 MB a connection (an early setting) let the pools hold
//     160 MB on a 600 MB database under load; 4 MB cost a regional
//     server 10 MB of its peak for no measurable speed (issue 14).
//     Readers keep 1 MB: every write makes a reader's next transaction
//     start with an empty cache anyway (SQLite drops it when the WAL has
//     changed), so under a round's saves their pages never outlive one
//     read; the 4 MB of the four readers' caches was 4–5 MB of the
//     server's C memory at its peak on the respondent's path (issue 15).
//   - _stmt_cache_size=64: each connection keeps its last 64 prepared
//     statements; preparing the same SQL again on every save was 40 % of
//     the database time of an autosave (measured).
//   - _mutex=no: each connection is opened without its own mutex
//     (SQLITE_OPEN_NOMUTEX, SQLite's multi-thread mode). database/sql
//     hands a connection to one goroutine at a time and locks it around
//     every call into the driver, so the mutex SQLite takes on every API
//     call (each column of each row) only cost time: 7.5 % of the CPU of
//     saving and reading answers, against 0.9 % without (perf on
//     BenchmarkSaveAnswerConcurrent and BenchmarkAnswersRead, issue 15).
//     sqlite3_interrupt, which the driver calls from another goroutine
//     when a context ends, is safe from any thread in this mode too.
//   - _txlock=immediate: BEGIN takes the write lock at once. A deferred
//     transaction that reads and then writes must upgrade its lock, and a busy
//     timeout cannot rescue that upgrade (measured: 7–37 % failures under 50
//     concurrent writers; 0 % with immediate).
//
// readOnly opens the file with mode=ro for the pool of readers.
func DSN(path string, readOnly bool) string {
	v := url.Values{}
	v.Set("_busy_timeout", "5000")
	v.Set("_foreign_keys", "on")
	v.Set("_cache_size", "-2000")
	v.Set("_stmt_cache_size", "64")
	v.Set("_mutex", "no")
	if readOnly {
		v.Set("_cache_size", "-1000")
		v.Set("mode", "ro")
	} else {
		v.Set("_journal_mode", "WAL")
		v.Set("_synchronous", "NORMAL")
		v.Set("_txlock", "immediate")
	}
	// In a file: URI, %, ? and # in the path would start an escape, the
	// query or a fragment.
	path = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + path + "?" + v.Encode()
}
