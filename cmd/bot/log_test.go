package main

import (
	"io"
	"log/slog"
)

// slogTo is a JSON logger into w, as serve logs.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
