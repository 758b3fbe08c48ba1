//go:build !linux

package sqlstore

// freeBytes is not measured here: only the write probe counts.
func freeBytes(string) (uint64, bool) { return 0, false }
