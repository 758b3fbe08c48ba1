package survey

import (
	"time"
)

// InvitationTTL is how long an invitation link can be used.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation states, derived from its times.
const (
	InvitationPending = "pending"
	InvitationUsed    = "used"
	InvitationExpired = "expired"
	InvitationRevoked = "revoked"
)

// Invitation lets one person create an account with a given role (and
// institution, for a respondent) through a one-time link.
type Invitation struct {
	ID              int64
	Email           string
	Role            Role
	InstitutionCode string
	CreatedBy       string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	UsedAt          time.Time
	RevokedAt       time.Time
	State           string
}

// InvitationInput is what an admin fills in to invite someone.
type InvitationInput struct {
	Email           string `form:"email" json:"email"`
	Role            Role   `form:"role" json:"role"`
	InstitutionCode string `form:"institution" json:"institution"`
	// Lang is the language of the invitation's e-mail ("ar", the default,
	// or "en"), when mail is configured.
	Lang string `form:"invite_lang" json:"invite_lang"`
}
