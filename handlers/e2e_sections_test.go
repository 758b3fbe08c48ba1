package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// fillSection is the script that answers every visible, unanswered
// question of the open section the way a person does (a click or typing,
// each firing the events the page listens to), again and again while
// answering shows new questions (show_if). Choices take the last option (the
// highest level, which shows the evidence questions), a multiple choice its
// first option not yet chosen that is not "none"; typed answers come from
// plan. It returns the values each question then has, by item.
const fillSection = `(function (plan) {
  var chosen = {};
  for (var round = 0; round < 10; round++) {
    var more = false;
    document.querySelectorAll("fieldset.question[data-item]").forEach(function (fs) {
      var id = fs.getAttribute("data-item");
      if (fs.hidden || chosen[id] || !fs.querySelector('input[name="ver.' + id + '"]')) { return; }
      var type = fs.getAttribute("data-type"), el = null, value = null;
      if (type === "single" || type === "yesno" || type === "scale") {
        var radios = fs.querySelectorAll('input[type="radio"]');
        el = type === "yesno" ? fs.querySelector('input[value="yes"]') : radios[radios.length - 1];
      } else if (type === "multi") {
        el = Array.prototype.filter.call(fs.querySelectorAll('input[type="checkbox"][name^="v."]'), function (c) { return c.value !== "none" && !c.checked; })[0];
      }
      if (el || type === "multi") {
        if (el) { el.click(); } // a multiple choice with every option chosen stays as it is
        value = Array.prototype.map.call(fs.querySelectorAll('[name="v.' + id + '"]:checked'), function (c) { return c.value; });
      } else {
        el = fs.querySelector('[name="v.' + id + '"]');
        if (!el || !(id in plan)) { return; }
        el.focus();
        el.value = plan[id];
        el.dispatchEvent(new Event("input", {bubbles: true}));
        el.dispatchEvent(new Event("change", {bubbles: true}));
        value = [plan[id]];
      }
      chosen[id] = value;
      more = true;
    });
    if (!more) { break; }
  }
  return chosen;
})`

// typedAnswers are valid answers to the typed questions of a definition.
func typedAnswers(def *survey.Definition) map[string]string {
	plan := map[string]string{}
	for _, it := range def.Items {
		switch it.Type {
		case survey.TypeURL:
			plan[it.ID] = "https://example.ps/evidence/" + strings.ToLower(it.ID)
		case survey.TypeText:
			plan[it.ID] = "إجابة نصية تجريبية"
		case survey.TypePercent:
			plan[it.ID] = "٤٥" // Arabic-Indic digits, as a ministry's keyboard types them
		case survey.TypeNumber:
			lo := 0.0
			if it.Min != nil {
				lo = *it.Min
			}
			plan[it.ID] = strconv.FormatFloat(lo+1, 'f', -1, 64)
		}
	}
	return plan
}

// questionnaireSession is a signed-in tab on a questionnaire.
type questionnaireSession struct {
	t    *testing.T
	ctx  context.Context
	base string // the response's page: …/ar/rounds/ID/responses/CODE
	def  *survey.Definition
	plan string // typedAnswers as JSON
}

func (q *questionnaireSession) must(step string, err error) {
	q.t.Helper()
	if err != nil {
		body, _ := chromedp.Run(q.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 1500) : ""`))
		q.t.Fatalf("%s: %v\n%s", step, err, body)
	}
}

// open opens a section and waits for its script.
func (q *questionnaireSession) open(section string) {
	q.t.Helper()
	q.must("open "+section, chromedp.Do(q.ctx,
		chromedp.Navigate(q.base+"?section="+section),
		chromedp.WaitVisible(chromedp.CSS(`fieldset.question`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`),
	))
	scriptErr, err := chromedp.Run(q.ctx, chromedp.Evaluate[string](`document.querySelector(".response").getAttribute("data-script-error") || ""`))
	q.must("read script state", err)
	if scriptErr != "" {
		q.t.Errorf("section %s: the page's script failed: %s", section, scriptErr)
	}
}

// fill answers the open section and returns what it chose.
func (q *questionnaireSession) fill(section string) map[string][]string {
	q.t.Helper()
	chosen, err := chromedp.Run(q.ctx, chromedp.Evaluate[map[string][]string](fillSection+`(`+q.plan+`)`))
	q.must("fill "+section, err)
	for _, it := range q.def.SectionItems(section) {
		if it.Type != survey.TypeMetric && it.ShowIf == "" && len(chosen[it.ID]) == 0 {
			q.t.Errorf("section %s: question %s was not answered", section, it.ID)
		}
	}
	return chosen
}

