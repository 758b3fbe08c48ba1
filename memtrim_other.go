//go:build !linux

package main

// pageOutBinary does nothing outside Linux (memtrim_linux.go).
func pageOutBinary() int64 { return 0 }
