package main

import (
	"io"
	"log/slog"
)

// slogTo is a JSON logger into w, as serve logs.
func slogTo(w io.Writer) *slog.Logger {
	return newJSONLogger(w, slog.LevelDebug)
}
