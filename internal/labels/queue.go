package labels

import (
	"context"

	"github.com/aomas/aomas/db"
)

// maxQueue bounds one read of a work queue.
const maxQueue = 200

// Assign gives a volume to a labeler (userID 0 takes the assignment away). The caller has
// checked that the volume is reachable and that the user may label in its project.
func (s *Service) Assign(ctx context.Context, volumeID, userID int64, by string) error {
	if userID == 0 {
		return db.Unassign(ctx, s.DB, volumeID)
	}
	_, err := db.Assign(ctx, s.DB, volumeID, userID, by)
	return err
}

// Work returns up to first items of a person's queue, oldest first, and how many it holds:
// volumes to label when f.Label (assigned to them, or to nobody), labels to review when
// f.Review.
func (s *Service) Work(ctx context.Context, f db.WorkFilter, first int) ([]db.WorkItem, int, error) {
	if first <= 0 || first > maxQueue {
		first = maxQueue
	}
	return db.ListWork(ctx, s.DB, f, first)
}

// OpenReturn returns the regions a reviewer sent back that the label's labeler has not
// resubmitted yet.
func (s *Service) OpenReturn(ctx context.Context, labelID int64) ([]db.ReviewRegion, error) {
	return db.OpenReturn(ctx, s.DB, labelID)
}
