//go:build !pprof

package main

import "marsad/survey/cache"

// debugCache is pprof.go's, in builds for profiling only.
func debugCache(*cache.Cache) {}
