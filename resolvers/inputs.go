package resolvers

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/internal/scalars"
)

// inputLimit bounds one input coordinate: the characters of a string (each element's,
// for a list of strings) and the elements of a list.
type inputLimit struct {
	chars int
	items int
}

// Limits for inputs the table below does not name: generous for a name or a filter,
// small enough that no free-text field becomes a store for megabytes.
const (
	defaultMaxChars = 1000
	defaultMaxItems = 1000
)

// limitOf returns the limit of an input coordinate: "Input.field" for an input object's
// field, "Type.field(arg)" for an argument.
func limitOf(coord string) inputLimit {
	l := inputLimit{chars: defaultMaxChars, items: defaultMaxItems}
	switch coord {
	case "CreateCaseInput.subjectCode":
		l.chars = 64
	case "CreateCaseInput.meridian":
		l.chars = 32
	case "CreateCaseInput.device", "RequestVolumeUploadInput.filename":
		l.chars = 255
	case "CreateCaseInput.notes":
		l.chars = 10_000
	case "CreateCaseInput.tags", "CaseFilter.tags":
		l.chars, l.items = 64, 64
	case "MetricFilter.cohortTag", "UploadVolumeInput.modality", "RequestVolumeUploadInput.modality",
		"SaveLabelInput.kind", "RoleGrantInput.role", "RoleGrantInput.project",
		"Mutation.setRolePermissions(role)", "Query.members(project)":
		l.chars = 64
	case "UploadVolumeInput.sidecar", "RequestVolumeUploadInput.sidecar":
		l.chars = 16 << 10
	case "StartRunInput.params":
		l.chars = 4 << 10
	case "Mutation.reviewLabel(comment)":
		l.chars = 2000
	case "RoleGrantInput.email":
		l.chars = 254 // RFC 5321's longest address
	case "RegisterModelVersionInput.card":
		l.chars = 64 << 10 // the registry's own bound on a model card
	case "Mutation.promoteModelVersion(reason)", "Mutation.rollbackModel(reason)", "RegisterModelVersionInput.description":
		l.chars = 2000
	case "SaveLabelInput.document":
		l.chars = 32 << 20 // the label service's own bound; the body limit is smaller
	}
	return l
}

// InputLimits checks every argument of an operation, variables included, before any
// resolver runs: strings and ids within their length limit and free of NUL bytes (which
// PostgreSQL refuses), lists within their element limit, dates and times that exist.
// A value out of bounds is the caller's mistake: INVALID_INPUT, naming the coordinate.
type InputLimits struct {
	Schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = InputLimits{}

// ExtensionName names the extension for gqlgen.
func (InputLimits) ExtensionName() string { return "InputLimits" }

// Validate accepts any schema.
func (InputLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses the operation at its first argument out of bounds.
func (l InputLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || l.Schema == nil {
		return nil
	}
	c := inputChecker{schema: l.Schema, vars: oc.Variables, seen: map[string]bool{}}
	if err := c.selections(oc.Operation.SelectionSet); err != nil {
		return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": CodeInvalidInput}}
	}
	return nil
}

type inputChecker struct {
	schema *ast.Schema
	vars   map[string]any
	seen   map[string]bool // fragments checked
}

func (c *inputChecker) selections(set ast.SelectionSet) error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Definition != nil && s.ObjectDefinition != nil {
				for _, arg := range s.Arguments {
					def := s.Definition.Arguments.ForName(arg.Name)
					if def == nil || arg.Value == nil {
						continue
					}
					val, err := arg.Value.Value(c.vars)
					if err != nil {
						return fmt.Errorf("%s.%s(%s): %w", s.ObjectDefinition.Name, s.Name, arg.Name, err)
					}
					coord := fmt.Sprintf("%s.%s(%s)", s.ObjectDefinition.Name, s.Name, arg.Name)
					if err := c.value(coord, def.Type, val); err != nil {
						return err
					}
				}
			}
			if err := c.selections(s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := c.selections(s.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !c.seen[s.Name] {
				c.seen[s.Name] = true
				if err := c.selections(s.Definition.SelectionSet); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *inputChecker) value(coord string, t *ast.Type, val any) error {
	if val == nil || t == nil {
		return nil
	}
	lim := limitOf(coord)
	if t.Elem != nil {
		list, ok := val.([]any)
		if !ok { // a single value where a list is expected is a list of one
			return c.value(coord, t.Elem, val)
		}
		if len(list) > lim.items {
			return fmt.Errorf("%s: at most %d items, not %d", coord, lim.items, len(list))
		}
		for _, e := range list {
			if err := c.value(coord, t.Elem, e); err != nil {
				return err
			}
		}
		return nil
	}
	switch t.NamedType {
	case "String", "ID":
		s, ok := val.(string)
		if !ok {
			return nil // an ID given as a number; validation has checked the kind
		}
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("%s: must not contain NUL characters", coord)
		}
		if len(s) > lim.chars && utf8.RuneCountInString(s) > lim.chars {
			return fmt.Errorf("%s: at most %d characters", coord, lim.chars)
		}
	case "Date":
		if _, err := scalars.UnmarshalDate(val); err != nil {
			return fmt.Errorf("%s: %w", coord, err)
		}
	case "Time":
		if _, err := graphql.UnmarshalTime(val); err != nil {
			return fmt.Errorf("%s: %v is not a time in RFC 3339", coord, val)
		}
	default:
		def := c.schema.Types[t.NamedType]
		m, ok := val.(map[string]any)
		if def == nil || def.Kind != ast.InputObject || !ok {
			return nil
		}
		for _, f := range def.Fields {
			if err := c.value(def.Name+"."+f.Name, f.Type, m[f.Name]); err != nil {
				return err
			}
		}
	}
	return nil
}
