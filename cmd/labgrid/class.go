package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
	"labgrid/store"
)

const classUsage = `Usage:
  labgrid class create NAME [--rubric FILE]
  labgrid class list`

func runClass(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "class", classUsage, map[string]command{
		"create": runClassCreate,
		"list":   runClassList,
	}, args, stdout, stderr)
}

// classCreateConfig is the whole configuration of `labgrid class create`.
type classCreateConfig struct {
	dbSettings
	Name       string
	RubricPath string
	rubricYAML string // the file's content, validated
}

func parseClassCreateFlags(args []string, stderr io.Writer, getenv func(string) string) (classCreateConfig, error) {
	var cfg classCreateConfig
	fs := newFlagSet("class create", "Usage: labgrid class create NAME [--rubric FILE]\n\nAdds a class. NAME: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.", stderr)
	cfg.dbSettings.define(fs)
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
	if cfg.RubricPath != "" {
		data, err := readAtMost(cfg.RubricPath, lab.MaxRubricBytes+1)
		if err == nil {
			_, err = labs.ForClass(string(data))
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("rubric %s: %v", cfg.RubricPath, err))
		}
		cfg.rubricYAML = string(data)
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("class create", problems)
	}
	return cfg, nil
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
	c, err := store.New(pool).CreateClass(ctx, cfg.Name, cfg.rubricYAML)
	if err != nil {
		return storeError(err)
	}
	fmt.Fprintf(stdout, "created class %s (id %d); next: labgrid roster import --class %s FILE\n", c.Name, c.ID, c.Name)
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
	fmt.Fprintln(tw, "NAME\tSCAN EVERY\tRUBRIC\tCREATED")
	for _, c := range classes {
		rubric := "built-in"
		if c.RubricYAML != "" {
			rubric = "overridden"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.ScanInterval, rubric, c.CreatedAt.Local().Format("2006-01-02 15:04"))
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

// classJudge is what a class is judged with: the default labs with the
// class's rubric file applied.
func classJudge(c store.Class) (grader.Judge, error) { return labs.ForClass(c.RubricYAML) }
