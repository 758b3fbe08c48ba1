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
	var t MetricsTally
	for _, s := range services {
		t.Add(s)
	}
	return t.Metrics()
}

// MetricsTally counts what catalog metrics are made of. Tallies add up, so
// the metrics of any group of institutions come from their tallies without
// reading their services again.
type MetricsTally struct {
	ByStage                       [MaxStage + 1]int
	s3, s4, abroad, noVisit, epay int
	stageSum, weighted, volume    float64
}

// Add counts one service; inactive ones and impossible stages are left out.
func (t *MetricsTally) Add(s Service) {
	if s.Status != ServiceActive || s.Stage < 0 || s.Stage > MaxStage {
		return
	}
	t.ByStage[s.Stage]++
	if s.Stage >= StageTransactional {
		t.s3++
	}
	if s.Stage >= StageIntegrated {
		t.s4++
	}
	if s.Abroad {
		t.abroad++
	}
	if s.NoVisit {
		t.noVisit++
	}
	if s.EPayment {
		t.epay++
	}
	t.stageSum += float64(s.Stage)
	t.weighted += float64(s.Stage) * float64(s.YearlyVolume)
	t.volume += float64(s.YearlyVolume)
}

// Merge adds another tally to this one.
func (t *MetricsTally) Merge(o MetricsTally) {
	for i := range t.ByStage {
		t.ByStage[i] += o.ByStage[i]
	}
	t.s3, t.s4, t.abroad, t.noVisit, t.epay = t.s3+o.s3, t.s4+o.s4, t.abroad+o.abroad, t.noVisit+o.noVisit, t.epay+o.epay
	t.stageSum, t.weighted, t.volume = t.stageSum+o.stageSum, t.weighted+o.weighted, t.volume+o.volume
}

// Metrics turns the counts into shares and the mean stage.
func (t MetricsTally) Metrics() CatalogMetrics {
	m := CatalogMetrics{ByStage: t.ByStage}
	for _, n := range t.ByStage {
		m.Services += n
	}
	if m.Services == 0 {
		return m
	}
	n := float64(m.Services)
	m.ShareStage3, m.ShareStage4 = float64(t.s3)/n, float64(t.s4)/n
	m.ShareAbroad, m.ShareNoVisit, m.ShareEPayment = float64(t.abroad)/n, float64(t.noVisit)/n, float64(t.epay)/n
	if t.volume > 0 {
		m.MeanStage = t.weighted / t.volume
	} else {
		m.MeanStage = t.stageSum / n
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

// UsesMetric reports whether a metric item of the questionnaire names
// metric: the observed technology score is read from the checks only for
// questionnaires that score it.
func (d *Definition) UsesMetric(metric string) bool {
	for _, it := range d.Items {
		if it.Type == TypeMetric && it.Metric == metric {
			return true
		}
	}
	return false
}
