// Command digitnet-load measures digitnet's HTTP throughput and latency: N clients
// post single-digit PNGs to POST /api/v1/predict as fast as answers come,
// for a fixed duration, over loopback.
//
// By default it starts the server in this process on 127.0.0.1:0 with the
// embedded model (or --model FILE); --url targets a running server instead,
// which must be on a loopback address. The digit images are the page's own
// examples (GET /examples/digit-N.png), so both modes send the same bytes.
//
// It reports requests/s, latency percentiles, status codes, how many
// predictions were right, CPU time per request and the process's memory
// (VmHWM and VmRSS from /proc/self/status) before and after. In-process, the
// clients share the CPU and the memory figures with the server.
//
// It is a measuring tool, not a test: it uses only the standard library and
// digitnet's own packages.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"digitnet/bench"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type config struct {
	url        string
	model      string
	clients    int
	duration   time.Duration
	warmup     time.Duration
	multipart  bool
	noModel    bool
	cpuprofile string
	every      time.Duration
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&cfg.url, "url", "", "base URL of a running server on loopback (default: start one in this process)")
	fs.StringVar(&cfg.model, "model", "", "model file for the in-process server (default: the embedded model)")
	fs.IntVar(&cfg.clients, "clients", 8*runtime.GOMAXPROCS(0), "concurrent clients")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured duration")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured warm-up before it")
	fs.BoolVar(&cfg.noModel, "nomodel", false, "in-process server with a stand-in model that only reads the body: measures the HTTP side alone")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured run to this file")
	fs.BoolVar(&cfg.multipart, "multipart", false, "send multipart/form-data (field images) instead of a raw image/png body")
	fs.DurationVar(&cfg.every, "every", 0, "also print the process's VmRSS at this interval of the measured run, to see that memory stays flat")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.clients < 1 || cfg.duration <= 0 {
		return errors.New("--clients and --duration must be positive")
	}

	memStart := readMem()
	base := cfg.url
	if base == "" {
		addr, shutdown, err := startServer(cfg.model, cfg.noModel)
		if err != nil {
			return err
		}
		defer shutdown()
		base = "http://" + addr
	} else if err := checkLoopback(base); err != nil {
		return err
	}
	base = strings.TrimSuffix(base, "/")

	tr := &http.Transport{
		MaxIdleConns:        cfg.clients,
		MaxIdleConnsPerHost: cfg.clients,
		MaxConnsPerHost:     cfg.clients,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	digits, err := fetchExamples(ctx, client, base)
	if err != nil {
		return err
	}
	memReady := readMem()

	fmt.Fprintf(stdout, "target %s, %d clients, %s (after %s warm-up), %s bodies, GOMAXPROCS %d, %s\n",
		base, cfg.clients, cfg.duration, cfg.warmup, map[bool]string{false: "raw image/png", true: "multipart"}[cfg.multipart],
		runtime.GOMAXPROCS(0), runtime.Version())

	if cfg.warmup > 0 {
		hammer(ctx, client, base, digits, cfg, cfg.warmup)
	}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cpu0 := cpuTime()
	stopSampling := sampleMemory(stdout, cfg.every)
	res := hammer(ctx, client, base, digits, cfg, cfg.duration)
	stopSampling()
	cpu := cpuTime() - cpu0
	if cfg.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	memEnd := readMem()

	res.report(stdout, cpu)
	fmt.Fprintf(stdout, "memory   start VmRSS %s, after model and examples VmRSS %s, end VmRSS %s, peak VmHWM %s\n",
		mib(memStart.rss), mib(memReady.rss), mib(memEnd.rss), mib(memEnd.hwm))
	if cfg.url != "" {
		fmt.Fprintln(stdout, "(memory is this client's process; the server's is its own)")
	}
	return nil
}

