// Package labs holds the labs labgrid ships, one folder per lab with its
// lab.yaml, embedded in the binary. The Go code outside this folder knows
// no workshop: everything of a handout lives in these files.
package labs

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
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
			siblings := append(slices.Clone(labs[:i]), labs[i+1:]...)
			o, err := l.ParseRubricFile(rubric, siblings...)
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

// Ref names one of a class's labs: a shipped lab by its ID, or a lab file
// (Source, with its hex SHA-256) kept by the class.
type Ref struct {
	ID     string
	Source []byte // empty for a shipped lab
	SHA256 string
}

// maxCompiled bounds the lab files kept compiled: enough for every class
// of a deployment; more starts the cache afresh.
const maxCompiled = 256

// ForClass is the set a class is judged with: its labs, in order (none:
// DefaultIDs), with the class's rubric file applied. A lab file is
// compiled once per content (by hash) and refused when its text is not
// the one its hash names, or when it declares another id than the
// class's. Sets are kept by labs and rubric: the scheduler asks for every
// class's set every few seconds, and pages on every request.
func ForClass(refs []Ref, rubric string) (*lab.Set, error) {
	if len(refs) == 0 {
		refs = make([]Ref, len(DefaultIDs))
		for i, id := range DefaultIDs {
			refs[i] = Ref{ID: id}
		}
	}
	var key strings.Builder
	for _, r := range refs {
		if len(r.Source) > 0 {
			sum := sha256.Sum256(r.Source)
			if got := hex.EncodeToString(sum[:]); got != r.SHA256 {
				return nil, fmt.Errorf("lab %s: the file's SHA-256 is %s, not the %q it is kept with", r.ID, got, r.SHA256)
			}
		}
		fmt.Fprintf(&key, "%q %s\n", r.ID, r.SHA256)
	}
	key.WriteString(rubric)
	classSets.Lock()
	defer classSets.Unlock()
	if set, ok := classSets.byKey[key.String()]; ok {
		return set, nil
	}
	labs := make([]*lab.Lab, 0, len(refs))
	for _, r := range refs {
		l, err := classSets.lab(r)
		if err != nil {
			return nil, err
		}
		labs = append(labs, l)
	}
	set, err := Set(labs, []byte(rubric))
	if err != nil {
		return nil, err
	}
	if len(classSets.byKey) >= 256 {
		clear(classSets.byKey) // rubrics edited over and over: start afresh
	}
	classSets.byKey[key.String()] = set
	return set, nil
}

// classSets are the sets of ForClass, and the lab files compiled for them.
var classSets = &setCache{byKey: map[string]*lab.Set{}, byHash: map[string]*lab.Lab{}}

type setCache struct {
	sync.Mutex
	byKey  map[string]*lab.Set // by labs and rubric
	byHash map[string]*lab.Lab // lab files, by SHA-256
}

// lab is the lab r names, a file compiled once per hash (which ForClass
// verified). The caller holds the lock.
func (c *setCache) lab(r Ref) (*lab.Lab, error) {
	if len(r.Source) == 0 {
		return Get(r.ID)
	}
	l, ok := c.byHash[r.SHA256]
	if !ok {
		var err error
		if l, err = lab.Load(r.ID+".yaml", r.Source); err != nil {
			return nil, err
		}
		if len(c.byHash) >= maxCompiled {
			clear(c.byHash)
		}
		c.byHash[r.SHA256] = l
	}
	if l.ID != r.ID {
		return nil, fmt.Errorf("lab %s: the file declares the id %q", r.ID, l.ID)
	}
	return l, nil
}
