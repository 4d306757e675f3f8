// Package lab is the lab file format: a workshop's checks written as data
// (YAML, rules in CEL) instead of Go, so that an instructor can author a lab
// without touching the engine.
//
// A lab file declares its id, titles and areas (Japanese and English),
// settings (region, AZs, CIDRs, expected values, a table of prices) that
// rules and texts read, the resources it finds per student (kind, name
// template, scope, one or many; with dedicated_all, every record of an
// account of the student's own) and its checks (rules that fail, warn or
// block, with messages and hints in both languages that may interpolate
// what was found, and an estimated cost per hour of what they found). Load reads
// one, reports every problem with its file:line:col, and compiles every CEL
// expression once against typed declarations of the kinds (Go structs of
// this package exposed through ext.NativeTypes), so a misspelt field or a
// type mismatch is refused at load, never met at a scan.
//
// What is here: the format, its loader and checker (Load, LoadFile; every
// problem in an *Error), the CEL environment with the kinds and the
// function library, `labgrid lab check|list` over the shipped labs (package
// labs), Reference (`labgrid lab doc`: the Markdown reference each shipped
// lab commits as its README.md), Collects (the data a scan must collect,
// from which `labgrid lab policy` derives the IAM policy), and Evaluate
// over a Snapshot (NewWorld links the records once per snapshot;
// attribution by the templates with the dedicated-account fallback; prerequisites in order and blocked; lazy variables; the
// per-student Memory), ProbeTargets for the prober, and a class's override:
// Lab.ParseRubricFile reads today's class rubric file (checks.<id>.{enabled,
// required,points}, and the keys the lab maps in its rubric_keys onto
// settings.<name> and names.<resource>; unknown keys are refused) into an
// Override, which Lab.With applies. All of it is compared with the Go
// checks by test (the simulated class at several stages, through the AWS
// emulator, partial snapshots, probes, an empty account, the rubric files).
//
// What is not wired yet: the scanner, the prober, the store and the web
// server still grade with the Go checks of package grader and must not
// import this package. So nothing outside this package's tests calls
// ParseRubricFile or Lab.With: the rubric file a class is created with
// (`class create --rubric`, `scan --rubric`) still reaches only the Go
// checks. `scan --lab` does not exist.
package lab
