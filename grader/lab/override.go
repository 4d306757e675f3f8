package lab

import (
	"fmt"
	"maps"
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
	// have the type of the lab's own (string, int, bool or a list of one
	// of them).
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
				if cc.Points < 0 || cc.Points > 1000 {
					bad("checks.%s.points: %d is outside 0..1000", c.ID, cc.Points)
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
			if !strings.Contains(rr.Template, "{user}") {
				bad("names.%s: %q must contain {user}, or every student would share one resource", r.Name, t)
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
	for _, name := range slices.Sorted(maps.Keys(o.Settings)) {
		i := slices.IndexFunc(out.Settings, func(s Setting) bool { return s.Name == name })
		if i < 0 {
			bad("settings.%s: the lab %s has no such setting", name, l.ID)
			continue
		}
		v, ok := sameType(out.Settings[i].Value, o.Settings[name])
		if !ok {
			bad("settings.%s: %v is not a %s like the lab's %v", name, o.Settings[name], out.Settings[i].Type, out.Settings[i].Value)
			continue
		}
		out.Settings[i].Value = v
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("lab %s: invalid override:\n  %s", l.ID, strings.Join(problems, "\n  "))
	}
	out.scope = out.newScope()
	return &out, nil
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
// errors, so a typo never silently keeps a default.
func (l *Lab) ParseRubricFile(data []byte) (Override, error) {
	o := Override{Checks: map[string]CheckOverride{}, Names: map[string]string{}, Settings: map[string]any{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return o, fmt.Errorf("rubric: invalid YAML: %w", err)
	}
	if len(doc.Content) == 0 || deref(doc.Content[0]).Tag == "!!null" {
		return o, nil
	}
	var problems []string
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
				l.rubricChecks(v, o.Checks, bad)
			case v.Kind == yaml.MappingNode:
				if !slices.ContainsFunc(slices.Collect(maps.Keys(l.RubricKeys)), func(k string) bool { return strings.HasPrefix(k, path+".") }) {
					bad(k, "%s: unknown key", path)
					continue
				}
				walk(v, path+".")
			default:
				target, ok := l.RubricKeys[path]
				if !ok {
					bad(k, "%s: unknown key", path)
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
				case "names":
					s, ok := value.(string)
					if !ok {
						bad(v, "%s: expected a name template", path)
						continue
					}
					o.Names[name] = s
				}
			}
		}
	}
	walk(doc.Content[0], "")
	if len(problems) > 0 {
		return o, fmt.Errorf("rubric:\n  %s", strings.Join(problems, "\n  "))
	}
	return o, nil
}

func (l *Lab) rubricChecks(n *yaml.Node, into map[string]CheckOverride, bad func(*yaml.Node, string, ...any)) {
	if n.Kind != yaml.MappingNode {
		bad(n, "checks: expected a mapping of check ids")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if v.Kind != yaml.MappingNode {
			bad(v, "checks.%s: expected {enabled, required, points}", k.Value)
			continue
		}
		var co CheckOverride
		for j := 0; j+1 < len(v.Content); j += 2 {
			fk, fv := v.Content[j], v.Content[j+1]
			var err error
			switch fk.Value {
			case "enabled":
				co.Enabled = new(bool)
				err = fv.Decode(co.Enabled)
			case "required":
				co.Required = new(bool)
				err = fv.Decode(co.Required)
			case "points":
				co.Points = new(int)
				err = fv.Decode(co.Points)
			default:
				bad(fk, "checks.%s.%s: unknown key (known: enabled, required, points)", k.Value, fk.Value)
				continue
			}
			if err != nil {
				bad(fv, "checks.%s.%s: %q is not a %s", k.Value, fk.Value, fv.Value, map[string]string{"points": "whole number"}[fk.Value]+map[bool]string{true: "true/false"}[fk.Value != "points"])
			}
		}
		into[k.Value] = co
	}
}
