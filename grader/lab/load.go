package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"go.yaml.in/yaml/v3"

	"labgrid/grader"
)

// MaxCheckIDBytes bounds a check's id: it is stored with every result
// and timeline entry (and the result fingerprints count it in two bytes).
const MaxCheckIDBytes = 64

var (
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	checkPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	namePattern  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// reserved are the names a lab cannot give a resource: the engine's own
// variables and CEL's words.
var reserved = []string{
	"user", "dedicated", "now", "status", "unreadable", "probes", "settings", "names", "renamed", "variables", "memory", "it",
	"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
	"import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
}

// LoadFile reads and compiles the lab file at path in fsys.
func LoadFile(fsys fs.FS, path string) (*Lab, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, &Error{Problems: []Problem{{File: path, Msg: err.Error()}}}
	}
	return Load(path, data)
}

// Load reads and compiles one lab file; name is the file's name in
// problems. A lab with any problem is refused whole: the error is an
// *Error listing every problem with its place.
func Load(name string, data []byte) (*Lab, error) {
	r := &reader{file: name, lines: strings.Split(string(data), "\n")}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the file is empty")
		}
		line := 0
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			line = yamlErrorLine(err)
		}
		return nil, &Error{Problems: []Problem{{File: name, Line: line, Col: min(line, 1), Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{Problems: []Problem{{File: name, Msg: "the file holds no YAML document"}}}
	}
	base, err := baseEnv()
	if err != nil {
		return nil, fmt.Errorf("lab: CEL environment: %w", err) // a programming error
	}
	c := &compiler{reader: r, lab: &Lab{}, declared: map[string]bool{}, parsed: map[string]*cel.Ast{}, templates: map[templateKey]*Expr{}}
	c.load(doc.Content[0], base)
	if len(r.problems) > 0 {
		slices.SortStableFunc(r.problems, func(a, b Problem) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		return nil, &Error{Problems: r.problems}
	}
	c.lab.scope = c.lab.newScope()
	return c.lab, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n := 0
	fmt.Sscan(m[1], &n)
	return n
}

// compiler turns a lab file's nodes into a Lab.
type compiler struct {
	*reader
	lab *Lab
	// resources by name, and what each lab variable, memory value and
	// resource reads, to derive what each check reads.
	resources map[string]*Resource
	varReads  map[string][]string
	checkIDs  map[string]*yaml.Node
	// declared are the lab's variables.<name> and memory.<name>: a check's
	// variable cannot shadow one.
	declared  map[string]bool
	parsed    map[string]*cel.Ast
	templates map[templateKey]*Expr
}

func (c *compiler) load(root *yaml.Node, env *cel.Env) {
	top, _ := c.mapping(root, "lab", "id!", "title!", "short", "areas!", "settings", "resources", "variables", "memory", "checks!", "rubric_keys")
	l := c.lab
	if n := top["id"]; n != nil {
		l.ID = c.str(n, "id")
		if l.ID != "" && !idPattern.MatchString(l.ID) {
			c.at(n, "id: %q must be lowercase letters, digits, - and _ (e.g. lab-1)", l.ID)
		}
	}
	l.Title = c.text(top["title"], "title")
	if l.Short = c.text(top["short"], "short"); l.Short.JA == "" {
		l.Short = l.Title
	}
	areas := c.areas(top["areas"])

	var decls []cel.EnvOption
	decls = append(decls, c.settings(top["settings"])...)
	env = c.extend(env, decls...)
	env = c.resourceDecls(top["resources"], env)
	env = c.variables(top["variables"], env, "variables", &l.Variables, nil, c.declared)
	env = c.memory(top["memory"], env)
	c.checks(top["checks"], env, areas)
	c.rubricKeys(top["rubric_keys"])
	l.adapter = env.CELTypeAdapter()
}

// rubricKeys reads the map from a class rubric file's keys to settings and
// resources of the lab.
func (c *compiler) rubricKeys(n *yaml.Node) {
	if n == nil {
		return
	}
	_, fields := c.mapping(n, "rubric_keys")
	c.lab.RubricKeys = map[string]string{}
	for _, f := range fields {
		target := ""
		if v := deref(f.value); v.Kind != yaml.ScalarNode || v.Tag != "!!null" && v.Tag != "!!str" {
			c.at(f.value, "rubric_keys.%s: expected settings.<name>, names.<resource> or nothing", f.key.Value)
			continue
		} else if v.Tag == "!!str" {
			target = v.Value
		}
		kind, name, _ := strings.Cut(target, ".")
		switch {
		case strings.HasPrefix(f.key.Value, "checks"):
			c.at(f.key, "rubric_keys: checks.<id> are the lab's own and need no key")
		case target == "":
		case kind == "settings" && slices.ContainsFunc(c.lab.Settings, func(s Setting) bool { return s.Name == name }):
		case kind == "names" && c.resources[name] != nil:
		default:
			c.at(f.value, "rubric_keys.%s: %q is neither settings.<a setting of this lab> nor names.<a resource of this lab>", f.key.Value, target)
			continue
		}
		c.lab.RubricKeys[f.key.Value] = target
	}
}

// extend adds declarations to env; a failure is a programming error or a
// name clash already reported, so env stays as it was.
func (c *compiler) extend(env *cel.Env, opts ...cel.EnvOption) *cel.Env {
	if len(opts) == 0 {
		return env
	}
	ext, err := env.Extend(opts...)
	if err != nil {
		c.atPos(0, 0, "internal error declaring variables: %v", err)
		return env
	}
	return ext
}

// text reads a {ja, en} mapping of plain texts.
func (c *compiler) text(n *yaml.Node, what string) grader.Text {
	if n == nil {
		return grader.Text{}
	}
	m, _ := c.mapping(n, what, "ja!", "en!")
	t := grader.Text{}
	if m["ja"] != nil {
		t.JA = c.str(m["ja"], what+".ja")
	}
	if m["en"] != nil {
		t.EN = c.str(m["en"], what+".en")
	}
	return t
}

func (c *compiler) areas(n *yaml.Node) map[string]bool {
	known := map[string]bool{}
	for _, it := range c.sequence(n, "areas") {
		m, _ := c.mapping(it, "areas[]", "id!", "title!")
		a := Area{Title: c.text(m["title"], "areas[].title")}
		if m["id"] != nil {
			a.ID = c.str(m["id"], "areas[].id")
			switch {
			case a.ID != "" && !namePattern.MatchString(a.ID):
				c.at(m["id"], "area id %q must be lowercase letters, digits and _", a.ID)
			case known[a.ID]:
				c.at(m["id"], "area %q is declared twice", a.ID)
			}
			known[a.ID] = true
		}
		c.lab.Areas = append(c.lab.Areas, a)
	}
	if n != nil && len(c.lab.Areas) == 0 {
		c.at(n, "areas: a lab needs at least one area")
	}
	return known
}

// settings reads settings.<name> values; their CEL type follows their YAML
// type, so a rule comparing a CIDR with a number is refused at load.
func (c *compiler) settings(n *yaml.Node) []cel.EnvOption {
	if n == nil {
		return nil
	}
	_, fields := c.mapping(n, "settings")
	var decls []cel.EnvOption
	for _, f := range fields {
		name := f.key.Value
		if !namePattern.MatchString(name) {
			c.at(f.key, "settings: %q must be lowercase letters, digits and _", name)
			continue
		}
		value, typ := c.settingValue(f.value, "settings."+name)
		if typ == nil {
			continue
		}
		// The region says where students are looked at (Region): it must
		// name one, as a class's value must (Lab.With).
		if r, ok := value.(string); name == regionSetting && (!ok || !regionPattern.MatchString(r)) {
			c.at(f.value, "settings.region: %s is not an AWS region such as us-east-1", describeNode(f.value))
			continue
		}
		c.lab.Settings = append(c.lab.Settings, Setting{Name: name, Value: value, Type: typ})
		decls = append(decls, cel.Variable("settings."+name, typ))
	}
	return decls
}

func (c *compiler) settingValue(n *yaml.Node, what string) (any, *cel.Type) {
	n = deref(n)
	scalar := func(n *yaml.Node) (any, *cel.Type) {
		if n.Kind != yaml.ScalarNode {
			return nil, nil
		}
		switch n.Tag {
		case "!!str":
			return n.Value, cel.StringType
		case "!!int":
			var i int64
			if n.Decode(&i) == nil {
				return i, cel.IntType
			}
		case "!!float":
			var f float64
			if n.Decode(&f) == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f, cel.DoubleType
			}
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, cel.BoolType
			}
		}
		return nil, nil
	}
	if n.Kind == yaml.MappingNode {
		return c.settingMap(n, what, scalar)
	}
	if n.Kind == yaml.SequenceNode {
		var list []any
		var elem *cel.Type
		for _, it := range n.Content {
			v, t := scalar(deref(it))
			switch {
			case t == nil:
				c.at(it, "%s: a list item must be a string, a number or true/false, found %s", what, describeNode(it))
				return nil, nil
			case elem != nil && !elem.IsExactType(t):
				c.at(it, "%s: every item must have the type of the first (%s), found %s", what, elem, t)
				return nil, nil
			}
			elem = t
			list = append(list, v)
		}
		if elem == nil {
			c.at(n, "%s: an empty list has no type; give at least one item", what)
			return nil, nil
		}
		switch {
		case elem.IsExactType(cel.StringType):
			return typedList[string](list), cel.ListType(elem)
		case elem.IsExactType(cel.IntType):
			return typedList[int64](list), cel.ListType(elem)
		case elem.IsExactType(cel.DoubleType):
			return typedList[float64](list), cel.ListType(elem)
		default:
			return typedList[bool](list), cel.ListType(elem)
		}
	}
	v, t := scalar(n)
	if t == nil {
		c.at(n, "%s: expected a string, a number, true/false, a list of them or a map of names to numbers, found %s", what, describeNode(n))
	}
	return v, t
}

