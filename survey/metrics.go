package survey

// CatalogMetrics summarises a set of services for dashboards and for the
// questionnaire's catalog-metric items. Only active services count.
type CatalogMetrics struct {
	Services      int               `json:"services"`
	ByStage       [MaxStage + 1]int `json:"by_stage"`
	ShareStage3   float64           `json:"share_stage3"`    // stage ≥ 3 (transactional or better)
	ShareStage4   float64           `json:"share_stage4"`    // stage ≥ 4 (integrated or better)
	ShareAbroad   float64           `json:"share_abroad"`    // can be completed from abroad
	ShareNoVisit  float64           `json:"share_no_visit"`  // no visit required
	ShareEPayment float64           `json:"share_e_payment"` // e-payment
	// MeanStage is the volume-weighted mean stage (0–5): a busy service
	// counts more than a rare one. With no volumes recorded, the plain mean.
	MeanStage float64 `json:"mean_stage"`
}

// MeanStageShare is MeanStage on 0–1, as a questionnaire item scores it.
func (m CatalogMetrics) MeanStageShare() float64 { return m.MeanStage / MaxStage }

// ComputeMetrics computes the catalog metrics of services. It is pure:
// the same services give the same numbers.
func ComputeMetrics(services []Service) CatalogMetrics {
	var (
		m                             CatalogMetrics
		s3, s4, abroad, noVisit, epay int
		stageSum, weighted, volume    float64
	)
	for _, s := range services {
		if s.Status != ServiceActive || s.Stage < 0 || s.Stage > MaxStage {
			continue
		}
		m.Services++
		m.ByStage[s.Stage]++
		if s.Stage >= StageTransactional {
			s3++
		}
		if s.Stage >= StageIntegrated {
			s4++
		}
		if s.Abroad {
			abroad++
		}
		if s.NoVisit {
			noVisit++
		}
		if s.EPayment {
			epay++
		}
		stageSum += float64(s.Stage)
		weighted += float64(s.Stage) * float64(s.YearlyVolume)
		volume += float64(s.YearlyVolume)
	}
	if m.Services == 0 {
		return m
	}
	n := float64(m.Services)
	m.ShareStage3, m.ShareStage4 = float64(s3)/n, float64(s4)/n
	m.ShareAbroad, m.ShareNoVisit, m.ShareEPayment = float64(abroad)/n, float64(noVisit)/n, float64(epay)/n
	if volume > 0 {
		m.MeanStage = weighted / volume
	} else {
		m.MeanStage = stageSum / n
	}
	return m
}

// MetricsByInstitution computes the metrics of each institution's services,
// keyed by institution code.
func MetricsByInstitution(services []Service) map[string]CatalogMetrics {
	groups := map[string][]Service{}
	for _, s := range services {
		groups[s.InstitutionCode] = append(groups[s.InstitutionCode], s)
	}
	out := make(map[string]CatalogMetrics, len(groups))
	for code, list := range groups {
		out[code] = ComputeMetrics(list)
	}
	return out
}
