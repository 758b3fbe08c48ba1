package handlers

import (
	"context"
	"time"

	"marsad/survey"
)

// The handlers reach the data through these interfaces, one per area, each
// listing what the pages and the API use; package marsad/survey/sqlstore
// implements them all (checked in its tests and by main, which hands a
// *sqlite.Store to New), and package marsad/survey/storetest is the suite
// any implementation must pass. Errors are the domain's (survey.ErrNotFound,
// survey.ErrConflict, *survey.ValidationError…): see domainErrors in
// render.go.

// InstitutionStore keeps institutions and their import.
type InstitutionStore interface {
	CountInstitutions(ctx context.Context) (int, error)
	CreateInstitution(ctx context.Context, actorID int64, in survey.InstitutionInput) (survey.Institution, error)
	Institution(ctx context.Context, code string) (survey.Institution, error)
	ListInstitutions(ctx context.Context, f survey.InstitutionFilter) ([]survey.Institution, error)
	SetInstitutionActive(ctx context.Context, actorID int64, code string, active bool) error
	UpdateInstitution(ctx context.Context, actorID int64, code string, in survey.InstitutionInput) (survey.Institution, error)
	ImportInstitutions(ctx context.Context, actorID int64, ins []survey.InstitutionInput) (survey.ImportResult, error)
}

// CatalogStore keeps the catalog of services: editing, import, search.
type CatalogStore interface {
	CreateService(ctx context.Context, a survey.Actor, in survey.ServiceInput) (survey.Service, error)
	EachService(ctx context.Context, publicOnly bool, fn func(survey.Service) error) error
	InstitutionServices(ctx context.Context, code string) ([]survey.Service, error)
	PublicService(ctx context.Context, id int64) (survey.Service, error)
	RetireService(ctx context.Context, a survey.Actor, id int64) error
	Service(ctx context.Context, id int64) (survey.Service, error)
	UpdateService(ctx context.Context, a survey.Actor, id int64, in survey.ServiceInput) (survey.Service, error)
	CatalogVersion(ctx context.Context) (string, error)
	SearchCatalog(ctx context.Context, q survey.CatalogQuery) (survey.CatalogResult, error)
	ImportServices(ctx context.Context, a survey.Actor, ins []survey.ServiceInput) (survey.ServiceImportResult, error)
}

// RoundStore keeps questionnaires, rounds, responses and their answers, review, obstacles and a respondent's work.
type RoundStore interface {
	CreateRound(ctx context.Context, actorID int64, in survey.RoundInput) (survey.Round, error)
	ListQuestionnaires(ctx context.Context) ([]survey.QuestionnaireVersion, error)
	ListRounds(ctx context.Context) ([]survey.Round, error)
	OpenRounds(ctx context.Context) ([]survey.Round, error)
	Questionnaire(ctx context.Context, id int64) (survey.QuestionnaireVersion, error)
	QuestionnaireBody(ctx context.Context, id int64) ([]byte, error)
	Round(ctx context.Context, id int64) (survey.Round, error)
	RoundAction(ctx context.Context, actorID int64, id int64, action string) (survey.Round, error)
	SetRoundPublic(ctx context.Context, actorID int64, id int64, public bool) error
	StoreQuestionnaire(ctx context.Context, actorID int64, d *survey.Definition) (survey.QuestionnaireVersion, error)
	StoreQuestionnaireJSON(ctx context.Context, actorID int64, b []byte) (survey.QuestionnaireVersion, error)
	Answers(ctx context.Context, responseID int64) (survey.AnswerSet, error)
	Response(ctx context.Context, roundID int64, code string) (survey.Response, error)
	ResponseAction(ctx context.Context, a survey.Actor, roundID int64, code string, action string) (survey.Response, error)
	ReviewAnswer(ctx context.Context, a survey.Actor, roundID int64, code string, itemID string, status string, comment string) error
	RoundBoard(ctx context.Context, roundID int64) ([]survey.BoardRow, error)
	SaveAnswer(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.AnswerInput) (survey.Answer, error)
	SaveAnswers(ctx context.Context, a survey.Actor, roundID int64, code string, ins []survey.AnswerInput) ([]survey.Answer, error)
	ApproveUnreviewed(ctx context.Context, a survey.Actor, roundID int64, code string) ([]string, error)
	ImportAnswers(ctx context.Context, a survey.Actor, roundID int64, rows []survey.AnswerRow) (int, error)
	PrefillFromPrevious(ctx context.Context, a survey.Actor, roundID int64, code string) (int, error)
	PrefillSources(ctx context.Context, a survey.Actor, roundID int64, code string) ([]survey.PrefillSource, error)
	PrefillFrom(ctx context.Context, a survey.Actor, roundID int64, code string, from int64) (survey.PrefillSource, int, error)
	Extension(ctx context.Context, roundID int64, code string) (survey.Extension, error)
	RoundExtensions(ctx context.Context, roundID int64) ([]survey.Extension, error)
	GrantExtension(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.ExtensionInput) (survey.Extension, error)
	RevokeExtension(ctx context.Context, a survey.Actor, roundID int64, code string) error
	ArchivedRounds(ctx context.Context) ([]survey.Round, error)
	ArchiveRound(ctx context.Context, actorID int64, id int64) (survey.Round, error)
	RestoreRound(ctx context.Context, actorID int64, id int64) (survey.Round, error)
	RoundContents(ctx context.Context, id int64) (survey.RoundContents, error)
	DeleteRound(ctx context.Context, actorID int64, id int64, expect survey.RoundContents) error
	ObstacleCitations(ctx context.Context, roundID int64, includeDrafts bool) ([]survey.ObstacleCitation, error)
	Obstacles(ctx context.Context, includeInactive bool) ([]survey.Obstacle, error)
	ResponseObstacles(ctx context.Context, responseID int64) (survey.ObstacleAnswers, error)
	SaveObstacle(ctx context.Context, a survey.Actor, id int64, in survey.ObstacleInput) (survey.Obstacle, error)
	SaveResponseObstacles(ctx context.Context, a survey.Actor, roundID int64, code string, severity map[int64]int, version int64) (survey.ObstacleAnswers, error)
	RespondentWork(ctx context.Context, code string, today time.Time) (survey.Work, error)
}

