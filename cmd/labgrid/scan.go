package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"labgrid/grader"
	"labgrid/grader/awssource"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
	"labgrid/labs"
	"labgrid/prober"
	"labgrid/report"
	"labgrid/roster"
)

// scanConfig is the whole configuration of `labgrid scan`, validated
// before anything runs.
type scanConfig struct {
	RosterPath string
	// Labs are the labs to judge with: shipped ids or lab files.
	Labs        []string
	RubricPath  string
	Student     string
	Format      string
	Lang        string
	Concurrency int
	Timeout     time.Duration
	EndpointURL string
	Verbose     bool

	// Demo scans the built-in simulated class instead of AWS.
	Demo        bool
	DemoElapsed time.Duration
	DemoSeed    int64
}

func parseScanFlags(args []string, stderr io.Writer) (scanConfig, error) {
	cfg := scanConfig{}
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: labgrid scan --roster FILE [flags]\n\nScans every student of the roster once and prints the results; no database needed.\nAWS credentials and region come from the usual AWS settings (AWS_PROFILE, AWS_REGION,\nAWS_ENDPOINT_URL, ~/.aws/config, SSO, instance roles).\n\nExit status: 0 the scan ran, 1 no target could be scanned, 2 bad input.\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.RosterPath, "roster", "", "roster CSV `file` (columns login, account_id, display_name, role_arn, external_id, region, email, sis_id, section)")
	fs.Func("lab", "judge with this `lab`: a shipped lab's id or a lab file (repeatable; default "+strings.Join(labs.DefaultIDs, ", ")+")", func(v string) error {
		cfg.Labs = append(cfg.Labs, v)
		return nil
	})
	fs.StringVar(&cfg.RubricPath, "rubric", "", "rubric YAML `file` overriding the labs' points, names and settings")
	fs.StringVar(&cfg.Student, "student", "", "scan only this `login`")
	fs.StringVar(&cfg.Format, "format", "table", "output `format`: table, json or csv")
	fs.StringVar(&cfg.Lang, "lang", defaultLang(), "language of messages: ja or en (default from LANG)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "targets (account, region, role) scanned at once")
	fs.DurationVar(&cfg.Timeout, "timeout", 60*time.Second, "time allowed for one target's AWS calls")
	fs.StringVar(&cfg.EndpointURL, "endpoint-url", "", "send every AWS call to this `URL` (an emulator); same as AWS_ENDPOINT_URL")
	fs.BoolVar(&cfg.Verbose, "verbose", false, "log each target's AWS calls to stderr")
	fs.BoolVar(&cfg.Demo, "demo", false, "scan the built-in simulated class of 30 students instead of AWS (no roster, no credentials)")
	fs.DurationVar(&cfg.DemoElapsed, "demo-elapsed", 12*time.Minute, "with --demo: how far into the simulated class to look: a 20-minute class with the default labs; with any other --lab, a whole day of 2h20m (its first part 0-60m, the default labs' part 60m-2h, the end of the day 2h-2h20m)")
	fs.Int64Var(&cfg.DemoSeed, "demo-seed", 1, "with --demo: which simulated class (same seed, same class)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError(err)
	}
	if fs.NArg() > 0 {
		return cfg, usageError(fmt.Errorf("scan: unexpected argument %q", fs.Arg(0)))
	}
	return cfg, cfg.validate()
}

func (c scanConfig) validate() error {
	var problems []string
	switch {
	case c.Demo && c.RosterPath != "":
		problems = append(problems, "--demo and --roster exclude each other")
	case !c.Demo && c.RosterPath == "":
		problems = append(problems, "--roster is required (or --demo for the simulated class)")
	}
	if c.Demo && c.DemoElapsed < 0 {
		problems = append(problems, fmt.Sprintf("--demo-elapsed %s: want 0 or more", c.DemoElapsed))
	}
	if !slices.Contains(report.Formats, c.Format) {
		problems = append(problems, fmt.Sprintf("--format %q: want one of %s", c.Format, strings.Join(report.Formats, ", ")))
	}
	if c.Lang != "ja" && c.Lang != "en" {
		problems = append(problems, fmt.Sprintf("--lang %q: want ja or en", c.Lang))
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		problems = append(problems, fmt.Sprintf("--concurrency %d: want 1..256", c.Concurrency))
	}
	if c.Timeout <= 0 {
		problems = append(problems, fmt.Sprintf("--timeout %s: want a positive duration such as 60s", c.Timeout))
	}
	if len(problems) > 0 {
		return usageError(errors.New("scan: " + strings.Join(problems, "; ")))
	}
	return nil
}

