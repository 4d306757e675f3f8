// Package labs holds the labs labgrid ships, one folder per lab with its
// lab.yaml, embedded in the binary. The Go code outside this folder knows
// no workshop: everything of a handout lives in these files.
package labs

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"labgrid/grader/lab"
)

// DefaultIDs are the labs a scan or a class is judged against when none is
// named.
var DefaultIDs = []string{"step-3"}

//go:embed */lab.yaml
var files embed.FS

// FS is the shipped lab files, as <id>/lab.yaml.
func FS() fs.FS { return files }

// Load reads and compiles every shipped lab, in the order of their folders.
// A shipped lab that does not compile is a bug, caught by this package's
// tests.
func Load() ([]*lab.Lab, error) {
	paths := Paths()
	out := make([]*lab.Lab, 0, len(paths))
	for _, p := range paths {
		l, err := lab.LoadFile(files, p)
		if err != nil {
			return nil, err
		}
		if l.ID != path.Dir(p) {
			return nil, fmt.Errorf("labs: %s declares id %q: a shipped lab's id is its folder's name", p, l.ID)
		}
		out = append(out, l)
	}
	return out, nil
}

// Paths lists the shipped lab files, for `labgrid lab check` without
// arguments.
func Paths() []string {
	paths, _ := fs.Glob(files, "*/lab.yaml")
	slices.Sort(paths)
	return paths
}

// Shipped is the shipped labs, compiled once per process: a class's set
// is then a copy with its rubric applied, never a new compilation.
var Shipped = sync.OnceValues(Load)

// Get returns the shipped lab with id, or an error listing the ids there
// are.
func Get(id string) (*lab.Lab, error) {
	all, err := Shipped()
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(all))
	for _, l := range all {
		if l.ID == id {
			return l, nil
		}
		ids = append(ids, l.ID)
	}
	return nil, fmt.Errorf("no shipped lab %q (there are: %s)", id, strings.Join(ids, ", "))
}

// Set combines labs with a class's rubric file (empty: none) applied to
// each of them.
func Set(labs []*lab.Lab, rubric []byte) (*lab.Set, error) {
	if len(rubric) > lab.MaxRubricBytes {
		return nil, fmt.Errorf("rubric: larger than %d KiB; a rubric file is a few kilobytes", lab.MaxRubricBytes>>10)
	}
	if strings.TrimSpace(string(rubric)) != "" {
		applied := make([]*lab.Lab, len(labs))
		for i, l := range labs {
			o, err := l.ParseRubricFile(rubric)
			if err != nil {
				return nil, err
			}
			if applied[i], err = l.With(o); err != nil {
				return nil, err
			}
		}
		labs = applied
	}
	return lab.NewSet(labs...)
}

// ForClass is the set a class is judged with: the default labs with the
// class's rubric file applied. Sets are kept by rubric: the scheduler asks
// for every class's set every few seconds, and pages on every request.
func ForClass(rubric string) (*lab.Set, error) {
	classSets.Lock()
	defer classSets.Unlock()
	if set, ok := classSets.byRubric[rubric]; ok {
		return set, nil
	}
	labs := make([]*lab.Lab, 0, len(DefaultIDs))
	for _, id := range DefaultIDs {
		l, err := Get(id)
		if err != nil {
			return nil, err
		}
		labs = append(labs, l)
	}
	set, err := Set(labs, []byte(rubric))
	if err != nil {
		return nil, err
	}
	if len(classSets.byRubric) >= 256 {
		clear(classSets.byRubric) // rubrics edited over and over: start afresh
	}
	classSets.byRubric[rubric] = set
	return set, nil
}

var classSets = struct {
	sync.Mutex
	byRubric map[string]*lab.Set
}{byRubric: map[string]*lab.Set{}}
