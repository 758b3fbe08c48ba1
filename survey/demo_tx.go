package survey

import (
	"time"
)

// DemoResponse is one generated response of a demo round.
type DemoResponse struct {
	Round         Round // as AddRound returned it
	Questionnaire QuestionnaireVersion
	Institution   Institution // as AddInstitution returned it
	Status        string      // a response status
	Answers       AnswerSet
	// SubmittedAt and AcceptedAt are when the response was submitted and
	// accepted, for a response past those steps.
	SubmittedAt, AcceptedAt time.Time
}
