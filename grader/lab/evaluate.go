package lab

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"

	"labgrid/grader"
)

// Evaluate judges one student's resources in w against the lab. prev is
// what the previous scan remembered (nil on the first). It is pure, and a
// rule that cannot be evaluated makes its check error, never a panic.
func (l *Lab) Evaluate(w *World, st grader.Student, prev grader.Memory) grader.Report {
	sc := l.scope
	rep := grader.Report{Student: st, MaxScore: l.MaxScore(), Memory: make(grader.Memory, len(l.Memory))}
	base := l.studentActivation(w, st)

	// Memory first: checks read memory.<name>.
	for i, m := range l.Memory {
		key := l.ID + "/" + m.Name
		before := prev[key]
		current := ""
		if v, err := evalString(m.Expr, base); err == nil {
			current = v
		}
		changed := before.Value != "" && current != "" && norm(before.Value) != norm(current)
		base.vals[sc.memory+i] = l.adapter.NativeToValue(&Remembered{Previous: before.Value, Current: current, Changed: changed, ChangedBefore: before.Changed})
		next := grader.Memo{Value: before.Value, Changed: before.Changed || changed}
		if current != "" {
			next.Value = current // a value not seen now does not erase the one remembered
		}
		rep.Memory[key] = next
	}

	statuses := make(map[string]string, len(l.Checks))
	base.vals[slotStatus] = types.NewStringStringMap(l.adapter, statuses) // a view: it sees the statuses added below
	// results are by index in l.Checks; judged says which were.
	results := make([]grader.Result, len(l.Checks))
	judged := make([]bool, len(l.Checks))
	cs := &checkScope{parent: base}
	for _, i := range sc.order {
		c := l.Checks[i]
		if !c.Enabled {
			continue
		}
		cs.reset(c, sc.checkSlots[i])
		res := l.judge(c, w, cs, results, judged)
		res.ObservedAt = w.snap.TakenAt
		res.Required = c.Required
		if c.Required {
			res.MaxPoints = c.Points
		}
		if res.Status.Passed() {
			res.Points = res.MaxPoints
			res.Hint = grader.Text{}
		}
		results[i], judged[i] = res, true
		statuses[c.ID] = string(res.Status)
	}
	n := 0
	for i := range l.Checks {
		if judged[i] {
			rep.Score += results[i].Points
			results[n] = results[i]
			n++
		}
	}
	if n > 0 { // none judged stays nil, as before
		rep.Results = results[:n:n]
	}
	return rep
}

// scope is what a lab's evaluation needs to know of its names and checks,
// worked out once per lab: the slot of each name an expression may read
// (user, settings.<name>, a resource, names.<resource>, variables.<name>, …), so that a
// student's activation is a slice filled in order rather than a map built
// for every student, and the order of the checks.
type scope struct {
	slots map[string]int
	lazy  []*Expr // by slot: a lab variable's expression, else nil
	// The first slot of each group, in the lab's order.
	settings, resources, variables, memory int
	// settingVals are the settings as CEL values, made once.
	settingVals []ref.Val
	// checkSlots are each check's own variables.<name>, by index in
	// Checks, as indexes into its Variables.
	checkSlots []map[string]int
	// order is the checks' indexes with every prerequisite before the
	// checks needing it, otherwise in file order. Load refused cycles.
	order []int
	byID  map[string]int
}

// The names every lab has, in the first slots.
const (
	slotUser = iota
	slotDedicated
	slotNow
	slotProbes
	slotUnreadable
	slotStatus
	fixedSlots
)

