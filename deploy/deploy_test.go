package deploy

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"digitnet/internal/testenv"
	"digitnet/recognize"
	"digitnet/server"
)

// dockerfile is what the test needs from ../Dockerfile.
type dockerfile struct {
	env   []string // NAME=VALUE before `go build`
	build []string // go build ... with ${ARG}s expanded
	cmd   []string // ENTRYPOINT and CMD, as the container runs them
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	args := map[string]string{}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "ARG "):
			name, value, _ := strings.Cut(strings.TrimPrefix(line, "ARG "), "=")
			args[name] = value
		case strings.HasPrefix(line, "RUN ") && strings.Contains(line, "go build"):
			words := shellWords(t, os.Expand(strings.TrimPrefix(line, "RUN "), func(k string) string { return args[k] }))
			for len(words) > 0 && regexp.MustCompile(`^[A-Z_]+=`).MatchString(words[0]) {
				d.env, words = append(d.env, words[0]), words[1:]
			}
			d.build = words
		case strings.HasPrefix(line, "ENTRYPOINT "), strings.HasPrefix(line, "CMD "):
			_, list, _ := strings.Cut(line, " ")
			var words []string
			if err := json.Unmarshal([]byte(list), &words); err != nil {
				t.Fatalf("Dockerfile: %s: want the JSON (exec) form: %v", line, err)
			}
			d.cmd = append(d.cmd, words...)
		}
	}
	if len(d.build) < 2 || d.build[0] != "go" || d.build[1] != "build" {
		t.Fatalf("Dockerfile: no RUN ... go build line (got %q)", d.build)
	}
	return d
}

// shellWords splits a command line as sh does for the plain words and
// double or single quotes the Dockerfile uses.
func shellWords(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\'':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				t.Fatalf("unbalanced quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestDockerfileBinary runs the Dockerfile's own `go build` line and
// checks what the final stage relies on: a static binary (distroless
// static has no libc) that runs from an empty folder with an empty
// environment, for `version` and for the image's command.
func TestDockerfileBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	d := readDockerfile(t)
	bin := filepath.Join(t.TempDir(), "digitnet")
	args := append([]string(nil), d.build[1:]...)
	for i := range args {
		if args[i] == "-o" && i+1 < len(args) {
			args[i+1] = bin
		}
	}
	build := exec.Command("go", args...)
	build.Dir = ".."
	build.Env = append(os.Environ(), d.env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v: not static", libs)
	}
	f.Close()

	empty := t.TempDir()
	version := exec.Command(bin, "version")
	version.Dir, version.Env = empty, []string{}
	out, err := version.CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^digitnet dev\n(.|\n)*^model +sha256 [0-9a-f]{64}`).Match(out) {
		t.Errorf("version from an empty folder and environment: %v\n%s", err, out)
	}

	// The image's command, on a free loopback port instead of 8080.
	if len(d.cmd) < 2 || d.cmd[0] != "/digitnet" {
		t.Fatalf("ENTRYPOINT and CMD %q: want /digitnet and its arguments", d.cmd)
	}
	cmdArgs := append([]string(nil), d.cmd[1:]...)
	for i := range cmdArgs {
		if cmdArgs[i] == "--addr" && i+1 < len(cmdArgs) {
			cmdArgs[i+1] = "127.0.0.1:0"
		}
	}
	serve := exec.Command(bin, cmdArgs...)
	serve.Dir, serve.Env = empty, []string{}
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer serve.Process.Kill()
	url := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := regexp.MustCompile(`msg=listening url=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				url <- m[1]
			}
		}
	}()
	select {
	case u := <-url:
		for _, path := range []string{"readyz", "healthz"} {
			resp, err := http.Get(u + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("the image's command: GET /%s: %s", path, resp.Status)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the image's command did not start listening within 10 s")
	}
	// A container runtime stops the container with SIGTERM: a clean drain
	// exits 0, which orchestrators count as success. (Ctrl-C, SIGINT,
	// exits 130 as every command does.)
	serve.Process.Signal(syscall.SIGTERM)
	if err := serve.Wait(); err != nil {
		t.Errorf("the image's command after SIGTERM: %v", err)
	}
}

// manifests reads deploy/kubernetes with Debian's python3-yaml (no YAML
// parser among the module's dependencies) and returns each object by kind.
func manifests(t *testing.T) map[string]map[string]any {
	t.Helper()
	const python = "/usr/bin/python3"
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	if err := exec.Command(python, "-c", "import yaml").Run(); err != nil {
		testenv.Missing(t, "%s cannot import yaml (apt-get install python3-yaml): %v", python, err)
	}
	script := `import json, sys, yaml
print(json.dumps([d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d]))`
	out, err := exec.Command(python, append([]string{"-c", script}, files...)...).Output()
	if err != nil {
		t.Fatalf("parsing the manifests: %v", err)
	}
	var docs []map[string]any
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatal(err)
	}
	byKind := map[string]map[string]any{}
	for _, d := range docs {
		kind, _ := d["kind"].(string)
		if byKind[kind] != nil {
			t.Errorf("two %s objects", kind)
		}
		byKind[kind] = d
	}
	return byKind
}