// settingMap reads a map setting: names to numbers (a price table), read
// as map(string, double); a whole number is a double there.
func (c *compiler) settingMap(n *yaml.Node, what string, scalar func(*yaml.Node) (any, *cel.Type)) (any, *cel.Type) {
	out := map[string]float64{}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" && k.Tag != "!!int" && k.Tag != "!!float" {
			c.at(k, "%s: a key must be a name, found %s", what, describeNode(k))
			ok = false
			continue
		}
		if _, dup := out[k.Value]; dup {
			c.at(k, "%s: %q is given twice", what, k.Value)
			ok = false
			continue
		}
		x, t := scalar(v)
		switch {
		case t != nil && t.IsExactType(cel.DoubleType):
			out[k.Value] = x.(float64)
		case t != nil && t.IsExactType(cel.IntType):
			out[k.Value] = float64(x.(int64))
		default:
			c.at(v, "%s.%s: a value of a map must be a number, found %s", what, k.Value, describeNode(v))
			ok = false
		}
	}
	if !ok {
		return nil, nil
	}
	if len(out) == 0 {
		c.at(n, "%s: an empty map has no use; give at least one key", what)
		return nil, nil
	}
	return out, cel.MapType(cel.StringType, cel.DoubleType)
}

func typedList[T any](in []any) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = v.(T)
	}
	return out
}

