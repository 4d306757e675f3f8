package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"

	"labgrid/grader/lab"
	"labgrid/labs"
)

const labUsage = `Usage:
  labgrid lab list [--lang ja|en]
  labgrid lab check [FILE…]`

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "lab", labUsage, map[string]command{
		"list":  runLabList,
		"check": runLabCheck,
	}, args, stdout, stderr)
}

// runLabList shows the labs built into labgrid.
func runLabList(_ context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("lab list", "Usage: labgrid lab list [--lang ja|en]\n\nLists the labs built into labgrid.", stderr)
	lang := flags.String("lang", defaultLang(), "language of the titles: ja or en (default from LANG)")
	positional, err := parseInterspersed(flags, args)
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
			fmt.Fprintf(stdout, "%s: ok (%s, %d checks)\n", name, l.ID, len(l.Checks))
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