func (l *Lab) newScope() *scope {
	sc := &scope{slots: map[string]int{"user": slotUser, "dedicated": slotDedicated, "now": slotNow, "probes": slotProbes,
		"unreadable": slotUnreadable, "status": slotStatus}}
	n := fixedSlots
	sc.settings = n
	for _, s := range l.Settings {
		sc.slots["settings."+s.Name] = n
		sc.settingVals = append(sc.settingVals, l.adapter.NativeToValue(s.Value))
		n++
	}
	sc.resources = n
	for _, r := range l.Resources {
		sc.slots[r.Name], sc.slots["names."+r.Name], sc.slots["renamed."+r.Name] = n, n+1, n+2
		n += 3
	}
	sc.variables = n
	for _, v := range l.Variables {
		sc.slots["variables."+v.Name] = n
		n++
	}
	sc.memory = n
	for _, m := range l.Memory {
		sc.slots["memory."+m.Name] = n
		n++
	}
	sc.lazy = make([]*Expr, n)
	for i, v := range l.Variables {
		sc.lazy[sc.variables+i] = v.Expr
	}
	sc.byID = make(map[string]int, len(l.Checks))
	sc.checkSlots = make([]map[string]int, len(l.Checks))
	for i, c := range l.Checks {
		sc.byID[c.ID] = i
		if len(c.Variables) > 0 {
			sc.checkSlots[i] = make(map[string]int, len(c.Variables))
			for j, v := range c.Variables {
				sc.checkSlots[i]["variables."+v.Name] = j
			}
		}
	}
	done := make([]bool, len(l.Checks))
	var visit func(i int)
	visit = func(i int) {
		if done[i] {
			return
		}
		done[i] = true
		for _, need := range l.Checks[i].Needs {
			if j, ok := sc.byID[need]; ok {
				visit(j)
			}
		}
		sc.order = append(sc.order, i)
	}
	for i := range l.Checks {
		visit(i)
	}
	return sc
}

