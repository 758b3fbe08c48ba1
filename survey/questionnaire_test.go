package survey

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func fptr(f float64) *float64 { return &f }

// validDefinition is a small definition that passes validation; cases break
// one thing each.
func validDefinition() *Definition {
	return &Definition{
		ID: "test", Version: "1", TitleAr: "استبانة", TitleEn: "Questionnaire",
		Model: Model{Scale: 100, Precision: 1, Levels: []Level{
			{Key: "high", Min: 0.5, LabelAr: "مرتفع"}, {Key: "low", Min: 0, LabelAr: "منخفض"}}},
		Sections: []Section{{ID: "STR", TitleAr: "الاستراتيجية", Weight: 10}, {ID: "SRV", TitleAr: "الخدمات", Weight: 20}},
		Items: []Item{
			{Section: "STR", ID: "STR-1", Type: TypeSingle, LabelAr: "خطة؟", Weight: 2, Required: true, Options: []Option{
				{Value: "0", LabelAr: "لا", Points: 0}, {Value: "1", LabelAr: "مسودة", Points: 1}, {Value: "2", LabelAr: "معتمدة", Points: 2}}},
			{Section: "STR", ID: "STR-1-EV", Type: TypeURL, LabelAr: "رابط الإثبات", ShowIf: "STR-1 >= 2"},
			{Section: "STR", ID: "STR-2", Type: TypeMulti, LabelAr: "ابتكار", Weight: 1, Cap: 2, Options: []Option{
				{Value: "a", LabelAr: "أ", Points: 1}, {Value: "b", LabelAr: "ب", Points: 1}, {Value: "c", LabelAr: "ج", Points: 1}}},
			{Section: "SRV", ID: "SRV-1", Type: TypeMetric, Metric: "share_stage3", LabelAr: "معاملاتية", Weight: 3},
			{Section: "SRV", ID: "SRV-2", Type: TypePercent, LabelAr: "نسبة", Weight: 1, Floor: fptr(0), Target: fptr(60)},
			{Section: "SRV", ID: "SRV-3", Type: TypeNumber, LabelAr: "عدد", Weight: 1, Min: fptr(0), Max: fptr(1000),
				Bands: []Band{{Min: 0, Score: 0}, {Min: 10, Score: 0.5}, {Min: 100, Score: 1}}},
			{Section: "SRV", ID: "SRV-4", Type: TypeYesNo, LabelAr: "نعم؟", Weight: 1, ShowIf: `STR-2 in ["a", "b"] && SRV-3 > 5`},
		},
	}
}

func TestDefinitionValidation(t *testing.T) {
	if err := validDefinition().Validate(); err != nil {
		t.Fatalf("the valid definition fails: %v", err)
	}
	cases := []struct {
		name   string
		break_ func(d *Definition)
		want   string
	}{
		{"bad definition id", func(d *Definition) { d.ID = "has space" }, "id \"has space\""},
		{"no title", func(d *Definition) { d.TitleAr = " " }, "title_ar is required"},
		{"bad scale", func(d *Definition) { d.Model.Scale = 10 }, "model.scale"},
		{"levels out of order", func(d *Definition) { d.Model.Levels[1].Min = 0.9 }, "highest min down"},
		{"bad normalization", func(d *Definition) { d.Model.Normalization = "rank" }, "normalization"},
		{"duplicate section", func(d *Definition) { d.Sections[1].ID = "STR" }, "id used twice"},
		{"section weight 0", func(d *Definition) { d.Sections[0].Weight = 0 }, "weight must be > 0"},
		{"duplicate item id", func(d *Definition) { d.Items[2].ID = "STR-1" }, "item 3 (STR-1): id used twice"},
		{"unknown section", func(d *Definition) { d.Items[0].Section = "XXX" }, "unknown section"},
		{"unknown type", func(d *Definition) { d.Items[0].Type = "slider" }, "unknown type"},
		{"no Arabic label", func(d *Definition) { d.Items[0].LabelAr = "" }, "label_ar is required"},
		{"scored item without weight", func(d *Definition) { d.Items[0].Weight = 0 }, "needs a weight > 0"},
		{"one option", func(d *Definition) { d.Items[0].Options = d.Items[0].Options[:1] }, "at least two options"},
		{"duplicate option", func(d *Definition) { d.Items[0].Options[1].Value = "0" }, "option 2: value must be unique"},
		{"negative points", func(d *Definition) { d.Items[0].Options[1].Points = -1 }, "points must be ≥ 0"},
		{"no points at all", func(d *Definition) {
			for i := range d.Items[0].Options {
				d.Items[0].Options[i].Points = 0
			}
		}, "no option gives points"},
		{"cap on single", func(d *Definition) { d.Items[0].Cap = 2 }, "cap is for multiple choice only"},
		{"unknown metric", func(d *Definition) { d.Items[3].Metric = "share_magic" }, "unknown metric"},
		{"floor without target", func(d *Definition) { d.Items[4].Target = nil }, "floor and target go together"},
		{"number without range", func(d *Definition) { d.Items[5].Max = nil }, "min and max are required"},
		{"bands out of order", func(d *Definition) { d.Items[5].Bands[2].Min = 5 }, "bands go up by min"},
		{"show_if to a later item", func(d *Definition) { d.Items[1].ShowIf = "SRV-4 == true" }, `refers to "SRV-4", which is not an earlier item`},
		{"show_if to itself", func(d *Definition) { d.Items[1].ShowIf = "STR-1-EV" }, "refers to the item itself"},
		{"show_if parse error", func(d *Definition) { d.Items[1].ShowIf = "STR-1 >=" }, "item 2 (STR-1-EV): show_if: expected a value"},
		{"no items", func(d *Definition) { d.Items = nil }, "at least one item"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDefinition()
			tc.break_(d)
			err := d.Validate()
			var de *DefinitionError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDefinitionJSONAndHash(t *testing.T) {
	d := validDefinition()
	b, err := d.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseDefinition(b)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := d.Hash()
	h2, _ := back.Hash()
	if h1 != h2 || len(h1) != 64 {
		t.Errorf("hash changed through JSON: %s vs %s", h1, h2)
	}
	back.Items[0].LabelAr = "خطة معدلة؟"
	if h3, _ := back.Hash(); h3 == h1 {
		t.Error("a change did not change the hash")
	}
	if !back.Items[6].Cond().Eval(answerMap{"STR-2": {"b"}, "SRV-3": {"7"}}) {
		t.Error("show_if not parsed on load")
	}
	for name, src := range map[string]string{
		"unknown field": `{"id":"x","surprise":1}`,
		"not JSON":      `{"id":`,
		"two values":    `{} {}`,
		"wrong type":    `{"id": 5}`,
	} {
		if _, err := ParseDefinition([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseDefinition(f *testing.F) {
	b, _ := json.Marshal(validDefinition())
	f.Add(b)
	f.Add([]byte(`{"id":"x","items":[{"id":"a","show_if":"((("}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := ParseDefinition(src)
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a DefinitionError: %v", err)
			}
			return
		}
		if _, err := d.Hash(); err != nil {
			t.Fatal(err)
		}
	})
}
