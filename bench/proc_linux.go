package main

import "syscall"

// procAttr makes the kernel kill a server if the tool itself dies
// (even by SIGKILL), so no server outlives a benchmark.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
