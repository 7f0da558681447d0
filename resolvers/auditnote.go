package resolvers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aomas/aomas/db"
)

// An audit note lets a mutation's resolver name what it acted on ("case S-0001 OD"), so
// that the guard's audit entry for the mutation carries the name beside "Mutation.x".
type auditNoteKey struct{}

type auditNote struct {
	mu     sync.Mutex
	target string
}

func withAuditNote(ctx context.Context) (context.Context, *auditNote) {
	n := &auditNote{}
	return context.WithValue(ctx, auditNoteKey{}, n), n
}

func (n *auditNote) get() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.target
}

// noteTarget names, for the audit log, what the mutation in ctx acts on.
func noteTarget(ctx context.Context, format string, a ...any) {
	n, ok := ctx.Value(auditNoteKey{}).(*auditNote)
	if !ok {
		return
	}
	s := fmt.Sprintf(format, a...)
	if len(s) > 300 {
		s = s[:300]
	}
	n.mu.Lock()
	n.target = s
	n.mu.Unlock()
}

// errorReason is what an audit entry says about a failed mutation: the message a client
// reads for a coded error, and no more than "internal error" otherwise.
func errorReason(err error) string {
	if ce, ok := codeOf(err); ok {
		return ce.code + ": " + ce.msg
	}
	return CodeInternal + ": internal error"
}

// caseName names a case for people: subject code, eye and eccentricity.
func caseName(subjectCode string, c *db.Case) string {
	var b strings.Builder
	fmt.Fprintf(&b, "case %s %s", subjectCode, c.Eye)
	if c.EccentricityDeg != nil {
		fmt.Fprintf(&b, " %g°", *c.EccentricityDeg)
	}
	if c.AcquiredOn != nil {
		fmt.Fprintf(&b, " %s", c.AcquiredOn.Format("2006-01-02"))
	}
	fmt.Fprintf(&b, " (%s)", globalID(c))
	return b.String()
}

// volumeName names a volume for people: its file name.
func volumeName(v *db.Volume) string {
	name := v.Filename
	if name == "" {
		name = "(no file name)"
	}
	return fmt.Sprintf("volume %s (%s)", name, globalID(v))
}
