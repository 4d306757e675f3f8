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

	"labgrid/grader/lab"
)

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
