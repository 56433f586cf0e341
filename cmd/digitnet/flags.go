package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a flag set for one subcommand. It prints nothing
// itself: parse prints the help to standard output when it is asked for,
// and main reports mistakes on standard error.
func newFlagSet(name, synopsis string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		printFlags(fs.Output(), fs)
	}
	return fs
}

// parse parses a subcommand's arguments with flags anywhere on the line,
// as in "digitnet predict a.png --json": the flag package alone stops at
// the first argument that is not a flag. "--" ends the flags; "-" is an
// argument (standard input). -h or --help prints the help on the flag
// set's output (standard output) and returns flag.ErrHelp; any other
// mistake becomes a usage error (exit status 2).
func parse(fs *flag.FlagSet, args []string) error {
	flags, positional, err := splitArgs(fs, args)
	if err != nil {
		return usageError{cmd: fs.Name(), err: err}
	}
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print usage on every error
	err = fs.Parse(append(append(flags, "--"), positional...))
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return usageError{cmd: fs.Name(), err: err}
	}
	return nil
}

// splitArgs separates flags (with their values) from the other arguments,
// keeping the order within each. It knows a flag takes a value unless it
// is a boolean flag, which is exactly what fs.Parse assumes.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if name == "h" || name == "help" {
			flags = append(flags, a)
			continue
		}
		f := fs.Lookup(name)
		if f == nil || name == "" || name[0] == '-' {
			return nil, nil, fmt.Errorf("unknown flag %s", a)
		}
		flags = append(flags, a)
		if hasValue || isBoolFlag(f) {
			continue
		}
		if i+1 == len(args) {
			return nil, nil, fmt.Errorf("--%s needs a value", name)
		}
		i++
		flags = append(flags, args[i])
	}
	return flags, positional, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// printFlags lists the flags as flag.PrintDefaults does, but spelled with
// two dashes as the README and the error messages spell them.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch {
		case f.DefValue == "" || f.DefValue == "0" || f.DefValue == "false":
		case kind == "string":
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
