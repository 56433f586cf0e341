package main

import (
	"context"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"

	"digitnet/recognize"
	"digitnet/server"
)

const serveSynopsis = `usage: digitnet serve [flags]

Serves the web app (upload many images at once, or draw a digit) and the
JSON API on the embedded model, or on --model. Open the printed URL in a
browser. API:

	POST /api/v1/predict   multipart field "images" (one or more files), or a raw image/* body
	GET  /api/v1/model     architecture, parameters, test accuracy, training summary, sha256
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
	if _, port, err := net.SplitHostPort(*addr); err != nil {
		return usagef("serve", "--addr %q: want host:port, e.g. 127.0.0.1:8080 or :8080", *addr)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return usagef("serve", "--addr %q: the port must be a number from 0 to 65535", *addr)
	}
	if err := checkPath("serve", "model", *modelPath, false); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	rec, err := recognize.New(m)
	if err != nil {
		return err
	}
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(server.GCPercent)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	info := rec.Info()
	logger.Info("listening", "url", "http://"+ln.Addr().String()+"/", "model", info.Source, "sha256", info.SHA256,
		"parameters", info.Parameters, "test_accuracy", info.TestAccuracy)
	return server.Serve(ctx, ln, server.NewServer(logger, rec, server.Options{}), logger, 0)
}
