package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one child process: a service the benchmark started.
type proc struct {
	name  string
	cmd   *exec.Cmd
	url   string // the GraphQL URL it printed
	debug string // the /debug/pprof/ URL it printed, if any
	// metrics is the Prometheus /metrics URL it printed, if any: a subgraph's, where
	// it counts the GraphQL requests it answered.
	metrics string
	out     *tail // the last lines of its stdout, for error messages
	errs    *tail // the last lines of its stderr
	done    chan struct{}
	err     error // set when done is closed
}

// startTimeout bounds how long a service may take to print its address.
const startTimeout = time.Minute

// addrLine matches the line a service prints once its listener is bound:
// "users subgraph on http://127.0.0.1:40123/graphql", "debug on http://…/debug/pprof/".
// Log lines start with "time=", so they never match.
var addrLine = regexp.MustCompile(`^([a-z][a-z ]*) on (http://\S+)$`)

// childEnv is all a child process gets from the environment: settings such as REDIS_URL
// in the benchmark's own environment must not reach the services (each reads its flags
// from the environment too).
func childEnv(getenv func(string) string) []string {
	return []string{"PATH=" + getenv("PATH"), "HOME=" + getenv("HOME")}
}

// command returns cmd set up to run in a process group of its own, which is killed as a
// whole when ctx ends or the benchmark dies: no process it starts outlives it.
func command(ctx context.Context, env []string, path string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	// Pdeathsig covers the benchmark being killed without a chance to clean up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// Besides its GraphQL URL, start can wait for a service's other listeners, by the
// word its address line starts with.
const (
	wantDebug   = "debug"   // "debug on http://…/debug/pprof/"
	wantMetrics = "metrics" // "metrics on http://…/metrics"
)

// start runs the binary at path and returns once it has printed the URL it serves
// GraphQL on and the URLs of the other listeners in want.
func start(ctx context.Context, env []string, name, path string, want []string, args ...string) (*proc, error) {
	p := &proc{name: name, cmd: command(ctx, env, path, args...), out: newTail(20), errs: newTail(20), done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stderr = p.errs
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	type addr struct{ kind, url string }
	found := make(chan addr, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			_, _ = p.out.Write([]byte(line + "\n"))
			if m := addrLine.FindStringSubmatch(line); m != nil {
				select {
				case found <- addr{m[1], m[2]}:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	missing := func() bool {
		return p.url == "" || (slices.Contains(want, wantDebug) && p.debug == "") || (slices.Contains(want, wantMetrics) && p.metrics == "")
	}
	for missing() {
		select {
		case a := <-found:
			switch {
			case a.kind == wantDebug:
				p.debug = a.url
			case a.kind == wantMetrics:
				p.metrics = a.url
			case strings.HasSuffix(a.url, "/graphql"):
				p.url = a.url
			}
		case <-p.done:
			return nil, fmt.Errorf("%s exited before serving: %w\n%s", name, p.err, p.output())
		case <-timer.C:
			p.stop()
			return nil, fmt.Errorf("%s printed no address within %s\n%s", name, startTimeout, p.output())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		}
	}
	return p, nil
}

// stop kills the process group and waits for the process to be reaped.
func (p *proc) stop() {
	_ = killGroup(p.cmd)
	<-p.done
}

// output is the last lines the process printed, for an error message.
func (p *proc) output() string {
	return "stdout:\n" + p.out.String() + "\nstderr:\n" + p.errs.String()
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited says why the process is gone, with its last lines; nil while it runs.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited: %w\n%s", p.name, p.err, p.output())
	default:
		return nil
	}
}

// cpuTicks is the process's user plus system CPU time in clock ticks.
func (p *proc) cpuTicks() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid()))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	return parseStatCPU(string(b))
}

// rssBytes is the process's resident set size.
func (p *proc) rssBytes() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	return parseVmRSS(string(b))
}

// parseStatCPU returns utime+stime from the text of /proc/<pid>/stat. The command name
// (field 2) is in parentheses and may hold spaces and parentheses itself, so the fields
// are counted from the last ')'.
func parseStatCPU(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	// After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the command name, want at least 13", len(f))
	}
	utime, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat: utime: %w", err)
	}
	stime, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat: stime: %w", err)
	}
	return utime + stime, nil
}

// machineTicks is the CPU time every process and the kernel spent on this machine's
// cores since boot, in clock ticks: /proc/stat's busy time.
func machineTicks() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("machine: %w", err)
	}
	return parseMachineBusy(string(b))
}

// parseMachineBusy returns the busy ticks of /proc/stat's first line, "cpu  user nice
// system idle iowait irq softirq steal …": user, nice, system, irq and softirq. Idle and
// iowait are not work; steal is time another guest of the host ran instead; guest time
// is counted in user already.
func parseMachineBusy(stat string) (int64, error) {
	first, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(first)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("proc stat: first line %q, want \"cpu\" and at least 7 counters", first)
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: counter %d: %w", i, err)
		}
		busy += n
	}
	return busy, nil
}

// parseVmRSS returns VmRSS in bytes from the text of /proc/<pid>/status.
func parseVmRSS(status string) (int64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("proc status: VmRSS %q, want \"<n> kB\"", strings.TrimSpace(rest))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc status: VmRSS: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, errors.New("proc status: no VmRSS line")
}

// parseGoroutineTotal returns N from the first line of /debug/pprof/goroutine?debug=1,
// "goroutine profile: total N".
func parseGoroutineTotal(profile []byte) (int, error) {
	first, _, _ := bytes.Cut(profile, []byte("\n"))
	rest, ok := strings.CutPrefix(string(first), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("goroutine profile: first line %q", first)
	}
	n, err := strconv.Atoi(strings.TrimSpace(rest))
	if err != nil {
		return 0, fmt.Errorf("goroutine profile: %w", err)
	}
	return n, nil
}

// parseCPUModel returns the first "model name" of /proc/cpuinfo (x86), else its
// "Hardware" or "Processor" line (some ARM kernels), else "unknown".
func parseCPUModel(cpuinfo string) string {
	fallback := "unknown"
	for line := range strings.Lines(cpuinfo) {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "model name":
			return val
		case "Hardware", "Processor":
			if val != "" {
				fallback = val
			}
		}
	}
	return fallback
}

// clockTicks is the kernel's clock ticks per second (getconf CLK_TCK), 100 when getconf
// cannot say.
func clockTicks(ctx context.Context, env []string) int64 {
	out, err := command(ctx, env, "getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || n <= 0 {
		return 100
	}
	return n
}

// tail keeps the last lines written to it.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  []byte
}

func newTail(maxLines int) *tail { return &tail{max: maxLines} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, b...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(t.part[:i]))
		t.part = t.part[i+1:]
		if len(t.lines) > t.max {
			t.lines = t.lines[len(t.lines)-t.max:]
		}
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.Join(t.lines, "\n")
	if len(t.part) > 0 {
		s += "\n" + string(t.part)
	}
	return s
}