func (l *Lab) judge(c *Check, w *World, act *checkScope, results []grader.Result, judged []bool) grader.Result {
	res := grader.Result{Lab: l.ID, CheckID: c.ID}
	for _, d := range c.Reads {
		if err := w.snap.Unavailable[d]; err != nil {
			code := cmp.Or(grader.ErrorCode(err), "Error")
			res.Status = grader.StatusError
			res.Message = grader.Text{
				JA: fmt.Sprintf("%s を読めませんでした(%s): %v", d, code, err),
				EN: fmt.Sprintf("Could not read the %s (%s): %v", d, code, err),
			}
			res.Hint = errorHint
			return res
		}
	}
	// A prerequisite that was judged and did not pass blocks; a disabled
	// one blocks nothing.
	for _, id := range c.Needs {
		if j, ok := l.scope.byID[id]; ok && judged[j] && !results[j].Status.Passed() {
			title := l.Checks[j].Title
			res.Status = grader.StatusBlocked
			res.Message = grader.Text{
				JA: fmt.Sprintf("前提のチェック「%s」が未達成のため、判定していません", title.JA),
				EN: fmt.Sprintf("Not judged: the prerequisite %q has not passed", title.EN),
			}
			res.Hint = grader.Text{JA: fmt.Sprintf("先に「%s」を完了してください", title.JA), EN: fmt.Sprintf("Complete %q first", title.EN)}
			return res
		}
	}

	var failed map[Severity][]*Rule
	for _, r := range c.Rules {
		ok, err := evalBool(r.Expr, act)
		if err != nil {
			res.Status = grader.StatusError
			res.Message = grader.Text{
				JA: fmt.Sprintf("ルール(%d 行目)を評価できませんでした: %s", r.Expr.Line, typeNames.Replace(err.Error())),
				EN: fmt.Sprintf("The rule at line %d could not be evaluated: %s", r.Expr.Line, typeNames.Replace(err.Error())),
			}
			res.Hint = errorHint
			return res
		}
		if ok {
			continue
		}
		if failed == nil {
			failed = map[Severity][]*Rule{}
		}
		failed[r.Severity] = append(failed[r.Severity], r)
		if r.Stop {
			break
		}
	}
	msgs := func(rules []*Rule) []grader.Text {
		out := make([]grader.Text, 0, len(rules))
		for _, r := range rules {
			out = append(out, r.Message.render(act))
		}
		return out
	}
	hints := func(rules []*Rule) grader.Text {
		var hs []grader.Text
		for _, r := range rules {
			if r.Hint != nil {
				if h := r.Hint.render(act); !slices.Contains(hs, h) {
					hs = append(hs, h)
				}
			}
		}
		if len(hs) == 0 {
			return c.Hint.render(act)
		}
		return joinTexts(hs, "。", ". ")
	}
	pass := func() grader.Text { return c.Pass.render(act) }
	switch {
	case len(failed[SeverityError]) > 0:
		res.Status = grader.StatusError
		res.Message = joinTexts(msgs(failed[SeverityError]), "。", "; ")
		res.Hint = errorHint
	case len(failed[SeverityFail]) > 0:
		res.Status = grader.StatusFail
		res.Message = joinTexts(msgs(append(slices.Clone(failed[SeverityFail]), failed[SeverityBlock]...)), "。", "; ")
		res.Hint = hints(failed[SeverityFail])
	case len(failed[SeverityBlock]) > 0:
		res.Status = grader.StatusBlocked
		res.Message = joinTexts(append([]grader.Text{pass()}, msgs(append(slices.Clone(failed[SeverityWarn]), failed[SeverityBlock]...))...), "", " ")
		res.Hint = hints(failed[SeverityBlock])
	case len(failed[SeverityPending]) > 0:
		res.Status = grader.StatusPending
		res.Message = joinTexts(msgs(failed[SeverityPending]), "。", "; ")
		res.Hint = hints(failed[SeverityPending])
	case len(failed[SeverityWarn]) > 0:
		res.Status = grader.StatusWarn
		res.Message = joinTexts(append([]grader.Text{pass()}, msgs(failed[SeverityWarn])...), "", " ")
	default:
		res.Status = grader.StatusPass
		res.Message = pass()
	}
	res.Evidence = evidence(c.Evidence, act)
	if c.CostPerHour != nil {
		v, _, err := c.CostPerHour.prg.Eval(act)
		cost, ok := float64(0), err == nil
		if ok {
			var d types.Double
			d, ok = v.(types.Double)
			cost = float64(d)
			if !ok {
				err = fmt.Errorf("%q gave %v, not a double", c.CostPerHour.Source, v)
			}
		}
		if !ok {
			res.Status = grader.StatusError
			res.Message = grader.Text{
				JA: fmt.Sprintf("cost_per_hour(%d 行目)を評価できませんでした: %s", c.CostPerHour.Line, typeNames.Replace(err.Error())),
				EN: fmt.Sprintf("The cost_per_hour at line %d could not be evaluated: %s", c.CostPerHour.Line, typeNames.Replace(err.Error())),
			}
			res.Hint = errorHint
			return res
		}
		if cost > 0 && !math.IsInf(cost, 1) { // NaN and below 0 are 0
			res.CostPerHour = cost
		}
	}
	return res
}

var errorHint = grader.Text{JA: "講師に連絡してください(受講者の作業の問題ではありません)", EN: "Tell the instructor (this is not a problem with your work)"}

// studentActivation binds what every expression of the lab may read for
// one student: settings, the attributed resources and the lab's variables
// (evaluated when first read).
func (l *Lab) studentActivation(w *World, st grader.Student) *activation {
	sc := l.scope
	act := &activation{w: w, scope: sc, vals: make([]any, len(sc.lazy)), done: make([]bool, len(sc.lazy))}
	// Values are bound as CEL values: the interpreter would otherwise
	// convert a Go value again at every read.
	act.vals[slotUser] = types.String(st.Login)
	act.vals[slotDedicated] = types.Bool(st.Dedicated)
	act.vals[slotNow] = types.Timestamp{Time: w.snap.TakenAt}
	act.vals[slotProbes] = l.adapter.NativeToValue(w.probes)
	act.vals[slotUnreadable] = l.adapter.NativeToValue(w.unreadable)
	for i, v := range sc.settingVals {
		act.vals[sc.settings+i] = v
	}
	for i, r := range l.Resources {
		want := strings.ReplaceAll(r.Template, "{user}", st.Login)
		slot := sc.resources + 3*i
		act.vals[slot+1] = types.String(want)
		found, renamed := l.attribute(r, want, w, st, act)
		act.vals[slot+2] = types.Bool(renamed)
		act.vals[slot] = found
	}
	return act
}

