package store

import (
	"maps"
	"sync"

	"labgrid/grader"
)

// maxCachedClasses bounds the classes whose students a Store keeps
// between scans: a few classes run at once.
const maxCachedClasses = 32

// classStudents is what SaveScan read and wrote of a class's students, as
// of the class's scan_version: reading them again costs a third of a save
// of 1,000 students. A version other than the class's now (another
// process saved, or the roster or labs changed), or a scan run after
// lastRun, means reading again.
type classStudents struct {
	version  int64
	lastRun  int64                     // the scan run of the save that wrote them
	students map[string]*storedStudent // by lower(login); nil: no such student
}

// scanCache holds each class's classStudents between its scans. A save
// takes its class's out and puts it back once committed: a failed save
// leaves none, and concurrent saves of one class never share one.
type scanCache struct {
	mu      sync.Mutex
	classes map[int64]*classStudents
}

func (c *scanCache) take(classID int64) *classStudents {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs := c.classes[classID]
	delete(c.classes, classID)
	return cs
}

func (c *scanCache) put(classID int64, cs *classStudents) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.classes[classID]; ok && old.version > cs.version {
		return
	}
	if c.classes == nil {
		c.classes = make(map[int64]*classStudents)
	}
	if len(c.classes) >= maxCachedClasses {
		for id := range c.classes { // any one: it is only read again
			delete(c.classes, id)
			break
		}
	}
	c.classes[classID] = cs
}

// stored is a student's state after a save, for the cache.
type stored struct {
	st     *storedStudent
	memory grader.Memory
	index  []byte
}

// apply brings the students a save wrote up to date.
func apply(updates []stored) {
	for _, u := range updates {
		u.st.hasMemory = true
		u.st.memory = maps.Clone(u.memory)
		u.st.index = u.index
	}
}