// resourceDecls reads the resources in order: a resource's in and where may
// read the resources above it.
func (c *compiler) resourceDecls(n *yaml.Node, env *cel.Env) *cel.Env {
	c.resources = map[string]*Resource{}
	c.varReads = map[string][]string{}
	if n == nil {
		return env
	}
	_, fields := c.mapping(n, "resources")
	for _, f := range fields {
		name := f.key.Value
		where := "resources." + name
		m, _ := c.mapping(f.value, where, "kind!", "name!", "many", "in", "where", "fallback", "fallback_where", "dedicated_all")
		res := &Resource{Name: name}
		bad := false
		switch {
		case !namePattern.MatchString(name):
			c.at(f.key, "%s: a resource name must be lowercase letters, digits and _", where)
			bad = true
		case slices.Contains(reserved, name):
			c.at(f.key, "%s: %q is reserved (%s)", where, name, strings.Join(reserved[:10], ", "))
			bad = true
		}
		if kn := m["kind"]; kn != nil {
			k := c.str(kn, where+".kind")
			res.Kind = kindByName(k)
			if res.Kind == nil && k != "" {
				c.at(kn, "%s.kind: unknown kind %q (known: %s)", where, k, strings.Join(KindNames(), ", "))
			}
		}
		res.Many = c.boolean(m["many"], where+".many", false)
		res.Fallback = c.boolean(m["fallback"], where+".fallback", !res.Many)
		if res.Many && res.Fallback {
			c.at(m["fallback"], "%s.fallback: a resource with many: true has no fallback", where)
		}
		if in := m["in"]; in != nil {
			res.In = c.str(in, where+".in")
			parent := c.resources[res.In]
			switch {
			case res.In == "":
			case parent == nil:
				c.at(in, "%s.in: %q is not a resource declared above", where, res.In)
			case parent.Kind == nil:
			case parent.Kind.Name != "ec2.vpc" || parent.Many:
				c.at(in, "%s.in: %q must be a single ec2.vpc resource", where, res.In)
			case res.Kind != nil && !res.Kind.InVPC:
				c.at(in, "%s.in: a %s is not in a VPC", where, res.Kind.Name)
			}
		}
		// A template without {user} would give every student the same
		// records, unless the student's VPC scopes them.
		if tn := m["name"]; tn != nil {
			res.Template = c.str(tn, where+".name")
			if res.Template != "" && !strings.Contains(res.Template, "{user}") && res.In == "" {
				c.at(tn, "%s.name: %q must contain {user} (or the resource needs in: <its VPC>), or every student would share one resource", where, res.Template)
			}
		}
		res.DedicatedAll = c.boolean(m["dedicated_all"], where+".dedicated_all", false)
		if res.DedicatedAll && !res.Many {
			c.at(m["dedicated_all"], "%s.dedicated_all: only a resource with many: true takes every record of the account", where)
		}
		if bad {
			continue
		}
		if res.Kind == nil {
			// Declared as dyn, so that the rules reading it report their
			// own mistakes, not this one again.
			c.resources[name] = res
			env = c.extend(env, cel.Variable(name, cel.DynType), cel.Variable("names."+name, cel.StringType),
				cel.Variable("renamed."+name, cel.BoolType))
			continue
		}
		if m["where"] != nil || m["fallback_where"] != nil { // an environment costs: only when needed
			itEnv := c.extend(env, cel.Variable("it", res.Kind.CELType()))
			if w := m["where"]; w != nil {
				res.Where = c.expr(itEnv, w, where+".where", cel.BoolType)
			}
			if w := m["fallback_where"]; w != nil {
				res.FallbackWhere = c.expr(itEnv, w, where+".fallback_where", cel.BoolType)
			}
		}
		typ := res.Kind.CELType()
		if res.Many {
			typ = cel.ListType(typ)
		}
		decls := []cel.EnvOption{cel.Variable(name, typ), cel.Variable("names."+name, cel.StringType)}
		if res.Fallback {
			decls = append(decls, cel.Variable("renamed."+name, cel.BoolType))
		}
		env = c.extend(env, decls...)
		c.resources[name] = res
		c.lab.Resources = append(c.lab.Resources, res)
		// Finding it reads its scope and what its filters read.
		deps := []string{}
		if res.In != "" {
			deps = append(deps, res.In)
		}
		for _, e := range []*Expr{res.Where, res.FallbackWhere} {
			if e != nil {
				deps = append(deps, c.reads(e)...)
			}
		}
		c.varReads[name] = deps
	}
	return env
}