// attribute finds a resource for a student: the records whose name
// matches the template (after trimming and case-folding), in the scope and
// kept by where; the best one, or all with many. With none, a student with
// an account of their own gets the lone candidate of the kind, renamed.
func (l *Lab) attribute(r *Resource, want string, w *World, st grader.Student, act *activation) (ref.Val, bool) {
	cat := w.kinds[r.Kind.Name]
	scoped, scopeVPC := r.In != "", ""
	if scoped {
		if vpc, ok := act.resolved(r.In).(*VPC); ok && vpc != nil {
			scopeVPC = vpc.ID
		}
	}
	it := &itScope{parent: act}
	keep := func(e *entry, where *Expr) bool {
		if scoped && (scopeVPC == "" || e.vpcID != scopeVPC) {
			return false
		}
		if where == nil {
			return true
		}
		it.it = e.rec
		ok, err := evalBool(where, it)
		return err == nil && ok
	}
	var matches []*entry
	if strings.Contains(want, "*") {
		parts := strings.Split(norm(want), "*")
		for _, e := range cat.all {
			if globParts(parts, e.norm) && keep(e, r.Where) {
				matches = append(matches, e)
			}
		}
	} else {
		for _, e := range cat.byName[norm(want)] {
			if keep(e, r.Where) {
				matches = append(matches, e)
			}
		}
	}
	if r.Many && r.DedicatedAll && st.Dedicated {
		// Every record of the account counts, the named ones included.
		matches = matches[:0]
		for _, e := range cat.all {
			if !e.exempt && keep(e, r.Where) {
				matches = append(matches, e)
			}
		}
	}
	if r.Many {
		list := make([]ref.Val, len(matches))
		for i, e := range matches {
			list[i] = l.adapter.NativeToValue(e.rec)
		}
		return types.NewRefValList(l.adapter, list), false
	}
	if len(matches) > 0 {
		top := matches[0]
		for _, e := range matches[1:] {
			if e.rank > top.rank {
				top = e
			}
		}
		return l.adapter.NativeToValue(top.rec), false
	}
	if !st.Dedicated || !r.Fallback {
		return types.NullValue, false
	}
	// Candidates: the kind's records in scope, not exempt (default VPC,
	// default group), not named by another template of the student.
	var others [][]string
	for _, o := range l.Resources {
		if o != r && o.Kind == r.Kind {
			others = append(others, strings.Split(norm(strings.ReplaceAll(o.Template, "{user}", st.Login)), "*"))
		}
	}
	var cands []*entry
	for _, e := range cat.all {
		if e.exempt || slices.ContainsFunc(others, func(p []string) bool { return globParts(p, e.norm) }) {
			continue
		}
		if keep(e, r.Where) && keep(e, r.FallbackWhere) {
			cands = append(cands, e)
		}
	}
	if len(cands) == 1 {
		return l.adapter.NativeToValue(cands[0].rec), true
	}
	return types.NullValue, false
}

