package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"labgrid/grader"
	"labgrid/grader/awssource"
	"labgrid/grader/lab"
	"labgrid/labs"
)

const labUsage = `Usage:
  labgrid lab list [--lang ja|en]
  labgrid lab check [FILE…]
  labgrid lab doc ID|FILE [--lang ja|en|both]
  labgrid lab policy ID|FILE…`

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "lab", labUsage, map[string]command{
		"list":   runLabList,
		"check":  runLabCheck,
		"doc":    runLabDoc,
		"policy": runLabPolicy,
	}, args, stdout, stderr)
}

// runLabList shows the labs built into labgrid.
func runLabList(_ context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("lab list", "Usage: labgrid lab list [--lang ja|en]\n\nLists the labs built into labgrid.", stderr)
	lang := flags.String("lang", defaultLang(), "language of the titles: ja or en (default from LANG)")
	positional, err := parseInterspersed(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return flagError(err)
	}
	if len(positional) > 0 {
		return usageError(fmt.Errorf("lab list: unexpected argument %q", positional[0]))
	}
	if *lang != "ja" && *lang != "en" {
		return usageError(fmt.Errorf("lab list: --lang %q: want ja or en", *lang))
	}
	shipped, err := labs.Load()
	if err != nil {
		return fmt.Errorf("lab list: a built-in lab is invalid: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCHECKS\tPOINTS\tTITLE")
	for _, l := range shipped {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", l.ID, len(l.Checks), l.MaxScore(), l.Title.In(*lang))
	}
	return tw.Flush()
}

// runLabCheck loads lab files as labgrid would and reports every problem
// with its file:line:col; without a file it checks the built-in labs.
func runLabCheck(_ context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("lab check", "Usage: labgrid lab check [FILE…]\n\nChecks lab files (unknown keys, CEL errors, unknown prerequisites or areas,\nmissing ja/en texts, cycles) and prints every problem with its place.\nWithout FILE, checks the built-in labs. Exits 2 when any file has a problem.", stderr)
	files, err := parseInterspersed(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return flagError(err)
	}
	var problems int
	check := func(name string, data []byte, readErr error) {
		var l *lab.Lab
		err := readErr
		if err == nil {
			l, err = lab.Load(name, data)
		}
		var le *lab.Error
		switch {
		case errors.As(err, &le):
			for _, p := range le.Problems {
				fmt.Fprintln(stderr, p)
			}
			problems += len(le.Problems)
		case err != nil:
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			problems++
		default:
			checks := "checks"
			if len(l.Checks) == 1 {
				checks = "check"
			}
			fmt.Fprintf(stdout, "%s: ok (%s, %d %s)\n", name, l.ID, len(l.Checks), checks)
		}
	}
	if len(files) == 0 {
		for _, p := range labs.Paths() {
			data, err := fs.ReadFile(labs.FS(), p)
			check("labs/"+p, data, err)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		check(f, data, err)
	}
	if problems > 0 {
		return usageError(fmt.Errorf("lab check: %d problem(s)", problems))
	}
	return nil
}

// runLabDoc prints a lab's reference in Markdown; labs/<id>/README.md is
// this output for each shipped lab (make docs).
func runLabDoc(_ context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("lab doc", "Usage: labgrid lab doc ID|FILE [--lang ja|en|both]\n\nPrints the lab's reference in Markdown: its areas and, for each check, what it\nneeds, points, prerequisites and hint, then its resources and settings.", stderr)
	lang := flags.String("lang", "both", "language: ja, en or both")
	positional, err := parseInterspersed(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return flagError(err)
	}
	if len(positional) != 1 {
		return usageError(errors.New("lab doc: want one lab id or file"))
	}
	if *lang != "ja" && *lang != "en" && *lang != "both" {
		return usageError(fmt.Errorf("lab doc: --lang %q: want ja, en or both", *lang))
	}
	found, err := findLabs(positional, stderr)
	if err != nil {
		return fmt.Errorf("lab doc: %w", err)
	}
	ref, err := found[0].Reference(*lang)
	if err != nil {
		return fmt.Errorf("lab doc: %w", err)
	}
	_, err = io.WriteString(stdout, ref)
	return err
}

// runLabPolicy prints the least-privilege IAM policy for the given labs:
// the AWS actions behind the data their checks read.
func runLabPolicy(_ context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("lab policy", "Usage: labgrid lab policy ID|FILE…\n\nPrints the IAM policy (JSON) that allows exactly the AWS calls the labs' checks\nneed, for the role in a student account (the layout of deploy/iam-policy.json).", stderr)
	positional, err := parseInterspersed(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return flagError(err)
	}
	if len(positional) == 0 {
		return usageError(errors.New("lab policy: want at least one lab id or file"))
	}
	found, err := findLabs(positional, stderr)
	if err != nil {
		return fmt.Errorf("lab policy: %w", err)
	}
	var reads []grader.Data
	for _, l := range found {
		// Every check, enabled or not: a class's override may enable one
		// after the role is deployed.
		for _, c := range l.Checks {
			reads = append(reads, c.Collects...)
		}
	}
	ops, err := awssource.OperationsFor(reads)
	if err != nil {
		return fmt.Errorf("lab policy: %w", err)
	}
	doc, err := awssource.PolicyDocument(ops)
	if err != nil {
		return fmt.Errorf("lab policy: %w", err)
	}
	_, err = stdout.Write(doc)
	return err
}

// findLabs finds each arg with findLab.
func findLabs(args []string, stderr io.Writer) ([]*lab.Lab, error) {
	shipped, err := labs.Shipped()
	if err != nil {
		return nil, fmt.Errorf("a built-in lab is invalid: %w", err)
	}
	out := make([]*lab.Lab, 0, len(args))
	for _, arg := range args {
		l, err := findLab(arg, shipped, stderr)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// findLab is the shipped lab with id arg, else the lab file at arg. A file
// that does not compile has its problems written to stderr; both that and
// an unknown id are usage errors (exit 2).
func findLab(arg string, shipped []*lab.Lab, stderr io.Writer) (*lab.Lab, error) {
	l, _, err := findLabSource(arg, shipped, stderr)
	return l, err
}

// findLabSource is findLab, with the file's content (nil for a shipped
// lab).
func findLabSource(arg string, shipped []*lab.Lab, stderr io.Writer) (*lab.Lab, []byte, error) {
	for _, l := range shipped {
		if l.ID == arg {
			return l, nil, nil
		}
	}
	data, err := os.ReadFile(arg)
	if errors.Is(err, fs.ErrNotExist) {
		ids := make([]string, 0, len(shipped))
		for _, l := range shipped {
			ids = append(ids, l.ID)
		}
		return nil, nil, usageError(fmt.Errorf("%q is neither a built-in lab (%s) nor a file", arg, strings.Join(ids, ", ")))
	}
	if err != nil {
		return nil, nil, usageError(err)
	}
	l, err := lab.Load(arg, data)
	var le *lab.Error
	if errors.As(err, &le) {
		for _, p := range le.Problems {
			fmt.Fprintln(stderr, p)
		}
		return nil, nil, usageError(fmt.Errorf("%s: %d problem(s)", arg, len(le.Problems)))
	}
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("%s: %w", arg, err))
	}
	return l, data, nil
}
