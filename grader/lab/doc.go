// Package lab is the lab file format: a workshop's checks written as data
// (YAML, rules in CEL) instead of Go, so that an instructor can author a lab
// without touching the engine.
//
// A lab file declares its id, titles and areas (Japanese and English),
// settings (region, AZs, CIDRs, expected values) that rules and texts read,
// the resources it finds per student (kind, name template, scope, one or
// many) and its checks (rules that fail, warn or block, with messages and
// hints in both languages that may interpolate what was found). Load reads
// one, reports every problem with its file:line:col, and compiles every CEL
// expression once against typed declarations of the kinds (Go structs of
// this package exposed through ext.NativeTypes), so a misspelt field or a
// type mismatch is refused at load, never met at a scan.
//
// What is wired: the format, its loader and checker (Load, Check), the CEL
// environment with the kinds and the function library, and `labgrid lab
// check|list` over the labs embedded in package labs. What is not wired
// yet: Evaluate over a Snapshot (attribution by the templates, the
// dedicated-account fallback, prerequisite order and blocked), the
// per-student memory, probes and the class override file. Until then the
// product grades with the Go checks of package grader; this package must
// not be imported by the scanner or the web server.
package lab
