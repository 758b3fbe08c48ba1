package survey

import (
	"errors"
	"testing"
)

func TestResponseStateMachineTable(t *testing.T) {
	for _, tc := range []struct {
		from, action, to string
	}{
		{ResponseDraft, "submit", ResponseSubmitted},
		{ResponseReturned, "submit", ResponseSubmitted},
		{ResponseSubmitted, "return", ResponseReturned},
		{ResponseSubmitted, "accept", ResponseAccepted},
		{ResponseAccepted, "reopen", ResponseSubmitted},
		{ResponseDraft, "accept", ""},
		{ResponseDraft, "return", ""},
		{ResponseSubmitted, "submit", ""},
		{ResponseAccepted, "submit", ""},
		{ResponseReturned, "accept", ""},
		{ResponseDraft, "bogus", ""},
	} {
		got, err := NextResponseStatus(tc.from, tc.action)
		if got != tc.to || (tc.to == "") != errors.Is(err, ErrInvalidTransition) {
			t.Errorf("%s --%s--> %q, %v; want %q", tc.from, tc.action, got, err, tc.to)
		}
	}
}
