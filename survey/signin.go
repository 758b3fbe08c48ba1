package survey

import (
	"time"
)

// ThrottledError is a sign-in refused by throttling. errors.Is(err,
// ErrThrottled) holds for it.
type ThrottledError struct {
	// RetryAfter is how long to wait before the next attempt can be checked.
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return "survey: sign-in throttled; retry after " + e.RetryAfter.Round(time.Second).String()
}

// Is makes errors.Is(err, ErrThrottled) hold.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, at least 1
// (the Retry-After header's unit).
func (e *ThrottledError) RetryAfterSeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}
