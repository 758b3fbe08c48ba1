package sqlstore

import (
	"path/filepath"
	"syscall"
)

// freeBytes is the space left to an unprivileged user on the file system
// that holds path.
func freeBytes(path string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true // #nosec G115 -- block size is positive
}
