// Command bench runs the tutorial's final echo server side by side with echo
// servers on its fastest peers (a bare frame echo on gobwas/ws, lxzan/gws,
// gorilla/websocket), and final's chat room with gorilla's chat example,
// under the same load, and prints Markdown tables of the results with
// final's ratio to each peer.
//
//	cd final/bench
//	go run .          # full run, about 7 minutes
//	go run . -quick   # about 2 minutes
//
// The servers are built into a temporary directory, started on free
// loopback ports, and measured in interleaved rounds whose order is
// reversed every other round (final, gobwas, gws, gorilla; gorilla, gws,
// gobwas, final; ...); the tables show medians. The load generator is this
// program (raw TCP, pre-masked frames), on the same machine. See README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

const rootModule = "github.com/wsfromscratch/websocket-go"

type options struct {
	quick   bool
	out     string
	root    string
	rounds  int
	measure time.Duration
	idle    int
	chat    int
	rate    float64
	only    string
	pprof   string
	vsSelf  bool
	hog     int
}

func main() {
	if n, ok := hogChild(); ok {
		runHog(n)
		return
	}
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short run (3 rounds of 1 s), under a minute in all")
	flag.StringVar(&o.out, "out", "", "also write the Markdown report to this `file`")
	flag.StringVar(&o.root, "root", "", "the tutorial repository's root `dir` (default: found from the working directory)")
	flag.IntVar(&o.rounds, "rounds", 0, "rounds per workload (default 7, or 3 with -quick; at least 3)")
	flag.DurationVar(&o.measure, "time", 0, "measured time per round (default 2s, or 1s with -quick)")
	flag.IntVar(&o.idle, "idle", 5000, "connections in the idle-connection workload")
	flag.IntVar(&o.chat, "chat-clients", 0, "clients in the chat workload (default 1000, or 100 with -quick)")
	flag.Float64Var(&o.rate, "chat-rate", 0, "messages per second each chat client sends (default 1, or 10 with -quick)")
	flag.StringVar(&o.only, "only", "", "comma-separated workloads to run (pipelined, parallel, large, idle, compressed, chat; default all)")
	flag.StringVar(&o.pprof, "pprof", "", "write CPU profiles of both servers for the last round of each throughput workload to `dir`")
	flag.IntVar(&o.hog, "hog", 0, "keep `N` busy loops running in a child process during each round of the chat workload (a shared CPU)")
	flag.BoolVar(&o.vsSelf, "vs-self", false, "build the gorilla servers in final's place too: shows the noise level (ratios to gorilla should be about 1)")
	flag.Parse()
	log := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	if err := run(o, log); err != nil {
		log("bench: %v", err)
		os.Exit(1)
	}
}

// running holds the servers currently started, so that Ctrl-C stops them.
var running sync.Map // *process → struct{}

func startTracked(t *target) (*process, error) {
	p, err := t.start()
	if err == nil {
		running.Store(p, struct{}{})
	}
	return p, err
}

func stopTracked(p *process) {
	p.stop()
	running.Delete(p)
}

