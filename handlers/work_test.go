package handlers

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// returnMOH fills MOH's 2026 draft, submits it and has the coordinator
// return it with a comment on STR-1, as a review would.
func returnMOH(t *testing.T, st *sqlstore.Store, roundID int64, comment string) {
	t.Helper()
	ctx := context.Background()
	admin := survey.Actor{Role: survey.RoleAdmin}
	answerRequired(t, st, roundID, "MOH")
	if _, err := st.ResponseAction(ctx, admin, roundID, "MOH", "submit"); err != nil {
		t.Fatal(err)
	}
	if err := st.ReviewAnswer(ctx, admin, roundID, "MOH", "STR-1", survey.ReviewIssues, comment); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ResponseAction(ctx, admin, roundID, "MOH", "return"); err != nil {
		t.Fatal(err)
	}
}

// answerRequired answers, as the coordinator, every required item of an
// institution's response in a round that has no answer yet (with a valid
// value of its type), until the response can be submitted.
func answerRequired(t *testing.T, st *sqlstore.Store, roundID int64, code string) {
	t.Helper()
	ctx := context.Background()
	admin := survey.Actor{Role: survey.RoleAdmin}
	r, err := st.Round(ctx, roundID)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // answering can show further required items
		resp, err := st.Response(ctx, roundID, code)
		if err != nil {
			t.Fatal(err)
		}
		answers, err := st.Answers(ctx, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		missing := survey.MissingAnswers(q.Def, answers)
		if len(missing) == 0 {
			return
		}
		for _, id := range missing {
			it, _ := q.Def.Item(id)
			in := survey.AnswerInput{ItemID: id, Values: []string{"0"}}
			switch it.Type {
			case survey.TypeSingle, survey.TypeMulti:
				in.Values = []string{it.Options[0].Value}
			case survey.TypeYesNo:
				in.Values = []string{"no"}
			case survey.TypeScale, survey.TypeNumber:
				in.Values = []string{strconv.FormatFloat(*it.Min, 'f', -1, 64)}
			case survey.TypeText:
				in.Values = []string{"نص"}
			case survey.TypeURL:
				in.Values = []string{"https://moh.example.ps/evidence"}
			}
			if _, err := st.SaveAnswer(ctx, admin, roundID, code, in); err != nil {
				t.Fatalf("answer %s: %v", id, err)
			}
		}
	}
	t.Fatalf("%s still has unanswered required items", code)
}

// TestWorkPage: a respondent's work page names the institution, the open
// round with its deadline and progress, and after a return the reviewer's
// comment with a link to the question itself; other roles are refused.
func TestWorkPage(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	open := roundIDByName(t, st, "2026")
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)

	r := moh.get("/ar/work")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	// The demo's deadline (moved on if it had passed when the demo was seeded, survey/sqlstore/demo_tx.go).
	openRound, err := st.Round(context.Background(), openRoundID(t, st))
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, r.Body, "وزارة الصحة", "جولة التقييم <bdi>2026</bdi> مفتوحة", `<bdi dir="ltr">`+openRound.Deadline+"</bdi>", "مسودة",
		"/ar/rounds/"+open+"/responses/MOH?section=", "خدمات تحتاج إلى مراجعة",
		"/ar/rounds/"+roundIDByName(t, st, "2025")+"/scorecards/MOH", "/ar/rounds/"+roundIDByName(t, st, "2025")+"/plans/MOH")
	if strings.Contains(r.Body, "ستفتح") || strings.Contains(r.Body, "لا توجد جولة تقييم مفتوحة") {
		t.Error("the work page says no round is open while 2026 is")
	}
	// The open round was only read: no draft appears for MOI by looking.
	moi := newClient(t, ts)
	moi.signIn("en", "moi@example.ps", survey.DemoPassword)
	r = moi.get("/en/work")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "Ministry of Interior", "Survey round <bdi>2026</bdi> is open", "Not started", "Start the questionnaire")
	if strings.Contains(r.Body, "/responses/MOH") {
		t.Error("MOI's page links to MOH's response")
	}
	id, _ := strconv.ParseInt(open, 10, 64)
	board, err := st.RoundBoard(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range board {
		if row.Institution.Code == "MOI" && row.Status != "" {
			t.Errorf("reading the work page created MOI's response (%s)", row.Status)
		}
	}

	comment := "الخطة المرفقة مسودة غير معتمدة؛ أرفق النسخة المعتمدة"
	returnMOH(t, st, id, comment)
	r = moh.get("/ar/work")
	assertContains(t, r.Body, "أُعيدت للتعديل", html.EscapeString(comment),
		"/ar/rounds/"+open+"/responses/MOH?section=STR#i-STR-1", "عدّل الإجابات المُعادة")

	home := moh.get("/ar/")
	assertContains(t, home.Body, `href="/ar/work"`, "وزارة الصحة", "جولة التقييم <bdi>2026</bdi> مفتوحة")
	if strings.Contains(home.Body, "عند فتح جولة التقييم") || strings.Contains(home.Body, "المؤسسة MOH") {
		t.Error("the home page's card still says the round will open, or shows the code")
	}

	for _, who := range []string{"admin@example.ps", "viewer@example.ps"} {
		c := newClient(t, ts)
		c.signIn("ar", who, survey.DemoPassword)
		assertStatus(t, c.get("/ar/work"), http.StatusForbidden)
	}
	anon := newClient(t, ts).get("/ar/work")
	assertStatus(t, anon, http.StatusSeeOther)
	if !strings.HasPrefix(anon.Header.Get("Location"), "/ar/login") {
		t.Errorf("anonymous sent to %q", anon.Header.Get("Location"))
	}
}

