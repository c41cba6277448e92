// Command healthcheck asks a service's health endpoint whether it is up, for container
// health checks in images that have no shell and no curl (distroless, scratch): it sends
// one GET to the URL and exits 0 on a 2xx answer, 1 on anything else (another status, a
// redirect, no answer within the timeout). It prints the outcome in one line, which
// Docker keeps in the container's health log.
//
//	healthcheck [-timeout 2s] URL
//
// compose.yaml runs it as each service's healthcheck; the Dockerfile copies it into every
// image.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// DefaultTimeout bounds the whole check, connection included: well below the interval of
// any sensible health check, so that a hung service fails its check instead of stacking
// up checks.
const DefaultTimeout = 2 * time.Second

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: healthcheck [-timeout 2s] URL")
		fs.PrintDefaults()
	}
	timeout := fs.Duration("timeout", DefaultTimeout, "bound on the whole request, connecting included")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one URL")
	}
	if *timeout <= 0 {
		return fmt.Errorf("timeout %s: want more than 0", *timeout)
	}
	target := fs.Arg(0)
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want http://host:port/path", target)
	}
	status, err := check(ctx, target, *timeout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, status)
	return nil
}

// check GETs target and returns its status line when it is 2xx. Redirects are not
// followed: a health endpoint that redirects is misconfigured, not healthy.
func check(ctx context.Context, target string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", target, err)
	}
	client := &http.Client{
		// Transport is a fresh one without environment proxies: a check of a local
		// port must not go through HTTP_PROXY.
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", target, err)
	}
	defer resp.Body.Close()
	// Read a little of the body so the server sees a complete exchange; what it says
	// does not matter, only its status.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("get %s: %s", target, resp.Status)
	}
	return resp.Status, nil
}
