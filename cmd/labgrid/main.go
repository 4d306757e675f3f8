// Command labgrid grades hands-on AWS workshops. main only parses
// configuration and wires the packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "labgrid:", err)
		var ex *exitError
		if errors.As(err, &ex) {
			os.Exit(ex.code)
		}
		os.Exit(1)
	}
}

const usage = `labgrid grades hands-on AWS workshops live.

Usage:
  labgrid serve [--demo] [--addr HOST:PORT] [--interval 15s]
  labgrid scan --roster FILE [--rubric FILE] [--student LOGIN] [--format table|json|csv]
  labgrid migrate
  labgrid class create NAME [--lab ID|FILE]… [--rubric FILE]
  labgrid class set NAME [--lab ID|FILE]… [--rubric FILE | --no-rubric]
  labgrid class list
  labgrid roster import --class NAME FILE [--prune] [--max-students N]
  labgrid roster links --class NAME [--base-url URL]
  labgrid rescan --class NAME [--student LOGIN]
  labgrid lab list [--lang ja|en]
  labgrid lab check [FILE…]
  labgrid lab doc ID|FILE [--lang ja|en|both]
  labgrid lab policy ID|FILE…
  labgrid loadtest --url http://127.0.0.1:PORT [--url …] [--students N] [--grids M]
  labgrid version

The database commands read DATABASE_URL (or --database-url); roster import
and links also read LABGRID_SECRET (or --secret), the key of the students'
links: keep it, and keep it secret.

Run "labgrid COMMAND --help" for the flags of a command.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError(errors.New("no command given"))
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "scan":
		return runScan(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "class":
		return runClass(ctx, args[1:], stdout, stderr)
	case "rescan":
		return runRescan(ctx, args[1:], stdout, stderr)
	case "roster":
		return runRoster(ctx, args[1:], stdout, stderr)
	case "lab":
		return runLab(ctx, args[1:], stdout, stderr)
	case "loadtest":
		return runLoadtest(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "labgrid", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError(fmt.Errorf("unknown command %q", args[0]))
}

// command is one subcommand's entry point.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// runSubcommand runs the subcommand args[0] of group (class, roster), or
// prints the group's usage.
func runSubcommand(ctx context.Context, group, usage string, commands map[string]command, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError(fmt.Errorf("%s: no subcommand given", group))
	}
	if run, ok := commands[args[0]]; ok {
		return run(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError(fmt.Errorf("%s: unknown subcommand %q", group, args[0]))
}

// exitError carries the process exit code: 2 for bad input, 1 when the
// work could not be done.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error { return &exitError{code: 2, err: err} }
