package survey

import (
	"errors"
	"sort"
	"strings"
)

// Errors callers tell apart with errors.Is.
var (
	ErrNotFound        = errors.New("survey: not found")
	ErrBadCredentials  = errors.New("survey: wrong e-mail or password")
	ErrThrottled       = errors.New("survey: too many failed sign-ins")
	ErrSetupDone       = errors.New("survey: an administrator already exists")
	ErrInvitationUsed  = errors.New("survey: invitation already used")
	ErrInvitationGone  = errors.New("survey: invitation expired")
	ErrInvitationVoid  = errors.New("survey: invitation revoked")
	ErrAccountDisabled = errors.New("survey: account disabled")
	// ErrCheckRunning: another server's check run is under way.
	ErrCheckRunning = errors.New("survey: a check run is under way")
)

// ValidationError says which input fields are wrong. Each value is a message
// key (for example "err.required") that the caller translates into the
// user's language; the domain never produces user text itself.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k+": "+e.Fields[k])
	}
	sort.Strings(keys)
	return "survey: invalid input: " + strings.Join(keys, ", ")
}

// fieldErrors collects validation problems, keeping the first per field.
type FieldErrors map[string]string

func (f FieldErrors) Add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// RowError is one bad row of an imported file.
type RowError struct {
	Line   int               // 1-based line number in the file, header included
	Fields map[string]string // field → message key
}

// ImportError lists every bad row of an import; nothing was stored.
type ImportError struct {
	Rows []RowError
	// Key, when set, is a problem with the whole file (bad header, not CSV).
	Key string
	// Args are the figures Key's message names (a limit passed).
	Args []any
}

func (e *ImportError) Error() string {
	if e.Key != "" {
		return "survey: import: " + e.Key
	}
	return "survey: import: " + itoa(len(e.Rows)) + " bad rows"
}
