package demo

import "marsad/survey"

// obstacles says which obstacles an institution cites in round n (its
// position in rounds.json) and how severely (1–3). Unlike the rest of the
// demo these are rules rather than content, so they are code: Gaza cites
// power, movement and imports at the worst, Jerusalem movement; most cite
// the budget; weaker institutions cite skills and paper procedures; cyber
// attacks grow after the first round. Whether an obstacle is cited is
// stable across rounds; its severity may move by one.
func (c *Content) obstacles(inst survey.Institution, n int) map[string]int {
	m := c.maturity(inst)
	round := c.rounds.Rounds[n].Name
	low := 1 - m
	gaza, muni := inst.Region == "gaza", inst.Kind == "municipality"
	later := n > 0
	out := map[string]int{}
	cite := func(code string, p float64, sev int, fixed bool) {
		if roll(inst.Code, code) >= p {
			return
		}
		if !fixed {
			switch y := roll(inst.Code, round, code); {
			case y < 0.15:
				sev--
			case y > 0.85:
				sev++
			}
		}
		out[code] = min(max(sev, 1), survey.MaxSeverity)
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}

	budget := 2 + b2i(gaza || (muni && roll(inst.Code, "budget-sev") < 0.5)) - b2i(m > 0.7)
	cite("budget", map[bool]float64{true: 1, false: 0.85}[gaza], budget, gaza)
	cite("skills", 0.3+0.6*low, 1+int(low*2.5), false)
	cite("legacy", 0.45, 1+b2i(m < 0.4)+b2i(roll(inst.Code, "legacy-sev") < 0.2), false)
	cite("procedures", 0.25+0.5*low, 1+b2i(m < 0.45), false)
	cite("legal", 0.2+0.3*float64(b2i(inst.Sector == "justice" || inst.Sector == "ict")), 1, false)
	switch {
	case gaza:
		cite("imports", 1, 3, true)
		cite("power", 1, 3, true)
		cite("movement", 1, 3, true)
		cite("donors", 1, 2+b2i(later), true)
		cite("cyber", 0.5, 1, false)
	default:
		cite("imports", 0.15, 1, false)
		cite("power", 0.1+0.3*float64(b2i(muni)), 1, false)
		switch {
		case inst.Region == "jerusalem":
			cite("movement", 1, 3, true)
		case muni:
			cite("movement", 0.5, 2, false)
		default:
			cite("movement", 0.4, 1+b2i(roll(inst.Code, "movement-sev") < 0.4), false)
		}
		donors := 0.3
		if muni {
			donors = 0.6
		} else if inst.Kind == "agency" {
			donors = 0.4
		}
		cite("donors", donors, 1+b2i(muni), false)
		cyberP := 0.25
		if inst.Sector == "finance" || inst.Sector == "ict" || inst.Sector == "interior" {
			cyberP = 0.6
		}
		if later {
			cyberP += 0.15
		}
		cite("cyber", cyberP, 1+b2i(later && roll(inst.Code, "cyber-sev") < 0.5), true)
	}
	// Everyone faces something: a response cites at least two.
	for _, code := range []string{"budget", "procedures"} {
		if len(out) < 2 && out[code] == 0 {
			out[code] = 1
		}
	}
	return out
}