// get walks a decoded YAML document: strings index objects, ints arrays.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no object at %v", path)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("no array item at %v", path)
			}
			v = a[k]
		}
	}
	return v
}

// mebibytes reads a Kubernetes quantity ("576Mi") or a --max-memory value
// ("512MiB") in MiB.
func mebibytes(t *testing.T, s string) int64 {
	t.Helper()
	m := regexp.MustCompile(`^(\d+)(Mi|MiB|Gi|GiB)$`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("size %q: want Mi or Gi", s)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	if strings.HasPrefix(m[2], "G") {
		n *= 1024
	}
	return n
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// TestManifests checks that the Kubernetes objects parse, agree with each
// other and with the Dockerfile, and that their probes ask the real
// server's routes.
func TestManifests(t *testing.T) {
	k := manifests(t)
	for _, kind := range []string{"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Kustomization"} {
		if k[kind] == nil {
			t.Fatalf("no %s in deploy/kubernetes", kind)
		}
	}
	dep := k["Deployment"]
	labels := get(t, dep, "spec", "selector", "matchLabels")
	if !jsonEqual(labels, get(t, dep, "spec", "template", "metadata", "labels")) ||
		!jsonEqual(labels, get(t, k["Service"], "spec", "selector")) ||
		!jsonEqual(labels, get(t, k["PodDisruptionBudget"], "spec", "selector", "matchLabels")) {
		t.Error("the Deployment's, Service's and PodDisruptionBudget's selectors differ")
	}
	if got := get(t, k["HorizontalPodAutoscaler"], "spec", "scaleTargetRef", "name"); got != get(t, dep, "metadata", "name") {
		t.Errorf("the autoscaler scales %v, not the Deployment", got)
	}

	c := get(t, dep, "spec", "template", "spec", "containers", 0)
	var args []string
	for _, a := range get(t, c, "args").([]any) {
		args = append(args, a.(string))
	}
	port := get(t, c, "ports", 0, "containerPort").(float64)
	portName := get(t, c, "ports", 0, "name")
	if addr := flagValue(args, "--addr"); addr != "0.0.0.0:"+strconv.Itoa(int(port)) {
		t.Errorf("--addr %q does not listen on the containerPort %v", addr, port)
	}
	if got := get(t, k["Service"], "spec", "ports", 0, "targetPort"); got != portName && got != port {
		t.Errorf("the Service targets %v, not the container's port", got)
	}
	docker := readDockerfile(t)
	if flagValue(docker.cmd, "--addr") != flagValue(args, "--addr") || flagValue(docker.cmd, "--max-memory") != flagValue(args, "--max-memory") {
		t.Errorf("the image runs %q, the Deployment %q: --addr or --max-memory differ", docker.cmd, args)
	}

	// Memory: the request is --max-memory, the limit a little more for the
	// binary's own pages.
	maxMem := mebibytes(t, flagValue(args, "--max-memory"))
	req := mebibytes(t, get(t, c, "resources", "requests", "memory").(string))
	lim := mebibytes(t, get(t, c, "resources", "limits", "memory").(string))
	if req != maxMem || lim < maxMem || lim > maxMem*5/4 {
		t.Errorf("memory request %d Mi and limit %d Mi do not match --max-memory %d MiB", req, lim, maxMem)
	}
	// The grace period covers the preStop pause and --drain.
	drain, err := time.ParseDuration(flagValue(args, "--drain"))
	if err != nil {
		t.Fatal(err)
	}
	pause := time.Duration(get(t, c, "lifecycle", "preStop", "sleep", "seconds").(float64)) * time.Second
	if grace := time.Duration(get(t, dep, "spec", "template", "spec", "terminationGracePeriodSeconds").(float64)) * time.Second; grace < pause+drain {
		t.Errorf("terminationGracePeriodSeconds %s < preStop %s + --drain %s", grace, pause, drain)
	}

	// The probes ask routes the server has, on the container's port.
	rec, err := recognize.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), rec, server.Options{}))
	defer srv.Close()
	for probe, want := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		path := get(t, c, probe, "httpGet", "path")
		if path != want {
			t.Errorf("%s asks %v, want %s", probe, path, want)
		}
		if p := get(t, c, probe, "httpGet", "port"); p != portName && p != port {
			t.Errorf("%s asks port %v, not the container's", probe, p)
		}
		resp, err := http.Get(srv.URL + path.(string))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: GET %s: %s", probe, path, resp.Status)
		}
	}
	if get(t, dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("the pod may run as root")
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
