package survey

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tooLong exceeds every bound a stored text has (the longest is 4,000
// characters, for descriptions and long answers).
var tooLong = strings.Repeat("ج", 10_001)

// TestEveryInputFieldIsBounded walks the input structs: every text field
// (and every text in a list or a nested struct) set to an over-long value
// on an otherwise valid input must be refused with a field error. A field
// added later without a bound fails here.
func TestEveryInputFieldIsBounded(t *testing.T) {
	t.Parallel()
	textItem := Item{ID: "T-1", Type: TypeText, LabelAr: "نص"}
	urlItem := Item{ID: "U-1", Type: TypeURL, LabelAr: "رابط"}
	cases := []struct {
		name  string
		base  any
		check func(in any) error
		// skip names fields not validated here, with the reason; each is
		// covered by TestOverLongInputsStoreNothing.
		skip map[string]string
	}{
		{"institution", validInstitution("MOH"), func(in any) error { return in.(InstitutionInput).Normalize().Validate() }, nil},
		{"service", ServiceInput{InstitutionCode: "MOH", Code: "A", NameAr: "خدمة", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"}, func(in any) error { _, err := CheckService(in.(ServiceInput)); return err },
			map[string]string{"InstitutionCode": "looked up, never stored"}},
		{"initiative", storyInput("MOH"), func(in any) error { _, err := CheckInitiative(in.(InitiativeInput)); return err },
			map[string]string{"InstitutionCode": "looked up, never stored"}},
		{"plan action", PlanInput{TextAr: "خطة", Owner: "دائرة التخطيط", TargetRound: "2027", ProgressNote: "بدأنا"},
			func(in any) error { _, err := CheckPlan(in.(PlanInput)); return err }, nil},
		{"obstacle", ObstacleInput{Code: "budget", Kind: ObstacleInternal, LabelAr: "الميزانية", LabelEn: "Budget", Position: "1"},
			func(in any) error { _, err := CheckObstacle(in.(ObstacleInput)); return err }, nil},
		{"user", NewUser{Email: "a@example.ps", Name: "علي", Role: RoleViewer, Password: "correct horse battery"},
			func(in any) error { return in.(NewUser).Normalize().Validate().Err() }, nil},
		{"text answer", AnswerInput{ItemID: textItem.ID, Values: []string{"نص"}, Evidence: "https://moh.example.ps/a", Comment: "ملاحظة"},
			func(in any) error { _, err := CheckAnswer(textItem, in.(AnswerInput)); return err },
			map[string]string{"ItemID": "looked up, never stored"}},
		{"link answer", AnswerInput{ItemID: urlItem.ID, Values: []string{"https://moh.example.ps/a"}, Evidence: "https://moh.example.ps/b"},
			func(in any) error { _, err := CheckAnswer(urlItem, in.(AnswerInput)); return err },
			map[string]string{"ItemID": "looked up, never stored"}},
	}
	for _, tc := range cases {
		if err := tc.check(tc.base); err != nil {
			t.Fatalf("%s: the base input is not valid: %v", tc.name, err)
		}
		for _, f := range overLongVariants(tc.base) {
			if _, ok := tc.skip[strings.SplitN(f.path, ".", 2)[0]]; ok {
				continue
			}
			err := tc.check(f.value)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: %s over-long: err = %v, want a field error", tc.name, f.path, err)
			}
		}
	}
}

type variant struct {
	path  string
	value any
}

// overLongVariants returns copies of v (a struct) with one text set to
// tooLong each: string fields, strings in slices (one element), and the
// string fields of structs in slices.
func overLongVariants(v any) []variant {
	var out []variant
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		switch fv := rv.Field(i); {
		case fv.Kind() == reflect.String:
			c := reflect.New(rv.Type()).Elem()
			c.Set(rv)
			c.Field(i).SetString(tooLong)
			out = append(out, variant{f.Name, c.Interface()})
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			c := reflect.New(rv.Type()).Elem()
			c.Set(rv)
			s := reflect.MakeSlice(fv.Type(), 1, 1)
			s.Index(0).SetString(tooLong)
			c.Field(i).Set(reflect.AppendSlice(s, fv))
			out = append(out, variant{f.Name + "[0]", c.Interface()})
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct && fv.Len() > 0:
			for _, inner := range overLongVariants(fv.Index(0).Interface()) {
				c := reflect.New(rv.Type()).Elem()
				c.Set(rv)
				s := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
				reflect.Copy(s, fv)
				s.Index(0).Set(reflect.ValueOf(inner.value))
				c.Field(i).Set(s)
				out = append(out, variant{f.Name + "[0]." + inner.path, c.Interface()})
			}
		}
	}
	return out
}

func TestURLBounds(t *testing.T) {
	t.Parallel()
	base := "https://moh.example.ps/"
	tests := []struct {
		url  string
		want bool
	}{
		{base + strings.Repeat("a", MaxURLLen-len(base)), true},
		{base + strings.Repeat("a", MaxURLLen-len(base)+1), false},
		{"https://moh.example.ps/a b", false},
		{"https://moh.example.ps/\u202eexe.pdf", false}, // an override: shows as fdp.exe
		{"https://moh\u200b.example.ps/", false},
		{"https://moh.example.ps/\u2066x\u2069", false},
		{"https://moh.example.ps/\ufeff", false},
		{"https://moh.example.ps/\u2060", false},
		{"https://moh.example.ps/\u00a0", false},
		{"https://moh.example.ps/\u061c", false},
		{"https://moh.example.ps/وثيقة", true}, // Arabic in a path is fine
		{"javascript:alert(1)", false},
	}
	for _, tc := range tests {
		if got := validWebURL(tc.url); got != tc.want {
			t.Errorf("validWebURL(%.60q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}
