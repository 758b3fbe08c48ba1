// Package data holds the files Marsad ships inside its binary: the demo
// (data/demo, read by package marsad/survey/demo), the default
// questionnaire and the example models.
// The runtime database also lives in this folder by default (marsad.db,
// ignored by git), but it is never embedded.
package data

import "embed"

// DemoInstitutions is the demo seed: real Palestinian public institutions
// with their codes and names (figures seeded with them are fictional), in
// the institutions CSV import format.
//
//go:embed demo/institutions.csv
var DemoInstitutions []byte

// DemoServices is the demo e-services catalog (about 370 services across
// the demo institutions, in the services CSV format). Services and figures
// are fictional; online addresses are under the reserved example.ps domain.
//
//go:embed demo/services.csv
var DemoServices []byte

// DemoAccounts are the demo's four accounts (coordinator, viewer, and the
// respondents of MOH and MOI), as JSON.
//
//go:embed demo/accounts.json
var DemoAccounts []byte

// DemoRounds are the demo rounds and how their answers are generated
// (seed, maturity by institution, response statuses, dates), as JSON.
//
//go:embed demo/rounds.json
var DemoRounds []byte

// DemoInitiatives are the demo initiatives and the partners they name, as
// JSON; projects, partners' roles and figures are fictional.
//
//go:embed demo/initiatives.json
var DemoInitiatives []byte

// DemoStories are the success stories of demo initiatives, as JSON.
//
//go:embed demo/stories.json
var DemoStories []byte

// DemoPlans are the demo action plans: the improvement actions they may
// commit to, who owns them, progress notes and each institution's plan, as
// JSON.
//
//go:embed demo/plans.json
var DemoPlans []byte

// DefaultQuestionnaire is the default bilingual maturity questionnaire
// (docs/questionnaire.md): eight dimensions, 62 scored items, evidence
// links, in the canonical JSON definition format.
//
//go:embed questionnaire/default.json
var DefaultQuestionnaire []byte

// Models holds example scoring models (questionnaire definitions) that carry
// international indices' structure: gtmi (World Bank GovTech Maturity
// Index), egdi (UN E-Government Development Index) and eu-benchmark (EU
// eGovernment Benchmark). A round can use one by name.
//
//go:embed models/*.json
var models embed.FS

// Model returns the definition of an example model by name, or false.
func Model(name string) ([]byte, bool) {
	b, err := models.ReadFile("models/" + name + ".json")
	return b, err == nil
}

// ModelNames lists the example models.
var ModelNames = []string{"gtmi", "egdi", "eu-benchmark"}
