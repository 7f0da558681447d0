package rbac

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Coordinate is one field of the GraphQL schema as authorization sees it.
type Coordinate struct {
	// Object is "Type.field".
	Object string
	// Action is write for mutations, read for everything else.
	Action string
	// Root is true for fields of Query, Mutation and Subscription.
	Root bool
	// Sensitive is true for the fields only an explicit rule grants (SensitivePatterns).
	Sensitive bool
	// Public is true for the root fields marked @public: open to everyone, signed in or not.
	Public bool
}

// Guarded reports whether the @hasPermission directive must guard c: every root field and
// every sensitive field.
func (c Coordinate) Guarded() bool { return c.Root || c.Sensitive }

// SchemaCoordinates lists every field of schema's object types (introspection types
// aside), root fields first, then by type and field name.
func SchemaCoordinates(schema *ast.Schema) []Coordinate {
	roots := map[string]string{}
	for _, t := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		if t != nil {
			act := ActRead
			if t == schema.Mutation {
				act = ActWrite
			}
			roots[t.Name] = act
		}
	}
	var out []Coordinate
	for name, def := range schema.Types {
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		act, root := roots[name]
		if !root {
			act = ActRead
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			obj := name + "." + f.Name
			out = append(out, Coordinate{Object: obj, Action: act, Root: root, Sensitive: IsSensitive(obj),
				Public: root && f.Directives.ForName("public") != nil})
		}
	}
	rank := map[string]int{"Query": 0, "Mutation": 1, "Subscription": 2}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Root != b.Root {
			return a.Root
		}
		ta, _, _ := strings.Cut(a.Object, ".")
		tb, _, _ := strings.Cut(b.Object, ".")
		if a.Root && ta != tb {
			return rank[ta] < rank[tb]
		}
		return a.Object < b.Object
	})
	return out
}

// WriteMatrix writes, as Markdown, which of roles may do what on coords under e's policy:
// root fields and sensitive fields one by one, other fields grouped by type.
func WriteMatrix(w io.Writer, e *Enforcer, roles []string, coords []Coordinate) error {
	const project = "any-project"
	row := func(c Coordinate) (string, error) {
		cells := make([]string, len(roles))
		if c.Public {
			for i := range cells {
				cells[i] = "public"
			}
			return strings.Join(cells, " | "), nil
		}
		for i, r := range roles {
			ok, err := e.Allowed(context.Background(), r, project, c.Object, c.Action)
			if err != nil {
				return "", err
			}
			cells[i] = "—"
			if ok {
				cells[i] = "✓"
			}
		}
		return strings.Join(cells, " | "), nil
	}
	header := "| coordinate | action | " + strings.Join(roles, " | ") + " |\n|---|---|" + strings.Repeat("---|", len(roles)) + "\n"
	var b strings.Builder
	section := func(title, intro string, keep func(Coordinate) bool) error {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n%s", title, intro, header)
		for _, c := range coords {
			if !keep(c) {
				continue
			}
			cells, err := row(c)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Object, c.Action, cells)
		}
		return nil
	}
	if err := section("Queries, mutations and subscriptions", "Every root field is guarded; a role not granted one gets `FORBIDDEN`. `public` fields (and what they return) are open to everyone, signed in or not.",
		func(c Coordinate) bool { return c.Root }); err != nil {
		return err
	}
	if err := section("Sensitive fields", "Guarded one by one: a denied field resolves to `null` with a `FORBIDDEN` error at its path while the rest of the response is served. A `Type.*` rule never reaches them; a rule must name them.",
		func(c Coordinate) bool { return !c.Root && c.Sensitive }); err != nil {
		return err
	}

	// Other type fields, grouped by type: one row when every field answers alike.
	fmt.Fprintf(&b, "\n## Other fields, by type\n\nWhat a field-level check answers for the remaining fields of each type (read).\n\n%s", header)
	byType := map[string][]Coordinate{}
	var types []string
	for _, c := range coords {
		if c.Root || c.Sensitive {
			continue
		}
		t, _, _ := strings.Cut(c.Object, ".")
		if byType[t] == nil {
			types = append(types, t)
		}
		byType[t] = append(byType[t], c)
	}
	sort.Strings(types)
	for _, t := range types {
		groups := map[string][]string{}
		var order []string
		for _, c := range byType[t] {
			cells, err := row(c)
			if err != nil {
				return err
			}
			if groups[cells] == nil {
				order = append(order, cells)
			}
			_, f, _ := strings.Cut(c.Object, ".")
			groups[cells] = append(groups[cells], f)
		}
		for _, cells := range order {
			name := "`" + t + ".*`"
			if len(order) > 1 {
				name = "`" + t + ".{" + strings.Join(groups[cells], ",") + "}`"
			}
			fmt.Fprintf(&b, "| %s | read | %s |\n", name, cells)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
