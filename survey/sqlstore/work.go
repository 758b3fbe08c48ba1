package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"marsad/survey"
)

// RespondentWork gathers an institution's work on the day today. It only
// reads: unlike Response, it creates no draft for a round not yet opened.
func (s *Store) RespondentWork(ctx context.Context, code string, today time.Time) (survey.Work, error) {
	var w survey.Work
	var err error
	if w.Institution, err = s.Institution(ctx, code); err != nil {
		return w, err
	}
	rounds, err := s.ListRounds(ctx) // newest first
	if err != nil {
		return w, err
	}
	for _, r := range rounds {
		switch r.Status {
		case survey.RoundOpen:
			wr, err := s.workRound(ctx, r, w.Institution.Code, today)
			if err != nil {
				return w, err
			}
			w.Rounds = append(w.Rounds, wr)
		case survey.RoundPublished:
			if w.Published == nil {
				if w.Published, err = s.publishedResult(ctx, r, w.Institution.Code); err != nil {
					return w, err
				}
			}
		}
	}
	sortRoundsByDeadline(w.Rounds)
	services, err := s.InstitutionServices(ctx, w.Institution.Code)
	if err != nil {
		return w, err
	}
	for _, sv := range services {
		if reasons := survey.ServiceReasons(sv, today); len(reasons) > 0 {
			w.Services = append(w.Services, survey.ServiceToReview{Service: sv, Reasons: reasons})
		}
	}
	return w, nil
}

func (s *Store) workRound(ctx context.Context, r survey.Round, code string, today time.Time) (survey.WorkRound, error) {
	wr := survey.WorkRound{Round: r}
	q, err := s.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		return wr, err
	}
	wr.Def = q.Def
	answers := survey.AnswerSet{}
	resp, err := scanResponse(s.r.QueryRowContext(ctx, responseSelect+responseOf, r.ID, code))
	switch {
	case err == nil:
		wr.Status = resp.Status
		if answers, err = s.Answers(ctx, resp.ID); err != nil {
			return wr, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return wr, fmt.Errorf("survey: work %s: %w", code, err)
	}
	wr.Answered, wr.Total = survey.Progress(q.Def, answers)
	for _, sec := range q.Def.Sections {
		p := survey.SectionProgress{Section: sec}
		for _, it := range q.Def.Items { // not SectionItems: a copy of every item of every section on each work page
			if it.Section != sec.ID || it.Type == survey.TypeMetric || !answers.Visible(it) {
				continue
			}
			p.Total++
			if a, ok := answers[it.ID]; ok && (a.NA || len(a.Values) > 0) {
				p.Answered++
			}
		}
		if p.Total > 0 {
			wr.Sections = append(wr.Sections, p)
		}
	}
	if wr.Status == survey.ResponseReturned {
		for _, it := range q.Def.Items {
			if a, ok := answers[it.ID]; ok && a.ReviewStatus == survey.ReviewIssues {
				wr.Returned = append(wr.Returned, survey.ReturnedItem{Item: it, Comment: a.ReviewComment})
			}
		}
	}
	if r.DueFor("").Has() {
		until, err := extensionUntil(ctx, s.r, r.ID, code)
		if err != nil {
			return wr, err
		}
		wr.Due = r.DueFor(until)
		wr.HasDeadline, wr.DaysLeft, wr.Closed = true, wr.Due.DaysLeft(today), wr.Due.Passed(today)
	}
	return wr, nil
}

// publishedResult is the institution's self-reported score in a published
// round, nil when it took no part.
func (s *Store) publishedResult(ctx context.Context, r survey.Round, code string) (*survey.PublishedResult, error) {
	var out *survey.PublishedResult
	err := s.ReadRanking(ctx, r.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
		if sc, ok := rk.Find(code); ok {
			out = &survey.PublishedResult{Round: r, Score: sc}
		}
		return nil
	})
	if err != nil || out == nil {
		return nil, err
	}
	q, err := s.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	out.Def = q.Def
	return out, nil
}

// sortRoundsByDeadline puts the nearest deadline first; rounds without one last.
func sortRoundsByDeadline(list []survey.WorkRound) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.HasDeadline != b.HasDeadline {
			return a.HasDeadline
		}
		return a.Due.Day() < b.Due.Day()
	})
}
