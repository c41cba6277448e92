package subgraph_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// redisReply is an error reply as go-redis reports one.
type redisReply string

func (e redisReply) Error() string { return string(e) }
func (redisReply) RedisError()     {}

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"deadline", context.DeadlineExceeded, true},
		{"wrapped deadline", fmt.Errorf("users: get users: %w", context.DeadlineExceeded), true},
		{"connection refused", fmt.Errorf("hashstore: get 1 records: %w", refused), true},
		{"reset mid-reply", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"closed mid-reply", fmt.Errorf("x: %w", io.EOF), true},
		{"truncated reply", io.ErrUnexpectedEOF, true},
		{"pool timeout", fmt.Errorf("x: %w", redis.ErrPoolTimeout), true},
		{"closed client", redis.ErrClosed, true},
		{"loading after a restart", redisReply("LOADING Redis is loading the dataset in memory"), true},
		{"failing over", fmt.Errorf("x: %w", redisReply("MASTERDOWN Link with MASTER is down")), true},
		{"a replica after failover", redisReply("READONLY You can't write against a read only replica."), true},
		{"a slow script", redisReply("BUSY Redis is busy running a script."), true},
		{"cannot persist", redisReply("MISCONF Redis is configured to save RDB snapshots"), true},
		{"a script error", redisReply("ERR Error running script"), false},
		{"wrong type", redisReply("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"canceled by the client", context.Canceled, false},
		{"a bug", errors.New("users: user \"x\": pos: strconv.ParseInt: invalid syntax"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := subgraph.IsUnavailable(tt.err); got != tt.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestUnavailableKeepsItsCause(t *testing.T) {
	cause := errors.New("dial tcp 10.1.2.3:4001: connect: connection refused")
	err := fmt.Errorf("products: check owner: %w", subgraph.Unavailable("the users subgraph is unavailable", cause))
	var coded subgraph.Coded
	if !errors.As(err, &coded) || coded.ErrorCode() != errcode.ServiceUnavailable || coded.Error() != "the users subgraph is unavailable" {
		t.Fatalf("Unavailable = %v (code %v), want the message and SERVICE_UNAVAILABLE", coded, coded)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(%v, cause) = false: the cause is lost for the log", err)
	}
}