// globParts matches a name against a pattern split at its *s, each of
// which stands for any run of characters.
func globParts(parts []string, name string) bool {
	if len(parts) == 1 {
		return parts[0] == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}

// activation resolves the names of one student's evaluation: fixed
// values, and the lab's variables evaluated once when first read (a
// variable no rule reads costs nothing, and one that fails only fails the
// rules that read it).
type activation struct {
	w     *World
	scope *scope
	vals  []any  // by slot
	done  []bool // by slot: a lazy value was evaluated
}

func (a *activation) ResolveName(name string) (any, bool) {
	i, ok := a.scope.slots[name]
	if !ok {
		return nil, false
	}
	if e := a.scope.lazy[i]; e != nil && !a.done[i] {
		a.vals[i], a.done[i] = lazyEval(e, name, a), true
	}
	return a.vals[i], true
}

func (a *activation) Parent() interpreter.Activation { return nil }

// resolved is the Go value of a name already bound (a resource above).
func (a *activation) resolved(name string) any {
	v, _ := a.ResolveName(name)
	if rv, ok := v.(ref.Val); ok {
		return rv.Value()
	}
	return v
}

func lazyEval(e *Expr, name string, act interpreter.Activation) any {
	v, _, err := e.prg.Eval(act)
	if err != nil {
		return types.WrapErr(fmt.Errorf("%s: %w", name, err))
	}
	return v
}

// checkScope adds a check's own variables to the student's activation.
// One is reused for every check of an evaluation.
type checkScope struct {
	parent *activation
	check  *Check
	slots  map[string]int // variables.<name> → index in check.Variables
	vals   []any
	done   []bool
}

func (c *checkScope) reset(ch *Check, slots map[string]int) {
	c.check, c.slots = ch, slots
	n := len(ch.Variables)
	if cap(c.vals) < n {
		c.vals, c.done = make([]any, n), make([]bool, n)
	}
	c.vals, c.done = c.vals[:n], c.done[:n]
	clear(c.vals)
	clear(c.done)
}

func (c *checkScope) ResolveName(name string) (any, bool) {
	if len(c.slots) > 0 {
		if i, ok := c.slots[name]; ok {
			if !c.done[i] {
				c.vals[i], c.done[i] = lazyEval(c.check.Variables[i].Expr, name, c), true
			}
			return c.vals[i], true
		}
	}
	return c.parent.ResolveName(name)
}

func (c *checkScope) Parent() interpreter.Activation { return nil }

// itScope binds it, the candidate record a resource's where tests.
type itScope struct {
	parent *activation
	it     any
}

func (s *itScope) ResolveName(name string) (any, bool) {
	if name == "it" {
		return s.it, true
	}
	return s.parent.ResolveName(name)
}

func (s *itScope) Parent() interpreter.Activation { return nil }

func evalBool(e *Expr, act interpreter.Activation) (bool, error) {
	v, _, err := e.prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("%q gave %v, not a bool", e.Source, v)
	}
	return bool(b), nil
}

func evalString(e *Expr, act interpreter.Activation) (string, error) {
	v, _, err := e.prg.Eval(act)
	if err != nil {
		return "", err
	}
	return show(v, worldOf(act)), nil
}

// render fills a message's {{ }} parts. A part that cannot be evaluated
// reads "?": a message is no reason to lose the verdict.
func (m Message) render(act interpreter.Activation) grader.Text {
	return grader.Text{JA: m.JA.render(act), EN: m.EN.render(act)}
}

func (t Template) render(act interpreter.Activation) string {
	switch {
	case len(t.Parts) == 0:
		return ""
	case len(t.Parts) == 1 && t.Parts[0].Expr == nil:
		return t.Parts[0].Literal // most texts: nothing to fill in
	}
	var b strings.Builder
	b.Grow(len(t.Source))
	for _, p := range t.Parts {
		if p.Expr == nil {
			b.WriteString(p.Literal)
			continue
		}
		v, _, err := p.Expr.prg.Eval(act)
		if err != nil {
			b.WriteString("?")
			continue
		}
		b.WriteString(show(v, worldOf(act)))
	}
	return b.String()
}

// worldOf is the World an activation reads, for show's cache.
func worldOf(act interpreter.Activation) *World {
	switch a := act.(type) {
	case *checkScope:
		return a.parent.w
	case *activation:
		return a.w
	case *itScope:
		return a.parent.w
	}
	return nil
}

