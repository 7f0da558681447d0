package main

import (
	"errors"
	"flag"
	"fmt"
)

// exitError asks main to exit with a given code. A nil err means the command already
// reported what went wrong and only the code is left to give.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// errExit returns an error that makes the process exit with code and print nothing more.
func errExit(code int) error { return &exitError{code: code} }

// parseFlags parses args into fs. done is true when the command should end now: after
// -h (usage printed, status 0) or a bad flag (flag printed the problem, status 2).
func parseFlags(fs *flag.FlagSet, args []string) (done bool, err error) {
	err = fs.Parse(args)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, flag.ErrHelp):
		return true, nil
	}
	return true, errExit(2)
}
