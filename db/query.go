package db

import (
	"fmt"
	"strings"
)

// where collects SQL conditions with numbered placeholders, so that every filter value
// travels as a bind parameter and never as SQL text.
type where struct {
	conds []string
	args  []any
}

// add appends cond, in which each "?" stands for the next of args.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page appends LIMIT and OFFSET placeholders for limit and offset.
func (w *where) page(limit, offset int) string {
	w.args = append(w.args, limit, offset)
	return fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(w.args)-1, len(w.args))
}

// Page is a slice of a listing and the size of the whole listing.
type Page[T any] struct {
	Rows  []T
	Total int
}
