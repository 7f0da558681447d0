package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/aomas/aomas/internal/auth"
)

// DocumentLimits bound what a GraphQL document may cost before gqlgen validates it.
// Validation is not linear: the rule that checks that same-named fields can be merged
// compares pairs of them, so 8,000 repeats of one field cost seconds of CPU before any
// complexity limit (which counts merged fields, after validation) could refuse them.
type DocumentLimits struct {
	// Body bounds a request body that is not an upload (bytes).
	Body int64
	// Tokens bounds the lexer tokens of the query.
	Tokens int
	// Fields bounds the fields the document selects as written, before merging: every
	// fragment spread counts the fields of its fragment again. It bounds the pairs that
	// validation compares.
	Fields int
}

// AnonymousLimits are the limits for signed-out callers, who may read only health,
// version and me: a few dozen fields.
func AnonymousLimits() DocumentLimits {
	return DocumentLimits{Body: 16 << 10, Tokens: 1000, Fields: 100}
}

// SignedInLimits are the limits for signed-in callers: far above any client's query
// (a batch of a few hundred aliased mutations fits), and validation stays well under a
// second for the worst document they allow.
func SignedInLimits() DocumentLimits {
	return DocumentLimits{Body: maxJSONBody, Tokens: 20_000, Fields: 2000}
}

// CodeQueryTooLarge is extensions.code of a document refused before validation.
const CodeQueryTooLarge = "QUERY_TOO_LARGE"

// documentBudget refuses, before parsing for gqlgen and before validation, a document
// over its caller's limits. Documents already in the query cache passed validation and
// cost nothing more to reuse.
type documentBudget struct {
	cache     graphql.Cache[*ast.QueryDocument]
	anonymous DocumentLimits
	signedIn  DocumentLimits
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentBudget{}

func (documentBudget) ExtensionName() string                   { return "DocumentBudget" }
func (documentBudget) Validate(graphql.ExecutableSchema) error { return nil }

func (b documentBudget) limits(ctx context.Context) (DocumentLimits, string) {
	if _, ok := auth.PrincipalFrom(ctx); ok {
		return b.signedIn, ""
	}
	return b.anonymous, " for signed-out callers"
}

func (b documentBudget) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := b.cache.Get(ctx, p.Query); ok {
		return nil
	}
	lim, who := b.limits(ctx)
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, lim.Tokens)
	if err != nil {
		var gqlErr *gqlerror.Error
		if !errors.As(err, &gqlErr) {
			gqlErr = gqlerror.Wrap(err)
		}
		if strings.Contains(gqlErr.Message, "token limit") {
			return tooLarge(fmt.Sprintf("query has more than %d tokens, the limit%s", lim.Tokens, who))
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	n, cycle := countFields(doc, lim.Fields)
	if cycle != "" {
		e := gqlerror.Errorf("fragment %s spreads itself", cycle)
		errcode.Set(e, errcode.ValidationFailed)
		return e
	}
	if n > lim.Fields {
		return tooLarge(fmt.Sprintf("query selects more than %d fields (fragments counted at every spread), the limit%s", lim.Fields, who))
	}
	return nil
}

func tooLarge(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": CodeQueryTooLarge}}
}

// countFields counts the fields doc selects as written: each operation's and each
// fragment's (validation walks both), a spread counting its fragment's fields. Counting
// stops a little past limit, so fragments that spread each other many times over cost no
// more than limit to count. A fragment that spreads itself is named in cycle.
func countFields(doc *ast.QueryDocument, limit int) (n int, cycle string) {
	c := fieldCounter{doc: doc, limit: limit, memo: map[string]int{}, visiting: map[string]bool{}}
	total := 0
	for _, op := range doc.Operations {
		total = c.add(total, c.set(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		total = c.add(total, c.fragment(f.Name))
	}
	return total, c.cycle
}

type fieldCounter struct {
	doc      *ast.QueryDocument
	limit    int
	memo     map[string]int
	visiting map[string]bool
	cycle    string
}

// add sums without growing past limit+1.
func (c *fieldCounter) add(a, b int) int { return min(a+b, c.limit+1) }

func (c *fieldCounter) set(s ast.SelectionSet) int {
	n := 0
	for _, sel := range s {
		switch v := sel.(type) {
		case *ast.Field:
			n = c.add(n, c.add(1, c.set(v.SelectionSet)))
		case *ast.InlineFragment:
			n = c.add(n, c.set(v.SelectionSet))
		case *ast.FragmentSpread:
			n = c.add(n, c.fragment(v.Name))
		}
		if n > c.limit || c.cycle != "" {
			return n
		}
	}
	return n
}

func (c *fieldCounter) fragment(name string) int {
	if n, ok := c.memo[name]; ok {
		return n
	}
	def := c.doc.Fragments.ForName(name)
	if def == nil {
		return 0 // validation reports the unknown fragment
	}
	if c.visiting[name] {
		c.cycle = name
		return 0
	}
	c.visiting[name] = true
	n := c.set(def.SelectionSet)
	delete(c.visiting, name)
	c.memo[name] = n
	return n
}

// limitBody bounds a request body by its caller: signed-out callers get
// AnonymousLimits().Body whatever the content type (they may upload nothing), signed-in
// ones maxJSONBody unless the request is an upload. Over the limit: 413.
func limitBody(anonymous int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, what := int64(maxJSONBody), "request body too large (at most 2 MiB; upload files as multipart)"
		if _, ok := auth.PrincipalFrom(r.Context()); !ok {
			limit, what = anonymous, fmt.Sprintf("request body too large for a signed-out caller (at most %d KiB)", anonymous>>10)
		} else if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			graphQLError(w, http.StatusRequestEntityTooLarge, "INVALID_INPUT", what)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}
