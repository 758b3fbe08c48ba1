package survey

import (
	"errors"
	"time"
)

// ResetTTL is how long a password reset link works.
const ResetTTL = 24 * time.Hour

// ErrResetInvalid is a reset link that is unknown, used or expired.
var ErrResetInvalid = errors.New("survey: reset link not valid")
