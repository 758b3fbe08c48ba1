package survey

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep a hostile or broken show_if cheap to parse and evaluate.
const (
	maxCondLen   = 500
	maxCondDepth = 16
	maxCondNodes = 100
)

// Cond is a parsed show_if condition: a small expression over earlier
// answers, such as `STR-1 >= 2`, `ENB-2 == "3" && !(USR-6 == "na")` or
// `DIA-4 in ["1", "2"]`. It is parsed once and evaluated as a tree: never
// as code.
//
//	expr    = and { ("||" | "or") and }
//	and     = unary { ("&&" | "and") unary }
//	unary   = ("!" | "not") unary | "(" expr ")" | test
//	test    = ID [ op literal | "in" "[" literal { "," literal } "]" ]
//	op      = "==" | "!=" | ">=" | "<=" | ">" | "<"
//	literal = number | "text" | 'text' | true | false
//
// A bare ID is true when that item has an answer. A comparison with an
// unanswered item is false. For a multiple choice, == and in test whether
// the value is among those chosen.
type Cond struct {
	root condNode
	refs []string
	js   string // MarshalJSON's answer, made once at parse time
}

// Refs lists the item ids the condition reads, in order of appearance.
func (c *Cond) Refs() []string { return c.refs }

// CondError is a show_if parse error with its position (in characters, from 1).
type CondError struct {
	Pos int
	Msg string
}

func (e *CondError) Error() string { return fmt.Sprintf("show_if: %s at character %d", e.Msg, e.Pos) }

type condNode interface {
	eval(a Answers) bool
}

// Answers gives a condition the current values: one string per item, and
// several for a multiple choice.
type Answers interface {
	Values(id string) []string
}

type (
	orNode  struct{ l, r condNode }
	andNode struct{ l, r condNode }
	notNode struct{ x condNode }
	hasNode struct{ id string }
	cmpNode struct {
		id, op string
		lits   []literal
	}
)

type literal struct {
	text  string
	num   float64
	isNum bool
}

func (n orNode) eval(a Answers) bool  { return n.l.eval(a) || n.r.eval(a) }
func (n andNode) eval(a Answers) bool { return n.l.eval(a) && n.r.eval(a) }
func (n notNode) eval(a Answers) bool { return !n.x.eval(a) }
func (n hasNode) eval(a Answers) bool { return len(a.Values(n.id)) > 0 }

func (n cmpNode) eval(a Answers) bool {
	vals := a.Values(n.id)
	if len(vals) == 0 {
		return false
	}
	switch n.op {
	case "==", "in":
		for _, v := range vals {
			for _, l := range n.lits {
				if l.equal(v) {
					return true
				}
			}
		}
		return false
	case "!=":
		for _, v := range vals {
			if n.lits[0].equal(v) {
				return false
			}
		}
		return true
	}
	x, ok := ParseNumber(vals[0])
	if !ok || !n.lits[0].isNum {
		return false
	}
	y := n.lits[0].num
	switch n.op {
	case ">":
		return x > y
	case ">=":
		return x >= y
	case "<":
		return x < y
	}
	return x <= y
}

func (l literal) equal(v string) bool {
	if l.isNum {
		x, ok := ParseNumber(v)
		return ok && x == l.num
	}
	return v == l.text
}

// Eval reports whether the condition holds; an empty condition always does.
func (c *Cond) Eval(a Answers) bool {
	if c == nil || c.root == nil {
		return true
	}
	return c.root.eval(a)
}

// ParseCond parses a show_if expression; "" parses to an always-true condition.
func ParseCond(src string) (*Cond, error) {
	if strings.TrimSpace(src) == "" {
		return &Cond{}, nil
	}
	if !utf8.ValidString(src) {
		return nil, &CondError{1, "invalid UTF-8"}
	}
	if n := utf8.RuneCountInString(src); n > maxCondLen {
		return nil, &CondError{maxCondLen, "expression longer than 500 characters"}
	}
	toks, err := lexCond(src)
	if err != nil {
		return nil, err
	}
	p := &condParser{toks: toks}
	root, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, &CondError{t.pos, fmt.Sprintf("unexpected %q", t.text)}
	}
	c := &Cond{root: root, refs: p.refs}
	b, err := json.Marshal(condJSON(root))
	if err != nil {
		return nil, err
	}
	c.js = string(b)
	return c, nil
}

