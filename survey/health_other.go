//go:build !linux

package survey

// freeBytes is not measured here: only the write probe counts.
func freeBytes(string) (uint64, bool) { return 0, false }
