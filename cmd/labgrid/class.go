package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
	"labgrid/store"
)

const classUsage = `Usage:
  labgrid class create NAME [--lab ID|FILE]… [--rubric FILE]
  labgrid class set NAME [--lab ID|FILE]… [--rubric FILE | --no-rubric]
      [--start TIME] [--bottleneck-percent N] [--bottleneck-minutes N]
  labgrid class list`

func runClass(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "class", classUsage, map[string]command{
		"create": runClassCreate,
		"set":    runClassSet,
		"list":   runClassList,
	}, args, stdout, stderr)
}

// labArgs collects the repeatable --lab flag.
type labArgs []string

func (l *labArgs) String() string     { return strings.Join(*l, ",") }
func (l *labArgs) Set(v string) error { *l = append(*l, v); return nil }

// classCreateConfig is the whole configuration of `labgrid class create`.
type classCreateConfig struct {
	dbSettings
	Name       string
	LabArgs    []string // as given; none: the default labs
	RubricPath string
	labs       []store.ClassLab // the labs found, validated with the rubric
	rubricYAML string           // the file's content, validated
}

func parseClassCreateFlags(args []string, stderr io.Writer, getenv func(string) string) (classCreateConfig, error) {
	var cfg classCreateConfig
	fs := newFlagSet("class create", "Usage: labgrid class create NAME [--lab ID|FILE]… [--rubric FILE]\n\nAdds a class. NAME: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.\nEach --lab, in order, is a built-in lab's id (labgrid lab list) or a lab file,\nkept with the class; without --lab, the class gets "+strings.Join(labs.DefaultIDs, ", ")+".", stderr)
	cfg.dbSettings.define(fs)
	fs.Var((*labArgs)(&cfg.LabArgs), "lab", "a built-in lab's `id` or a lab file, repeatable (at most 16)")
	fs.StringVar(&cfg.RubricPath, "rubric", "", "rubric YAML `file` overriding the labs' points, names and settings for this class")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	switch len(positional) {
	case 0:
		problems = append(problems, "no class name given")
	case 1:
		cfg.Name = positional[0]
		if err := store.CheckClassName(cfg.Name); err != nil {
			problems = append(problems, err.Error())
		}
	default:
		problems = append(problems, fmt.Sprintf("unexpected argument %q", positional[1]))
	}
	if len(cfg.LabArgs) == 0 {
		cfg.labs = defaultClassLabs()
	} else if cfg.labs, err = findClassLabs(cfg.LabArgs, stderr); err != nil {
		return cfg, fmt.Errorf("class create: %w", err)
	}
	rubricRead := true
	if cfg.RubricPath != "" {
		if cfg.rubricYAML, err = readRubric(cfg.RubricPath); err != nil {
			problems = append(problems, err.Error())
			rubricRead = false
		}
	}
	if rubricRead {
		if _, err := classSet(cfg.labs, cfg.rubricYAML); err != nil {
			problems = append(problems, labsProblem(cfg.RubricPath, err))
		}
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("class create", problems)
	}
	return cfg, nil
}

// classSetConfig is the whole configuration of `labgrid class set`.
type classSetConfig struct {
	dbSettings
	Name       string
	LabArgs    []string // none: the class's labs stay
	RubricPath string   // "": the class's rubric stays, unless NoRubric
	NoRubric   bool
	cockpit    cockpitFlags
	labs       []store.ClassLab
	rubricYAML string
}

