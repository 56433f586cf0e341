package main

import (
	"context"
	"log/slog"

	"digitnet/server"
)

const serveSynopsis = `usage: digitnet serve [flags]

Serves the web app (upload many images at once, or draw a digit) and the
JSON API on the embedded model, or on --model. Open the printed URL in a
browser. API:

	POST /api/v1/predict   multipart field "images" (one or more files), or a raw image/* body
	GET  /api/v1/model     architecture, parameters, test accuracy, training summary
	GET  /healthz          liveness
	GET  /metrics          Prometheus text format

Ctrl-C (or SIGTERM) stops accepting connections and lets requests in flight finish.`

func runServe(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("serve", serveSynopsis, e)
	addr := fs.String("addr", server.DefaultAddr, "address to listen on (host:port); use :8080 to accept other machines")
	modelPath := fs.String("model", "", "model file (default: the embedded model)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve", "unexpected argument %q", fs.Arg(0))
	}
	if err := checkPath("serve", "model", *modelPath, false); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	return server.Run(ctx, server.Config{Addr: *addr, ModelPath: *modelPath}, logger)
}
