package survey

import (
	"time"
)

// Session kinds: a browser session (cookie) or an API bearer token.
const (
	SessionWeb   = "web"
	SessionAPI   = "api"
	SessionToken = "token" // a personal access token (tokens.go)
)

// Session is a signed-in user's server-side session.
type Session struct {
	User      User
	Kind      string
	CSRFToken string
	ExpiresAt time.Time
	// Of a personal access token only: its id and whether it may only read.
	TokenID  int64
	ReadOnly bool
}