// memory reads the values kept of a student between scans; each is a
// string expression over the resources and the lab's variables, and checks
// read memory.<name> (previous, current, changed, changed_before).
func (c *compiler) memory(n *yaml.Node, env *cel.Env) *cel.Env {
	var vars []*Variable
	c.variables(n, env, "memory", &vars, cel.StringType, c.declared)
	var decls []cel.EnvOption
	for _, v := range vars {
		decls = append(decls, cel.Variable("memory."+v.Name, cel.ObjectType(celTypeName(reflect.TypeFor[Remembered]()))))
	}
	c.lab.Memory = vars
	var exprs []*Expr
	for _, v := range vars {
		exprs = append(exprs, v.Expr)
	}
	_, _, c.lab.memoryCollects = c.dataOf(exprs)
	return c.extend(env, decls...)
}

// variables reads a list of {name, expression} in order, each one readable
// by the next as <prefix>.<name>; want, when set, is the type each must
// have.
func (c *compiler) variables(n *yaml.Node, env *cel.Env, prefix string, into *[]*Variable, want *cel.Type, declared map[string]bool) *cel.Env {
	for _, it := range c.sequence(n, prefix) {
		m, _ := c.mapping(it, prefix+"[]", "name!", "expression!")
		if m["name"] == nil {
			continue
		}
		name := c.str(m["name"], prefix+"[].name")
		where := prefix + "." + name
		switch {
		case !namePattern.MatchString(name):
			c.at(m["name"], "%s: a name must be lowercase letters, digits and _", where)
			continue
		case declared[where]:
			c.at(m["name"], "%s is declared twice", where)
			continue
		}
		if m["expression"] == nil {
			continue
		}
		var wants []*cel.Type
		if want != nil {
			wants = append(wants, want)
		}
		e := c.expr(env, m["expression"], where, wants...)
		if e == nil {
			declared[where] = true
			env = c.extend(env, cel.Variable(where, cel.DynType)) // see resourceDecls
			continue
		}
		*into = append(*into, &Variable{Name: name, Expr: e})
		declared[where] = true
		c.varReads[where] = c.reads(e)
		env = c.extend(env, cel.Variable(where, e.OutputType()))
	}
	return env
}