// ScoreStore keeps scores and rankings of rounds.
type ScoreStore interface {
	PagesVersion(ctx context.Context) (string, error)
	ReadRanking(ctx context.Context, roundID int64, kind string, fn func(*survey.Ranking) error) error
	ReadRankingSince(ctx context.Context, roundID int64, kind string, since int64, fn func(*survey.Ranking) error) error
	ReadIndexes(ctx context.Context, roundIDs []int64, kind string, fn func(roundID int64, idx survey.RoundIndexes) error) error
	ReadScores(ctx context.Context, roundID int64, kind string, fn func([]survey.InstitutionScore) error) error
	ScoreResult(ctx context.Context, roundID int64, code string, kind string) (survey.Result, error)
	ScoresSince(ctx context.Context, roundID int64, kind string, since int64) ([]survey.InstitutionScore, error)
	ScoresVersion(ctx context.Context) (string, error)
	RankAnalysis(ctx context.Context, roundID int64, kind string) (*survey.RankAnalysis, error)
	// What a closed or published round was frozen with (survey/frozen.go).
	RoundCatalog(ctx context.Context, roundID int64) (survey.RoundCatalog, error)
	ScoringVersions(ctx context.Context, roundID int64) ([]string, error)
	PreviousScores(ctx context.Context, roundID int64, kind string, version string) ([]survey.InstitutionScore, error)
	// EachMicrodata reads a frozen round's scored responses one at a time
	// for its microdata (microdata.go).
	EachMicrodata(ctx context.Context, roundID int64, fn func(survey.MicrodataResponse) error) error
}

// PlanStore keeps institutions' action plans.
type PlanStore interface {
	CreatePlanAction(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.PlanInput) (survey.PlanAction, error)
	DeletePlanAction(ctx context.Context, a survey.Actor, id int64) error
	PlanAction(ctx context.Context, id int64) (survey.PlanAction, error)
	PlanActions(ctx context.Context, f survey.PlanFilter) ([]survey.PlanAction, error)
	UpdatePlanAction(ctx context.Context, a survey.Actor, id int64, in survey.PlanInput) (survey.PlanAction, error)
}

// InitiativeStore keeps initiatives and success stories.
type InitiativeStore interface {
	ArchiveInitiative(ctx context.Context, a survey.Actor, id int64) error
	CreateInitiative(ctx context.Context, a survey.Actor, in survey.InitiativeInput) (survey.Initiative, error)
	Initiative(ctx context.Context, id int64) (survey.Initiative, error)
	ListInitiatives(ctx context.Context, f survey.InitiativeFilter) ([]survey.Initiative, error)
	PublicStories(ctx context.Context, limit int) ([]survey.Initiative, error)
	RestoreInitiative(ctx context.Context, a survey.Actor, id int64) error
	ReviewStory(ctx context.Context, a survey.Actor, id int64, version int64, approve bool, note string) error
	UpdateInitiative(ctx context.Context, a survey.Actor, id int64, in survey.InitiativeInput) (survey.Initiative, error)
	SetInitiativePublic(ctx context.Context, a survey.Actor, id int64, version int64, public bool) (survey.Initiative, error)
}

