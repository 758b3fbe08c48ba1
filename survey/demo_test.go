package survey

import "math/rand/v2"

// demoAnswer is the demo's answer generator, (*demo.Content).Answer, handed
// over by demo_link_test.go: an external test file may import package
// demo, this package may not (demo imports survey).
var demoAnswer func(it Item, inst Institution, m float64, r *rand.Rand) Answer

// SetDemoAnswer hands the demo's answer generator over to the package's
// tests.
func SetDemoAnswer(answer func(it Item, inst Institution, m float64, r *rand.Rand) Answer) {
	demoAnswer = answer
}