func (c *compiler) checks(n *yaml.Node, env *cel.Env, areas map[string]bool) {
	c.checkIDs = map[string]*yaml.Node{}
	type pending struct {
		check *Check
		needs []*yaml.Node
		node  *yaml.Node
	}
	var all []pending
	items := c.sequence(n, "checks")
	if n != nil && len(items) == 0 {
		c.at(n, "checks: a lab needs at least one check")
	}
	// Ids first: a rule may read status of any check.
	for _, it := range items {
		it = deref(it)
		if it.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(it.Content); i += 2 {
			if it.Content[i].Value != "id" || deref(it.Content[i+1]).Kind != yaml.ScalarNode {
				continue
			}
			idn := it.Content[i+1]
			id := deref(idn).Value
			if prev, dup := c.checkIDs[id]; dup {
				c.at(idn, "check %q is declared twice (first at line %d)", id, prev.Line)
				continue
			}
			c.checkIDs[id] = idn
		}
	}
	for _, it := range items {
		m, _ := c.mapping(it, "check", "id!", "area!", "title!", "short", "points", "required", "enabled", "needs",
			"description", "variables", "rules!", "pass!", "hint!", "evidence", "probe_urls", "probe_timeout_seconds", "cost_per_hour")
		ch := &Check{}
		if m["id"] != nil {
			ch.ID = c.str(m["id"], "check id")
			if ch.ID != "" && !checkPattern.MatchString(ch.ID) {
				c.at(m["id"], "check id %q must be area.name in lowercase letters, digits and _ (e.g. storage.bucket)", ch.ID)
			} else if len(ch.ID) > MaxCheckIDBytes {
				c.at(m["id"], "check id %q is longer than %d characters", ch.ID, MaxCheckIDBytes)
			}
		}
		where := "check " + ch.ID
		if an := m["area"]; an != nil {
			ch.Area = c.str(an, where+": area")
			if ch.Area != "" && !areas[ch.Area] {
				c.at(an, "%s: unknown area %q (declare it under areas)", where, ch.Area)
			}
		}
		ch.Title = c.text(m["title"], where+": title")
		if ch.Short = c.text(m["short"], where+": short"); ch.Short.JA == "" {
			ch.Short = ch.Title // the title when the lab gives none, like the lab's own
		}
		ch.Points = c.integer(m["points"], where+": points", 0, 1000)
		ch.Required = c.boolean(m["required"], where+": required", false)
		ch.Enabled = c.boolean(m["enabled"], where+": enabled", true)
		if ch.Required && m["points"] == nil {
			c.at(m["required"], "%s: a required check needs points", where)
		}
		var needNodes []*yaml.Node
		ch.Needs, needNodes = c.strList(m["needs"], where+": needs")
		for i, id := range ch.Needs {
			switch {
			case id == "":
			case id == ch.ID:
				c.at(needNodes[i], "%s: a check cannot need itself", where)
			case c.checkIDs[id] == nil:
				c.at(needNodes[i], "%s: needs unknown check %q", where, id)
			}
		}

		cenv := c.variables(m["variables"], env, "variables", &ch.Variables, nil, maps.Clone(c.declared))
		for _, rn := range c.sequence(m["rules"], where+": rules") {
			if r := c.rule(rn, cenv, where); r != nil {
				ch.Rules = append(ch.Rules, r)
			}
		}
		if m["rules"] != nil && len(ch.Rules) == 0 && len(deref(m["rules"]).Content) == 0 {
			c.at(m["rules"], "%s: a check needs at least one rule", where)
		}
		ch.Pass = c.message(m["pass"], cenv, where+": pass")
		ch.Description = c.message(m["description"], cenv, where+": description")
		ch.Hint = c.message(m["hint"], cenv, where+": hint")
		for _, en := range c.sequence(m["evidence"], where+": evidence") {
			if e := c.evidence(en, cenv, where+": evidence"); e != nil {
				ch.Evidence = append(ch.Evidence, e)
			}
		}
		if pn := m["probe_urls"]; pn != nil {
			ch.ProbeURLs = c.expr(cenv, pn, where+": probe_urls", cel.ListType(cel.StringType))
		}
		if tn := m["probe_timeout_seconds"]; tn != nil {
			if m["probe_urls"] == nil {
				c.at(tn, "%s: probe_timeout_seconds without probe_urls", where)
			}
			ch.ProbeTimeout = c.expr(cenv, tn, where+": probe_timeout_seconds", cel.IntType)
		}
		if cn := m["cost_per_hour"]; cn != nil {
			ch.CostPerHour = c.expr(cenv, cn, where+": cost_per_hour", cel.DoubleType)
		}
		c.derive(ch)
		c.lab.Checks = append(c.lab.Checks, ch)
		all = append(all, pending{ch, needNodes, it})
	}
	// Cycles of needs: each is reported once, at the need that closes it.
	byID := map[string]*Check{}
	for _, p := range all {
		byID[p.check.ID] = p.check
	}
	state := map[string]int{} // 0 new, 1 on the path, 2 done
	var visit func(id string, path []string) bool
	visit = func(id string, path []string) bool {
		ch := byID[id]
		if ch == nil || state[id] == 2 {
			return false
		}
		if state[id] == 1 {
			return true
		}
		state[id] = 1
		for i, need := range ch.Needs {
			if visit(need, append(path, id)) {
				if state[need] == 1 {
					loop := append(slices.Clone(path[slices.Index(append(path, id), need):]), id, need)
					for _, p := range all {
						if p.check == ch {
							c.at(p.needs[i], "check %s: prerequisites form a cycle: %s", ch.ID, strings.Join(loop, " → "))
						}
					}
				}
				state[id] = 2
				return false
			}
		}
		state[id] = 2
		return false
	}
	for _, p := range all {
		visit(p.check.ID, nil)
	}
}

