package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"labgrid/roster"
	"labgrid/store"
)

const rosterUsage = `Usage:
  labgrid roster import --class NAME FILE [--prune] [--max-students N]
  labgrid roster links --class NAME [--base-url URL]`

func runRoster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "roster", rosterUsage, map[string]command{
		"import": runRosterImport,
		"links":  runRosterLinks,
	}, args, stdout, stderr)
}

// envMaxStudents is the class size limit's variable, for `roster import`
// and `serve`.
const envMaxStudents = "LABGRID_MAX_STUDENTS"

// classSizeSetting is how many students a class may have.
type classSizeSetting struct {
	MaxStudents int
}

func (c *classSizeSetting) define(fs *flag.FlagSet) {
	fs.IntVar(&c.MaxStudents, "max-students", 0, fmt.Sprintf("at most `N` students in a class: every scan saves a target's students at once, and the grid shows them all on one page (default $%s, else %d)", envMaxStudents, roster.DefaultMaxClassSize))
}

// resolve fills the limit from the environment when the flag was not
// given, else the default.
func (c *classSizeSetting) resolve(fs *flag.FlagSet, getenv func(string) string) []string {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "max-students" })
	switch {
	case given && c.MaxStudents < 1:
		return []string{fmt.Sprintf("--max-students %d: want 1 or more", c.MaxStudents)}
	case given:
	case getenv(envMaxStudents) != "":
		v := getenv(envMaxStudents)
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return []string{fmt.Sprintf("%s=%q: want a whole number of 1 or more", envMaxStudents, v)}
		}
		c.MaxStudents = n
	default:
		c.MaxStudents = roster.DefaultMaxClassSize
	}
	return nil
}

// hint is what to change for a class over the limit.
func (c *classSizeSetting) hint() string {
	return "raise it with --max-students or " + envMaxStudents + " if the class really is that large"
}

// rosterImportConfig is the whole configuration of `labgrid roster import`.
type rosterImportConfig struct {
	dbSettings
	secretSetting
	classSizeSetting
	Class string
	File  string
	Prune bool
}

func parseRosterImportFlags(args []string, stderr io.Writer, getenv func(string) string) (rosterImportConfig, error) {
	var cfg rosterImportConfig
	fs := newFlagSet("roster import", `Usage: labgrid roster import --class NAME FILE [--prune] [--max-students N]

Makes the class's students those of the roster FILE (the CSV that labgrid scan
reads): new logins are added, known ones updated. Students missing from the
file are kept unless --prune is given. A file with any problem changes nothing,
and so does an import that would leave the class with more students than the
limit (--max-students, else $`+envMaxStudents+`, else `+strconv.Itoa(roster.DefaultMaxClassSize)+`).`, stderr)
	cfg.dbSettings.define(fs)
	cfg.secretSetting.define(fs)
	cfg.classSizeSetting.define(fs)
	fs.StringVar(&cfg.Class, "class", "", "the class `name`")
	fs.BoolVar(&cfg.Prune, "prune", false, "remove the students that are not in the file, with their results")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	if cfg.Class == "" {
		problems = append(problems, "--class is required")
	}
	switch len(positional) {
	case 0:
		problems = append(problems, "no roster file given")
	case 1:
		cfg.File = positional[0]
	default:
		problems = append(problems, fmt.Sprintf("unexpected argument %q", positional[1]))
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	problems = append(problems, cfg.secretSetting.resolve(getenv)...)
	problems = append(problems, cfg.classSizeSetting.resolve(fs, getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("roster import", problems)
	}
	return cfg, nil
}

func runRosterImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseRosterImportFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	// The whole file is checked before the database is touched: a roster
	// with any problem changes nothing, and every problem is listed.
	students, err := roster.ReadFile(cfg.File)
	if err != nil {
		return usageError(err)
	}
	if len(students) > cfg.MaxStudents {
		return usageError(fmt.Errorf("roster %s has %d students; the limit is %d (%s)", cfg.File, len(students), cfg.MaxStudents, cfg.classSizeSetting.hint()))
	}
	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("roster import: %w", err)
	}
	defer pool.Close()
	st := store.New(pool)
	st.MaxClassSize = cfg.MaxStudents
	class, err := st.ClassByName(ctx, cfg.Class)
	if err != nil {
		return storeError(fmt.Errorf("roster import: %w (labgrid class create %s adds it)", err, cfg.Class))
	}
	sum, err := st.ImportRoster(ctx, class.ID, students, cfg.Prune, []byte(cfg.Secret))
	if se := (*store.ClassSizeError)(nil); errors.As(err, &se) {
		err = fmt.Errorf("%w (%s)", err, cfg.classSizeSetting.hint())
	}
	if err != nil {
		return storeError(err)
	}
	fmt.Fprintf(stdout, "class %s: %d added, %d updated, %d unchanged, %d removed, %d kept\n",
		class.Name, len(sum.Added), len(sum.Updated), len(sum.Unchanged), len(sum.Removed), len(sum.Kept))
	for _, line := range []struct {
		what   string
		logins []string
	}{
		{"added", sum.Added},
		{"updated", sum.Updated},
		{"removed", sum.Removed},
		{"kept", sum.Kept},
	} {
		if len(line.logins) > 0 {
			fmt.Fprintf(stdout, "  %-8s %s\n", line.what+":", strings.Join(line.logins, " "))
		}
	}
	if len(sum.Kept) > 0 {
		fmt.Fprintln(stdout, "  (kept: in the class but not in the file; --prune removes them)")
	}
	if len(sum.Added) > 0 {
		fmt.Fprintf(stdout, "their links: labgrid roster links --class %s\n", class.Name)
	}
	return nil
}