var answerCell = regexp.MustCompile(`data-label="(?:الإجابة|Answer)"><bdi>([^<]*)</bdi>`)

// TestScorecardExplainsInWords: the "how this score was computed" table
// shows the options' labels, yes and no, and percentages — never a stored
// option code, an "a;b;c" list or a bare fraction.
func TestScorecardExplainsInWords(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	id := roundIDByName(t, st, "2025")
	rid, _ := strconv.ParseInt(id, 10, 64)
	round, _ := st.Round(ctx, rid)
	q, err := st.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.ScoreResult(ctx, rid, "MOH", survey.ScoreSelf)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	for _, lang := range []string{"ar", "en"} {
		body := c.get("/" + lang + "/rounds/" + id + "/scorecards/MOH").Body
		cells := answerCell.FindAllStringSubmatch(body, -1)
		if len(cells) < 40 {
			t.Fatalf("%s: %d answer cells", lang, len(cells))
		}
		shown := map[string]bool{}
		for _, m := range cells {
			v := html.UnescapeString(m[1])
			shown[v] = true
			if strings.Contains(v, ";") || regexp.MustCompile(`^[a-z][a-z0-9-]*$|^0\.\d+$|^1\.0+$`).MatchString(v) {
				t.Errorf("%s: internal value %q in the table", lang, v)
			}
		}
		checked := 0
		for _, is := range res.Items {
			it, _ := q.Def.Item(is.ItemID)
			if is.Dropped != "" || is.Value == "" || (it.Type != survey.TypeSingle && it.Type != survey.TypeMulti) {
				continue
			}
			var labels []string
			for _, v := range strings.Split(is.Value, ";") {
				for _, o := range it.Options {
					if o.Value == v {
						labels = append(labels, o.Label(lang))
					}
				}
			}
			sep := map[string]string{"ar": "، ", "en": ", "}[lang]
			if want := strings.Join(labels, sep); !shown[want] {
				t.Errorf("%s: %s shows no %q", lang, it.ID, want)
			}
			checked++
		}
		if checked < 10 {
			t.Errorf("%s: only %d choice items checked", lang, checked)
		}
		if !strings.Contains(body, "%") {
			t.Errorf("%s: no catalog share as a percentage", lang)
		}
	}
}

// TestRankingsHeaders: the dimension columns are headed by short names
// (the full title in the header's title and in the printed key), and the
// change is two labelled columns, score and rank.
func TestRankingsHeaders(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	id := roundIDByName(t, st, "2025")
	rid, _ := strconv.ParseInt(id, 10, 64)
	round, _ := st.Round(ctx, rid)
	q, _ := st.Questionnaire(ctx, round.QuestionnaireID)
	c := newClient(t, ts)
	for _, lang := range []string{"ar", "en"} {
		body := c.get("/" + lang + "/rounds/" + id + "/rankings").Body
		head := body[strings.Index(body, "<thead>"):strings.Index(body, "</thead>")]
		for _, sec := range q.Def.Sections {
			if sec.Short(lang) == sec.Title(lang) {
				t.Fatalf("%s has no short name", sec.ID)
			}
			assertContains(t, head, `title="`+html.EscapeString(sec.Title(lang))+`"`, ">"+html.EscapeString(sec.Short(lang))+"</a></th>")
			if strings.Contains(head, ">"+sec.ID+"<") {
				t.Errorf("%s: header %s is the bare code", lang, sec.ID)
			}
			assertContains(t, body, "<dt>"+html.EscapeString(sec.Short(lang))+"</dt><dd><bdi>"+html.EscapeString(sec.Title(lang))+"</bdi>")
		}
		key := map[string][]string{"ar": {"تغير الدرجة", "تغير المرتبة", "مفتاح الجدول", "لم تشارك في الجولة المقارَن بها", "التغير عن جولة <bdi>2024</bdi>"},
			"en": {"Score change", "Rank change", "Key to the table", "not in the round compared with", "Change since round <bdi>2024</bdi>"}}[lang]
		assertContains(t, head, key[0], key[1])
		assertContains(t, body, key[2:]...)
	}
}

