package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/fedgraph/fedgraph/internal/auth"
)

// Flags are the settings every service shares (the gateway, each subgraph binary, and
// what applies of them in tools/devgraph): where it listens, how it logs, its operator
// listeners, and how it verifies tokens. Start from DefaultFlags.
type Flags struct {
	// ListenAddr is the address the service serves on. default: DefaultAddr(port)
	ListenAddr string
	// LogLevel is debug, info, warn or error. default: info
	LogLevel string
	// LogFormat is json (what log collectors read) or text (a terminal). default: json
	LogFormat string
	// MetricsAddr is the address of a separate listener for Prometheus /metrics.
	// default: "" (none)
	MetricsAddr string
	// DebugAddr is the address of a separate listener for /debug/pprof/.
	// default: "" (none)
	DebugAddr string
	// Auth says how bearer tokens are verified. default: auth.DefaultConfig(),
	// authentication off
	Auth auth.Config
}

// DefaultFlags returns the shared settings of a service whose default port is port.
func DefaultFlags(port int) Flags {
	return Flags{ListenAddr: DefaultAddr(port), LogLevel: "info", LogFormat: "json", Auth: auth.DefaultConfig()}
}

// RegisterFlags binds every shared setting to fs, each flag defaulting to f's current
// value.
func (f *Flags) RegisterFlags(fs *flag.FlagSet) {
	f.RegisterListen(fs)
	f.RegisterLogLevel(fs)
	fs.StringVar(&f.LogFormat, "log-format", f.LogFormat, "json or text")
	fs.StringVar(&f.MetricsAddr, "metrics-addr", f.MetricsAddr, "address of a separate listener for Prometheus /metrics; empty: none")
	fs.StringVar(&f.DebugAddr, "debug-addr", f.DebugAddr, "address of a separate listener for /debug/pprof/; empty: none")
	f.Auth.RegisterFlags(fs)
}

// RegisterListen binds -listen-addr alone, for a command (tools/devgraph) that takes
// only some of the shared settings.
func (f *Flags) RegisterListen(fs *flag.FlagSet) {
	fs.StringVar(&f.ListenAddr, "listen-addr", f.ListenAddr, "address to serve on; 0.0.0.0:PORT for every interface")
}

// RegisterLogLevel binds -log-level alone, for a command (tools/devgraph) that takes
// only some of the shared settings.
func (f *Flags) RegisterLogLevel(fs *flag.FlagSet) {
	fs.StringVar(&f.LogLevel, "log-level", f.LogLevel, "debug, info, warn or error")
}

// Validate reports every invalid shared setting at once.
func (f Flags) Validate() error {
	var errs []error
	if f.ListenAddr == "" {
		errs = append(errs, errors.New("-listen-addr must not be empty"))
	}
	if _, err := NewLogger(io.Discard, f.LogLevel, f.LogFormat); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, f.Auth.Validate())
	return errors.Join(errs...)
}

// Logger returns the logger the settings describe, writing to w.
func (f Flags) Logger(w io.Writer) (*slog.Logger, error) {
	return NewLogger(w, f.LogLevel, f.LogFormat)
}

// Verifier returns the token verifier the auth settings describe, nil when
// authentication is off, which it logs (WarnAuthOff).
func (f Flags) Verifier(ctx context.Context, logger *slog.Logger) (*auth.Verifier, error) {
	v, err := auth.New(ctx, f.Auth)
	if err != nil {
		return nil, err
	}
	if v == nil {
		WarnAuthOff(logger, "-jwks-url or -jwks-file (JWKS_URL, JWKS_FILE)")
	}
	return v, nil
}

// WarnAuthOff logs that a service verifies no token; enable says how to turn
// authentication on. Every service says it in these words, docs/authentication.md's.
func WarnAuthOff(logger *slog.Logger, enable string) {
	logger.Warn("authentication is off: tokens are ignored, every caller is anonymous, and anyone may write anything",
		"enable_with", enable)
}

// DefaultAddr is a binary's default -listen-addr for port: the loopback interface only,
// as Apollo Router and Cosmo default to, so that a binary started by hand is not
// reachable from the network. A container or a pod, which is reached from outside, sets
// LISTEN_ADDR=0.0.0.0:PORT (the Dockerfile, compose.yaml and deploy/kubernetes do).
func DefaultAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// ParseFlags parses args into fs; a flag not given on the command line takes its value
// from the environment variable named like it in upper snake case (-redis-url from
// REDIS_URL), so every setting works both ways. It reports every bad value at once.
func ParseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []string
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := EnvName(f.Name)
		if v := getenv(env); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: %v", env, v, err))
			}
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("bad environment: %s", strings.Join(errs, "; "))
	}
	return nil
}

// EnvName is the environment variable that sets flag name.
func EnvName(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
