package lab

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Override is what a class changes of a lab without editing its file: how
// the checks count, the name templates and the settings. Nothing in it is
// compiled: the lab's expressions stay as they were checked at load.
type Override struct {
	Checks map[string]CheckOverride
	// Names replaces resources' name templates, by resource name.
	Names map[string]string
	// Settings replaces settings' values, by setting name; a value must
	// have the type of the lab's own (string, int, double, bool, a list of
	// one of them, or a map of names to numbers). A map is changed key by
	// key: the keys given replace or add to the lab's, the others keep the
	// lab's values.
	Settings map[string]any
}

// CheckOverride changes how one check counts; nil keeps the lab's value.
type CheckOverride struct {
	Enabled  *bool
	Required *bool
	Points   *int
}

// With returns a copy of the lab with o applied, or an error naming every
// unknown check, resource or setting and every value of the wrong type.
func (l *Lab) With(o Override) (*Lab, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	out := *l

	out.Checks = make([]*Check, len(l.Checks))
	for i, c := range l.Checks {
		cc := *c
		if co, ok := o.Checks[c.ID]; ok {
			if co.Enabled != nil {
				cc.Enabled = *co.Enabled
			}
			if co.Required != nil {
				cc.Required = *co.Required
			}
			if co.Points != nil {
				cc.Points = *co.Points
				if p := pointsProblem(cc.Points); p != "" {
					bad("checks.%s.points: %s", c.ID, p)
				}
			}
		}
		out.Checks[i] = &cc
	}
	for _, id := range slices.Sorted(maps.Keys(o.Checks)) {
		if l.Check(id) == nil {
			bad("checks.%s: the lab %s has no such check", id, l.ID)
		}
	}

	out.Resources = make([]*Resource, len(l.Resources))
	for i, r := range l.Resources {
		rr := *r
		if t, ok := o.Names[r.Name]; ok {
			rr.Template = strings.TrimSpace(t)
			if p := templateProblem(t); p != "" {
				bad("names.%s: %s", r.Name, p)
			}
		}
		out.Resources[i] = &rr
	}
	for _, name := range slices.Sorted(maps.Keys(o.Names)) {
		if !slices.ContainsFunc(l.Resources, func(r *Resource) bool { return r.Name == name }) {
			bad("names.%s: the lab %s has no such resource", name, l.ID)
		}
	}

	out.Settings = slices.Clone(l.Settings)
	region := l.overriddenRegion(o.Settings)
	for _, name := range slices.Sorted(maps.Keys(o.Settings)) {
		i := slices.IndexFunc(out.Settings, func(s Setting) bool { return s.Name == name })
		if i < 0 {
			bad("settings.%s: the lab %s has no such setting", name, l.ID)
			continue
		}
		v, problem := l.settingValue(out.Settings[i], o.Settings[name], region)
		if problem != "" {
			bad("settings.%s: %s", name, problem)
			continue
		}
		if m, ok := v.(map[string]float64); ok {
			merged := maps.Clone(out.Settings[i].Value.(map[string]float64))
			maps.Copy(merged, m)
			v = merged
		}
		out.Settings[i].Value = v
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("lab %s: invalid override:\n  %s", l.ID, strings.Join(problems, "\n  "))
	}
	out.scope = out.newScope()
	return &out, nil
}

// pointsProblem says what is wrong with a check's points, or "".
func pointsProblem(p int) string {
	if p < 0 || p > 1000 {
		return fmt.Sprintf("%d is outside 0..1000", p)
	}
	return ""
}

// templateProblem says what is wrong with a resource's name template, or "".
func templateProblem(t string) string {
	if !strings.Contains(t, "{user}") {
		return fmt.Sprintf("%q must contain {user}, or every student would share one resource", t)
	}
	return ""
}

// overriddenRegion is the region the lab has once settings apply: their
// region when it is a string, else the lab's own.
func (l *Lab) overriddenRegion(settings map[string]any) string {
	if r, ok := settings[regionSetting].(string); ok {
		return r
	}
	return l.Region()
}