// TestServicePageStartOnline: the button to start a service online is
// only for a service done online end to end (stage 3 or above) that has an
// address; facts are said positively, never "no visit required: no".
func TestServicePageStartOnline(t *testing.T) {
	t.Parallel()
	ts, st := newEmptyCatalogServer(t)
	online := addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "T3", NameAr: "خدمة معاملاتية", Stage: "3",
		OnlineURL: "https://moh.example.ps/t3", NoVisit: true, Abroad: true})
	info := addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "I2", NameAr: "خدمة تفاعلية", Stage: "2",
		OnlineURL: "https://moh.example.ps/i2"})
	counter := addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "C0", NameAr: "خدمة في المكتب", Stage: "0"})
	c := newClient(t, ts)
	for _, tc := range []struct {
		sv      survey.Service
		button  bool
		visit   string
		noVisit string
	}{
		{online, true, "غير مطلوبة", "مطلوبة: تتطلب"},
		{info, false, "مطلوبة: تتطلب مراجعة أحد مكاتب المؤسسة", "غير مطلوبة"},
		{counter, false, "مطلوبة: تتطلب مراجعة أحد مكاتب المؤسسة", "غير مطلوبة"},
	} {
		body := c.get("/ar/catalog/" + strconv.FormatInt(tc.sv.ID, 10)).Body
		if got := strings.Contains(body, "ابدأ الخدمة إلكترونياً"); got != tc.button {
			t.Errorf("%s (stage %d): start button %v, want %v", tc.sv.Code, tc.sv.Stage, got, tc.button)
		}
		assertContains(t, body, tc.visit)
		if strings.Contains(body, tc.noVisit) {
			t.Errorf("%s: says %q", tc.sv.Code, tc.noVisit)
		}
		for _, bad := range []string{"<dt>لا تتطلب مراجعة شخصية</dt>", "<dd>لا</dd>", "<dd>نعم</dd>"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: yes/no fact %q", tc.sv.Code, bad)
			}
		}
	}
	assertContains(t, c.get("/ar/catalog/"+strconv.FormatInt(info.ID, 10)).Body, `href="https://moh.example.ps/i2"`)
}

// TestPartnerNamesByLanguage: Arabic pages name partners in Arabic alone,
// English pages in English; the form keeps both names.
func TestPartnerNamesByLanguage(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	list, err := st.ListInitiatives(ctx, survey.InitiativeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var story survey.Initiative
	for _, in := range list {
		for _, p := range in.Partners {
			if p.NameEn == "European Union" && in.Story && in.StoryStatus == survey.StoryApproved {
				story = in
			}
		}
	}
	if story.ID == 0 {
		t.Fatal("no approved demo story with the European Union as a partner")
	}
	for _, in := range list {
		for _, p := range in.Partners {
			if strings.ContainsAny(p.Name, "()") && regexp.MustCompile(`\([A-Za-z]`).MatchString(p.Name) {
				t.Errorf("demo partner %q carries an English name in parentheses", p.Name)
			}
		}
	}
	id := strconv.FormatInt(story.ID, 10)
	anon := newClient(t, ts)
	viewer := newClient(t, ts)
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	for _, page := range []struct {
		c    *client
		path string
	}{{anon, "/stories/" + id}, {viewer, "/initiatives/" + id}, {viewer, "/initiatives?institution=" + story.InstitutionCode}} {
		ar := page.c.get("/ar" + page.path).Body
		assertContains(t, ar, "<bdi>الاتحاد الأوروبي</bdi>")
		if strings.Contains(ar, "European Union") || strings.Contains(ar, "(EU)") {
			t.Errorf("/ar%s shows a partner's English name", page.path)
		}
		assertContains(t, page.c.get("/en"+page.path).Body, "<bdi>European Union</bdi>")
	}

	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	form := initiativeValues("ربط المختبرات")
	form["partner_name_en"] = []string{"Birzeit University", ""}
	r := moh.post("/ar/institutions/MOH/initiatives", form, "/ar/institutions/MOH/initiatives/new")
	assertStatus(t, r, http.StatusSeeOther)
	m := initiativeLink.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("redirect %q", r.Header.Get("Location"))
	}
	in, err := st.Initiative(ctx, mustInt(t, m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Partners) != 1 || in.Partners[0] != (survey.Partner{Type: "university", Name: "جامعة بيرزيت", NameEn: "Birzeit University"}) {
		t.Errorf("partners stored as %+v", in.Partners)
	}
	long := initiativeValues("طويل")
	long["partner_name_en"] = []string{strings.Repeat("x", 201), ""}
	assertStatus(t, moh.post("/ar/institutions/MOH/initiatives", long, "/ar/institutions/MOH/initiatives/new"), http.StatusUnprocessableEntity)
}
