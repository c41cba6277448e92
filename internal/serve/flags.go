package serve

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
)

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
