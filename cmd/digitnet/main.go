// Command digitnet trains, evaluates and serves a handwritten-digit
// recognizer. Run "digitnet help" for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `digitnet reads handwritten digits: it trains the Keras MNIST tutorial's CNN
in pure Go, reads real photos, scans and drawings, and serves a web page.

Usage:

	digitnet <command> [flags] [arguments]

Commands:

	serve     run the web app and JSON API (on the embedded model by default)
	predict   read the digits in image files
	train     train a model on MNIST and save it
	finetune  adapt a model to one person's handwriting samples
	eval      measure a model on the MNIST test set
	bench     measure training and inference speed on this machine

Run "digitnet <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err (if any) and maps it to the exit status: 2 for usage
// errors, 1 for everything else.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	var fe failedInputs
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "digitnet: %v\n", err)
		if ue.cmd != "" {
			fmt.Fprintf(stderr, "Run 'digitnet %s -h' for usage.\n", ue.cmd)
		}
		return 2
	case errors.As(err, &fe):
		// predict already reported each failed input.
		return 1
	default:
		fmt.Fprintf(stderr, "digitnet: %v\n", err)
		return 1
	}
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct {
	cmd string
	err error
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(cmd, format string, args ...any) error {
	return usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// failedInputs reports that some inputs of predict could not be read.
type failedInputs int

func (n failedInputs) Error() string { return fmt.Sprintf("%d inputs could not be read", int(n)) }

// env is what every subcommand may use from the outside world.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{err: errors.New("no command given")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "train":
		return runTrain(ctx, rest, e)
	case "finetune":
		return runFinetune(ctx, rest, e)
	case "eval":
		return runEval(ctx, rest, e)
	case "predict":
		return runPredict(ctx, rest, e)
	case "serve":
		return runServe(ctx, rest, e)
	case "bench":
		return runBench(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{err: fmt.Errorf("unknown command %q", cmd)}
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints help that starts with the command's synopsis.
func newFlagSet(name, synopsis string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// checkPath turns a missing or wrong-kind --flag path into a usage error
// before any work starts; an empty path (the flag's default) passes.
func checkPath(cmd, flagName, path string, wantDir bool) error {
	if path == "" {
		return nil
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return usagef(cmd, "--%s: %v", flagName, err)
	case wantDir && !st.IsDir():
		return usagef(cmd, "--%s: %s is not a folder", flagName, path)
	case !wantDir && st.IsDir():
		return usagef(cmd, "--%s: %s is a folder, not a file", flagName, path)
	}
	return nil
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{cmd: fs.Name(), err: err}
	}
	return nil
}
