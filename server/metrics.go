package server

import (
	"bufio"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the histogram's upper bounds in seconds, from a fast
// single-digit prediction to a slow 64-file upload.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics is a hand-written Prometheus registry: a few counters and one
// histogram family are not worth a dependency.
type metrics struct {
	start time.Time

	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram // by route

	digits       [10]atomic.Uint64
	imagesOK     atomic.Uint64
	imagesFailed atomic.Uint64
	busy         atomic.Uint64
	inFlight     atomic.Int64
	memory       *budget // may be nil
}

type requestKey struct {
	route string
	code  int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{
		start:    time.Now(),
		requests: make(map[requestKey]uint64),
		latency:  make(map[string]*histogram),
	}
}

func (m *metrics) countDigit(d int) {
	if d >= 0 && d < len(m.digits) {
		m.digits[d].Add(1)
	}
}

// observe records one finished request. route is the mux pattern, so label
// cardinality is bounded by the route table, not by client input.
func (m *metrics) observe(route string, code int, d time.Duration) {
	sec := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, sec)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[route] = h
	}
	h.counts[i]++
	h.sum += sec
	h.n++
}

// writeTo writes the text exposition format, version 0.0.4.
func (m *metrics) writeTo(w *bufio.Writer) {
	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].code < keys[j].code
	})
	fmt.Fprintln(w, "# HELP digitnet_http_requests_total HTTP requests by route and status code.")
	fmt.Fprintln(w, "# TYPE digitnet_http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "digitnet_http_requests_total{route=%s,code=\"%d\"} %d\n", strconv.Quote(k.route), k.code, m.requests[k])
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintln(w, "# HELP digitnet_http_request_duration_seconds HTTP request latency by route.")
	fmt.Fprintln(w, "# TYPE digitnet_http_request_duration_seconds histogram")
	for _, r := range routes {
		h := m.latency[r]
		q := strconv.Quote(r)
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "digitnet_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", q, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "digitnet_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", q, h.n)
		fmt.Fprintf(w, "digitnet_http_request_duration_seconds_sum{route=%s} %g\n", q, h.sum)
		fmt.Fprintf(w, "digitnet_http_request_duration_seconds_count{route=%s} %d\n", q, h.n)
	}
	m.mu.Unlock()

	fmt.Fprintln(w, "# HELP digitnet_predictions_total Digits read, by predicted digit.")
	fmt.Fprintln(w, "# TYPE digitnet_predictions_total counter")
	for d := range m.digits {
		fmt.Fprintf(w, "digitnet_predictions_total{digit=\"%d\"} %d\n", d, m.digits[d].Load())
	}
	fmt.Fprintln(w, "# HELP digitnet_images_total Uploaded images, by outcome.")
	fmt.Fprintln(w, "# TYPE digitnet_images_total counter")
	fmt.Fprintf(w, "digitnet_images_total{outcome=\"ok\"} %d\n", m.imagesOK.Load())
	fmt.Fprintf(w, "digitnet_images_total{outcome=\"error\"} %d\n", m.imagesFailed.Load())
	fmt.Fprintln(w, "# HELP digitnet_busy_rejections_total Predict requests refused with 503 because all slots or the memory budget stayed busy.")
	fmt.Fprintln(w, "# TYPE digitnet_busy_rejections_total counter")
	fmt.Fprintf(w, "digitnet_busy_rejections_total %d\n", m.busy.Load())
	if m.memory != nil {
		fmt.Fprintln(w, "# HELP digitnet_memory_reserved_bytes Memory reserved by request bodies and the images being read.")
		fmt.Fprintln(w, "# TYPE digitnet_memory_reserved_bytes gauge")
		fmt.Fprintf(w, "digitnet_memory_reserved_bytes %d\n", m.memory.reserved())
		fmt.Fprintln(w, "# HELP digitnet_memory_budget_bytes Memory that request bodies and images may reserve at once.")
		fmt.Fprintln(w, "# TYPE digitnet_memory_budget_bytes gauge")
		fmt.Fprintf(w, "digitnet_memory_budget_bytes %d\n", m.memory.total)
	}
	fmt.Fprintln(w, "# HELP digitnet_http_requests_in_flight HTTP requests being served.")
	fmt.Fprintln(w, "# TYPE digitnet_http_requests_in_flight gauge")
	fmt.Fprintf(w, "digitnet_http_requests_in_flight %d\n", m.inFlight.Load())

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintln(w, "# HELP go_goroutines Number of goroutines.")
	fmt.Fprintln(w, "# TYPE go_goroutines gauge")
	fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintln(w, "# HELP go_memstats_heap_inuse_bytes Heap bytes in use.")
	fmt.Fprintln(w, "# TYPE go_memstats_heap_inuse_bytes gauge")
	fmt.Fprintf(w, "go_memstats_heap_inuse_bytes %d\n", ms.HeapInuse)
	fmt.Fprintln(w, "# HELP process_uptime_seconds Seconds since the server started.")
	fmt.Fprintln(w, "# TYPE process_uptime_seconds gauge")
	fmt.Fprintf(w, "process_uptime_seconds %g\n", time.Since(m.start).Seconds())
}

func handleMetrics(m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		m.writeTo(bw)
		bw.Flush()
	})
}
