package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// redisLogger routes go-redis's own messages (reconnects, pool errors)
// into slog at debug level, so that they reach neither a CLI user's stderr
// nor, unstructured, serve's log. Store errors are reported by the store.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), slog.String("component", "redis"))
}

// routeRedisLog installs l as go-redis's logger. go-redis keeps one logger
// for the process, so only main's wiring calls this.
func routeRedisLog(l *slog.Logger) { redis.SetLogger(redisLogger{log: l}) }