// sampleMemory prints VmRSS every interval until the returned function is
// called; an interval of 0 prints nothing.
func sampleMemory(w io.Writer, every time.Duration) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t0 := time.Now()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fmt.Fprintf(w, "at %-6s VmRSS %s\n", time.Since(t0).Round(time.Second), mib(readMem().rss))
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// startServer runs digitnet's handler on a loopback port in this process.
func startServer(model string, noModel bool) (addr string, shutdown func(), err error) {
	t0 := time.Now()
	var rec server.Reader = standIn{}
	if !noModel {
		var m *models.Model
		if model == "" {
			m, err = models.Default()
		} else {
			m, err = models.Load(model)
		}
		if err != nil {
			return "", nil, err
		}
		if rec, err = recognize.New(m); err != nil {
			return "", nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(server.GCPercent) // as digitnet serve does
	}
	srv := &http.Server{Handler: server.NewServer(logger, rec, server.Options{}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(os.Stderr, "in-process server on %s, ready in %s\n", ln.Addr(), time.Since(t0).Round(time.Millisecond))
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// standIn answers like a model without running one: it drains the body and
// reads every image as a 7, so a run measures HTTP, multipart, JSON and the
// input PNG alone. Its answers are wrong for every digit but 7.
type standIn struct{}

func (standIn) Read(r io.Reader) (recognize.Reading, error) {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return recognize.Reading{}, err
	}
	var p [10]float32
	p[7] = 1
	in := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 4; y < 24; y++ {
		in.Pix[y*28+14] = 255
	}
	d := recognize.NewDigit(p)
	d.Input = in
	return recognize.Reading{Digit: d}, nil
}

// Cost counts the file alone: the stand-in decodes nothing.
func (standIn) Cost(data []byte) (int64, error) { return int64(len(data)), nil }

func (standIn) Info() recognize.ModelInfo { return recognize.ModelInfo{} }

// checkLoopback refuses targets off this machine: a load test is not to be
// pointed at anyone else's server.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad --url %q", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--url must be a loopback address (127.0.0.1, ::1 or localhost), not %q", host)
	}
	return nil
}

// example is one PNG and the digit it shows.
type example struct {
	digit byte
	png   []byte
}

func fetchExamples(ctx context.Context, c *http.Client, base string) ([]example, error) {
	var out []example
	for d := byte('0'); d <= '9'; d++ {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/examples/digit-"+string(d)+".png", nil)
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK {
			out = append(out, example{digit: d, png: b})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no example images at %s/examples/", base)
	}
	return out, nil
}

// results are what the clients saw in one run.
type results struct {
	elapsed   time.Duration
	latencies []time.Duration
	status    map[int]int
	errs      map[string]int
	right     int
	wrong     int
}

func hammer(ctx context.Context, c *http.Client, base string, ex []example, cfg config, d time.Duration) *results {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type worker struct {
		lat          []time.Duration
		status       map[int]int
		errs         map[string]int
		right, wrong int
	}
	ws := make([]*worker, cfg.clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range ws {
		w := &worker{status: map[int]int{}, errs: map[string]int{}}
		ws[i] = w
		wg.Go(func() {
			var buf bytes.Buffer
			for n := i; ctx.Err() == nil; n++ {
				e := ex[n%len(ex)]
				body, ct := e.png, "image/png"
				if cfg.multipart {
					body, ct = multipartBody(e.png)
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/predict", bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						w.errs[shortErr(err)]++
					}
					continue
				}
				buf.Reset()
				_, err = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				if err != nil {
					if ctx.Err() == nil {
						w.errs[shortErr(err)]++
					}
					continue
				}
				w.lat = append(w.lat, time.Since(t0))
				w.status[resp.StatusCode]++
				if resp.StatusCode == http.StatusOK {
					if firstDigit(buf.Bytes()) == e.digit {
						w.right++
					} else {
						w.wrong++
					}
				}
			}
		})
	}
	wg.Wait()
	r := &results{elapsed: time.Since(start), status: map[int]int{}, errs: map[string]int{}}
	for _, w := range ws {
		r.latencies = append(r.latencies, w.lat...)
		for k, v := range w.status {
			r.status[k] += v
		}
		for k, v := range w.errs {
			r.errs[k] += v
		}
		r.right += w.right
		r.wrong += w.wrong
	}
	return r
}

// firstDigit finds the first "digit": value in a predict answer without
// decoding all of it, to keep the client's CPU share small.
func firstDigit(body []byte) byte {
	const key = `"digit":`
	i := bytes.Index(body, []byte(key))
	if i < 0 || i+len(key) >= len(body) {
		return 0
	}
	return body[i+len(key)]
}

func multipartBody(png []byte) ([]byte, string) {
	const boundary = "digitnetloadboundary"
	var b bytes.Buffer
	b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"digit.png\"\r\nContent-Type: image/png\r\n\r\n")
	b.Write(png)
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

func (r *results) report(w io.Writer, cpu time.Duration) {
	n := len(r.latencies)
	if n == 0 {
		fmt.Fprintln(w, "no requests completed")
		return
	}
	slices.Sort(r.latencies)
	q := func(p float64) time.Duration { return r.latencies[min(n-1, int(p*float64(n)))] }
	var sum time.Duration
	for _, l := range r.latencies {
		sum += l
	}
	fmt.Fprintf(w, "requests %d in %s: %.0f req/s\n", n, r.elapsed.Round(time.Millisecond), float64(n)/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency  mean %s, p50 %s, p90 %s, p99 %s, max %s\n",
		ms(sum/time.Duration(n)), ms(q(0.50)), ms(q(0.90)), ms(q(0.99)), ms(r.latencies[n-1]))
	codes := make([]int, 0, len(r.status))
	for c := range r.status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d: %d", c, r.status[c]))
	}
	fmt.Fprintf(w, "status   %s; predictions right %d, wrong %d\n", strings.Join(parts, ", "), r.right, r.wrong)
	for e, c := range r.errs {
		fmt.Fprintf(w, "error    %dx %s\n", c, e)
	}
	fmt.Fprintf(w, "cpu      %s for the process (server and clients): %.0f µs per request\n",
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(n))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

type mem struct{ rss, hwm int64 } // bytes

// readMem reads the process's memory; zero off Linux.
func readMem() mem {
	rss, hwm := bench.Memory()
	return mem{rss: rss, hwm: hwm}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// cpuTime is the user plus system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