// logWeight logs what the open section weighs and when it could be used:
// the page and its files as sent (compressed when they were) and as read,
// and the navigation timing (reported in the README, never asserted).
func (q *questionnaireSession) logWeight(section string) {
	q.t.Helper()
	m, err := chromedp.Run(q.ctx, chromedp.Evaluate[map[string]float64](`(function () {
		var nav = performance.getEntriesByType("navigation")[0];
		var sent = nav.transferSize, read = nav.decodedBodySize, page = nav.decodedBodySize, files = 0;
		performance.getEntriesByType("resource").forEach(function (r) { sent += r.transferSize; read += r.decodedBodySize; files++; });
		return {page: page, sent: sent, read: read, files: files, interactive: nav.domInteractive, loaded: nav.loadEventEnd,
			questions: document.querySelectorAll("fieldset.question").length};
	})()`))
	q.must("read the page's weight", err)
	q.t.Logf("section %s (%v questions): HTML %.0f KB; with its %v files %.0f KB read, %.0f KB over the wire (0 when cached); interactive at %.0f ms, loaded at %.0f ms",
		section, m["questions"], m["page"]/1024, m["files"], m["read"]/1024, m["sent"]/1024, m["interactive"], m["loaded"])
}

// queued counts the answers waiting in the page's queues (localStorage).
const queued = `(function () {
	var n = 0;
	for (var i = 0; i < localStorage.length; i++) {
		var k = localStorage.key(i);
		if (k.indexOf("marsad-queue:") === 0) { n += Object.keys(JSON.parse(localStorage.getItem(k)) || {}).length; }
	}
	return n;
})()`

const queueEmpty = queued + ` === 0`

// queueLength is how many answers wait in the page's queue.
func (q *questionnaireSession) queueLength() int {
	n, err := chromedp.Run(q.ctx, chromedp.Evaluate[int](queued))
	q.must("read the queue", err)
	return n
}

// checkStored compares the stored answers with what the browser chose.
func checkStored(t *testing.T, st *sqlstore.Store, roundID int64, code string, def *survey.Definition, chosen map[string][]string) {
	t.Helper()
	answers := storedAnswers(t, st, roundID, code)
	for id, values := range chosen {
		it, _ := def.Item(id)
		want := slices.Clone(values)
		for i, v := range want {
			if it.Type == survey.TypePercent || it.Type == survey.TypeNumber {
				f, _ := survey.ParseNumber(v)
				want[i] = strconv.FormatFloat(f, 'f', -1, 64)
			}
		}
		got := slices.Clone(answers[id].Values)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s %s: stored %q, the browser chose %q", code, id, got, want)
		}
	}
}

func storedAnswers(t *testing.T, st *sqlstore.Store, roundID int64, code string) survey.AnswerSet {
	t.Helper()
	resp, err := st.Response(context.Background(), roundID, code)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := st.Answers(context.Background(), resp.ID)
	if err != nil {
		t.Fatal(err)
	}
	return answers
}

