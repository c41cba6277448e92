package main

import (
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func TestParseStatCPU(t *testing.T) {
	// Fields 14 and 15 (utime, stime) are 1200 and 34 here.
	const tail = " S 1 1 1 0 -1 4194560 500 0 0 0 1200 34 0 0 20 0 9 0 100 1000000 500 18446744073709551615"
	tests := []struct {
		name    string
		stat    string
		want    int64
		wantErr string
	}{
		{"plain", "4242 (gateway)" + tail, 1234, ""},
		{"spaces and parentheses in the name", "4242 (my (odd) name)" + tail, 1234, ""},
		{"trailing newline", "4242 (users)" + tail + "\n", 1234, ""},
		{"no name", "4242 gateway" + tail, 0, "no command name"},
		{"truncated", "4242 (gateway) S 1 1 1 0", 0, "fields after the command name"},
		{"not a number", "4242 (gateway) S 1 1 1 0 -1 4194560 500 0 0 0 x 34", 0, "utime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU(tt.stat)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("parseStatCPU = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseMachineBusy(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    int64
		wantErr string
	}{
		// user 100, nice 2, system 30, idle 5000, iowait 7, irq 1, softirq 4, steal 9: busy 137.
		{"eight counters and more", "cpu  100 2 30 5000 7 1 4 9 0 0\ncpu0 50 1 15 2500 3 0 2 4 0 0\n", 137, ""},
		{"seven counters", "cpu 100 2 30 5000 7 1 4\n", 137, ""},
		{"a core's line first", "cpu0 50 1 15 2500 3 0 2 4 0 0\n", 0, "want \"cpu\""},
		{"too few counters", "cpu  100 2 30 5000\n", 0, "at least 7"},
		{"not a number", "cpu  100 2 x 5000 7 1 4 9 0 0\n", 0, "counter 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMachineBusy(tt.stat)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("parseMachineBusy = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr string
	}{
		{"present", "Name:\tgateway\nVmPeak:\t  900 kB\nVmRSS:\t   30528 kB\nRssAnon:\t 20000 kB\n", 30528 * 1024, ""},
		{"missing", "Name:\tgateway\nVmPeak:\t  900 kB\n", 0, "no VmRSS"},
		{"other unit", "VmRSS:\t 30 MB\n", 0, "want"},
		{"not a number", "VmRSS:\t lots kB\n", 0, "VmRSS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmRSS(tt.status)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("parseVmRSS = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseGoroutineTotal(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		want    int
		wantErr string
	}{
		{"profile", "goroutine profile: total 57\n12 @ 0x43c0ae 0x40a5e5\n#\t0x43c0ad\truntime.gopark+0xcd\n", 57, ""},
		{"first line only", "goroutine profile: total 3", 3, ""},
		{"an HTML page", "<html><body>404 page not found</body></html>\n", 0, "first line"},
		{"not a number", "goroutine profile: total many\n", 0, "goroutine profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGoroutineTotal([]byte(tt.profile))
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("parseGoroutineTotal = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseCPUModel(t *testing.T) {
	tests := []struct{ name, cpuinfo, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nprocessor\t: 1\nmodel name\t: AMD EPYC\n", "AMD EPYC"},
		{"arm", "processor\t: 0\nBogoMIPS\t: 48.00\n\nHardware\t: BCM2835\n", "BCM2835"},
		{"nothing", "", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseCPUModel(tt.cpuinfo); got != tt.want {
				t.Errorf("parseCPUModel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseRedisVersion(t *testing.T) {
	info := "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n"
	if got, want := parseRedisVersion(info), "7.0.15"; got != want {
		t.Errorf("parseRedisVersion = %q, want %q", got, want)
	}
	if got, want := parseRedisVersion("# Server\r\n"), "(version unknown)"; got != want {
		t.Errorf("parseRedisVersion without a version = %q, want %q", got, want)
	}
}

func TestTailKeepsLastLines(t *testing.T) {
	tl := newTail(2)
	tl.Write([]byte("one\ntw"))
	tl.Write([]byte("o\nthree\nfou"))
	if got, want := tl.String(), "two\nthree\nfou"; got != want {
		t.Errorf("tail = %q, want %q", got, want)
	}
}

func TestAddrLine(t *testing.T) {
	tests := []struct{ line, kind, url string }{
		{"users subgraph on http://127.0.0.1:40123/graphql", "users subgraph", "http://127.0.0.1:40123/graphql"},
		{"gateway on http://127.0.0.1:1/graphql", "gateway", "http://127.0.0.1:1/graphql"},
		{"debug on http://127.0.0.1:2/debug/pprof/", "debug", "http://127.0.0.1:2/debug/pprof/"},
		{`time=2026-01-01T00:00:00Z level=WARN msg="retry on http://127.0.0.1:3/graphql"`, "", ""},
	}
	for _, tt := range tests {
		m := addrLine.FindStringSubmatch(tt.line)
		var kind, url string
		if m != nil {
			kind, url = m[1], m[2]
		}
		if kind != tt.kind || url != tt.url {
			t.Errorf("addrLine(%q) = %q, %q; want %q, %q", tt.line, kind, url, tt.kind, tt.url)
		}
	}
}

// checkErr fails t unless err contains want, or is nil when want is empty.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("err = %v, want none", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
}

func TestVCSRevision(t *testing.T) {
	tests := []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"clean", []debug.BuildSetting{{Key: "vcs.revision", Value: "9c6bfd7e4a5cd6e79d715a722ea80681835d0cc5"}, {Key: "vcs.modified", Value: "false"}}, "commit 9c6bfd7e4a5c"},
		{"modified", []debug.BuildSetting{{Key: "vcs.revision", Value: "9c6bfd7e4a5cd6e79d715a722ea80681835d0cc5"}, {Key: "vcs.modified", Value: "true"}}, "commit 9c6bfd7e4a5c with uncommitted changes"},
		{"not stamped", []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vcsRevision(tt.settings); got != tt.want {
				t.Errorf("vcsRevision = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProcEnv checks that the subgraphs, and only they, run with -subgraph-procs as
// their GOMAXPROCS, that 0 leaves Go's default, and that no process's environment
// shares its storage with another's.
func TestProcEnv(t *testing.T) {
	base := append(make([]string, 0, 8), "PATH=/bin", "HOME=/root") // room to append in place
	want := slices.Clone(base)
	tests := []struct {
		name  string
		procs int
		want  []string
	}{
		{roleUsers, 1, []string{"PATH=/bin", "HOME=/root", "GOMAXPROCS=1"}},
		{roleProducts, 2, []string{"PATH=/bin", "HOME=/root", "GOMAXPROCS=2"}},
		{roleProducts, 0, want},
		{"gateway", 1, want},
		{"nautilus", 1, want},
	}
	got := make([][]string, len(tests))
	for i, tt := range tests {
		got[i] = procEnv(base, tt.name, tt.procs)
	}
	for i, tt := range tests {
		if !slices.Equal(got[i], tt.want) {
			t.Errorf("procEnv(%s, %d) = %q, want %q", tt.name, tt.procs, got[i], tt.want)
		}
	}
	if extra := base[:3][2]; extra != "" {
		t.Errorf("procEnv wrote %q into the children's environment's storage", extra)
	}
}
