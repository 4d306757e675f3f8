package lab

import (
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"
)

// expr compiles the CEL expression of scalar node n; want, when given, lists
// the types it may have (dyn is accepted: the checker could not tell).
func (c *compiler) expr(env *cel.Env, n *yaml.Node, where string, want ...*cel.Type) *Expr {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.at(n, "%s: expected a CEL expression, found %s", where, describeNode(n))
		return nil
	}
	return c.compileAt(env, n, n.Value, 1, 1, where, want...)
}

// compileAt compiles src, which starts at (line, col) of node n's value
// (1-based), and reports its errors at their place in the file.
func (c *compiler) compileAt(env *cel.Env, n *yaml.Node, src string, line, col int, where string, want ...*cel.Type) *Expr {
	place := func(l, co int) (int, int) { // l 1-based, co 0-based, in src
		if l == 1 {
			return c.place(n, line, col+co)
		}
		return c.place(n, line+l-1, co+1)
	}
	fl, fc := place(1, 0)
	if strings.TrimSpace(src) == "" {
		c.atPos(fl, fc, "%s: the expression is empty", where)
		return nil
	}
	// Parsing is the dear part and does not depend on the declarations:
	// texts repeat the same {{ cluster.id }} many times, so parse each
	// source once.
	parsed, ok := c.parsed[src]
	var iss *cel.Issues
	if !ok {
		parsed, iss = env.Parse(src)
		if iss == nil || iss.Err() == nil {
			c.parsed[src] = parsed
		}
	}
	var ast *cel.Ast
	if iss == nil || iss.Err() == nil {
		ast, iss = env.Check(parsed)
	}
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			l, co := fl, fc
			if loc := e.Location; loc != nil && loc.Line() > 0 {
				l, co = place(loc.Line(), loc.Column())
			}
			c.atPos(l, co, "%s: %s", where, typeNames.Replace(e.Message))
		}
		return nil
	}
	if len(want) > 0 {
		out := ast.OutputType()
		ok := out.Kind() == cel.DynKind
		for _, w := range want {
			ok = ok || w.IsExactType(out)
		}
		if !ok {
			// Point at the expression, not at the spaces before it.
			lead := utf8.RuneCountInString(src) - utf8.RuneCountInString(strings.TrimLeft(src, " "))
			l, co := place(1, lead)
			if len(want) == len(textTypes) {
				c.atPos(l, co, "%s: %q has type %s, which a text cannot show (give a string, a number or a list of strings)", where, strings.TrimSpace(src), typeNames.Replace(out.String()))
				return nil
			}
			names := make([]string, len(want))
			for i, w := range want {
				names[i] = typeNames.Replace(w.String())
			}
			c.atPos(l, co, "%s: %q has type %s, not %s", where, strings.TrimSpace(src), typeNames.Replace(out.String()), strings.Join(names, " or "))
			return nil
		}
	}
	c.lint(ast, place, where)
	// No runtime cost limit: CEL has no loops, and an expression reaches
	// only one student's resources and the records linked to them, never
	// the whole account, so its work is bounded by a student's share of a
	// snapshot. Cost tracking would double the time of every evaluation.
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		c.atPos(fl, fc, "%s: %v", where, err)
		return nil
	}
	return &Expr{Source: src, Line: fl, Col: fc, ast: ast, prg: prg}
}

// lint refuses what compiles but cannot be meant:
//   - status['x'] where x is no check of the lab: a misspelt id would
//     otherwise read as "not judged" forever;
//   - x.f == null or x.f != null where f is a record field
//     (cluster.subnet_group, member.instance): CEL reads an absent record
//     as an empty one, never null, so the test would always say the same.
//     has(x.f) is the test that works.
func (c *compiler) lint(ast *cel.Ast, place func(int, int) (int, int), where string) {
	native := ast.NativeRep()
	info := native.SourceInfo()
	at := func(e celast.Expr, format string, args ...any) {
		loc := info.GetStartLocation(e.ID())
		l, co := place(loc.Line(), loc.Column())
		c.atPos(l, co, format, args...)
	}
	celast.PreOrderVisit(native.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.CallKind {
			return
		}
		call := e.AsCall()
		args := call.Args()
		if len(args) != 2 {
			return
		}
		switch call.FunctionName() {
		case operators.Index:
			if args[0].Kind() == celast.IdentKind && args[0].AsIdent() == "status" && args[1].Kind() == celast.LiteralKind {
				if id, ok := args[1].AsLiteral().Value().(string); ok && c.checkIDs[id] == nil {
					at(args[1], "%s: status[%q] names no check of this lab", where, id)
				}
			}
		case operators.Equals, operators.NotEquals:
			for i, a := range args {
				other := args[1-i]
				if a.Kind() != celast.SelectKind || other.Kind() != celast.LiteralKind || other.AsLiteral() != types.NullValue {
					continue
				}
				if t := native.GetType(a.ID()); t == nil || t.Kind() != types.StructKind {
					continue
				}
				if ref, ok := native.ReferenceMap()[a.ID()]; ok && ref.Name != "" {
					continue // variables.x: a variable may well be null
				}
				sel := a.AsSelect()
				test := "has(…." + sel.FieldName() + ")"
				if call.FunctionName() == operators.Equals {
					test = "!" + test
				}
				at(sel.Operand(), "%s: the record field %s is never null (an absent record reads as an empty one): test %s", where, sel.FieldName(), test)
			}
		}
	}))
}