func newQuestionnaireSession(t *testing.T, ctx context.Context, site string, st *sqlstore.Store, email, code string) (*questionnaireSession, int64) {
	roundID := openRoundID(t, st)
	round, err := st.Round(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(context.Background(), round.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(typedAnswers(q.Def))
	qs := &questionnaireSession{t: t, ctx: ctx, def: q.Def, plan: string(plan),
		base: site + "/ar/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + code}
	qs.must("sign in", chromedp.Do(ctx,
		chromedp.Navigate(site+"/ar/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), survey.DemoPassword),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.site-header form[action$="/logout"]`)),
	))
	return qs, roundID
}

// TestBrowserQuestionnaireEverySection fills every section of the stock
// questionnaire online, as the Ministry of Health's officer (whose demo
// draft answers part of it), checking on each that the page's script runs,
// that a conditional question appears as soon as its trigger is answered,
// that the progress counters follow the saves without a reload, and that
// every answer reaches the database.
func TestBrowserQuestionnaireEverySection(t *testing.T) {
	skipInShortMode(t)
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	q, roundID := newQuestionnaireSession(t, ctx, ts.URL, st, "moh@example.ps", "MOH")

	// The evidence question after DIA-3 appears live when DIA-3 reaches level 2.
	q.open("DIA")
	q.must("DIA-3 at level 3", chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.getElementById("i-DIA-3-EV").hidden === true || document.getElementById("o-DIA-3-3").checked`),
		click(chromedp.ID("o-DIA-3-0")),
		chromedp.Poll[chromedp.Void](`document.getElementById("i-DIA-3-EV").hidden === true`),
		click(chromedp.ID("o-DIA-3-3")),
		chromedp.WaitVisible(chromedp.ID("v-DIA-3-EV")),
	))

	chosen := map[string][]string{}
	biggest := ""
	for _, sec := range q.def.Sections {
		if biggest == "" || len(q.def.SectionItems(sec.ID)) > len(q.def.SectionItems(biggest)) {
			biggest = sec.ID
		}
	}
	for _, sec := range q.def.Sections {
		q.open(sec.ID)
		if sec.ID == biggest {
			q.logWeight(sec.ID)
		}
		for id, v := range q.fill(sec.ID) {
			chosen[id] = v
		}
		q.must("saves of "+sec.ID, chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond), chromedp.Poll[chromedp.Void](
			`document.querySelectorAll(".item-status.pending, .item-status.error, .item-status.conflict").length === 0 && `+queueEmpty,
			chromedp.WithPollingTimeout(30*time.Second))))
		// The counters followed the saves, with no reload, to the server's count.
		answered, total := survey.Progress(q.def, storedAnswers(t, st, roundID, "MOH"))
		line, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("progress-text")))
		q.must("read progress", err)
		if want := fmt.Sprintf("أُجيب عن %d من %d", answered, total); line != want {
			t.Errorf("section %s: the progress line says %q, the server counts %q", sec.ID, line, want)
		}
		counter, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-count="`+sec.ID+`"]`)))
		q.must("read the section's counter", err)
		if a, t2, ok := strings.Cut(counter, "/"); !ok || a != t2 {
			t.Errorf("section %s: its counter says %s after answering it all", sec.ID, counter)
		}
	}
	checkStored(t, st, roundID, "MOH", q.def, chosen)
}

// offline cuts the browser's network (navigator.onLine, the page's and the
// service worker's requests) and the server's connections alike.
func offline(ctx context.Context, net *flakyNetwork, down bool) error {
	net.down.Store(down)
	net.all.Store(down)
	return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: down, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
			return err
		}
		var rules []*network.Conditions
		if down {
			rules = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
		}
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &down, MatchedNetworkConditions: rules})
		return err
	}))
}