func (c *compiler) rule(n *yaml.Node, env *cel.Env, where string) *Rule {
	m, _ := c.mapping(n, where+": rule", "expression!", "severity", "stop", "message!", "hint")
	r := &Rule{Severity: SeverityFail}
	if sn := m["severity"]; sn != nil {
		s := Severity(c.str(sn, where+": severity"))
		switch s {
		case SeverityFail, SeverityWarn, SeverityBlock, SeverityPending, SeverityError:
			r.Severity = s
		case "":
		default:
			c.at(sn, "%s: severity %q must be fail, warn, block, pending or error", where, s)
		}
	}
	r.Stop = c.boolean(m["stop"], where+": stop", false)
	if m["expression"] != nil {
		r.Expr = c.expr(env, m["expression"], where+": expression", cel.BoolType)
	}
	r.Message = c.message(m["message"], env, where+": message")
	if hn := m["hint"]; hn != nil {
		h := c.message(hn, env, where+": hint")
		r.Hint = &h
	}
	return r
}

// evidence reads one evidence expression: a string, a list of strings, a
// record or a list of records (shown by the engine in a standard form).
func (c *compiler) evidence(n *yaml.Node, env *cel.Env, where string) *Expr {
	e := c.expr(env, n, where)
	if e == nil {
		return nil
	}
	t := e.OutputType()
	elem := t
	if t.Kind() == cel.ListKind {
		elem = t.Parameters()[0]
	}
	switch elem.Kind() {
	case cel.StringKind, cel.DynKind, cel.StructKind:
		return e
	}
	c.at(n, "%s: %q has type %s; evidence must be a string, a record or a list of them", where, e.Source, typeNames.Replace(t.String()))
	return nil
}

