package survey

import (
	"fmt"
)

// Reasons a database cannot be written (WriteError.Reason).
const (
	ReasonReadOnly = "read-only"
	ReasonDiskFull = "disk-full"
	ReasonBusy     = "busy"
	ReasonError    = "error"
)

// WriteError says why the database cannot be written now.
type WriteError struct {
	Path   string
	Reason string // one of the Reason constants
	Err    error
}

func (e *WriteError) Error() string {
	switch e.Reason {
	case ReasonReadOnly:
		return fmt.Sprintf("the database %s cannot be written: the file, its folder or its -wal and -shm files are read-only for this user, or on a read-only disk (%v)", e.Path, e.Err)
	case ReasonDiskFull:
		return fmt.Sprintf("the database %s cannot be written: the disk is full (%v)", e.Path, e.Err)
	case ReasonBusy:
		return fmt.Sprintf("the database %s cannot be written: another process holds its write lock (%v)", e.Path, e.Err)
	}
	return fmt.Sprintf("the database %s cannot be written: %v", e.Path, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }
