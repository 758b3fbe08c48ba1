package survey

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Personal access tokens (issue 19, §2; docs/api.md): a person makes named,
// expiring tokens on their account page for scripts and other programs that
// call the API as them. Only a token's hash is stored; the token itself is
// shown once. A read-only token may only read (GET); a read-write token may
// do through the API whatever its owner may. A token works only on /api/v1,
// stops when it expires, is revoked, or its owner is deactivated, and never
// makes another token (so a leaked token cannot outlive itself).

// Token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// TokenPrefix starts every personal access token, so that a token found in
// a log or a repository is recognisable (and secret scanners can match it),
// and so that the server tells it from a sign-in token without a lookup.
const TokenPrefix = "mpat_"

// Limits of personal access tokens.
const (
	MaxTokenNameLen  = 100
	MaxTokensPerUser = 20  // live ones; revoked and expired ones do not count
	MaxTokenLifeDays = 366 // a token must be renewed at least yearly
	DefaultTokenDays = 90
	tokenShownPrefix = len(TokenPrefix) + 4
)

// TokenLifetimes are the choices the account page offers, in days.
var TokenLifetimes = []int{7, 30, 90, 366}

// ErrTooManyTokens refuses a token beyond MaxTokensPerUser.
var ErrTooManyTokens = errors.New("survey: too many access tokens")

// ErrTokenCannotMint refuses making a token while signed in with one.
var ErrTokenCannotMint = errors.New("survey: an access token cannot make tokens")

// AccessToken is a personal access token as its owner sees it, never the
// secret itself: Hint is its first characters, to recognise it by.
type AccessToken struct {
	ID        int64
	Name      string
	Scope     string
	Hint      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastUsed  time.Time // zero: never used
	RevokedAt time.Time // zero: not revoked
}

// Live reports whether the token still works at now.
func (t AccessToken) Live(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// State is "active", "expired" or "revoked" at now.
func (t AccessToken) State(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// MarshalJSON writes a token as the API shows it: unset times are null.
func (t AccessToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        int64      `json:"id"`
		Name      string     `json:"name"`
		Scope     string     `json:"scope"`
		Hint      string     `json:"hint"`
		State     string     `json:"state"`
		CreatedAt time.Time  `json:"created_at"`
		ExpiresAt time.Time  `json:"expires_at"`
		LastUsed  *time.Time `json:"last_used_at"`
		RevokedAt *time.Time `json:"revoked_at"`
	}{t.ID, t.Name, t.Scope, t.Hint, t.State(time.Now()), t.CreatedAt, t.ExpiresAt, timeOrNull(t.LastUsed), timeOrNull(t.RevokedAt)})
}

// TokenHint is the part of a token kept to recognise it by.
func TokenHint(token string) string {
	if len(token) < tokenShownPrefix {
		return token
	}
	return token[:tokenShownPrefix] + "…"
}

// AccessTokenInput is the form (or JSON) that makes a token.
type AccessTokenInput struct {
	Name  string `form:"name" json:"name"`
	Scope string `form:"scope" json:"scope"`
	Days  int    `form:"days" json:"days"`
}

// CheckAccessToken validates a new token's name, scope and lifetime (1 to
// MaxTokenLifeDays days; 0 means DefaultTokenDays).
func CheckAccessToken(in AccessTokenInput) (AccessTokenInput, error) {
	fe := FieldErrors{}
	in.Name = CleanText(in.Name)
	CheckText(fe, "name", in.Name, true, MaxTokenNameLen)
	in.Scope = strings.TrimSpace(in.Scope)
	if in.Scope != ScopeRead && in.Scope != ScopeWrite {
		fe.Add("scope", "err.choose_one")
	}
	if in.Days == 0 {
		in.Days = DefaultTokenDays
	}
	if in.Days < 1 || in.Days > MaxTokenLifeDays {
		fe.Add("days", "err.token_days")
	}
	return in, fe.Err()
}