func parseClassSetFlags(args []string, stderr io.Writer, getenv func(string) string) (classSetConfig, error) {
	var cfg classSetConfig
	fs := newFlagSet("class set", "Usage: labgrid class set NAME [--lab ID|FILE]… [--rubric FILE | --no-rubric]\n    [--start TIME] [--bottleneck-percent N] [--bottleneck-minutes N]\n\nChanges the labs and the rubric of a class, at once, while it runs: its next\nscans judge with them. --lab replaces the labs (in order); --rubric replaces\nthe rubric file, --no-rubric removes it; what is not given stays. The results\nof checks the class no longer has leave the grid; their history stays.\n--start and --bottleneck-* set the class's cockpit: where its progress chart\nstarts, and when the grid names a check as the bottleneck.", stderr)
	cfg.dbSettings.define(fs)
	fs.Var((*labArgs)(&cfg.LabArgs), "lab", "a built-in lab's `id` or a lab file, repeatable (at most 16)")
	fs.StringVar(&cfg.RubricPath, "rubric", "", "rubric YAML `file` overriding the labs' points, names and settings for this class")
	fs.BoolVar(&cfg.NoRubric, "no-rubric", false, "judge with the labs as they are, without the class's rubric file")
	cfg.cockpit.define(fs)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	switch len(positional) {
	case 0:
		problems = append(problems, "no class name given")
	case 1:
		cfg.Name = positional[0]
	default:
		problems = append(problems, fmt.Sprintf("unexpected argument %q", positional[1]))
	}
	switch {
	case cfg.RubricPath != "" && cfg.NoRubric:
		problems = append(problems, "--rubric and --no-rubric: choose one")
	case len(cfg.LabArgs) == 0 && cfg.RubricPath == "" && !cfg.NoRubric && !cfg.cockpit.given():
		problems = append(problems, "nothing to change: give --lab, --rubric, --no-rubric, --start or --bottleneck-*")
	}
	problems = append(problems, cfg.cockpit.resolve(time.Now())...)
	if len(cfg.LabArgs) > 0 {
		if cfg.labs, err = findClassLabs(cfg.LabArgs, stderr); err != nil {
			return cfg, fmt.Errorf("class set: %w", err)
		}
	}
	if cfg.RubricPath != "" {
		if cfg.rubricYAML, err = readRubric(cfg.RubricPath); err != nil {
			problems = append(problems, err.Error())
		}
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("class set", problems)
	}
	return cfg, nil
}

// runClassSet changes a class's labs and rubric; the labs and rubric are
// checked together, with what of the class stays, before anything is
// written: bad input changes nothing.
func runClassSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseClassSetFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("class set: %w", err)
	}
	defer pool.Close()
	st := store.New(pool)
	c, err := st.ClassByName(ctx, cfg.Name)
	if err != nil {
		return storeError(err)
	}
	if len(cfg.labs) == 0 && cfg.RubricPath == "" && !cfg.NoRubric {
		c, err = st.SetClassSettings(ctx, c.ID, cfg.cockpit.settings)
		if err != nil {
			return storeError(err)
		}
		fmt.Fprintf(stdout, "class %s: %s\n", c.Name, cockpitSummary(c))
		return nil
	}
	newLabs, rubric := c.Labs, c.RubricYAML
	if len(cfg.labs) > 0 {
		newLabs = cfg.labs
	}
	switch {
	case cfg.NoRubric:
		rubric = ""
	case cfg.RubricPath != "":
		rubric = cfg.rubricYAML
	}
	set, err := classSet(newLabs, rubric)
	if err != nil {
		rubricPath := cfg.RubricPath
		if rubricPath == "" && rubric != "" {
			rubricPath = "(the class's)"
		}
		return joinProblems("class set", []string{labsProblem(rubricPath, err)})
	}
	keep := make([]string, 0, len(set.Checks()))
	for _, ch := range set.Checks() {
		keep = append(keep, ch.ID)
	}
	c, err = st.SetClassLabs(ctx, c.ID, newLabs, rubric, keep)
	if err != nil {
		return storeError(err)
	}
	state := "built-in"
	if c.RubricYAML != "" {
		state = "overridden"
	}
	fmt.Fprintf(stdout, "class %s: labs %s, rubric %s (%d checks); its next scans judge with them\n", c.Name, labList(c.Labs), state, len(keep))
	if cfg.cockpit.given() {
		if c, err = st.SetClassSettings(ctx, c.ID, cfg.cockpit.settings); err != nil {
			return storeError(err)
		}
		fmt.Fprintf(stdout, "class %s: %s\n", c.Name, cockpitSummary(c))
	}
	return nil
}

// labsProblem says what is wrong with a class's labs and rubric together.
func labsProblem(rubricPath string, err error) string {
	if rubricPath != "" {
		return fmt.Sprintf("labs with rubric %s: %v", rubricPath, err)
	}
	return fmt.Sprintf("labs: %v", err)
}

