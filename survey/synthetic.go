package survey

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Words that synthetic service names are made of, so that searches over
// generated catalogs match a realistic share of rows.
var (
	synthActions = []string{"إصدار", "تجديد", "تعديل", "طلب", "إلغاء", "نقل", "تصديق", "تسجيل", "استعلام عن", "بدل فاقد"}
	synthObjects = []string{"شهادة ميلاد", "جواز سفر", "بطاقة هوية", "رخصة قيادة", "سجل تجاري", "تصريح بناء", "شهادة عدم محكومية",
		"تأمين صحي", "رخصة مهنة", "شهادة وفاة", "عقد إيجار", "شهادة مدرسية", "إقرار ضريبي", "رخصة مركبة", "اشتراك مياه"}
)

// SeedSynthetic fills the database with generated institutions and services
// for benchmarks and load tests: deterministic for a seed, written in one
// transaction, not audited, and never mixed with real data (it refuses a
// database that already has institutions).
func (s *Store) SeedSynthetic(ctx context.Context, institutions, services int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) // #nosec G404 -- demo and synthetic data only; nothing secret is drawn
	now := formatTime(s.now())
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM institutions").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("survey: synthetic data goes only into an empty database")
		}
		kinds := []string{"ministry", "agency", "municipality"}
		for i := 1; i <= institutions; i++ {
			_, err := tx.ExecContext(ctx, `INSERT INTO institutions (code, name_ar, name_en, kind, sector, region, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'synthetic', ?, 1, ?, ?)`, fmt.Sprintf("I%04d", i), fmt.Sprintf("مؤسسة تجريبية %d", i),
				fmt.Sprintf("Synthetic institution %d", i), kinds[i%3], Regions[i%len(Regions)], now, now)
			if err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO services (institution_id, code, name_ar, name_en, description_ar, category,
			audience, channels, stage, online_url, e_payment, e_id, abroad, no_visit, languages, fee_ils, processing_days,
			yearly_volume, online_share, status, search_text, created_at, updated_at)
			VALUES ((SELECT id FROM institutions WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ',ar,', ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := 0; i < services; i++ {
			inst := fmt.Sprintf("I%04d", i%institutions+1)
			stage := min(r.IntN(4)+r.IntN(3), MaxStage)
			name := synthActions[r.IntN(len(synthActions))] + " " + synthObjects[r.IntN(len(synthObjects))]
			sv := Service{Code: fmt.Sprintf("S%06d", i), NameAr: name, NameEn: fmt.Sprintf("Service %d", i),
				DescriptionAr: "خدمة مولّدة لاختبار الأداء: " + name}
			url := ""
			if stage >= StageTransactional {
				url = "https://example.ps/s/" + sv.Code
			}
			status := ServiceActive
			if r.IntN(20) == 0 {
				status = ServicePlanned
			}
			_, err := stmt.ExecContext(ctx, inst, sv.Code, sv.NameAr, sv.NameEn, sv.DescriptionAr, Categories[r.IntN(len(Categories))],
				joinSet([]string{Audiences[r.IntN(len(Audiences))]}), joinSet([]string{Channels[r.IntN(len(Channels))]}), stage, url,
				stage >= 3 && r.IntN(3) > 0, stage >= 3, stage >= 3 && r.IntN(2) == 0, stage >= 3 && r.IntN(3) > 0,
				float64(r.IntN(200)), r.IntN(30), r.IntN(50000), float64(stage*15), status, searchText(sv), now, now)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// SyntheticQueries are searches that benchmarks run against generated data.
var SyntheticQueries = []string{"", "شهاده ميلاد", "تجديد", "جواز", strings.Repeat("x", 3)}
