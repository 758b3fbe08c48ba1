//go:build !linux

package main

import "syscall"

// procAttr: Pdeathsig exists only on Linux; elsewhere servers are stopped
// by the tool's own clean-up.
func procAttr() *syscall.SysProcAttr { return nil }
