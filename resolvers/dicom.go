package resolvers

import (
	"context"
	"errors"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/auth"
)

// The calling AE titles of the current project. An AE title belongs to one project, and
// a caller reaches only those of the project the request is in.

func (r *Resolver) dicomPeers(ctx context.Context) ([]*db.DicomPeer, error) {
	ps, err := db.DicomPeers(ctx, r.DB, []string{auth.ProjectFrom(ctx)})
	if err != nil {
		return nil, err
	}
	out := make([]*db.DicomPeer, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out, nil
}

func (r *Resolver) allowDicomPeer(ctx context.Context, ae string) (*db.DicomPeer, error) {
	if !db.ValidAETitle(ae) {
		return nil, invalidInput("aeTitle must be 1 to 16 printable ASCII characters without a backslash or leading or trailing spaces")
	}
	p, err := db.PutDicomPeer(ctx, r.DB, ae, auth.ProjectFrom(ctx), auth.Actor(ctx), false)
	if errors.Is(err, db.ErrPeerElsewhere) {
		// Which project holds it is not said: that is another project's business.
		return nil, &codedError{code: CodeConflict, msg: "the AE title " + ae + " is in use; choose another", err: err}
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (r *Resolver) removeDicomPeer(ctx context.Context, ae string) (*db.DicomPeer, error) {
	p, err := db.DeleteDicomPeer(ctx, r.DB, ae, auth.ProjectFrom(ctx))
	if errors.Is(err, db.ErrNotFound) {
		return nil, &codedError{code: CodeNotFound, msg: "no calling AE title " + ae + " in this project", err: err}
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}