// regionSetting is the setting that says where the students work (see
// Region).
const regionSetting = "region"

var (
	// regionPattern is the form of an AWS region's name: us-east-1,
	// us-gov-west-1.
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	// zoneSuffix is what an Availability Zone's name adds to its region's:
	// a letter, or a Local Zone's -<place>-<n><letter>.
	zoneSuffix = regexp.MustCompile(`^(-[a-z]+-[0-9]+)?[a-z]$`)
)

func isZoneOf(zone, region string) bool {
	rest, ok := strings.CutPrefix(zone, region)
	return ok && region != "" && zoneSuffix.MatchString(rest)
}

// settingValue converts v, a class's value for the setting s, to the Go
// type of the lab's value and checks it means what the lab's value does;
// region is the lab's region once the override applies. The problem is ""
// when v is fine. What the lab's own value is tells what a new one must
// be, so that no setting is named here:
//   - the region setting must name an AWS region;
//   - where the lab's value (or every item of its list) parses as a CIDR,
//     the new one must too;
//   - where it is an Availability Zone of the lab's region, the new one must
//     be a zone of the region in force.
//
// An empty string stays allowed in a setting other than the region: rules
// read it as "no expectation". A list must not be empty nor repeat an item.
func (l *Lab) settingValue(s Setting, v any, region string) (any, string) {
	if v == nil {
		return nil, "no value"
	}
	if items, ok := v.([]any); ok && len(items) == 0 {
		return nil, "empty list"
	}
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return nil, "empty map"
	}
	out, ok := sameType(s.Value, v)
	if !ok {
		return nil, fmt.Sprintf("%v is not a %s like the lab's %v", v, s.Type, s.Value)
	}
	var was, now []string // the string values, one or a list
	single := false
	switch x := out.(type) {
	case string:
		was, now, single = []string{s.Value.(string)}, []string{x}, true
	case []string:
		was, now = s.Value.([]string), x
		for i, it := range x {
			if slices.Contains(x[:i], it) {
				return nil, fmt.Sprintf("%q is listed twice", it)
			}
		}
	}
	if len(was) == 0 {
		return out, ""
	}
	allCIDR, allZones := true, true
	for _, w := range was {
		_, err := netip.ParsePrefix(w)
		allCIDR = allCIDR && err == nil
		allZones = allZones && isZoneOf(w, l.Region())
	}
	for _, it := range now {
		switch {
		case s.Name == regionSetting:
			if !regionPattern.MatchString(it) {
				return nil, fmt.Sprintf("%q is not an AWS region", it)
			}
		case it == "" && single:
			// no expectation
		case allCIDR:
			if p, err := netip.ParsePrefix(it); err != nil || p.Masked() != p {
				return nil, fmt.Sprintf("%q is not a CIDR block like the lab's %s", it, was[0])
			}
		case allZones:
			if !isZoneOf(it, region) {
				return nil, fmt.Sprintf("%q is not an Availability Zone of region %s", it, region)
			}
		}
	}
	return out, ""
}

// sameType converts v to the Go type of like (as a lab setting holds it),
// accepting what a YAML or JSON decoder gives.
func sameType(like, v any) (any, bool) {
	switch like.(type) {
	case string:
		s, ok := v.(string)
		return s, ok
	case bool:
		b, ok := v.(bool)
		return b, ok
	case int64:
		switch n := v.(type) {
		case int:
			return int64(n), true
		case int64:
			return n, true
		}
	case float64:
		return number(v)
	case map[string]float64:
		switch m := v.(type) {
		case map[string]float64:
			return m, len(m) > 0
		case map[string]any:
			out := make(map[string]float64, len(m))
			for k, it := range m {
				f, ok := number(it)
				if !ok {
					return nil, false
				}
				out[k] = f
			}
			return out, len(out) > 0
		}
	case []float64:
		if fs, ok := v.([]float64); ok {
			return fs, len(fs) > 0
		}
		l, ok := listOf[any](v)
		if !ok {
			return nil, false
		}
		out := make([]float64, len(l))
		for i, it := range l {
			if out[i], ok = number(it); !ok {
				return nil, false
			}
		}
		return out, true
	case []string:
		return listOf[string](v)
	case []int64:
		if l, ok := listOf[int](v); ok {
			out := make([]int64, len(l))
			for i, n := range l {
				out[i] = int64(n)
			}
			return out, true
		}
		return listOf[int64](v)
	case []bool:
		return listOf[bool](v)
	}
	return nil, false
}

