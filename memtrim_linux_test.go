//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestPageOutBinary: the server names its binary's read-only mappings to
// the kernel, which takes back their resident pages; the program runs on.
func TestPageOutBinary(t *testing.T) {
	before := rssFileKB(t)
	named := pageOutBinary()
	after := rssFileKB(t)
	t.Logf("named %d MB of the binary's mappings; file-backed RSS %d kB before, %d kB after", named>>20, before, after)
	if named <= 0 {
		t.Fatal("no mapping of the binary named: /proc/self/maps was not read as it should")
	}
	if after >= before {
		t.Errorf("file-backed RSS %d kB after paging out, %d kB before: nothing was reclaimed", after, before)
	}
	if out, err := runCmd(t, "", "version"); err != nil || !strings.HasPrefix(out, "marsad ") {
		t.Errorf("after paging out, version: %q %v", out, err)
	}
}

func rssFileKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
