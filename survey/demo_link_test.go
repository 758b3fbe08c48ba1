package survey_test

import (
	"marsad/survey"
	"marsad/survey/demo"
)

// The package's tests seed the demo through (*Store).SeedDemo, which
// delegates to package demo, and the scoring benchmark answers as the demo
// does; importing demo here links it into the test binary (survey itself
// may not import it: demo imports survey).
func init() {
	c, err := demo.Load()
	if err != nil {
		panic(err)
	}
	survey.SetDemoAnswer(c.Answer)
}