// TestBrowserQuestionnaireOffline: the Ministry of Interior's officer opens
// the questionnaire once, then loses the connection and fills all eight
// sections offline — each section page reloaded from the service worker's
// copy, every answer waiting in the browser — and reloads a section to find
// the answers still there. When the connection returns, every answer
// reaches the database.
func TestBrowserQuestionnaireOffline(t *testing.T) {
	skipInShortMode(t)
	srv, st := newTestServer(t)
	net := &flakyNetwork{next: srv}
	ts := httptest.NewServer(net)
	defer ts.Close()
	ctx := newBrowser(t)
	q, roundID := newQuestionnaireSession(t, ctx, ts.URL, st, "moi@example.ps", "MOI")
	q.open(q.def.Sections[0].ID)
	// The service worker takes the page and keeps every section.
	q.must("the service worker keeps the sections", chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(function () {
		if (!navigator.serviceWorker || !navigator.serviceWorker.controller) { return false; }
		return caches.open("marsad-pages").then(function (c) { return c.keys(); }).then(function (keys) {
			return keys.filter(function (r) { return r.url.indexOf("?section=") > 0; }).length >= `+strconv.Itoa(len(q.def.Sections))+`;
		});
	})()`, chromedp.WithPollingTimeout(30*time.Second))))

	q.must("cut the network", offline(ctx, net, true))
	chosen := map[string][]string{}
	for _, sec := range q.def.Sections {
		q.open(sec.ID)
		for id, v := range q.fill(sec.ID) {
			chosen[id] = v
		}
		if sec.ID == "DIA" {
			visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("i-DIA-3-EV").hidden`))
			q.must("DIA-3's evidence question", err)
			if !visible || len(chosen["DIA-3-EV"]) == 0 {
				t.Errorf("offline, the evidence question after DIA-3 did not appear (chosen %q)", chosen["DIA-3"])
			}
		}
		q.must("answers wait in the browser", chromedp.Do(ctx, chromedp.Sleep(600*time.Millisecond)))
	}
	if n := q.queueLength(); n < len(chosen) {
		t.Errorf("%d answers given offline, %d waiting", len(chosen), n)
	}
	// Reload a section offline: the answers given are still on it.
	q.open("SRV")
	restored, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("o-SRV-9-`+chosen["SRV-9"][0]+`").checked`))
	q.must("read SRV-9 after reload", err)
	if !restored {
		t.Error("an answer given offline was not on the section when reloaded offline")
	}
	if resp, err := st.Response(context.Background(), roundID, "MOI"); err == nil {
		if a, _ := st.Answers(context.Background(), resp.ID); len(a) != 0 {
			t.Fatalf("%d answers reached the server while it was cut off", len(a))
		}
	}

	q.must("restore the network", offline(ctx, net, false))
	q.must("the queue empties", chromedp.Do(ctx, chromedp.Poll[chromedp.Void](queueEmpty, chromedp.WithPollingTimeout(60*time.Second))))
	checkStored(t, st, roundID, "MOI", q.def, chosen)
}

// TestBrowserConflictShowsTheirAnswer: a colleague saves a question while
// the officer has the page open; the officer's change is refused, and the
// page shows the colleague's answer in words (the option's label), keeping
// the officer's choice on screen.
func TestBrowserConflictShowsTheirAnswer(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	q, roundID := newQuestionnaireSession(t, ctx, ts.URL, st, "moi@example.ps", "MOI")
	q.open("STR")
	it, _ := q.def.Item("STR-2")
	theirs, mine := it.Options[1], it.Options[2]
	colleague := survey.Actor{Role: survey.RoleRespondent, Institution: "MOI"}
	if _, err := st.SaveAnswer(context.Background(), colleague, roundID, "MOI", survey.AnswerInput{ItemID: "STR-2", Values: []string{theirs.Value}}); err != nil {
		t.Fatal(err)
	}
	q.must("change STR-2", chromedp.Do(ctx, click(chromedp.ID("o-STR-2-"+mine.Value))))
	note, err := chromedp.Run(ctx, chromedp.Poll[string](`(function () {
		var s = document.querySelector("#i-STR-2 .item-status.conflict");
		return s ? s.textContent : "";
	})()`, chromedp.WithPollingTimeout(15*time.Second)))
	q.must("the conflict note", err)
	if !strings.Contains(note, theirs.LabelAr) {
		t.Errorf("the conflict note %q does not name the colleague's answer %q", note, theirs.LabelAr)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("o-STR-2-`+mine.Value+`").checked`))
	q.must("read the officer's choice", err)
	if !kept {
		t.Error("the officer's own choice was replaced on screen")
	}
	if a := storedAnswers(t, st, roundID, "MOI")["STR-2"]; a.Value() != theirs.Value {
		t.Errorf("stored %v: the colleague's answer was overwritten", a.Values)
	}
}

// TestBrowserShowIfAgreesWithGo feeds the browser's show_if evaluator
// (static/js/questionnaire.js) the table of cases that survey's tests feed
// the Go one (survey/testdata/showif_cases.json): each condition as the
// server sends it to the page, each answer as the page reads it.
func TestBrowserShowIfAgreesWithGo(t *testing.T) {
	b, err := os.ReadFile("../survey/testdata/showif_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Cases []struct {
			Cond    string              `json:"cond"`
			Answers map[string][]string `json:"answers"`
			Want    bool                `json:"want"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	type jsCase struct {
		Cond    *survey.Cond        `json:"cond"`
		Answers map[string][]string `json:"answers"`
	}
	var cases []jsCase
	for _, tc := range table.Cases {
		c, err := survey.ParseCond(tc.Cond)
		if err != nil {
			t.Fatalf("%s: %v", tc.Cond, err)
		}
		cases = append(cases, jsCase{c, tc.Answers})
	}
	js, _ := json.Marshal(cases)
	srv, _ := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/ar/login"), chromedp.Poll[chromedp.Void](`typeof MarsadShowIf === "object"`)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`(`+string(js)+`).map(function (c) {
		return MarsadShowIf.evaluate(c.cond, function (id) { return c.answers[id] || []; });
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(table.Cases) {
		t.Fatalf("%d answers for %d cases", len(got), len(table.Cases))
	}
	for i, tc := range table.Cases {
		if got[i] != tc.Want {
			t.Errorf("the browser says %s with %v is %v; Go and the table say %v", tc.Cond, tc.Answers, got[i], tc.Want)
		}
	}
}