// number is v as a double: a whole number is one too (YAML and JSON write
// 1 for 1.0). Not a number, infinite or NaN is none.
func number(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint64:
		f = float64(n)
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func listOf[T any](v any) ([]T, bool) {
	switch l := v.(type) {
	case []T:
		return l, len(l) > 0
	case []any:
		out := make([]T, 0, len(l))
		for _, it := range l {
			x, ok := it.(T)
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// MaxRubricBytes bounds a class's rubric file: it is held in memory and
// stored with its class.
const MaxRubricBytes = 256 << 10

// ParseRubricFile reads a class's rubric file (the override format of the
// Go checks: checks.<id>.{enabled,required,points} and the keys the lab
// maps in rubric_keys) into an Override of the lab. Unknown keys are
// errors, so a typo never silently keeps a default. One file serves all
// the labs of a class: a check or a key that only a sibling lab knows is
// the sibling's, and left to it.
func (l *Lab) ParseRubricFile(data []byte, siblings ...*Lab) (Override, error) {
	siblingKnows := func(path string, prefix bool) bool {
		for _, sib := range siblings {
			for k := range sib.RubricKeys {
				if k == path || prefix && strings.HasPrefix(k, path+".") {
					return true
				}
			}
		}
		return false
	}
	o := Override{Checks: map[string]CheckOverride{}, Names: map[string]string{}, Settings: map[string]any{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return o, fmt.Errorf("rubric: invalid YAML: %w", err)
	}
	if len(doc.Content) == 0 || deref(doc.Content[0]).Tag == "!!null" {
		return o, nil
	}
	var problems []string
	settingAt := map[string]rubricValue{}
	bad := func(n *yaml.Node, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("line %d: ", n.Line)+fmt.Sprintf(format, args...))
	}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		n = deref(n)
		if n.Kind != yaml.MappingNode {
			bad(n, "%s: expected a mapping", strings.TrimSuffix(prefix, "."))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], deref(n.Content[i+1])
			path := prefix + k.Value
			switch {
			case path == "checks":
				l.rubricChecks(v, o.Checks, bad, siblings)
			case v.Kind == yaml.MappingNode && !l.mapSetting(l.RubricKeys[path]):
				if !slices.ContainsFunc(slices.Collect(maps.Keys(l.RubricKeys)), func(k string) bool { return strings.HasPrefix(k, path+".") }) {
					if !siblingKnows(path, true) {
						bad(k, "%s: unknown key", path)
					}
					continue
				}
				walk(v, path+".")
			default:
				target, ok := l.RubricKeys[path]
				if !ok {
					if !siblingKnows(path, false) {
						bad(k, "%s: unknown key", path)
					}
					continue
				}
				var value any
				if err := v.Decode(&value); err != nil {
					bad(v, "%s: %v", path, err)
					continue
				}
				kind, name, _ := strings.Cut(target, ".")
				switch kind {
				case "settings":
					o.Settings[name] = value
					settingAt[name] = rubricValue{path, v}
				case "names":
					s, ok := value.(string)
					if !ok {
						bad(v, "%s: expected a name template", path)
						continue
					}
					if p := templateProblem(s); p != "" {
						bad(v, "%s: %s", path, p)
					}
					o.Names[name] = s
				}
			}
		}
	}
	walk(doc.Content[0], "")
	// The settings once all are read: an Availability Zone is one of the
	// region the file sets.
	region := l.overriddenRegion(o.Settings)
	for _, name := range slices.Sorted(maps.Keys(settingAt)) {
		at := settingAt[name]
		i := slices.IndexFunc(l.Settings, func(s Setting) bool { return s.Name == name })
		if i < 0 {
			continue // a lab's rubric_keys name its settings; With says so otherwise
		}
		if at.node.Tag == "!!null" {
			bad(at.node, "%s: no value", at.path)
			continue
		}
		v, problem := l.settingValue(l.Settings[i], o.Settings[name], region)
		if problem != "" {
			bad(at.node, "%s: %s", at.path, problem)
			continue
		}
		o.Settings[name] = v
	}
	if len(problems) > 0 {
		return o, fmt.Errorf("rubric:\n  %s", strings.Join(problems, "\n  "))
	}
	return o, nil
}

// mapSetting reports whether target (a rubric key's settings.<name>) is a
// map setting, whose rubric value is a mapping.
func (l *Lab) mapSetting(target string) bool {
	name, ok := strings.CutPrefix(target, "settings.")
	if !ok {
		return false
	}
	i := slices.IndexFunc(l.Settings, func(s Setting) bool { return s.Name == name })
	if i < 0 {
		return false
	}
	_, isMap := l.Settings[i].Value.(map[string]float64)
	return isMap
}

// rubricValue is where a rubric file gives a value: its key path and node.
type rubricValue struct {
	path string
	node *yaml.Node
}

func (l *Lab) rubricChecks(n *yaml.Node, into map[string]CheckOverride, bad func(*yaml.Node, string, ...any), siblings []*Lab) {
	if n.Kind != yaml.MappingNode {
		bad(n, "checks: expected a mapping of check ids")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if l.Check(k.Value) == nil {
			if !slices.ContainsFunc(siblings, func(sib *Lab) bool { return sib.Check(k.Value) != nil }) {
				if len(siblings) == 0 {
					bad(k, "checks.%s: the lab %s has no such check", k.Value, l.ID)
				} else {
					ids := []string{l.ID}
					for _, sib := range siblings {
						ids = append(ids, sib.ID)
					}
					bad(k, "checks.%s: none of the labs %s has such a check", k.Value, strings.Join(ids, ", "))
				}
			}
			continue
		}
		if v.Kind != yaml.MappingNode {
			bad(v, "checks.%s: expected {enabled, required, points}", k.Value)
			continue
		}
		var co CheckOverride
		for j := 0; j+1 < len(v.Content); j += 2 {
			fk, fv := v.Content[j], deref(v.Content[j+1])
			path := "checks." + k.Value + "." + fk.Value
			if fv.Kind == yaml.ScalarNode && fv.Tag == "!!null" {
				bad(fv, "%s: no value", path)
				continue
			}
			switch fk.Value {
			case "enabled", "required":
				b := new(bool)
				if fv.Tag != "!!bool" || fv.Decode(b) != nil {
					bad(fv, "%s: %s is not true/false", path, describeNode(fv))
					continue
				}
				if fk.Value == "enabled" {
					co.Enabled = b
				} else {
					co.Required = b
				}
			case "points":
				co.Points = new(int)
				if fv.Tag != "!!int" || fv.Decode(co.Points) != nil {
					co.Points = nil
					var f float64
					if fv.Tag == "!!float" && fv.Decode(&f) == nil && f == math.Trunc(f) && math.Abs(f) <= 1e6 {
						bad(fv, "%s: %s is not written as a whole number; want points such as %d", path, fv.Value, int(f))
					} else if fv.Tag == "!!float" {
						bad(fv, "%s: %s is not a whole number", path, fv.Value)
					} else {
						bad(fv, "%s: %s is not a whole number", path, describeNode(fv))
					}
					continue
				}
				if p := pointsProblem(*co.Points); p != "" {
					bad(fv, "%s: %s", path, p)
				}
			default:
				bad(fk, "%s: unknown key (known: enabled, required, points)", path)
			}
		}
		into[k.Value] = co
	}
}
