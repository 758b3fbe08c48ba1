package survey

import (
	"errors"
	"fmt"
)

// Deactivation means something: a deactivated account, or any account of
// a deactivated institution's respondents, cannot sign in, and its
// sessions end at once — deleted in the transaction that deactivates, and
// refused when loaded (SessionByToken), so that a session cached or made
// in another process stops too.

// ErrLastAdmin refuses to deactivate the last active coordinator: nobody
// could then manage accounts, and reactivating would need the database.
var ErrLastAdmin = errors.New("survey: the last active coordinator cannot be deactivated")

// ErrInstitutionInactive refuses a respondent of a deactivated institution.
// It is an ErrAccountDisabled, so callers that tell only that one apart
// refuse it the same way.
var ErrInstitutionInactive = fmt.Errorf("%w: institution deactivated", ErrAccountDisabled)
