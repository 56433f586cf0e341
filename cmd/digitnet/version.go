package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"digitnet/models"
	"digitnet/nn"
)

const versionSynopsis = `usage: digitnet version

Prints the version of this binary, the Go version and platform it was
built for, the matrix-multiply kernel this CPU runs, and the SHA-256 of the
embedded model's weights (GET /api/v1/model shows the same "sha256").`

func runVersion(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("version", versionSynopsis, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version", "unexpected argument %q", fs.Arg(0))
	}
	m, err := models.Default()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "digitnet %s\n", buildVersion())
	fmt.Fprintf(e.stdout, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(e.stdout, "gemm     %s\n", nn.Kernel())
	fmt.Fprintf(e.stdout, "model    sha256 %s (embedded, %.2f%% on the MNIST test set)\n", m.Meta.SHA256, 100*m.Meta.TestAccuracy)
	return nil
}

// version, when set at link time (-ldflags "-X main.version=v1.2.3", as
// the Dockerfile does, where there is no .git to stamp), is the version
// printed.
var version string

// buildVersion is the module version the binary was built at ("(devel)"
// for a build from a checkout), with the commit and its date when the
// build recorded them.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	v := bi.Main.Version
	switch {
	case version != "":
		v = version
	case v == "":
		v = "(devel)"
	}
	var rev, when, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (commit %.12s, %s%s)", rev, when, modified)
	}
	return v
}