// reads lists what an expression reads: the variables it refers to, as
// declared (vpc, variables.web_instances, settings.azs, probes), and the
// fields of records it selects, as "lab.Instance.subnet".
func (c *compiler) reads(e *Expr) []string {
	var out []string
	native := e.ast.NativeRep()
	for _, ref := range native.ReferenceMap() {
		if ref.Name != "" && ref.Value == nil && len(ref.OverloadIDs) == 0 {
			out = append(out, ref.Name)
		}
	}
	celast.PreOrderVisit(native.Expr(), celast.NewExprVisitor(func(x celast.Expr) {
		if x.Kind() != celast.SelectKind {
			return
		}
		sel := x.AsSelect()
		if t := native.GetType(sel.Operand().ID()); t != nil && t.Kind() == types.StructKind {
			out = append(out, t.TypeName()+"."+sel.FieldName())
		}
	}))
	return out
}

// message reads a {ja, en} pair of templates.
func (c *compiler) message(n *yaml.Node, env *cel.Env, where string) Message {
	if n == nil {
		return Message{}
	}
	m, _ := c.mapping(n, where, "ja!", "en!")
	var msg Message
	if m["ja"] != nil {
		msg.JA = c.template(m["ja"], env, where+".ja")
	}
	if m["en"] != nil {
		msg.EN = c.template(m["en"], env, where+".en")
	}
	return msg
}

// template splits a text into literal parts and {{ expression }} parts,
// compiling each expression. An expression may give any value that reads
// as text: a string, a number, a bool or a list of them.
func (c *compiler) template(n *yaml.Node, env *cel.Env, where string) Template {
	src := c.str(n, where)
	n = deref(n)
	t := Template{Source: src}
	rest := src
	line, col := 1, 1 // of rest's start in the value
	advance := func(s string) {
		if i := strings.LastIndex(s, "\n"); i >= 0 {
			line += strings.Count(s, "\n")
			col = utf8.RuneCountInString(s[i+1:]) + 1
		} else {
			col += utf8.RuneCountInString(s)
		}
	}
	for rest != "" {
		open := strings.Index(rest, "{{")
		if open < 0 {
			t.Parts = append(t.Parts, Part{Literal: rest})
			break
		}
		if open > 0 {
			t.Parts = append(t.Parts, Part{Literal: rest[:open]})
		}
		advance(rest[:open+2])
		rest = rest[open+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			l, co := c.place(n, line, col-2)
			c.atPos(l, co, "%s: {{ is not closed by }}", where)
			return t
		}
		// The ja and en texts of a message name the same things: compile
		// each expression once per environment.
		key := templateKey{env, rest[:end]}
		e := c.templates[key]
		if e == nil {
			e = c.compileAt(env, n, rest[:end], line, col, where+" {{ }}", textTypes...)
			if e != nil {
				c.templates[key] = e
			}
		}
		if e != nil {
			t.Parts = append(t.Parts, Part{Expr: e})
		}
		advance(rest[:end+2])
		rest = rest[end+2:]
	}
	return t
}

// textTypes are the types a template's expression may have.
var textTypes = []*cel.Type{
	cel.StringType, cel.IntType, cel.DoubleType, cel.BoolType, cel.TimestampType, cel.DurationType,
	cel.ListType(cel.StringType), cel.ListType(cel.IntType), cel.ListType(cel.DoubleType),
}

type templateKey struct {
	env *cel.Env
	src string
}