type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkNum
	tkStr
	tkOp // == != >= <= > <
	tkAnd
	tkOr
	tkNot
	tkIn
	tkBool
	tkLParen
	tkRParen
	tkLBrack
	tkRBrack
	tkComma
)

type token struct {
	kind tokKind
	text string
	pos  int // 1-based character position
}

func isIdentStart(r rune) bool { return r < utf8.RuneSelf && (unicode.IsLetter(r) || r == '_') }
func isIdentRune(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.')
}

func lexCond(src string) ([]token, error) {
	rs := []rune(src)
	var toks []token
	for i := 0; i < len(rs); {
		r, pos := rs[i], i+1
		two := ""
		if i+1 < len(rs) {
			two = string(rs[i : i+2])
		}
		switch {
		case unicode.IsSpace(r):
			i++
		case two == "==" || two == "!=" || two == ">=" || two == "<=":
			toks = append(toks, token{tkOp, two, pos})
			i += 2
		case two == "&&":
			toks = append(toks, token{tkAnd, two, pos})
			i += 2
		case two == "||":
			toks = append(toks, token{tkOr, two, pos})
			i += 2
		case r == '>' || r == '<':
			toks = append(toks, token{tkOp, string(r), pos})
			i++
		case r == '!':
			toks = append(toks, token{tkNot, "!", pos})
			i++
		case r == '(':
			toks = append(toks, token{tkLParen, "(", pos})
			i++
		case r == ')':
			toks = append(toks, token{tkRParen, ")", pos})
			i++
		case r == '[':
			toks = append(toks, token{tkLBrack, "[", pos})
			i++
		case r == ']':
			toks = append(toks, token{tkRBrack, "]", pos})
			i++
		case r == ',':
			toks = append(toks, token{tkComma, ",", pos})
			i++
		case r == '"' || r == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				j++
			}
			if j >= len(rs) {
				return nil, &CondError{pos, "text not closed with " + string(r)}
			}
			toks = append(toks, token{tkStr, string(rs[i+1 : j]), pos})
			i = j + 1
		case unicode.IsDigit(r) || (r == '-' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			text := NormalizeDigits(string(rs[i:j]))
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				return nil, &CondError{pos, fmt.Sprintf("bad number %q", string(rs[i:j]))}
			}
			toks = append(toks, token{tkNum, text, pos})
			i = j
		case isIdentStart(r):
			j := i + 1
			for j < len(rs) && isIdentRune(rs[j]) {
				j++
			}
			word := string(rs[i:j])
			kind := tkIdent
			switch strings.ToLower(word) {
			case "and":
				kind = tkAnd
			case "or":
				kind = tkOr
			case "not":
				kind = tkNot
			case "in":
				kind = tkIn
			case "true", "false":
				kind = tkBool
			}
			toks = append(toks, token{kind, word, pos})
			i = j
		default:
			return nil, &CondError{pos, fmt.Sprintf("unexpected character %q", string(r))}
		}
	}
	return append(toks, token{tkEOF, "end", len(rs) + 1}), nil
}

type condParser struct {
	toks  []token
	i     int
	nodes int
	refs  []string
}

func (p *condParser) peek() token { return p.toks[p.i] }
func (p *condParser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *condParser) node(pos int) error {
	p.nodes++
	if p.nodes > maxCondNodes {
		return &CondError{pos, "expression too complex"}
	}
	return nil
}

