package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"marsad/survey"
)

// Two stores on one file are two servers on one database: a response's
// answers kept in one server's memory must follow every change made
// through the other — a save, a review mark, a row written by hand — since
// the answers version that validates them lives in the database
// (migration 0023), not in either server.
func TestAnswersCacheFollowsTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "marsad.db")
	a := openTestStore(t, path, Options{})
	b := openTestStore(t, path, Options{})
	ctx := context.Background()
	mustCreateInstitution(t, a, validInstitution("MOH"))
	r := openRound(t, a)
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	admin := survey.Actor{Role: survey.RoleAdmin}

	saved, err := a.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.Response(ctx, r.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	read := func(what string, s *Store) survey.AnswerSet {
		t.Helper()
		set, err := s.Answers(ctx, resp.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return set
	}
	want := func(what string, s *Store, check func(survey.AnswerSet) bool) {
		t.Helper()
		// Twice: the first read may fill the cache, the second comes from it.
		for i := range 2 {
			if set := read(what, s); !check(set) {
				t.Fatalf("%s (read %d): %+v", what, i+1, set)
			}
		}
	}
	want("b after a's first save", b, func(set survey.AnswerSet) bool { return set["STR-1"].Value() == "1" })

	// A save through a is seen by b, which holds the old answers.
	if _, err := a.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, BaseVersion: saved.Version}); err != nil {
		t.Fatal(err)
	}
	want("b after a's second save", b, func(set survey.AnswerSet) bool { return set["STR-1"].Value() == "2" && set["STR-1"].Version == 2 })

	// A new item saved through b is seen by a.
	if _, err := b.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "SRV-2", Values: []string{"45"}}); err != nil {
		t.Fatal(err)
	}
	want("a after b's save", a, func(set survey.AnswerSet) bool { return set["SRV-2"].Value() == "45" && len(set) == 2 })

	// A review mark (an UPDATE of review columns only) through a.
	if _, err := a.ResponseAction(ctx, moh, r.ID, "MOH", "submit"); err != nil {
		t.Fatal(err)
	}
	if err := a.ReviewAnswer(ctx, admin, r.ID, "MOH", "STR-1", survey.ReviewIssues, "راجعوا الخطة"); err != nil {
		t.Fatal(err)
	}
	want("b after a's review mark", b, func(set survey.AnswerSet) bool { return set["STR-1"].ReviewComment == "راجعوا الخطة" })

	// Rows changed by hand, as a repair or a future writer would: the
	// triggers move the version whatever the statement.
	if _, err := a.w.ExecContext(ctx, "DELETE FROM answers WHERE response_id = ? AND item_id = 'SRV-2'", resp.ID); err != nil {
		t.Fatal(err)
	}
	want("b after a delete", b, func(set survey.AnswerSet) bool { _, ok := set["SRV-2"]; return !ok && len(set) == 1 })

	// The caller's map is its own: changing it changes no later read.
	set := read("a", a)
	delete(set, "STR-1")
	want("a after the caller changed its map", a, func(set survey.AnswerSet) bool { return len(set) == 1 })

	// No response, no answers.
	if set, err := a.Answers(ctx, 1<<40); err != nil || len(set) != 0 {
		t.Fatalf("missing response: %v, %v", set, err)
	}
}