// show is a value as a text shows it: lists joined with ", ". A record's
// description is made once per World (w may be nil).
func show(v ref.Val, w *World) string {
	switch x := v.(type) {
	case types.String:
		return string(x)
	case types.Int:
		return strconv.FormatInt(int64(x), 10)
	case types.Uint:
		return strconv.FormatUint(uint64(x), 10)
	case types.Double:
		return formatDouble(float64(x))
	case types.Bool:
		return strconv.FormatBool(bool(x))
	case traits.Lister:
		var parts []string
		for it := x.Iterator(); it.HasNext() == types.True; {
			parts = append(parts, show(it.Next(), w))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ", ")
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339)
	case types.Duration:
		return x.Duration.Round(time.Millisecond).String()
	case types.Null:
		return "-"
	}
	if r, ok := v.Value().(describer); ok {
		return w.describe(r)
	}
	return fmt.Sprint(v.Value())
}

// formatDouble shows a number with at most 4 decimals and no trailing
// zeros: 0.0152, 0.0304 (not 0.030400000000000003), 1.5, 2.
func formatDouble(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// evidence evaluates a check's evidence: strings and records, flattened.
func evidence(exprs []*Expr, act interpreter.Activation) []string {
	w := worldOf(act)
	var out []string
	var add func(v ref.Val)
	add = func(v ref.Val) {
		switch x := v.(type) {
		case traits.Lister:
			for it := x.Iterator(); it.HasNext() == types.True; {
				add(it.Next())
			}
		case types.Null:
		default:
			if s := show(v, w); s != "" {
				out = append(out, s)
			}
		}
	}
	for _, e := range exprs {
		v, _, err := e.prg.Eval(act)
		if err != nil {
			continue
		}
		add(v)
	}
	return out
}

func joinTexts(parts []grader.Text, sepJA, sepEN string) grader.Text {
	var t grader.Text
	for i, p := range parts {
		if i > 0 && p.JA != "" {
			t.JA += sepJA
		}
		if i > 0 && p.EN != "" {
			t.EN += sepEN
		}
		t.JA += p.JA
		t.EN += p.EN
	}
	return t
}

// ProbeTargets lists the URLs the student's enabled checks want probed
// (their probe_urls), with the attribution the checks judge with. A
// probe_urls that fails at run time asks for nothing.
func (l *Lab) ProbeTargets(w *World, st grader.Student) []grader.ProbeTarget {
	var out []grader.ProbeTarget
	var base *activation
	var cs *checkScope
	for i, c := range l.Checks {
		if !c.Enabled || c.ProbeURLs == nil {
			continue
		}
		if base == nil {
			base = l.studentActivation(w, st)
			cs = &checkScope{parent: base}
		}
		cs.reset(c, l.scope.checkSlots[i])
		v, _, err := c.ProbeURLs.prg.Eval(cs)
		if err != nil {
			continue
		}
		urls, err := stringList(v)
		if err != nil {
			continue
		}
		timeout := probeTimeout(c, cs)
		for _, u := range urls {
			if u = probeURL(u); u != "" {
				out = append(out, grader.ProbeTarget{Check: c.ID, URL: u, Timeout: timeout})
			}
		}
	}
	return out
}

// probeTimeout is the check's probe_timeout_seconds, kept within 1–30 s:
// a probe holds a scan.
func probeTimeout(c *Check, act interpreter.Activation) time.Duration {
	const fallback = 5
	seconds := int64(fallback)
	if c.ProbeTimeout != nil {
		if v, _, err := c.ProbeTimeout.prg.Eval(act); err == nil {
			if n, ok := v.Value().(int64); ok {
				seconds = n
			}
		}
	}
	return time.Duration(min(max(seconds, 1), 30)) * time.Second
}

// probeURL keeps a URL a lab asks for only when it is http://host/ as
// grader.ProbeURL writes it: nothing in a lab file or a snapshot can make
// the prober request anything else.
func probeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") || u.Port() != "" {
		return ""
	}
	if p := grader.ProbeURL(u.Hostname()); p == raw {
		return p
	}
	return ""
}
