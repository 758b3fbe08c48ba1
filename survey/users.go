package survey

import (
	"net/mail"
	"strings"
	"time"

	"marsad/data/passwords"
)

// Role is what a user may do.
type Role string

// The three roles (docs/api.md, "Roles"; docs/architecture.md, "Access policy").
const (
	RoleAdmin      Role = "admin"      // survey coordinator
	RoleRespondent Role = "respondent" // ministry IT staff, bound to one institution
	RoleViewer     Role = "viewer"     // decision makers and presenters
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleRespondent, RoleViewer}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return r == RoleAdmin || r == RoleRespondent || r == RoleViewer }

// Password length bounds; bcrypt reads at most 72 bytes.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 72
)

// User is a person who signs in.
type User struct {
	ID              int64     `json:"id"`
	Email           string    `json:"email"`
	Name            string    `json:"name"`
	Role            Role      `json:"role"`
	InstitutionCode string    `json:"institution,omitempty"`
	Active          bool      `json:"active"`
	CreatedAt       time.Time `json:"created_at"`
	// FocalPoint and Signoff are the coordinator's marks on a respondent
	// (teams.go): a focal point manages the institution's team, a head
	// signs off its response where a round requires it.
	FocalPoint bool `json:"focal_point,omitempty"`
	Signoff    bool `json:"signoff,omitempty"`
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Email           string
	Name            string
	Role            Role
	InstitutionCode string // respondents only
	Password        string
	// FocalPoint and Signoff mark a respondent (teams.go); the demo sets
	// them, the coordinator does on the users page.
	FocalPoint, Signoff bool
}

// NormalizeEmail lower-cases and trims an address, so that one mailbox is one account.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmailLen || BadText(s, false) || hasInvisible(s) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// checkPassword applies the password policy to a new password for the
// account email: MinPasswordLen characters to MaxPasswordLen bytes, not on
// the embedded list of common passwords (data/passwords), not the e-mail
// address or its part before the @, and not a few characters repeated
// ("aaaaaaaaaa", "1212121212"). Length is the main rule (NIST SP 800-63B);
// the list and the address catch the first guesses an attacker makes.
func CheckPassword(fe FieldErrors, field, pw, email string) {
	switch {
	case len([]rune(pw)) < MinPasswordLen:
		fe.Add(field, "err.password_short")
	case len(pw) > MaxPasswordLen:
		fe.Add(field, "err.password_long")
	case BadText(pw, false):
		fe.Add(field, "err.bad_characters")
	case samePassword(pw, email):
		fe.Add(field, "err.password_email")
	case passwords.IsCommon(pw) || distinctRunes(pw) < 4:
		fe.Add(field, "err.password_common")
	}
}

// samePassword reports a password that is the e-mail address, or its part
// before the @, in any case.
func samePassword(pw, email string) bool {
	pw, email = strings.ToLower(strings.TrimSpace(pw)), NormalizeEmail(email)
	if email == "" {
		return false
	}
	local, _, _ := strings.Cut(email, "@")
	return pw == email || pw == local
}

func distinctRunes(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

func (n NewUser) Normalize() NewUser {
	n.Email = NormalizeEmail(n.Email)
	n.Name = CleanText(n.Name)
	n.InstitutionCode = strings.ToUpper(CleanText(n.InstitutionCode))
	return n
}

func (n NewUser) Validate() FieldErrors {
	fe := FieldErrors{}
	if !ValidEmail(n.Email) {
		fe.Add("email", "err.email")
	}
	CheckText(fe, "name", n.Name, false, 120)
	CheckPassword(fe, "password", n.Password, n.Email)
	if !ValidRole(n.Role) {
		fe.Add("role", "err.choose_one")
	}
	if n.Role == RoleRespondent && n.InstitutionCode == "" {
		fe.Add("institution", "err.institution_required")
	}
	if n.Role != RoleRespondent && n.InstitutionCode != "" {
		fe.Add("institution", "err.institution_only_respondent")
	}
	return fe
}
