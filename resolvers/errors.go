package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/reqid"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/storage"
)

// Error codes put in extensions.code; clients switch on them.
const (
	CodeNotFound     = "NOT_FOUND"
	CodeForbidden    = "FORBIDDEN"
	CodeInvalidInput = "INVALID_INPUT"
	CodeConflict     = "CONFLICT"
	CodeUnavailable  = "UNAVAILABLE"
	CodeInternal     = "INTERNAL"
	// CodeUnauthenticated: not signed in, or the credential was refused.
	CodeUnauthenticated = "UNAUTHENTICATED"
)

// codedError is an error whose message is safe to show and whose code clients act on.
type codedError struct {
	code string
	msg  string
	err  error
	// ext are more extensions for the client (a refused promotion's gates).
	ext map[string]any
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Unwrap() error { return e.err }

func notFound(what string, id int64) error {
	return &codedError{code: CodeNotFound, msg: fmt.Sprintf("%s %d not found", what, id), err: db.ErrNotFound}
}

// codeOf maps the errors lower layers detect to codes and safe messages.
func codeOf(err error) (*codedError, bool) {
	// gqlgen wraps a resolver's error with its position and path; the message is the inner one's.
	for {
		var ge *gqlerror.Error
		if !errors.As(err, &ge) || ge.Err == nil {
			break
		}
		err = ge.Err
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return ce, true
	}
	var rej *ingest.RejectError
	var stale *labels.StaleError
	var state *labels.StateError
	var bad *labels.InputError
	switch {
	case errors.Is(err, rbac.ErrForbidden):
		return &codedError{code: CodeForbidden, msg: err.Error()}, true
	case errors.Is(err, auth.ErrUnauthenticated):
		return &codedError{code: CodeUnauthenticated, msg: err.Error()}, true
	case errors.Is(err, rbac.ErrLastAdmin):
		return &codedError{code: CodeConflict, msg: err.Error()}, true
	case errors.Is(err, rbac.ErrInvalid):
		return &codedError{code: CodeInvalidInput, msg: err.Error()}, true
	case errors.As(err, &rej):
		return &codedError{code: CodeInvalidInput, msg: rej.Reason}, true
	case errors.As(err, &stale):
		return &codedError{code: CodeConflict, msg: stale.Error()}, true
	case errors.As(err, &state):
		return &codedError{code: CodeConflict, msg: state.Error()}, true
	case errors.As(err, &bad):
		return &codedError{code: CodeInvalidInput, msg: bad.Error()}, true
	case errors.Is(err, db.ErrNotFound), errors.Is(err, storage.ErrNotFound):
		return &codedError{code: CodeNotFound, msg: "not found"}, true
	case errors.Is(err, intake.ErrUploadIncomplete):
		return &codedError{code: CodeConflict, msg: err.Error()}, true
	case errors.Is(err, intake.ErrUploadExpired):
		return &codedError{code: CodeInvalidInput, msg: err.Error()}, true
	}
	return nil, false
}

// PresentError gives every error an extensions.code. Errors that carry no code are
// internal: their text may hold SQL or paths, so the client gets only the request id to
// quote, and the log gets the rest.
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if ce, ok := codeOf(err); ok {
		gqlErr.Message = ce.msg
		setCode(gqlErr, ce.code)
		for k, v := range ce.ext {
			gqlErr.Extensions[k] = v
		}
		var rej *ingest.RejectError
		if errors.As(err, &rej) {
			gqlErr.Extensions["reason"] = rej.Code
		}
		return gqlErr
	}
	var already *gqlerror.Error
	if errors.As(err, &already) && already.Err == nil {
		// Parser, validation and limit errors: gqlgen's own, safe to show.
		if _, ok := gqlErr.Extensions["code"]; !ok {
			setCode(gqlErr, CodeInvalidInput)
		}
		return gqlErr
	}
	id := reqid.From(ctx)
	slog.ErrorContext(ctx, "graphql resolver error", "request_id", id, "path", gqlErr.Path.String(), "err", err)
	gqlErr.Message = fmt.Sprintf("internal error (request %s)", id)
	setCode(gqlErr, CodeInternal)
	return gqlErr
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// Recover turns a resolver panic into an INTERNAL error and logs it with its request id.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	if logger == nil {
		logger = slog.Default()
	}
	return func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "graphql resolver panic", "request_id", reqid.From(ctx), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return fmt.Errorf("resolver panic: %v", v)
	}
}
