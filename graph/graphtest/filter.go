package graphtest

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Filter is a parsed sign-in $filter: clauses joined by "and".
type Filter struct {
	UserID            *string // userId eq '…'
	UserPrincipalName *string // userPrincipalName eq '…'
	AppID             *string // appId eq '…'
	Mail              *string // mail eq '…' (the /users list)
	Since, Until      time.Time
	SinceExclusive    bool     // gt rather than ge
	UntilExclusive    bool     // lt rather than le
	EventTypes        []string // signInEventTypes/any(t: t eq '…' or …)
}

type token struct {
	kind byte // 'w' word, 's' string literal, or the punctuation itself
	text string
}

// lex splits a filter into words, string literals (apostrophes doubled
// inside) and the punctuation ( ) ,.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{kind: c, text: string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, errors.New("unterminated string literal")
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, token{kind: 's', text: b.String()})
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" ()',", rune(s[j])) {
				j++
			}
			out = append(out, token{kind: 'w', text: s[i:j]})
			i = j
		}
	}
	return out, nil
}

// ParseFilter parses the $filter forms a sign-in read uses, as Graph does:
// anything else is an error (Graph answers 400).
func ParseFilter(s string) (Filter, error) {
	var f Filter
	toks, err := lex(s)
	if err != nil {
		return f, err
	}
	p := &parser{toks: toks}
	for {
		if err := p.clause(&f); err != nil {
			return f, err
		}
		if p.done() {
			return f, nil
		}
		if t := p.next(); t.kind != 'w' || !strings.EqualFold(t.text, "and") {
			return f, fmt.Errorf("expected 'and', got %q", t.text)
		}
	}
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) done() bool { return p.i >= len(p.toks) }

func (p *parser) next() token {
	if p.done() {
		return token{kind: 0, text: "end of filter"}
	}
	t := p.toks[p.i]
	p.i++
	return t
}

func (p *parser) expect(kind byte, text string) (token, error) {
	t := p.next()
	if t.kind != kind || (text != "" && !strings.EqualFold(t.text, text)) {
		return t, fmt.Errorf("expected %q, got %q", text, t.text)
	}
	return t, nil
}

func (p *parser) clause(f *Filter) error {
	field, err := p.expect('w', "")
	if err != nil {
		return err
	}
	if strings.EqualFold(field.text, "signInEventTypes/any") {
		return p.anyClause(f)
	}
	op, err := p.expect('w', "")
	if err != nil {
		return err
	}
	val := p.next()
	switch strings.ToLower(field.text) {
	case "userid", "userprincipalname", "appid", "mail":
		if !strings.EqualFold(op.text, "eq") || val.kind != 's' {
			return fmt.Errorf("%s supports eq with a string literal", field.text)
		}
		v := val.text
		switch strings.ToLower(field.text) {
		case "userid":
			f.UserID = &v
		case "userprincipalname":
			f.UserPrincipalName = &v
		case "mail":
			f.Mail = &v
		default:
			f.AppID = &v
		}
	case "createddatetime":
		if val.kind != 'w' {
			return errors.New("createdDateTime takes an unquoted DateTimeOffset")
		}
		t, err := time.Parse(time.RFC3339Nano, val.text)
		if err != nil {
			return fmt.Errorf("createdDateTime: %w", err)
		}
		switch strings.ToLower(op.text) {
		case "ge", "gt":
			f.Since, f.SinceExclusive = t, strings.EqualFold(op.text, "gt")
		case "le", "lt":
			f.Until, f.UntilExclusive = t, strings.EqualFold(op.text, "lt")
		default:
			return fmt.Errorf("createdDateTime does not support %s", op.text)
		}
	default:
		return fmt.Errorf("invalid filter clause: unsupported property %q", field.text)
	}
	return nil
}

// anyClause reads (t: t eq 'a' or t eq 'b').
func (p *parser) anyClause(f *Filter) error {
	if _, err := p.expect('(', "("); err != nil {
		return err
	}
	v, err := p.expect('w', "")
	if err != nil || !strings.HasSuffix(v.text, ":") || len(v.text) < 2 {
		return errors.New("signInEventTypes/any needs a lambda variable")
	}
	name := strings.TrimSuffix(v.text, ":")
	for {
		if _, err := p.expect('w', name); err != nil {
			return err
		}
		if _, err := p.expect('w', "eq"); err != nil {
			return err
		}
		lit, err := p.expect('s', "")
		if err != nil {
			return err
		}
		f.EventTypes = append(f.EventTypes, lit.text)
		t := p.next()
		if t.kind == ')' {
			return nil
		}
		if t.kind != 'w' || !strings.EqualFold(t.text, "or") {
			return fmt.Errorf("expected 'or' or ')', got %q", t.text)
		}
	}
}
