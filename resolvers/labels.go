package resolvers

import (
	"context"
	"fmt"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/labels"
)

// actor names who makes a change: the signed-in principal, or "anonymous" while requests
// carry no identity.
func actor(ctx context.Context) string {
	if p, ok := auth.PrincipalFrom(ctx); ok && p.Email != "" {
		return p.Email
	}
	return "anonymous"
}

// saveLabel hands a save to the labels service once the volume is known to be the
// caller's; the service's refusals reach the client through PresentError.
func (r *Resolver) saveLabel(ctx context.Context, in model.SaveLabelInput) (*db.Label, error) {
	volumeID, err := r.ownedID(ctx, in.VolumeID, "Volume")
	if err != nil {
		return nil, err
	}
	if _, err := load(ctx, r.loaders(ctx).volume, volumeID, "volume"); err != nil {
		return nil, err
	}
	l, err := r.Labels.Save(ctx, labels.SaveInput{VolumeID: volumeID, Kind: in.Kind, BaseVersion: in.BaseVersion,
		Document: in.Document, Author: actor(ctx)})
	if err != nil {
		return nil, err
	}
	return &l, nil
}

func (r *Resolver) submitLabel(ctx context.Context, id string, version int) (*db.Label, error) {
	n, err := r.ownedID(ctx, id, "Label")
	if err != nil {
		return nil, err
	}
	l, err := r.Labels.Submit(ctx, n, version, actor(ctx))
	if err != nil {
		return nil, err
	}
	return &l, nil
}

func (r *Resolver) reviewLabel(ctx context.Context, id string, version int, approve bool, comment *string, regions []*model.ReviewRegionInput) (*db.Label, error) {
	v := labels.Verdict{Approve: approve, Regions: regionsIn(regions)}
	if comment != nil {
		v.Comment = *comment
	}
	// A return without a comment is refused before the id is looked at, as it always was.
	if err := v.Check(); err != nil {
		return nil, err
	}
	n, err := r.ownedID(ctx, id, "Label")
	if err != nil {
		return nil, err
	}
	l, err := r.Labels.Review(ctx, n, version, v, actor(ctx))
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// labelAuthor names who did a step of a label's history without an e-mail address: the
// account's display name, "user N" for an account without one, and for steps no account
// can be found for, "anonymous" or "unknown" (finding 10 of issue 13: the e-mail address
// is User.email's, for those who may read it).
func labelAuthor(e *db.LabelEvent) string {
	switch {
	case e.AuthorName != nil && strings.TrimSpace(*e.AuthorName) != "":
		return *e.AuthorName
	case e.AuthorID != nil:
		return fmt.Sprintf("user %d", *e.AuthorID)
	case e.Author == "anonymous":
		return "anonymous"
	}
	return "unknown"
}