func run(o options, log func(string, ...any)) error {
	// Defaults and sanity.
	if o.rounds == 0 {
		o.rounds = 7
		if o.quick {
			o.rounds = 3
		}
	}
	if o.rounds < 3 {
		return errors.New("-rounds must be at least 3 (medians of fewer mean little)")
	}
	if o.measure == 0 {
		o.measure = 2 * time.Second
		if o.quick {
			o.measure = time.Second
		}
	}
	if o.measure < 100*time.Millisecond || o.measure > time.Minute {
		return errors.New("-time must be between 100ms and 1m")
	}
	if o.idle < 1 || o.idle > 100_000 {
		return errors.New("-idle must be between 1 and 100000")
	}
	o.chatDefaults()
	if o.chat < 2 || o.chat > 20_000 || o.rate <= 0 || o.rate > 1000 {
		return errors.New("-chat-clients must be between 2 and 20000, -chat-rate above 0 and at most 1000")
	}
	if o.hog < 0 || o.hog > 64 {
		return errors.New("-hog must be between 0 and 64")
	}
	cfg := runConfig{warmup: o.measure / 4, measure: o.measure, idleConns: o.idle, chatClients: o.chat, chatRate: o.rate, hog: o.hog}
	selected := workloads
	if o.only != "" {
		selected = nil
		for _, id := range strings.Split(o.only, ",") {
			i := slices.IndexFunc(workloads, func(w workload) bool { return w.id == strings.TrimSpace(id) })
			if i < 0 {
				return fmt.Errorf("-only: no workload %q", id)
			}
			selected = append(selected, workloads[i])
		}
	}

	// Each idle connection costs a descriptor here and one in the server.
	// Raising the soft limit with Setrlimit also makes the Go runtime pass
	// the raised limit on to the servers we start (it would otherwise
	// restore the original one in children).
	if err := raiseNoFile(uint64(max(o.idle, o.chat)) + 512); err != nil {
		return err
	}

	benchDir, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(benchDir, "gorilla", "main.go")); err != nil {
		return errors.New("run this from final/bench (cd final/bench && go run .)")
	}
	if o.root == "" {
		if o.root, err = findRoot(benchDir); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "wsbench-")
	if err != nil {
		return err
	}
	keepTmp := false // on a failure, keep the servers' logs
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	defer func() {
		if keepTmp && ctx.Err() == nil {
			log("server logs kept in %s", tmp)
		} else {
			os.RemoveAll(tmp)
		}
	}()

	go func() {
		<-ctx.Done()
		running.Range(func(k, _ any) bool { k.(*process).stop(); return true })
	}()

	// Build.
	hook := o.pprof != ""
	var echoTargets, chatTargets []*target
	if slices.ContainsFunc(selected, func(w workload) bool { return !w.chat }) {
		if echoTargets, err = buildTargets(ctx, echoServers, "echo", o, benchDir, tmp, log); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(selected, func(w workload) bool { return w.chat }) {
		if chatTargets, err = buildTargets(ctx, chatServers, "chat", o, benchDir, tmp, log); err != nil {
			return err
		}
	}
	if hook {
		if err := os.MkdirAll(o.pprof, 0o755); err != nil {
			return err
		}
	}
	began := time.Now()

	// Measure.
	results := make([]result, 0, len(selected))
	for _, w := range selected {
		targets := w.targets(echoTargets, chatTargets)
		res := result{w: w, targets: targets, values: map[string][][]float64{}, errs: map[string]error{}}
		log("workload %s: %s", w.id, w.title)
		fresh := w.id == "idle" || w.chat // needs a newly started server every time
		procs := map[*target]*process{}
		for r := 1; r <= o.rounds; r++ {
			for _, t := range roundOrder(r, targets) {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if res.errs[t.name] != nil {
					continue
				}
				p := procs[t]
				if p == nil || fresh || !p.alive() {
					if p, err = startTracked(t); err != nil {
						res.errs[t.name] = err
						keepTmp = true
						log("  round %d %-7s error: %v", r, t.name, err)
						continue
					}
					procs[t] = p
				}
				c := cfg
				var profDone chan error
				if hook && w.profile && r == o.rounds {
					profDone = make(chan error, 1)
					path := filepath.Join(o.pprof, t.name+"-"+w.id+".pprof")
					c.onMeasure = func() { profDone <- p.cpuProfile(c.measure, path) }
				}
				v, err := w.run(p, c)
				if profDone != nil && err == nil {
					if perr := <-profDone; perr != nil {
						log("  profile of %s: %v", t.name, perr)
					} else if err := pprofTop(ctx, t, filepath.Join(o.pprof, t.name+"-"+w.id)); err != nil {
						log("  pprof -top of %s: %v", t.name, err)
					}
				}
				if err == nil && !p.alive() {
					err = errors.New("server exited during the workload")
				}
				if err != nil {
					res.errs[t.name] = err
					keepTmp = true
					log("  round %d %-7s error: %v (log: %s)", r, t.name, err, t.logPath)
				} else {
					res.values[t.name] = append(res.values[t.name], v)
					log("  round %d %-7s %s", r, t.name, formatRow(w, v))
				}
				if fresh {
					stopTracked(p)
					procs[t] = nil
				}
			}
		}
		for _, p := range procs {
			if p != nil {
				stopTracked(p)
			}
		}
		results = append(results, res)
	}
	log("measured in %s", time.Since(began).Round(time.Second))

	// Report.
	var md bytes.Buffer
	writeReport(&md, o, cfg, slices.Concat(echoTargets, chatTargets), results)
	os.Stdout.Write(md.Bytes())
	if o.out != "" {
		if err := os.WriteFile(o.out, md.Bytes(), 0o644); err != nil {
			return err
		}
		log("report written to %s", o.out)
	}
	for _, r := range results {
		if len(r.errs) > 0 {
			return errors.New("some workloads failed (see the table)")
		}
	}
	return nil
}

