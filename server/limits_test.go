package server

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestSelectionDepth(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { a: A }
		type A { b: B n: Int }
		type B { a: A n: Int }`})
	tests := []struct {
		query string
		depth int
	}{
		{`{ a { n } }`, 2},
		{`{ a { b { a { b { n } } } } }`, 5},
		{`{ a { ...F } } fragment F on A { b { a { n } } }`, 4},
		{`{ a { ... on A { b { n } } } }`, 3},
		{`{ __schema { types { fields { type { ofType { ofType { name } } } } } } a { n } }`, 2},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, tc.query, nil) // nil: the default rules
			require.Empty(t, errs)
			require.Equal(t, tc.depth, selectionDepth(doc.Operations[0].SelectionSet))
		})
	}
}
