//go:build marsadcrash

package mailer

import "os"

// Built only for the crash test (go build -tags marsadcrash): with
// MARSAD_TEST_EXIT_AFTER_SEND=1 the process exits right after the SMTP
// server accepted the first message, before that is recorded, as a crash
// would. A release build has no such hook.
func init() {
	if os.Getenv("MARSAD_TEST_EXIT_AFTER_SEND") == "1" {
		afterSend = func() { os.Exit(3) }
	}
}
