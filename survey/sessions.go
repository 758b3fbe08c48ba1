package survey

import (
	"time"
)

// Session kinds: a browser session (cookie) or an API bearer token.
const (
	SessionWeb = "web"
	SessionAPI = "api"
)

// Session is a signed-in user's server-side session.
type Session struct {
	User      User
	Kind      string
	CSRFToken string
	ExpiresAt time.Time
}
