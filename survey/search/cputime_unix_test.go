//go:build unix

package search

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used so far (all threads, user
// and system), or false where it cannot be read. On a machine shared with
// other work, the CPU a search takes moves far less than its wall time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