// chatDefaults sets the chat workload's clients and rate that were not
// given, each on its own: -chat-rate alone keeps the default clients.
func (o *options) chatDefaults() {
	chat, rate := 1000, 1.0
	if o.quick {
		chat, rate = 100, 10
	}
	if o.chat == 0 {
		o.chat = chat
	}
	if o.rate == 0 {
		o.rate = rate
	}
}

// roundOrder returns the servers in the order they run in round r (counted
// from 1): as given in odd rounds, reversed in even ones. With final and
// gorilla that is final, gorilla; gorilla, final; final, gorilla; ... (ABBA),
// so no server always runs first in a round.
func roundOrder(r int, targets []*target) []*target {
	order := slices.Clone(targets)
	if r%2 == 0 {
		slices.Reverse(order)
	}
	return order
}

// raiseNoFile raises RLIMIT_NOFILE's soft limit to the hard limit and checks
// that at least need descriptors are allowed.
func raiseNoFile(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur < need {
		return fmt.Errorf("RLIMIT_NOFILE hard limit is %d, the idle workload needs %d: raise it (ulimit -Hn) or lower -idle", lim.Max, need)
	}
	return growDescriptorTable(need - 1)
}

// growDescriptorTable grows this process's descriptor table to hold
// descriptor fd, before the first round. Linux doubles the table as
// descriptors open, and in a process with several threads each doubling
// holds up every dial for 7–25 ms
// (docs/performance.md#the-descriptor-tables-doublings): the first server of
// the first round would pay for the harness's doublings. A duplicate at fd
// grows the table once; closing it keeps the room.
func growDescriptorTable(fd uint64) error {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer null.Close()
	high, _, errno := syscall.Syscall(syscall.SYS_FCNTL, null.Fd(), syscall.F_DUPFD_CLOEXEC, uintptr(fd))
	if errno != 0 {
		return fmt.Errorf("growing the descriptor table to %d: %w", fd+1, errno)
	}
	return syscall.Close(int(high))
}

// findRoot walks up from dir to the tutorial's root module.
func findRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if bytes.HasPrefix(b, []byte("module "+rootModule+"\n")) {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod of %s above %s; use -root", rootModule, dir)
		}
	}
}

// pprofTop writes `go tool pprof -top` of a profile next to it.
func pprofTop(ctx context.Context, t *target, base string) error {
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=40", t.bin, base+".pprof")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return os.WriteFile(base+".top.txt", out, 0o644)
}

// result holds one workload's figures: per target, one slice of metric
// values per round.
type result struct {
	w       workload
	targets []*target              // final first, then the peers
	values  map[string][][]float64 // by target name
	errs    map[string]error
}

