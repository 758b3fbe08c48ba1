package sqlstore

import (
	"context"
	"database/sql/driver"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"
)

// The store's SQL is written once, with SQLite's "?" placeholders, and runs
// on PostgreSQL through pgx's database/sql driver wrapped by pgConnector,
// which does the two things that differ below the SQL text:
//
//   - "?" placeholders become "$1", "$2", … (rebind), outside quoted text,
//     identifiers and comments;
//   - Go bools are sent as 0 and 1: flags are INTEGER 0/1 columns in both
//     schemas (migrations/postgres keeps SQLite's column types, so that
//     `marsad copy` can compare checksums), and SQLite's driver sends bools
//     that way.
//
// Everything else (upserts with ON CONFLICT, RETURNING, coalesce, text
// timestamps in one fixed layout) is written in the SQL both engines share;
// where the dialects differ, the store asks s.pg and says why.

// pgConnector makes pgConns over pgx's stdlib connector.
type pgConnector struct{ inner driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: dc.(*stdlib.Conn)}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx connection that takes the store's SQL.
type pgConn struct{ *stdlib.Conn }

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

// A statement without arguments has no placeholders to rewrite, and is
// left as it is: a migration's plpgsql body may hold a "?" of its own.
func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		query = rebind(query)
	}
	return c.Conn.ExecContext(ctx, query, args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		query = rebind(query)
	}
	return c.Conn.QueryContext(ctx, query, args)
}

// CheckNamedValue sends bools as SQLite's driver does, 1 and 0.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		if b {
			nv.Value = int64(1)
		} else {
			nv.Value = int64(0)
		}
		return nil
	}
	return c.Conn.CheckNamedValue(nv)
}

// rebound caches rebind's answers. The store's queries are constants but for
// IN lists of a varying length, so the cache stops growing at reboundSize entries.
var (
	rebound     sync.Map // string → string
	reboundN    int
	reboundMu   sync.Mutex
	reboundSize = 4096
)

// rebind rewrites "?" placeholders as "$n", leaving alone what is inside
// 'text', "identifiers" and -- comments.
func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '\'', '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				i = len(q)
				continue
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case '-':
			if i+1 < len(q) && q[i+1] == '-' {
				j := strings.IndexByte(q[i:], '\n')
				if j < 0 {
					j = len(q) - i
				}
				b.WriteString(q[i : i+j])
				i += j - 1
				continue
			}
			b.WriteByte(c)
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	reboundMu.Lock()
	if reboundN < reboundSize {
		reboundN++
		rebound.Store(q, out)
	}
	reboundMu.Unlock()
	return out
}
