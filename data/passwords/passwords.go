// Package passwords holds the list of common passwords that Marsad refuses
// as a new password, embedded in the binary.
//
// common.txt has one password a line, lower-cased, sorted, only those of 10
// characters or more (shorter ones are refused by the length rule anyway).
// It is made from two public lists and one rule, and can be made again:
//
//  1. the 30,000 most common passwords that zxcvbn ranks (Dropbox's
//     password strength estimator; its list comes from Mark Burnett's 10
//     million passwords, as published by xato.net), as shipped in the Go
//     module github.com/trustelem/zxcvbn v1.0.1, file data/passwords.txt
//     (first column);
//  2. SecLists (github.com/danielmiessler/SecLists),
//     Passwords/Common-Credentials/Language-Specific/Arabic_common-password-list-top-487.txt
//     at commit 4c51d882d5c4b7331f4a96d9792979f8803e5e02;
//  3. local words people here use as passwords — palestine, palestina,
//     falastin, filastin, felesteen, ramallah, jerusalem, alquds, gaza,
//     hebron, khalil, nablus, jenin, bethlehem, jericho, tulkarem, qalqilya,
//     welcome, marhaba, password, admin, ministry — each followed by 1, 12,
//     123, 1234, 12345, 123456, @123, @1234, 2020…2026, !, 1! or 123!.
//
// Each is lower-cased and kept when 10 characters or longer; the union is
// sorted and deduplicated (2,026 passwords).
package passwords

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
)

//go:embed common.txt
var commonText string

var (
	once   sync.Once
	common []string
)

// load splits the embedded list once, on first use (it is sorted already;
// sorting again costs nothing and keeps the search right if an edit
// breaks the order).
func load() {
	common = strings.Fields(commonText)
	sort.Strings(common)
}

// IsCommon reports whether pw, ignoring case and surrounding spaces, is on
// the list.
func IsCommon(pw string) bool {
	once.Do(load)
	pw = strings.ToLower(strings.TrimSpace(pw))
	i := sort.SearchStrings(common, pw)
	return i < len(common) && common[i] == pw
}

// Count is how many passwords the list holds.
func Count() int {
	once.Do(load)
	return len(common)
}