// demoWholeDay: the simulated class lives its whole day when a lab other
// than the default ones is asked for; with the default labs only, it plays
// their part of the day alone.
func (c scanConfig) demoWholeDay() bool {
	return slices.ContainsFunc(c.Labs, func(l string) bool { return !slices.Contains(labs.DefaultIDs, l) })
}

// judge opens the labs of --lab (the default ones without) and applies
// --rubric to them. A lab that does not compile is refused whole, with
// every problem and its place.
func (c scanConfig) judge(stderr io.Writer) (*lab.Set, error) {
	ids := c.Labs
	if len(ids) == 0 {
		ids = labs.DefaultIDs
	}
	opened, err := findLabs(ids, stderr)
	if err != nil {
		return nil, fmt.Errorf("scan: --lab: %w", err)
	}
	var rubric []byte
	if c.RubricPath != "" {
		if rubric, err = readAtMost(c.RubricPath, lab.MaxRubricBytes+1); err != nil {
			return nil, usageError(fmt.Errorf("scan: rubric %s: %w", c.RubricPath, err))
		}
	}
	set, err := labs.Set(opened, rubric)
	if err != nil {
		if c.RubricPath != "" {
			return nil, usageError(fmt.Errorf("scan: rubric %s: %w", c.RubricPath, err))
		}
		return nil, usageError(fmt.Errorf("scan: %w", err))
	}
	return set, nil
}

// defaultLang follows the locale: Japanese where the terminal speaks it,
// English elsewhere.
func defaultLang() string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			if strings.HasPrefix(v, "ja") {
				return "ja"
			}
			return "en"
		}
	}
	return "en"
}

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseScanFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}

	judge, err := cfg.judge(stderr)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	var (
		students []grader.Student
		source   grader.Source
	)
	var class *sim.Class
	if cfg.Demo {
		class = sim.New(sim.Options{Start: time.Now().Add(-cfg.DemoElapsed), Seed: cfg.DemoSeed, WholeDay: cfg.demoWholeDay()})
		students = class.Roster()
	} else if students, err = roster.ReadFile(cfg.RosterPath); err != nil {
		return usageError(err)
	}
	// Bad input is reported before any AWS configuration is loaded.
	if cfg.Student != "" {
		students = slices.DeleteFunc(students, func(s grader.Student) bool {
			return !strings.EqualFold(s.Login, cfg.Student)
		})
		if len(students) == 0 {
			return usageError(fmt.Errorf("scan: --student %q is not in the roster", cfg.Student))
		}
	}

	if class != nil {
		source = class
	} else {
		opts := awssource.Options{TargetTimeout: cfg.Timeout, EndpointURL: cfg.EndpointURL, Logger: logger}
		if source, err = awssource.New(ctx, opts); err != nil {
			return fmt.Errorf("scan: AWS configuration: %w", err)
		}
	}

	scanner := &grader.Scanner{Source: source, Judge: judge, Concurrency: cfg.Concurrency, Logger: logger}
	if class == nil {
		// Active probes, when the rubric enables them. Never for the
		// simulated class: its addresses are made up.
		scanner.Prober = prober.New(prober.Options{Logger: logger})
	}
	res := scanner.Scan(ctx, students, nil)

	if err := report.Write(stdout, cfg.Format, res, judge, cfg.Lang); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if failed := res.Failed(); failed == len(res.Targets) {
		return &exitError{code: 1, err: fmt.Errorf("scan: none of the %d targets could be scanned: %v", failed, res.Targets[0].Err)}
	}
	return nil
}
