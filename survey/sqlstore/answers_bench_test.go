package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/synth"

	"golang.org/x/crypto/bcrypt"
)

// saveBench is a database with an open round on the default questionnaire
// and one respondent for each of its generated institutions, with what each
// respondent has saved so far (see BenchmarkSaveAnswerConcurrent).
type saveBench struct {
	s      *Store
	round  int64
	people []*respondent
}

// respondent is one institution's respondent working through the
// questionnaire: the answers it saves in turn and the version of each.
type respondent struct {
	actor    survey.Actor
	code     string
	rows     [2][]survey.AnswerRow // two different valid answer sets
	versions map[string]int64
	next     int
}

func newSaveBench(b *testing.B, institutions int) *saveBench {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "saves.db"), Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := synth.Seed(ctx, s, institutions, 2*institutions, 1); err != nil {
		b.Fatal(err)
	}
	q, err := s.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	// The real clock, and deadlines are enforced: one far ahead.
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2026", QuestionnaireID: q.ID, Deadline: "2099-12-31"})
	if err != nil {
		b.Fatal(err)
	}
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		b.Fatal(err)
	}
	sb := &saveBench{s: s, round: r.ID}
	for i := 1; i <= institutions; i++ {
		code := synth.InstitutionCode(i)
		u, err := s.CreateUser(ctx, 0, survey.NewUser{Email: fmt.Sprintf("r%d@example.ps", i), Name: "Respondent",
			Role: survey.RoleRespondent, InstitutionCode: code, Password: "bench-password"})
		if err != nil {
			b.Fatal(err)
		}
		sb.people = append(sb.people, &respondent{actor: survey.ActorOf(u), code: code,
			rows:     [2][]survey.AnswerRow{synth.Answers(q.Def, code, i), synth.Answers(q.Def, code, i+1)},
			versions: map[string]int64{}})
	}
	return sb
}

// save saves the respondent's next answer as static/js/questionnaire.js
// does: one answer, the item's version as the base. Every save changes the stored answer (the first
// pass creates the answers; later ones alternate values and a comment).
func (p *respondent) save(ctx context.Context, s *Store, round int64) error {
	rows := p.rows[0]
	pass := p.next / len(rows)
	in := p.rows[pass%2][p.next%len(rows)].Input
	p.next++
	if pass%2 == 1 {
		in.Comment = fmt.Sprintf("ملاحظة \"%d\" <b>", pass)
	}
	in.BaseVersion = p.versions[in.ItemID]
	// A server's request context can be cancelled (the client goes away),
	// which costs database/sql and the driver more than one that cannot.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, err := s.SaveAnswer(ctx, p.actor, round, p.code, in)
	if err != nil {
		return err
	}
	p.versions[in.ItemID] = a.Version
	return nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSaveAnswerConcurrent is autosave under a hall of respondents:
// clients respondents, each of a different institution, save
// answers through Store.SaveAnswer at the same time, so the batcher
// (batch.go) groups them into shared transactions. ns/op is wall time per
// save; cpu-µs/save is the whole process's CPU time per save (the store's
// work, the batcher and these clients, which do little else).
func BenchmarkSaveAnswerConcurrent(b *testing.B) {
	for _, clients := range []int{1, 20, 200} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			sb := newSaveBench(b, clients)
			ctx := context.Background()
			var (
				taken  atomic.Int64
				failed atomic.Value
				wg     sync.WaitGroup
			)
			cpu0 := cpuTime(b)
			b.ResetTimer()
			for _, p := range sb.people {
				wg.Go(func() {
					for taken.Add(1) <= int64(b.N) {
						if err := p.save(ctx, sb.s, sb.round); err != nil {
							failed.Store(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpuTime(b)-cpu0)/1e3/float64(b.N), "cpu-µs/save")
		})
	}
}

// BenchmarkAnswersRead reads a whole response (every answerable item of
// the default questionnaire answered), as each questionnaire page does.
func BenchmarkAnswersRead(b *testing.B) {
	sb := newSaveBench(b, 1)
	ctx := context.Background()
	p := sb.people[0]
	for range p.rows[0] {
		if err := p.save(ctx, sb.s, sb.round); err != nil {
			b.Fatal(err)
		}
	}
	resp, err := sb.s.Response(ctx, sb.round, p.code)
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime(b)
	for b.Loop() {
		set, err := sb.s.Answers(ctx, resp.ID)
		if err != nil || len(set) != len(p.rows[0]) {
			b.Fatalf("%d answers, %v", len(set), err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N)/1e3, "cpu-µs/op")
}