// readRubric reads a class's rubric file, refusing one too large.
func readRubric(path string) (string, error) {
	data, err := readAtMost(path, lab.MaxRubricBytes+1)
	if err == nil && len(data) > lab.MaxRubricBytes {
		err = fmt.Errorf("larger than %d KiB; a rubric file is a few kilobytes", lab.MaxRubricBytes>>10)
	}
	if err != nil {
		return "", fmt.Errorf("rubric %s: %w", path, err)
	}
	return string(data), nil
}

// findClassLabs finds each --lab as findLab does (a broken file's problems
// go to stderr; exit 2) and returns them as a class keeps them.
func findClassLabs(args []string, stderr io.Writer) ([]store.ClassLab, error) {
	if len(args) > store.MaxClassLabs {
		return nil, usageError(fmt.Errorf("%d labs: a class has at most %d", len(args), store.MaxClassLabs))
	}
	shipped, err := labs.Shipped()
	if err != nil {
		return nil, fmt.Errorf("a built-in lab is invalid: %w", err)
	}
	out := make([]store.ClassLab, 0, len(args))
	for _, arg := range args {
		l, source, err := findLabSource(arg, shipped, stderr)
		if err != nil {
			return nil, err
		}
		if len(source) > store.MaxLabFileBytes {
			return nil, usageError(fmt.Errorf("%s: larger than %d KiB", arg, store.MaxLabFileBytes>>10))
		}
		cl := store.ClassLab{ID: l.ID}
		if source != nil {
			cl.Source, cl.SHA256 = source, store.LabFileSHA256(source)
		}
		out = append(out, cl)
	}
	return out, nil
}

// defaultClassLabs are the labs of a class made without --lab.
func defaultClassLabs() []store.ClassLab {
	out := make([]store.ClassLab, len(labs.DefaultIDs))
	for i, id := range labs.DefaultIDs {
		out[i] = store.ClassLab{ID: id}
	}
	return out
}

func runClassCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseClassCreateFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("class create: %w", err)
	}
	defer pool.Close()
	c, err := store.New(pool).CreateClass(ctx, cfg.Name, cfg.rubricYAML, cfg.labs)
	if err != nil {
		return storeError(err)
	}
	fmt.Fprintf(stdout, "created class %s (id %d, labs %s); next: labgrid roster import --class %s FILE\n", c.Name, c.ID, labList(c.Labs), c.Name)
	return nil
}

func runClassList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db dbSettings
	fs := newFlagSet("class list", "Usage: labgrid class list\n\nLists the classes.", stderr)
	db.define(fs)
	if err := fs.Parse(args); err != nil {
		if err = flagError(err); errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	problems := db.resolve(os.Getenv)
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if len(problems) > 0 {
		return joinProblems("class list", problems)
	}
	pool, err := openDB(ctx, db.DatabaseURL)
	if err != nil {
		return fmt.Errorf("class list: %w", err)
	}
	defer pool.Close()
	classes, err := store.New(pool).Classes(ctx)
	if err != nil {
		return storeError(err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLABS\tSCAN EVERY\tRUBRIC\tCREATED")
	for _, c := range classes {
		rubric := "built-in"
		if c.RubricYAML != "" {
			rubric = "overridden"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, labList(c.Labs), c.ScanInterval, rubric, c.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

// readAtMost reads up to n bytes of the file at path: enough for the
// parser to say a file is too large without holding all of it.
func readAtMost(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// labList names a class's labs in order; a lab kept as a file is marked
// "(file)".
func labList(ls []store.ClassLab) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.ID
		if !l.Shipped() {
			names[i] += " (file)"
		}
	}
	return strings.Join(names, ", ")
}

// classJudge is what a class is judged with: its labs with its rubric
// file applied.
func classJudge(c store.Class) (grader.Judge, error) { return classSet(c.Labs, c.RubricYAML) }

// classSet is labs.ForClass of a class's labs as the store keeps them.
func classSet(ls []store.ClassLab, rubricYAML string) (*lab.Set, error) {
	if len(ls) == 0 {
		return nil, errors.New("no lab") // ForClass would take the default ones
	}
	refs := make([]labs.Ref, len(ls))
	for i, l := range ls {
		refs[i] = labs.Ref{ID: l.ID, Source: l.Source, SHA256: l.SHA256}
	}
	return labs.ForClass(refs, rubricYAML)
}