// defaultBaseURL is where `labgrid serve` listens by default.
const defaultBaseURL = "http://127.0.0.1:8080"

// rosterLinksConfig is the whole configuration of `labgrid roster links`.
type rosterLinksConfig struct {
	dbSettings
	secretSetting
	Class   string
	BaseURL string
}

func parseRosterLinksFlags(args []string, stderr io.Writer, getenv func(string) string) (rosterLinksConfig, error) {
	var cfg rosterLinksConfig
	fs := newFlagSet("roster links", `Usage: labgrid roster links --class NAME [--base-url URL]

Prints each student's self-check link, one per line:
LOGIN<TAB>DISPLAY NAME<TAB>URL. The same secret prints the same links every
time. Each link lets its holder see that student's results: hand them out
one to one.`, stderr)
	cfg.dbSettings.define(fs)
	cfg.secretSetting.define(fs)
	fs.StringVar(&cfg.Class, "class", "", "the class `name`")
	fs.StringVar(&cfg.BaseURL, "base-url", defaultBaseURL, "the `URL` students open labgrid at")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	if cfg.Class == "" {
		problems = append(problems, "--class is required")
	}
	if len(positional) > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", positional[0]))
	}
	if p := checkBaseURL(cfg.BaseURL); p != "" {
		problems = append(problems, p)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	problems = append(problems, cfg.secretSetting.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("roster links", problems)
	}
	return cfg, nil
}

func runRosterLinks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseRosterLinksFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("roster links: %w", err)
	}
	defer pool.Close()
	st := store.New(pool)
	class, err := st.ClassByName(ctx, cfg.Class)
	if err != nil {
		return storeError(fmt.Errorf("roster links: %w", err))
	}
	links, err := st.StudentLinks(ctx, class.ID, []byte(cfg.Secret))
	if err != nil {
		return storeError(err)
	}
	for _, l := range links {
		// A tab or line break in a display name would break the columns.
		name := strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, l.DisplayName)
		fmt.Fprintf(stdout, "%s\t%s\t%s/s/%s\n", l.Login, name, cfg.BaseURL, l.Token)
	}
	return nil
}
