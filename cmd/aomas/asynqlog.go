package main

import (
	"fmt"
	"log/slog"
	"os"
)

// slogAsynq lets asynq log through slog like the rest of the worker.
type slogAsynq struct{ l *slog.Logger }

func (s slogAsynq) Debug(args ...any) { s.l.Debug(fmt.Sprint(args...)) }
func (s slogAsynq) Info(args ...any)  { s.l.Info(fmt.Sprint(args...)) }
func (s slogAsynq) Warn(args ...any)  { s.l.Warn(fmt.Sprint(args...)) }
func (s slogAsynq) Error(args ...any) { s.l.Error(fmt.Sprint(args...)) }
func (s slogAsynq) Fatal(args ...any) {
	s.l.Error(fmt.Sprint(args...))
	os.Exit(1)
}