// AccountStore keeps accounts, invitations, password resets, sessions, sign-in and first-run setup.
type AccountStore interface {
	SetUserActive(ctx context.Context, a survey.Actor, id int64, active bool) (survey.User, error)
	HasAdmin(ctx context.Context) (bool, error)
	ListUsers(ctx context.Context) ([]survey.User, error)
	User(ctx context.Context, id int64) (survey.User, error)
	AcceptInvitation(ctx context.Context, token string, name string, password string) (survey.User, error)
	CreateInvitation(ctx context.Context, actorID int64, in survey.InvitationInput) (survey.Invitation, string, error)
	InvitationByToken(ctx context.Context, token string) (survey.Invitation, error)
	ListInvitations(ctx context.Context) ([]survey.Invitation, error)
	RevokeInvitation(ctx context.Context, actorID int64, id int64) error
	CreatePasswordReset(ctx context.Context, a survey.Actor, userID int64) (string, error)
	ResetEmail(ctx context.Context, token string) (string, error)
	UsePasswordReset(ctx context.Context, token string, password string) error
	CreateSession(ctx context.Context, userID int64, kind string) (token string, sess survey.Session, err error)
	DeleteSession(ctx context.Context, token string) error
	SessionByToken(ctx context.Context, token string) (survey.Session, error)
	CompleteSetup(ctx context.Context, token string, n survey.NewUser) (survey.User, error)
	ValidSetupToken(ctx context.Context, token string) bool
	SignIn(ctx context.Context, client string, email string, password string) (survey.User, error)
}

// AuditStore keeps the audit log.
type AuditStore interface {
	AuditActors(ctx context.Context) ([]string, error)
	AuditLogPage(ctx context.Context, f survey.AuditFilter, page int, perPage int) (survey.AuditPage, error)
	EachAuditEventMatching(ctx context.Context, f survey.AuditFilter, fn func(survey.AuditEvent) error) error
}

// SystemStore keeps the database as a whole: health and the demo mark.
type SystemStore interface {
	Ping(ctx context.Context) error
	Writable(ctx context.Context) error
	IsDemo(ctx context.Context) (bool, error)
}

// MailStore keeps the outbox (issue 18; docs/mail.md): the worker's
// claims and results, and the coordinator's outbox page.
type MailStore interface {
	MailEnabled() bool
	ClaimMail(ctx context.Context, n int, lease time.Duration) ([]survey.OutboxMessage, error)
	MarkMailSent(ctx context.Context, id int64, attempt int, r survey.RenderedMail) error
	MarkMailFailed(ctx context.Context, id int64, attempt int, r survey.RenderedMail, reason string, permanent bool) error
	ReleaseMail(ctx context.Context, id int64, attempt int) error
	ResendMail(ctx context.Context, a survey.Actor, id int64) error
	OutboxMessage(ctx context.Context, id int64) (survey.OutboxMessage, error)
	OutboxCounts(ctx context.Context) (map[string]int, error)
	OutboxPage(ctx context.Context, f survey.OutboxFilter, page, perPage int) (survey.OutboxPage, error)
}

// ReminderStore keeps reminders, notification preferences and the digest
// (issue 18, §2; docs/reminders.md).
type ReminderStore interface {
	ReminderSettings(ctx context.Context, roundID int64) (survey.ReminderSettings, error)
	SaveReminderSettings(ctx context.Context, a survey.Actor, roundID int64, in survey.ReminderSettingsInput) (survey.ReminderSettings, error)
	ReminderPlan(ctx context.Context, roundID int64, states []string, day string) (survey.ReminderPlan, error)
	SendReminders(ctx context.Context, a survey.Actor, roundID int64, states []string, day string) (survey.ReminderRun, error)
	RunAutomaticReminders(ctx context.Context, day string) (survey.ReminderRun, error)
	LastReminders(ctx context.Context, roundID int64) (map[string]survey.LastReminder, error)
	MailPrefs(ctx context.Context, userID int64) (survey.MailPrefs, error)
	SaveMailPrefs(ctx context.Context, a survey.Actor, in survey.MailPrefsInput) (survey.MailPrefs, error)
	QueueDigests(ctx context.Context, day string, from, to time.Time) (int, error)
}

// Store is every area together: what New needs.
type Store interface {
	InstitutionStore
	CatalogStore
	RoundStore
	ScoreStore
	ComparisonStore
	PlanStore
	InitiativeStore
	AccountStore
	AuditStore
	SystemStore
	EvidenceStore
	CheckStore
	MailStore
	ReminderStore
	TeamStore
	TokenStore
	OpenDataStore // opendata.go
}

// TokenStore keeps personal access tokens (survey/tokens.go). Each method
// acts on the actor's own tokens only.
type TokenStore interface {
	CreateAccessToken(ctx context.Context, a survey.Actor, in survey.AccessTokenInput) (string, survey.AccessToken, error)
	AccessTokens(ctx context.Context, userID int64) ([]survey.AccessToken, error)
	RevokeAccessToken(ctx context.Context, a survey.Actor, id int64) error
}
