package resolvers

import (
	"context"
	"errors"
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

// mayLabel and mayReview say what a subject's roles in project let it do with labels: the
// queue shows each part to those who can act on it, whatever their role is called.
func (r *Resolver) may(ctx context.Context, subject, project, mutation string) (bool, error) {
	return r.Enforcer.Allowed(ctx, subject, project, "Mutation."+mutation, rbac.ActWrite)
}

// myWork reads the caller's queue in the request's project.
func (r *Resolver) myWork(ctx context.Context, first *int) (*model.WorkQueue, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return nil, ErrSignIn
	}
	n := 50
	if first != nil {
		n = *first
	}
	if n < 1 || n > 200 {
		return nil, invalidInput("first must be 1 to 200")
	}
	project := auth.ProjectFrom(ctx)
	f := db.WorkFilter{Project: project, UserID: p.UserID}
	var err error
	if f.Label, err = r.may(ctx, p.Subject(), project, "saveLabel"); err != nil {
		return nil, err
	}
	if f.Review, err = r.may(ctx, p.Subject(), project, "reviewLabel"); err != nil {
		return nil, err
	}
	items, total, err := r.Labels.Work(ctx, f, n)
	if err != nil {
		return nil, err
	}
	// A page's volumes, assignments and labels load with one query each.
	ids := make([]int64, len(items))
	var labelIDs []int64
	out := make([]*db.WorkItem, len(items))
	for i := range items {
		ids[i] = items[i].VolumeID
		if items[i].LabelID != nil {
			labelIDs = append(labelIDs, *items[i].LabelID)
		}
		out[i] = &items[i]
	}
	l := r.loaders(ctx)
	vols := l.volume.prefetch(ctx, ids)
	l.assignment.prefetch(ctx, ids)
	l.label.prefetch(ctx, labelIDs)
	// Their cases and subjects too: left to the loaders, a busy machine splits them into
	// several batches as the resolvers' keys straggle past the wait.
	if selected(ctx, "items", "volume", "case") && len(vols) > 0 {
		caseIDs := make([]int64, 0, len(vols))
		for _, v := range vols {
			if v != nil {
				caseIDs = append(caseIDs, v.CaseID)
			}
		}
		cases := l.caseByID.prefetch(ctx, caseIDs)
		if selected(ctx, "items", "volume", "case", "subject") {
			subjects := make([]int64, 0, len(cases))
			for _, c := range cases {
				if c != nil {
					subjects = append(subjects, c.SubjectID)
				}
			}
			l.subject.prefetch(ctx, subjects)
		}
	}
	return &model.WorkQueue{Items: out, TotalCount: total}, nil
}

// labelers lists the accounts that may save labels in the request's project.
func (r *Resolver) labelers(ctx context.Context) ([]*auth.User, error) {
	project := auth.ProjectFrom(ctx)
	grants, err := r.Enforcer.Members(project)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*auth.User
	for _, g := range grants {
		if seen[g.Subject] {
			continue
		}
		seen[g.Subject] = true
		ok, err := r.may(ctx, g.Subject, project, "saveLabel")
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		u, err := r.subjectUser(ctx, g.Subject)
		if err != nil {
			return nil, err
		}
		if u != nil && !u.Disabled {
			out = append(out, u)
		}
	}
	return out, nil
}

// assignVolume gives a volume of the caller's project to a labeler of that project.
func (r *Resolver) assignVolume(ctx context.Context, volumeID string, userID *string) (*db.Volume, error) {
	vid, err := r.ownedID(ctx, volumeID, "Volume")
	if err != nil {
		return nil, err
	}
	v, err := load(ctx, r.loaders(ctx).volume, vid, "volume")
	if err != nil {
		return nil, err
	}
	var uid int64
	if userID != nil {
		if uid, err = idOf(*userID, "User"); err != nil {
			return nil, err
		}
		// Someone who may not label here, or no one at all, reads the same: the caller
		// learns nothing about accounts outside the project.
		cannot := invalidInput(fmt.Sprintf("%s is not a labeler of this project", *userID))
		u, err := r.Accounts.ByID(ctx, uid)
		if errors.Is(err, auth.ErrNotFound) {
			return nil, cannot
		}
		if err != nil {
			return nil, err
		}
		ok, err := r.may(ctx, rbac.UserSubject(u.ID), auth.ProjectFrom(ctx), "saveLabel")
		if err != nil {
			return nil, err
		}
		if !ok || u.Disabled {
			return nil, cannot
		}
	}
	if err := r.Labels.Assign(ctx, vid, uid, actor(ctx)); err != nil {
		return nil, err
	}
	r.loaders(ctx).assignment.Clear(vid)
	return v, nil
}

// assignee returns the account a volume is assigned to, or nil.
func (r *Resolver) assignee(ctx context.Context, volumeID int64) (*auth.User, error) {
	a, err := r.loaders(ctx).assignment.Load(ctx, volumeID)
	if err != nil || a == nil {
		return nil, err
	}
	return r.subjectUser(ctx, rbac.UserSubject(a.UserID))
}

// workKind maps a queue row's kind to the schema's enum.
func workKind(k string) model.WorkKind {
	switch k {
	case db.WorkReview:
		return model.WorkKindReview
	case db.WorkReturned:
		return model.WorkKindReturned
	}
	return model.WorkKindLabel
}

// regionsIn converts the review's regions.
func regionsIn(in []*model.ReviewRegionInput) []db.ReviewRegion {
	out := make([]db.ReviewRegion, 0, len(in))
	for _, r := range in {
		reg := db.ReviewRegion{Comment: r.Comment, Points: make([]db.Point, 0, len(r.Points))}
		for _, p := range r.Points {
			reg.Points = append(reg.Points, db.Point{X: p.X, Y: p.Y})
		}
		out = append(out, reg)
	}
	return out
}

// regionsOut hands regions to the schema.
func regionsOut(rs []db.ReviewRegion) []*db.ReviewRegion {
	out := make([]*db.ReviewRegion, len(rs))
	for i := range rs {
		out[i] = &rs[i]
	}
	return out
}