// figures returns the rounds of target name, or why there are none.
func (r result) figures(name string) ([][]float64, error) {
	if err := r.errs[name]; err != nil {
		return nil, err
	}
	if len(r.values[name]) == 0 {
		return nil, errors.New("no result")
	}
	return r.values[name], nil
}

// ratio is final's median of metric m relative to peer's, arranged so that
// more than 1 means final is better; "–" if either has no figure.
func (r result) ratio(m int, peer string) string {
	fv, ferr := r.figures("final")
	pv, perr := r.figures(peer)
	if ferr != nil || perr != nil {
		return "–"
	}
	fm, pm := median(column(fv, m)), median(column(pv, m))
	if fm <= 0 || pm <= 0 {
		return "–"
	}
	if !r.w.metrics[m].higherBetter {
		fm, pm = pm, fm
	}
	return fmt.Sprintf("**%.2f×**", fm/pm)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// column returns metric m of every round.
func column(rounds [][]float64, m int) []float64 {
	c := make([]float64, len(rounds))
	for i, r := range rounds {
		c[i] = r[m]
	}
	return c
}

func formatValue(x float64, unit string) string {
	rate := strings.HasSuffix(unit, "/s")
	switch {
	case rate && x >= 1e6:
		return fmt.Sprintf("%.2f M", x/1e6)
	case rate && x >= 1e3:
		return fmt.Sprintf("%.1f k", x/1e3)
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 1 || x == 0:
		return fmt.Sprintf("%.1f", x)
	default: // write calls per delivery, latency under a millisecond
		return fmt.Sprintf("%.2f", x)
	}
}

func formatRow(w workload, v []float64) string {
	parts := make([]string, len(v))
	for i, m := range w.metrics {
		parts[i] = fmt.Sprintf("%s %s %s", m.name, formatValue(v[i], m.unit), m.unit)
	}
	return strings.Join(parts, ", ")
}

// cell formats the median of xs and its spread (half the min-max range, as
// a percentage of the median).
func cell(xs []float64, unit string) string {
	med := median(xs)
	spread := (slices.Max(xs) - slices.Min(xs)) / 2 / med * 100
	if math.IsNaN(spread) || math.IsInf(spread, 0) {
		return formatValue(med, unit)
	}
	return fmt.Sprintf("%s ±%.0f%%", formatValue(med, unit), spread)
}

func writeReport(w io.Writer, o options, cfg runConfig, all []*target, results []result) {
	mode := "full"
	if o.quick {
		mode = "quick"
	}
	finalName := "final"
	if o.vsSelf {
		finalName = "final (-vs-self: gorilla again)"
	}
	fmt.Fprintf(w, "## WebSocket benchmark: %s vs gobwas/ws, lxzan/gws and gorilla/websocket\n\n", finalName)
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	fmt.Fprintf(w, "| date | %s |\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "| CPU | %s |\n", cpuModel())
	fmt.Fprintf(w, "| cores | %d (servers and load generator share them; GOMAXPROCS unchanged) |\n", runtime.NumCPU())
	fmt.Fprintf(w, "| OS | %s/%s, kernel %s |\n", runtime.GOOS, runtime.GOARCH, kernel())
	fmt.Fprintf(w, "| Go | %s |\n", runtime.Version())
	for _, m := range []string{"github.com/gobwas/ws", "github.com/lxzan/gws", "github.com/gorilla/websocket"} {
		fmt.Fprintf(w, "| %s | %s |\n", strings.TrimPrefix(m, "github.com/"), moduleVersion(all, m))
	}
	fmt.Fprintf(w, "| run | %s: %d interleaved rounds per workload, the order reversed every other round (final first in odd rounds, last in even: ABBA…), %s warm-up + %s measured each; medians, ± is half the min–max range |\n",
		mode, o.rounds, cfg.warmup, cfg.measure)
	fmt.Fprintf(w, "\nThe \"final vs\" columns are final's figure relative to each peer's, arranged so that **> 1 means final is better**: "+
		"final ÷ peer for throughput, peer ÷ final for latency, CPU, write calls and memory (where lower is better). "+
		"gobwas is a bare frame echo (no reassembly, no UTF-8 check, no compression), the floor and not a complete server; "+
		"it reads from the bare socket, three read calls per frame, so it is no floor for small messages (workload 1).\n")
	for _, r := range results {
		writeTable(w, cfg, r)
	}
	writeSummary(w, results)
	fmt.Fprintln(w)
}

// writeTable writes one workload's table: a column per server, then final's
// ratio to each peer.
func writeTable(w io.Writer, cfg runConfig, r result) {
	title := r.w.title
	switch r.w.id {
	case "idle":
		title = fmt.Sprintf("%d idle connections (handshake done, then nothing)", cfg.idleConns)
	case "chat":
		title = chatTitle(cfg)
	}
	num := 1 + slices.IndexFunc(workloads, func(w workload) bool { return w.id == r.w.id })
	fmt.Fprintf(w, "\n### %d. %s\n\n", num, title)
	head, align := []string{"metric"}, []string{"---"}
	for _, t := range r.targets {
		head, align = append(head, t.name), append(align, "--:")
	}
	for _, t := range r.targets[1:] {
		head, align = append(head, "final vs "+t.name), append(align, "--:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
	for m, met := range r.w.metrics {
		better := "higher is better"
		if !met.higherBetter {
			better = "lower is better"
		}
		row := []string{fmt.Sprintf("%s (%s, %s)", met.name, met.unit, better)}
		for _, t := range r.targets {
			if v, err := r.figures(t.name); err != nil {
				row = append(row, "error")
			} else {
				row = append(row, cell(column(v, m), met.unit))
			}
		}
		for _, t := range r.targets[1:] {
			row = append(row, r.ratio(m, t.name))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	if r.w.id == "compressed" {
		writeCompressedNote(w, r)
	}
	for _, t := range r.targets {
		if err := r.errs[t.name]; err != nil {
			fmt.Fprintf(w, "\n%s failed: `%s`\n", t.name, strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
}

// writeSummary writes final's ratio to each peer on the first figure of
// every workload.
func writeSummary(w io.Writer, results []result) {
	var peers []string
	for _, r := range results {
		for _, t := range r.targets[1:] {
			if !slices.Contains(peers, t.name) {
				peers = append(peers, t.name)
			}
		}
	}
	fmt.Fprintf(w, "\n### Summary: final vs each peer (> 1: final is better)\n\n")
	fmt.Fprintf(w, "| workload | figure | %s |\n|---|---|%s\n", strings.Join(peers, " | "), strings.Repeat("--:|", len(peers)))
	for _, r := range results {
		row := []string{r.w.id, r.w.metrics[0].name}
		for _, peer := range peers {
			row = append(row, r.ratio(0, peer))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

// writeCompressedNote follows the compressed workload's table: the sizes as
// a share of the message, and what each server answered to the offer.
func writeCompressedNote(w io.Writer, r result) {
	share := func(rounds [][]float64, m int) string {
		if len(rounds) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", median(column(rounds, m))/float64(len(chatMessage))*100)
	}
	var all [][]float64
	var echoes []string
	for _, t := range r.targets {
		v, _ := r.figures(t.name)
		all = append(all, v...)
		echoes = append(echoes, fmt.Sprintf("%s's %s", t.name, share(v, 1)))
	}
	fmt.Fprintf(w, "\nThe message is %d bytes of JSON, sent compressed by the client (%s of it on the wire, frame header included) "+
		"and echoed compressed by the server: %s. "+
		"The client offers `%s`; the servers answered:\n\n", len(chatMessage), share(all, 2), strings.Join(echoes, ", "), deflateOffer)
	for _, t := range r.targets {
		answer := "(no answer recorded)"
		if a, ok := extensionAnswers.Load(t.name); ok {
			answer = "`" + a.(string) + "`"
		}
		fmt.Fprintf(w, "- %s: %s\n", t.name, answer)
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
