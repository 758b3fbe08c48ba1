package survey

import "time"

// DemoPassword is the password of every demo account (listed in the README).
const DemoPassword = "marsad-demo"

// DemoData is the catalog a demo is seeded with: institutions and services
// as CSV in the import formats, and the questionnaire of the demo rounds.
// Services and Questionnaire may be nil, for tests that need an empty
// catalog or no rounds (no questionnaire: no rounds, initiatives or plans).
// The rest of the demo (accounts, rounds, initiatives, stories, plans) is
// in data/demo, read by package marsad/survey/demo.
type DemoData struct {
	Institutions  []byte
	Services      []byte
	Questionnaire []byte
}

// DemoWriter writes the demo inside one transaction of a store (see
// package marsad/survey/demo). Rows carry fixed dates and generated answers
// that the ordinary store methods (one audited transaction each, stamped
// now) cannot give; each method applies the checks the forms apply.
type DemoWriter interface {
	// AddInstitution adds an institution as parsed from the import format.
	AddInstitution(in InstitutionInput) (Institution, error)
	// AddService adds a service to its institution's catalog.
	AddService(in ServiceInput) error
	// AddUser adds an account with the demo password.
	AddUser(u NewUser) error
	// AddQuestionnaire stores a questionnaire version (once per hash).
	AddQuestionnaire(def *Definition) (QuestionnaireVersion, error)
	// AddRound adds a round with its dates and status as given.
	AddRound(r Round) (Round, error)
	// AddResponse adds a response with its answers, and scores it when submitted.
	AddResponse(r DemoResponse) (int64, error)
	// AddObstacles rates the active obstacles of a response by code.
	AddObstacles(responseID int64, severity map[string]int) error
	// AddInitiative adds an initiative with the services it touches; false
	// when it was left out (see the store's implementation).
	AddInitiative(in InitiativeInput, serviceCodes []string, storyStatus string) (bool, error)
	// SelfResult is an institution's self-assessed result in a round.
	SelfResult(roundID int64, code string) (*Result, error)
	// AddPlan adds an action of an institution's plan; false when left out.
	AddPlan(code string, round Round, in PlanInput, scoreAtPlan float64, writtenAt time.Time) (bool, error)
	// AddServiceChecks stores checks of a service (by its institution's
	// code and its code) as if the checker had made them.
	AddServiceChecks(institution, code string, checks []URLCheck) error
	// Now is the store's time: the demo's recent checks are dated from it.
	Now() time.Time
	// SetOpenData sets the open data's licence and publisher (opendata.go).
	SetOpenData(o OpenDataSettings) error
}
