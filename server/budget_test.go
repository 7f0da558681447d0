package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestCountFields(t *testing.T) {
	var exp strings.Builder
	exp.WriteString("{ a { ...F0 } } fragment F0 on A { ...F1 ...F1 }")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&exp, " fragment F%d on A { ...F%d ...F%d }", i, i+1, i+1)
	}
	exp.WriteString(" fragment F40 on A { n }")
	tests := []struct {
		name, query string
		want        int
		cycle       string
	}{
		{"plain", `{ a { n m } b }`, 4, ""},
		{"repeats count before merging", `{ a { n n n n } }`, 5, ""},
		{"inline fragments", `{ a { ... on A { n m } } }`, 3, ""},
		// The operation's 1 + 2, and the fragment's own 2, which validation also walks.
		{"spreads count their fragment", `{ a { ...F } } fragment F on A { n m }`, 5, ""},
		{"each spread counts", `{ a { ...F ...F ...F } } fragment F on A { n m }`, 9, ""},
		{"several operations", `query A { a } query B { b { n } }`, 3, ""},
		{"2^40 through fragments stops at the limit", exp.String(), 101, ""},
		{"a cycle", `{ a { ...F } } fragment F on A { n ...G } fragment G on A { ...F }`, 0, "F"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			require.NoError(t, err)
			n, cycle := countFields(doc, 100)
			require.Equal(t, tc.cycle, cycle)
			if tc.cycle == "" {
				require.Equal(t, tc.want, n)
			}
		})
	}
}
