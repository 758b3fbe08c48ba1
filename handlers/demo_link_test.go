package handlers

// The tests seed the demo through (*survey.Store).SeedDemo, which delegates
// to package demo; importing demo here links it into the test binary.
import _ "marsad/survey/demo"
