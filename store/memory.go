package store

import (
	"encoding/json"

	"labgrid/grader"
)

// The grader's memory of a student (student_memory.memory) is stored as
// JSON: {"<lab>/<name>": {"value": …, "changed": …}}.

func encodeMemory(m grader.Memory) string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.Marshal(m)
	if err != nil {
		// A map of strings to a struct of a string and a bool always
		// encodes.
		panic("store: encode memory: " + err.Error())
	}
	return string(b)
}

func decodeMemory(b []byte) (grader.Memory, error) {
	m := grader.Memory{}
	if len(b) == 0 || string(b) == "{}" { // most students', and no JSON to parse
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
