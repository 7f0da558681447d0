package labels

import (
	"fmt"

	"github.com/aomas/aomas/db"
)

// StaleError reports a change made against a version that is no longer the label's
// current one; nothing was written. Current is the version the label is at now (0 when
// it has none).
type StaleError struct {
	Current int
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("the label changed since this edit began: it is at version %d now; reload it and apply the edit again", e.Current)
}

// Unwrap lets errors.Is(err, db.ErrStale) see a StaleError.
func (e *StaleError) Unwrap() error { return db.ErrStale }

// StateError reports a change the label's review state does not allow: an edit while in
// review or approved, or a review step out of order.
type StateError struct {
	// State is the label's state; Action what was refused (ActionSaved for an edit).
	State  string
	Action string
}

func (e *StateError) Error() string {
	if e.Action == ActionSaved {
		return fmt.Sprintf("the label is %s; it can be edited again once returned", e.State)
	}
	return fmt.Sprintf("a %s label cannot be %s", e.State, e.Action)
}

// Unwrap lets errors.Is(err, db.ErrLabelState) see a StateError.
func (e *StateError) Unwrap() error { return db.ErrLabelState }

// InputError reports input the service refuses before reading anything: an unknown kind,
// a document that is not JSON or too large, a return without a comment. Its message is
// safe to show.
type InputError struct {
	Reason string
}

func (e *InputError) Error() string { return e.Reason }
