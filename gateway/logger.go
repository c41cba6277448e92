package gateway

import (
	"context"
	"fmt"
	"log/slog"

	nautilus "github.com/nautilus/gateway"
)

// slogLogger adapts nautilus's Logger to log/slog. nautilus logs every plan step at
// Info and Debug; both go to slog's Debug, formatted only when Debug is enabled.
type slogLogger struct {
	l *slog.Logger
}

func newLogger(l *slog.Logger) nautilus.Logger { return slogLogger{l: l} }

func (s slogLogger) Debug(args ...any) { s.log(slog.LevelDebug, args) }
func (s slogLogger) Info(args ...any)  { s.log(slog.LevelDebug, args) }
func (s slogLogger) Warn(args ...any)  { s.log(slog.LevelWarn, args) }

func (s slogLogger) log(level slog.Level, args []any) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprint(args...))
}

func (s slogLogger) WithFields(fields nautilus.LoggerFields) nautilus.Logger {
	attrs := make([]any, 0, 2*len(fields))
	for k, v := range fields {
		attrs = append(attrs, k, v)
	}
	return slogLogger{l: s.l.With(attrs...)}
}

func (s slogLogger) QueryPlanStep(step *nautilus.QueryPlanStep) {
	if s.l.Enabled(context.Background(), slog.LevelDebug) {
		s.l.Debug("query plan step", "parentType", step.ParentType, "insertionPoint", step.InsertionPoint, "query", step.QueryString)
	}
}
