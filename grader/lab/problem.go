package lab

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong in a lab file, at a place in it.
type Problem struct {
	File string
	Line int // 1-based; 0 when the problem has no place (an unreadable file)
	Col  int // 1-based
	Msg  string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
}

// Error is a lab refused whole, with every problem found.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("invalid lab (%d problem(s)):\n  %s", len(e.Problems), strings.Join(lines, "\n  "))
}

// reader walks a lab file's YAML nodes, collecting problems with their
// place instead of stopping at the first.
type reader struct {
	file     string
	lines    []string // the source, to place errors inside block scalars
	problems []Problem
}

func (r *reader) at(n *yaml.Node, format string, args ...any) {
	p := Problem{File: r.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	r.problems = append(r.problems, p)
}

func (r *reader) atPos(line, col int, format string, args ...any) {
	r.problems = append(r.problems, Problem{File: r.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping and its value.
type field struct {
	key   *yaml.Node
	value *yaml.Node
}

// mapping reads a mapping whose keys must be among known, reporting unknown
// and repeated keys and the missing required ones (those in known ending in
// "!"). It returns the fields by key and, for ordered sections, in order.
func (r *reader) mapping(n *yaml.Node, what string, known ...string) (map[string]*yaml.Node, []field) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		r.at(n, "%s: expected a mapping, found %s", what, describeNode(n))
		return map[string]*yaml.Node{}, nil
	}
	allowed := map[string]bool{}
	var required, names []string
	for _, k := range known {
		name, req := strings.CutSuffix(k, "!")
		allowed[name] = true
		names = append(names, name)
		if req {
			required = append(required, name)
		}
	}
	byKey := map[string]*yaml.Node{}
	var fields []field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			r.at(k, "%s: a key must be a plain word", what)
			continue
		}
		if _, dup := byKey[k.Value]; dup {
			r.at(k, "%s: key %q is repeated", what, k.Value)
			continue
		}
		if len(known) > 0 && !allowed[k.Value] {
			r.at(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(names, ", "))
			continue
		}
		byKey[k.Value] = v
		fields = append(fields, field{k, v})
	}
	for _, name := range required {
		if _, ok := byKey[name]; !ok {
			r.at(n, "%s: missing required key %q", what, name)
		}
	}
	return byKey, fields
}

func (r *reader) sequence(n *yaml.Node, what string) []*yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.at(n, "%s: expected a list, found %s", what, describeNode(n))
		return nil
	}
	return n.Content
}

func (r *reader) str(n *yaml.Node, what string) string {
	n = deref(n)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float") {
		r.at(n, "%s: expected a string, found %s", what, describeNode(n))
		return ""
	}
	if strings.TrimSpace(n.Value) == "" {
		r.at(n, "%s: must not be empty", what)
	}
	return n.Value
}

func (r *reader) boolean(n *yaml.Node, what string, def bool) bool {
	n = deref(n)
	if n == nil {
		return def
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		r.at(n, "%s: expected true or false, found %s", what, describeNode(n))
		return def
	}
	return b
}

func (r *reader) integer(n *yaml.Node, what string, lo, hi int) int {
	n = deref(n)
	if n == nil {
		return 0
	}
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
		r.at(n, "%s: expected a whole number, found %s", what, describeNode(n))
		return 0
	}
	if i < lo || i > hi {
		r.at(n, "%s: %d is outside %d..%d", what, i, lo, hi)
	}
	return i
}

// strList reads a list of strings, or a single string as a list of one.
func (r *reader) strList(n *yaml.Node, what string) ([]string, []*yaml.Node) {
	n = deref(n)
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{r.str(n, what)}, []*yaml.Node{n}
	}
	var out []string
	items := r.sequence(n, what)
	for _, it := range items {
		out = append(out, r.str(it, what))
	}
	return out, items
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func describeNode(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!null":
		return "an empty value"
	case n.Tag == "!!bool":
		return "true/false"
	case n.Tag == "!!int", n.Tag == "!!float":
		return "a number " + n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

// place returns the file position of a position inside a scalar's value:
// the line and column (1-based, in characters) of its offset-th character
// on its line-th line (1-based). It is exact for single-line plain and
// quoted scalars without escapes and for literal blocks (|); for folded
// text it falls back to the scalar's start.
func (r *reader) place(n *yaml.Node, line, col int) (int, int) {
	switch n.Style {
	case yaml.LiteralStyle:
		srcLine := n.Line + line
		if srcLine-1 < len(r.lines) {
			src := r.lines[srcLine-1]
			valueLines := strings.Split(n.Value, "\n")
			if line-1 < len(valueLines) {
				indent := utf8.RuneCountInString(src) - utf8.RuneCountInString(valueLines[line-1])
				return srcLine, indent + col
			}
		}
	case yaml.FoldedStyle:
		// Folded text joins its source lines with one space: walk them to
		// the offset-th character of the value's line.
		// Only the value's first line is placed exactly.
		if line != 1 {
			break
		}
		offset := col - 1
		for srcLine := n.Line + 1; srcLine-1 < len(r.lines); srcLine++ {
			src := r.lines[srcLine-1]
			text := strings.TrimLeft(src, " ")
			width := utf8.RuneCountInString(text)
			if offset <= width || srcLine == len(r.lines) {
				return srcLine, utf8.RuneCountInString(src) - width + offset + 1
			}
			offset -= width + 1
		}
	case 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if line == 1 && !strings.Contains(n.Value, "\n") {
			quote := 0
			if n.Style != 0 {
				quote = 1
			}
			return n.Line, n.Column + quote + col - 1
		}
	}
	return n.Line, n.Column
}