func (p *condParser) expr(depth int) (condNode, error) {
	if depth > maxCondDepth {
		return nil, &CondError{p.peek().pos, "expression nested too deeply"}
	}
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tkOr {
		t := p.next()
		if err := p.node(t.pos); err != nil {
			return nil, err
		}
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *condParser) and(depth int) (condNode, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tkAnd {
		t := p.next()
		if err := p.node(t.pos); err != nil {
			return nil, err
		}
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *condParser) unary(depth int) (condNode, error) {
	if depth > maxCondDepth {
		return nil, &CondError{p.peek().pos, "expression nested too deeply"}
	}
	t := p.peek()
	if err := p.node(t.pos); err != nil {
		return nil, err
	}
	switch t.kind {
	case tkNot:
		p.next()
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case tkLParen:
		p.next()
		x, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tkRParen {
			return nil, &CondError{c.pos, "missing )"}
		}
		return x, nil
	case tkIdent:
		return p.test()
	}
	return nil, &CondError{t.pos, fmt.Sprintf("expected an item id, got %q", t.text)}
}

func (p *condParser) test() (condNode, error) {
	id := p.next()
	p.refs = append(p.refs, id.text)
	switch op := p.peek(); op.kind {
	case tkOp:
		p.next()
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if op.text != "==" && op.text != "!=" && !lit.isNum {
			return nil, &CondError{op.pos, op.text + " needs a number"}
		}
		return cmpNode{id: id.text, op: op.text, lits: []literal{lit}}, nil
	case tkIn:
		p.next()
		if b := p.next(); b.kind != tkLBrack {
			return nil, &CondError{b.pos, "expected [ after in"}
		}
		var lits []literal
		for {
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			lits = append(lits, lit)
			if len(lits) > maxCondNodes {
				return nil, &CondError{op.pos, "list too long"}
			}
			sep := p.next()
			if sep.kind == tkRBrack {
				break
			}
			if sep.kind != tkComma {
				return nil, &CondError{sep.pos, "expected , or ]"}
			}
		}
		return cmpNode{id: id.text, op: "in", lits: lits}, nil
	}
	return hasNode{id.text}, nil
}

func (p *condParser) literal() (literal, error) {
	t := p.next()
	switch t.kind {
	case tkNum:
		f, _ := strconv.ParseFloat(t.text, 64)
		return literal{text: t.text, num: f, isNum: true}, nil
	case tkStr:
		return literal{text: t.text}, nil
	case tkBool:
		// Yes/no answers are stored as "yes" and "no".
		if strings.EqualFold(t.text, "true") {
			return literal{text: "yes"}, nil
		}
		return literal{text: "no"}, nil
	}
	return literal{}, &CondError{t.pos, fmt.Sprintf("expected a value, got %q", t.text)}
}

// MarshalJSON gives the condition as a small tree that the browser
// evaluates to show and hide items live, with the same rules as Eval:
// {"op":"and","l":…,"r":…}, {"op":"not","x":…}, {"op":"has","id":…},
// {"op":"==","id":…,"lits":[{"t":"2","n":2,"num":true}]}. An empty
// condition is null.
func (c *Cond) MarshalJSON() ([]byte, error) { return []byte(c.JSON()), nil }

// JSON is the condition as MarshalJSON writes it. It is made once, when
// the condition is parsed: every questionnaire page writes the conditions
// of its section's items (json.Marshal of each was 1.2 % of the server's
// CPU on the respondent's path, issue 15).
func (c *Cond) JSON() string {
	if c == nil || c.root == nil {
		return "null"
	}
	return c.js
}

func condJSON(n condNode) any {
	switch n := n.(type) {
	case orNode:
		return map[string]any{"op": "or", "l": condJSON(n.l), "r": condJSON(n.r)}
	case andNode:
		return map[string]any{"op": "and", "l": condJSON(n.l), "r": condJSON(n.r)}
	case notNode:
		return map[string]any{"op": "not", "x": condJSON(n.x)}
	case hasNode:
		return map[string]any{"op": "has", "id": n.id}
	case cmpNode:
		lits := make([]map[string]any, len(n.lits))
		for i, l := range n.lits {
			lits[i] = map[string]any{"t": l.text, "n": l.num, "num": l.isNum}
		}
		return map[string]any{"op": n.op, "id": n.id, "lits": lits}
	}
	return nil
}