// derive lists the resources and data a check reads, through its rules,
// texts, evidence and the lab variables and memory they read.
func (c *compiler) derive(ch *Check) {
	var exprs []*Expr
	for _, v := range ch.Variables {
		exprs = append(exprs, v.Expr)
	}
	for _, r := range ch.Rules {
		exprs = append(exprs, r.Expr)
		exprs = append(exprs, r.Message.exprs()...)
		if r.Hint != nil {
			exprs = append(exprs, r.Hint.exprs()...)
		}
	}
	exprs = append(exprs, ch.Pass.exprs()...)
	exprs = append(exprs, ch.Hint.exprs()...)
	exprs = append(exprs, ch.Evidence...)
	if ch.ProbeURLs != nil {
		exprs = append(exprs, ch.ProbeURLs)
	}
	if ch.CostPerHour != nil {
		exprs = append(exprs, ch.CostPerHour)
	}
	ch.Resources, ch.Reads, ch.Collects = c.dataOf(exprs)
}

// dataOf works out what exprs read, directly or through variables: the
// lab's resources, and the Snapshot data behind them (reads) plus the data
// rules judge the absence of themselves, the RDS events (collects).
func (c *compiler) dataOf(exprs []*Expr) (resources []string, reads, collects []grader.Data) {
	seen := map[string]bool{}
	var add func(name string)
	add = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, r := range c.varReads[name] { // a variable's, a memory value's or a resource's own reads
			add(r)
		}
	}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		for _, name := range c.reads(e) {
			add(name)
		}
	}
	addData := func(ds []grader.Data) {
		for _, d := range ds {
			if !slices.Contains(reads, d) {
				reads = append(reads, d)
			}
		}
	}
	for _, res := range c.lab.Resources {
		if seen[res.Name] {
			resources = append(resources, res.Name)
			addData(res.Kind.Reads)
			if res.In != "" {
				addData(res.Kind.ScopeReads)
			}
		}
	}
	for _, field := range slices.Sorted(maps.Keys(seen)) {
		addData(fieldReads[field])
	}
	if seen["probes"] {
		addData([]grader.Data{grader.DataProbes})
	}
	// RDS events are not in reads (a rule judges their absence through
	// unreadable) but a scan must still collect them.
	collects = slices.Clone(reads)
	if seen["lab.DBCluster.events"] {
		collects = append(collects, grader.DataRDSEvents)
	}
	return resources, reads, collects
}

func (m Message) exprs() []*Expr {
	var out []*Expr
	for _, t := range []Template{m.JA, m.EN} {
		for _, p := range t.Parts {
			if p.Expr != nil {
				out = append(out, p.Expr)
			}
		}
	}
	return out
}