// TestAnswersKeptAsRead: the answers a save keeps up to date in memory
// (keepAnswers) are exactly what reading them from the database gives —
// values, times, who saved, review marks — through random saves, stale
// saves, retries, unknown actors, two servers, saves at the same time and
// a review cycle.
func TestAnswersKeptAsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "marsad.db")
	a := openTestStore(t, path, Options{})
	b := openTestStore(t, path, Options{})
	stores := []*Store{a, b}
	ctx := context.Background()
	mustCreateInstitution(t, a, validInstitution("MOH"))
	r := openRound(t, a)
	var actors []survey.Actor
	for _, email := range []string{"one@moh.example.ps", "two@moh.example.ps"} {
		u := mustCreateUser(t, a, survey.NewUser{Email: email, Role: survey.RoleRespondent, InstitutionCode: "MOH"})
		actors = append(actors, survey.ActorOf(u))
	}
	actors = append(actors, survey.Actor{ID: actors[0].ID, Role: survey.RoleRespondent, Institution: "MOH"}) // no address known
	admin := survey.Actor{Role: survey.RoleAdmin}
	if _, err := a.SaveAnswer(ctx, actors[0], r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := a.Response(ctx, r.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		want, err := queryAnswers(ctx, a.r, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range stores {
			got, err := s.Answers(ctx, resp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, server %d:\n kept %+v\n read %+v", step, i, got, want)
			}
		}
	}
	check("first save")

	rnd := rand.New(rand.NewPCG(15, 23))
	texts := []string{"", "ملاحظة", "a\nb", "  مسافات  ", "https://moh.example.ps/e"}
	input := func() survey.AnswerInput {
		in := survey.AnswerInput{Comment: texts[rnd.IntN(len(texts))]}
		switch rnd.IntN(4) {
		case 0:
			in.ItemID, in.Values = "STR-1", []string{fmt.Sprint(rnd.IntN(3))}
		case 1:
			in.ItemID, in.Values = "STR-2", [][]string{{"a"}, {"a", "b"}, {"c"}, {}}[rnd.IntN(4)]
		case 2:
			in.ItemID, in.Values = "SRV-2", []string{fmt.Sprint(rnd.IntN(101))}
		default:
			in.ItemID, in.Values = "SRV-3", []string{fmt.Sprint(rnd.IntN(1001))}
		}
		return in
	}
	save := func(s *Store, who survey.Actor, in survey.AnswerInput, stale bool) error {
		cur, err := queryAnswers(ctx, a.r, resp.ID)
		if err != nil {
			return err
		}
		in.BaseVersion = cur[in.ItemID].Version
		if stale && in.BaseVersion > 0 {
			in.BaseVersion--
		}
		_, err = s.SaveAnswer(ctx, who, r.ID, "MOH", in)
		var ce *survey.ConflictError
		if err != nil && !errors.As(err, &ce) {
			return err
		}
		return nil
	}
	for i := range 300 {
		s, who := stores[rnd.IntN(2)], actors[rnd.IntN(len(actors))]
		if rnd.IntN(5) == 0 { // a page read by either server between saves
			if _, err := stores[rnd.IntN(2)].Answers(ctx, resp.ID); err != nil {
				t.Fatal(err)
			}
		}
		in := input()
		if err := save(s, who, in, rnd.IntN(8) == 0); err != nil {
			t.Fatal(err)
		}
		if rnd.IntN(6) == 0 { // the same save again: a retry whose reply was lost
			if err := save(s, who, in, false); err != nil {
				t.Fatal(err)
			}
		}
		check(fmt.Sprintf("step %d (%s)", i, in.ItemID))
	}

	// Saves at the same time, through both servers.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for g := range 4 {
		wg.Go(func() {
			for range 10 {
				in := input()
				if err := save(stores[g%2], actors[g%2], in, false); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check("concurrent saves")

	// A review mark is kept through the saves after the response is returned.
	if _, err := a.SaveAnswer(ctx, actors[0], r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, BaseVersion: mustVersion(t, a, resp.ID, "STR-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ResponseAction(ctx, actors[0], r.ID, "MOH", "submit"); err != nil {
		t.Fatal(err)
	}
	if err := b.ReviewAnswer(ctx, admin, r.ID, "MOH", "STR-1", survey.ReviewIssues, "أرفقوا الخطة"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ResponseAction(ctx, admin, r.ID, "MOH", "return"); err != nil {
		t.Fatal(err)
	}
	check("returned")
	if _, err := a.SaveAnswer(ctx, actors[1], r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}, BaseVersion: mustVersion(t, a, resp.ID, "STR-1")}); err != nil {
		t.Fatal(err)
	}
	check("saved after the return")
	if got, _ := a.Answers(ctx, resp.ID); got["STR-1"].ReviewComment != "أرفقوا الخطة" || got["STR-1"].UpdatedBy != "two@moh.example.ps" {
		t.Fatalf("after the return: %+v", got["STR-1"])
	}
}

func mustVersion(t *testing.T, s *Store, responseID int64, item string) int64 {
	t.Helper()
	set, err := queryAnswers(context.Background(), s.r, responseID)
	if err != nil {
		t.Fatal(err)
	}
	return set[item].Version
}
