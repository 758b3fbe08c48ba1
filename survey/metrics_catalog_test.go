package survey

import (
	"math"
	"testing"
)

func TestComputeMetrics(t *testing.T) {
	svc := func(inst string, stage int, vol int64, abroad, noVisit, epay bool, status string) Service {
		return Service{InstitutionCode: inst, Stage: stage, YearlyVolume: vol, Abroad: abroad, NoVisit: noVisit, EPayment: epay, Status: status}
	}
	cases := []struct {
		name string
		in   []Service
		want CatalogMetrics
	}{
		{"no services", nil, CatalogMetrics{}},
		{"only retired and planned count as nothing", []Service{
			svc("A", 5, 10, true, true, true, ServiceRetired), svc("A", 4, 10, true, true, true, ServicePlanned),
		}, CatalogMetrics{}},
		{"hand-checked mix", []Service{
			// stages 0, 2, 3, 5 with volumes 100, 300, 0, 100
			svc("A", 0, 100, false, false, false, ServiceActive),
			svc("A", 2, 300, false, true, false, ServiceActive),
			svc("A", 3, 0, true, true, true, ServiceActive),
			svc("A", 5, 100, true, true, true, ServiceActive),
			svc("A", 5, 1000, true, true, true, ServiceRetired), // ignored
		}, CatalogMetrics{
			Services: 4, ByStage: [6]int{1, 0, 1, 1, 0, 1},
			ShareStage3: 0.5, ShareStage4: 0.25, ShareAbroad: 0.5, ShareNoVisit: 0.75, ShareEPayment: 0.5,
			// (0·100 + 2·300 + 3·0 + 5·100) / 500 = 1100 / 500
			MeanStage: 2.2,
		}},
		{"no volumes: plain mean", []Service{
			svc("A", 1, 0, false, false, false, ServiceActive),
			svc("A", 4, 0, false, false, false, ServiceActive),
		}, CatalogMetrics{Services: 2, ByStage: [6]int{0, 1, 0, 0, 1, 0}, ShareStage3: 0.5, ShareStage4: 0.5, MeanStage: 2.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ComputeMetrics(tc.in)
			if got.Services != tc.want.Services || got.ByStage != tc.want.ByStage {
				t.Fatalf("counts = %+v, want %+v", got, tc.want)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"stage3", got.ShareStage3, tc.want.ShareStage3}, {"stage4", got.ShareStage4, tc.want.ShareStage4},
				{"abroad", got.ShareAbroad, tc.want.ShareAbroad}, {"no visit", got.ShareNoVisit, tc.want.ShareNoVisit},
				{"e-payment", got.ShareEPayment, tc.want.ShareEPayment}, {"mean stage", got.MeanStage, tc.want.MeanStage},
			} {
				if math.Abs(f.got-f.want) > 1e-12 {
					t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
				}
			}
		})
	}
	byInst := MetricsByInstitution([]Service{
		svc("A", 3, 0, true, false, false, ServiceActive), svc("B", 1, 0, false, false, false, ServiceActive), svc("B", 5, 0, false, false, false, ServiceActive),
	})
	if byInst["A"].ShareAbroad != 1 || byInst["B"].Services != 2 || byInst["B"].MeanStage != 3 || byInst["B"].MeanStageShare() != 0.6 {
		t.Errorf("by institution = %+v", byInst)
	}
}

// TestMetricsTallyMerge: the metrics of tallies merged by institution are
// those of all the services at once, whatever the split.
func TestMetricsTallyMerge(t *testing.T) {
	var all []Service
	byInst := map[string]*MetricsTally{}
	for i := range 500 {
		s := Service{
			InstitutionCode: string(rune('A' + i%7)), Stage: (i * 7) % 6, YearlyVolume: int64((i * 37) % 1000),
			Abroad: i%3 == 0, NoVisit: i%4 != 0, EPayment: i%5 == 0, Status: ServiceActive,
		}
		if i%11 == 0 {
			s.Status = ServiceRetired
		}
		all = append(all, s)
		if byInst[s.InstitutionCode] == nil {
			byInst[s.InstitutionCode] = &MetricsTally{}
		}
		byInst[s.InstitutionCode].Add(s)
	}
	var merged MetricsTally
	for _, t := range byInst {
		merged.Merge(*t)
	}
	got, want := merged.Metrics(), ComputeMetrics(all)
	if got.Services != want.Services || got.ByStage != want.ByStage || math.Abs(got.MeanStage-want.MeanStage) > 1e-9 ||
		math.Abs(got.ShareAbroad-want.ShareAbroad) > 1e-12 || math.Abs(got.ShareNoVisit-want.ShareNoVisit) > 1e-12 ||
		math.Abs(got.ShareEPayment-want.ShareEPayment) > 1e-12 || math.Abs(got.ShareStage3-want.ShareStage3) > 1e-12 ||
		math.Abs(got.ShareStage4-want.ShareStage4) > 1e-12 {
		t.Errorf("merged %+v\nwant %+v", got, want)
	}
	if want.Services == 0 || want.Services == len(all) {
		t.Fatalf("the data should mix counted and left-out services: %d of %d", want.Services, len(all))
	}
}
