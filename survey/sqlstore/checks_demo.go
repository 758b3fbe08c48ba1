package sqlstore

import (
	"fmt"
	"strconv"
	"time"

	"marsad/survey"
)

// AddServiceChecks stores stored-as-observed checks of a demo service (its
// institution's code and its code): the demo shows check results, observed
// scores and discrepancies without visiting any site.
func (t *DemoTx) AddServiceChecks(institution, code string, checks []survey.URLCheck) error {
	var id int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT s.id FROM services s JOIN institutions i ON i.id = s.institution_id
		WHERE i.code = ? AND s.code = ?`, institution, code).Scan(&id)
	if err != nil {
		return fmt.Errorf("survey: demo checks of %s/%s: %w", institution, code, err)
	}
	for i := range checks {
		checks[i].Kind, checks[i].Ref = survey.TargetService, strconv.FormatInt(id, 10)
	}
	return t.s.insertChecks(t.ctx, t.tx, checks)
}

// Now is the store's time (its clock in tests): the demo's recent checks
// are dated back from it.
func (t *DemoTx) Now() time.Time { return t.s.now() }
