package sqlstore

import (
	"marsad/survey"
)

// validDefinition is a small definition that passes validation; cases break
// one thing each.
func validDefinition() *survey.Definition {
	return &survey.Definition{
		ID: "test", Version: "1", TitleAr: "استبانة", TitleEn: "Questionnaire",
		Model: survey.Model{Scale: 100, Precision: 1, Levels: []survey.Level{
			{Key: "high", Min: 0.5, LabelAr: "مرتفع"}, {Key: "low", Min: 0, LabelAr: "منخفض"}}},
		Sections: []survey.Section{{ID: "STR", TitleAr: "الاستراتيجية", Weight: 10}, {ID: "SRV", TitleAr: "الخدمات", Weight: 20}},
		Items: []survey.Item{
			{Section: "STR", ID: "STR-1", Type: survey.TypeSingle, LabelAr: "خطة؟", Weight: 2, Required: true, Options: []survey.Option{
				{Value: "0", LabelAr: "لا", Points: 0}, {Value: "1", LabelAr: "مسودة", Points: 1}, {Value: "2", LabelAr: "معتمدة", Points: 2}}},
			{Section: "STR", ID: "STR-1-EV", Type: survey.TypeURL, LabelAr: "رابط الإثبات", ShowIf: "STR-1 >= 2"},
			{Section: "STR", ID: "STR-2", Type: survey.TypeMulti, LabelAr: "ابتكار", Weight: 1, Cap: 2, Options: []survey.Option{
				{Value: "a", LabelAr: "أ", Points: 1}, {Value: "b", LabelAr: "ب", Points: 1}, {Value: "c", LabelAr: "ج", Points: 1}}},
			{Section: "SRV", ID: "SRV-1", Type: survey.TypeMetric, Metric: "share_stage3", LabelAr: "معاملاتية", Weight: 3},
			{Section: "SRV", ID: "SRV-2", Type: survey.TypePercent, LabelAr: "نسبة", Weight: 1, Floor: fptr(0), Target: fptr(60)},
			{Section: "SRV", ID: "SRV-3", Type: survey.TypeNumber, LabelAr: "عدد", Weight: 1, Min: fptr(0), Max: fptr(1000),
				Bands: []survey.Band{{Min: 0, Score: 0}, {Min: 10, Score: 0.5}, {Min: 100, Score: 1}}},
			{Section: "SRV", ID: "SRV-4", Type: survey.TypeYesNo, LabelAr: "نعم؟", Weight: 1, ShowIf: `STR-2 in ["a", "b"] && SRV-3 > 5`},
		},
	}
}

func fptr(f float64) *float64 { return &f }
