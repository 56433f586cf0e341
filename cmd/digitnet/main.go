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
	"strings"
	"sync/atomic"
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
	export    write a model as ONNX for onnxruntime, browsers and phones
	version   print the version, Go version, platform, GEMM kernel and model hash

Flags may come before or after the arguments; -- ends them.
Run "digitnet <command> -h" (or "digitnet help <command>") for a command's flags.
`

func main() {
	ctx, signaled := notifyContext(context.Background())
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitStatus(exitCode(err, os.Stderr), signaled()))
}

// notifyContext returns a context cancelled by the first SIGINT or
// SIGTERM, and a function telling which signal that was (nil if none). A
// second signal exits at once, so Ctrl-C works even if something ignores
// the context.
func notifyContext(parent context.Context) (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		sig := <-ch
		got.Store(sig)
		cancel()
		sig = <-ch
		os.Exit(exitStatus(1, sig))
	}()
	return ctx, func() os.Signal {
		sig, _ := got.Load().(os.Signal)
		return sig
	}
}

// exitStatus maps a command's status to the process's after sig (nil if
// no signal came): Ctrl-C (SIGINT) exits 130 from any command, as shells
// expect of an interrupted program; SIGTERM exits 143 from a command it
// cut short, and 0 from serve when it drained cleanly, which is what
// service managers expect of a stop.
func exitStatus(code int, sig os.Signal) int {
	switch {
	case sig == os.Interrupt:
		return 130
	case sig == syscall.SIGTERM && code != 0:
		return 143
	}
	return code
}

// exitCode prints err (if any) and maps it to the exit status: 2 for usage
// errors, 130 for an interrupted command, 1 for everything else.
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
			if line, ok := synopses[ue.cmd]; ok {
				line, _, _ = strings.Cut(line, "\n")
				fmt.Fprintf(stderr, "%s\n", line)
			}
			fmt.Fprintf(stderr, "Run 'digitnet %s -h' for the flags.\n", ue.cmd)
		}
		return 2
	case errors.As(err, &fe):
		// predict already reported each failed input.
		return 1
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "digitnet: %v\n", err)
		return 130
	default:
		fmt.Fprintf(stderr, "digitnet: %v\n", err)
		return 1
	}
}

// synopses are the subcommands' help texts, whose first line is the usage
// line printed after a mistake.
var synopses = map[string]string{
	"train":    trainSynopsis,
	"eval":     evalSynopsis,
	"predict":  predictSynopsis,
	"serve":    serveSynopsis,
	"bench":    benchSynopsis,
	"finetune": finetuneSynopsis,
	"version":  versionSynopsis,
	"export":   exportSynopsis,
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

// interrupted reports a command stopped by Ctrl-C: it says what was left
// undone, and is context.Canceled to errors.Is (exit status 130).
type interrupted string

func (e interrupted) Error() string { return "interrupted: " + string(e) }
func (e interrupted) Unwrap() error { return context.Canceled }

// untilDone runs f but returns as soon as ctx is cancelled, for work that
// cannot be stopped midway (a benchmark, an evaluation). f's goroutine is
// left to the process's exit.
func untilDone(ctx context.Context, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return interrupted(what)
	}
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
	case "export":
		return runExport(ctx, rest, e)
	case "version", "--version", "-version":
		return runVersion(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		if cmd == "help" && len(rest) > 0 {
			if synopses[rest[0]] == "" {
				fmt.Fprint(stderr, usage)
				return usageError{err: fmt.Errorf("no help for %q: it is not a command", rest[0])}
			}
			return run(ctx, []string{rest[0], "-h"}, getenv, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{err: fmt.Errorf("unknown command %q", cmd)}
	}
}
