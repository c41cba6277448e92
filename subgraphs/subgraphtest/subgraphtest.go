// Package subgraphtest is what the subgraphs' tests share. For crossing process
// boundaries (the GraphQL client is internal/graphqltest): a server that
// accepts connections and never answers, and a TCP proxy that can freeze, stop and
// resume the server behind it (a Redis, a subgraph), for fault injection on loopback.
// For what both subgraphs check alike (graphql.go): tables of bad input that must change
// nothing, and the pages of a connection.
package subgraphtest

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// Silent returns the address of a server that accepts connections and never answers
// nor closes them, as a frozen process does; it stops when the test ends.
func Silent(t testing.TB) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// Proxy forwards TCP connections from its own loopback address to a target, and can
// make the target look frozen or stopped without touching it.
type Proxy struct {
	t      testing.TB
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	frozen  bool
	thawed  chan struct{} // closed when a freeze ends
	conns   map[net.Conn]bool
	stopped bool
}

// NewProxy starts a proxy to target (host:port), closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	go p.accept(ln)
	t.Cleanup(func() {
		p.Stop()
		p.mu.Lock()
		if p.frozen {
			p.frozen = false
			close(p.thawed)
		}
		p.mu.Unlock()
	})
	return p
}

// Addr is the proxy's address, which stays the same across Stop and Resume.
func (p *Proxy) Addr() string { return p.addr }

// Freeze keeps every connection open, and accepts new ones, but forwards nothing: the
// target looks like a process that stopped answering (SIGSTOP).
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen {
		p.frozen = true
		p.thawed = make(chan struct{})
	}
}

// Stop closes every connection and the listener, so that new connections are
// refused: the target looks stopped.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// Resume ends a Freeze, forwarding what waited, or a Stop, listening again on the same
// address.
func (p *Proxy) Resume() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen {
		p.frozen = false
		close(p.thawed)
	}
	if p.stopped {
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", p.addr)
		if err != nil {
			p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
		}
		p.ln, p.stopped = ln, false
		go p.accept(ln)
	}
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	up, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.pipe(up, c); done <- struct{}{} }()
	go func() { p.pipe(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// pipe copies src to dst, holding each chunk while the proxy is frozen.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			frozen, thawed := p.frozen, p.thawed
			p.mu.Unlock()
			if frozen {
				<-thawed
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Backend is a test's Redis (redistest) reached through a Proxy: Client goes through
// the proxy, with OpenRedis's deadlines of timeout, while Direct reaches the server
// itself and shares Direct's key prefix and cleanup.
type Backend struct {
	Direct redistest.Redis
	Proxy  *Proxy
	Client redis.UniversalClient
}

// ProxiedRedis returns a Backend on b whose proxied client has OpenRedis's deadlines of
// timeout.
func ProxiedRedis(t testing.TB, b redistest.Backend, timeout time.Duration) Backend {
	t.Helper()
	direct := b.New(t)
	c, ok := direct.Client.(*redis.Client)
	if !ok {
		t.Fatalf("redistest client is a %T, want *redis.Client", direct.Client)
	}
	opt := c.Options()
	proxy := NewProxy(t, opt.Addr)
	proxied := &redis.Options{Addr: proxy.Addr(), Username: opt.Username, Password: opt.Password, DB: opt.DB}
	client := redis.NewUniversalClient(subgraph.RedisOptions(proxied, timeout))
	subgraph.AddDeadlines(client, timeout)
	t.Cleanup(func() { client.Close() })
	return Backend{Direct: direct, Proxy: proxy, Client: client}
}

// Eventually polls cond until it returns nil, failing the test with its last error
// after graphqltest.Timeout. It is how tests wait for something that happens in the background
// (a consumer catching up, a client reconnecting), without sleeping for a guess.
func Eventually(t testing.TB, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(graphqltest.Timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s: %v", what, graphqltest.Timeout, err)
		}
		<-tick.C
	}
}
