//go:build linux

package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// pageOutBinary asks the kernel to reclaim the pages of the server's own
// binary that are resident: its code and read-only data, about 25 MB of a
// 32 MB binary once the server has started (measured, /proc/PID/smaps).
// Most of them served only the start (migrations, parsing the templates,
// seeding the demo) and would otherwise count in the process's memory
// until the system ran short. MADV_PAGEOUT only reclaims: a page needed
// again is read back from the page cache (a minor fault, microseconds),
// and a page the process wrote to is kept (swapped, never lost), so
// nothing the program relies on changes. Only the binary's read-only
// mappings are named. It returns the bytes named; errors are ignored (an
// older kernel without MADV_PAGEOUT just keeps the pages).
func pageOutBinary() int64 {
	exe, err := os.Executable()
	if err != nil {
		return 0
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	var named int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || (fields[1] != "r--p" && fields[1] != "r-xp") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_PAGEOUT); errno == 0 {
			named += int64(end - start) // #nosec G115 -- a mapping's length, far below 2^63
		}
	}
	return named
}
