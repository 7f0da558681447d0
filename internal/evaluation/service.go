// Package evaluation keeps evaluation datasets — volumes with reference cone marks frozen
// when they joined, from an approved label version or an imported coordinate file — and
// evaluates model versions on them as asynq tasks (jobs.TypeEvaluate): each image is
// segmented by the version, scored against its reference with the literature's protocol
// (imaging.ScoreDetections) and timed; the evaluation stores per-image scores and the mean
// sensitivity, FDR and Dice overall and per modality with bootstrap 95% intervals. Progress
// is stored on the row and announced on Redis.
package evaluation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/follow"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/storage"
)

// Limits on the work one request can cause.
const (
	// MaxAddVolumes bounds the volumes one addToDataset names.
	MaxAddVolumes = 500
	// MaxDatasetItems bounds a dataset, and so one evaluation's images.
	MaxDatasetItems = 2000
	// MaxImagePixels bounds one image an evaluation segments (a frame stack counts whole).
	MaxImagePixels = 16 << 20
	// MaxEvaluationPixels bounds all the pixels one evaluation reads.
	MaxEvaluationPixels = 2 << 30
)

// Tasks a dataset can serve: its references are cone marks.
var tasks = []string{"cones"}

// InputError is a request that can never succeed as asked.
type InputError struct{ Reason string }

func (e *InputError) Error() string { return e.Reason }

// ErrNameTaken reports a dataset name already used in the project.
var ErrNameTaken = errors.New("a dataset of that name exists in this project")

// objectStore is the part of storage.Store the service uses.
type objectStore interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error)
}

// Enqueuer puts tasks on the queue; *asynq.Client satisfies it.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Service keeps datasets and creates, runs and streams evaluations.
type Service struct {
	DB     db.DB
	Store  objectStore
	Queue  Enqueuer
	Redis  *redis.Client
	Logger *slog.Logger
}

// CreateDataset makes an empty dataset in project.
func (s *Service) CreateDataset(ctx context.Context, project, name, task, description string, by *int64) (db.DatasetRow, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	switch {
	case name == "" || len(name) > 200:
		return db.DatasetRow{}, &InputError{Reason: "name: want 1 to 200 characters"}
	case len(description) > 4000:
		return db.DatasetRow{}, &InputError{Reason: "description: at most 4000 characters"}
	case !contains(tasks, task):
		return db.DatasetRow{}, &InputError{Reason: fmt.Sprintf("task %q: datasets hold cone marks, so the task is cones", task)}
	}
	d, err := db.CreateDataset(ctx, s.DB, db.DatasetRow{Project: project, Name: name, Task: task, Description: description, CreatedBy: by})
	if db.IsUniqueViolation(err) {
		return db.DatasetRow{}, fmt.Errorf("%w: %s", ErrNameTaken, name)
	}
	return d, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AddFromLabels adds volumes of project whose cone label has an approved version, freezing
// that version's marks as their reference. A volume of another project (or none) is
// db.ErrNotFound; volumes without an approved label are refused together by id, and then
// nothing is added.
func (s *Service) AddFromLabels(ctx context.Context, project string, datasetID int64, volumeIDs []int64) (db.DatasetRow, error) {
	if len(volumeIDs) == 0 || len(volumeIDs) > MaxAddVolumes {
		return db.DatasetRow{}, &InputError{Reason: fmt.Sprintf("volumeIds: want 1 to %d volumes", MaxAddVolumes)}
	}
	d, err := db.DatasetInProject(ctx, s.DB, datasetID, project)
	if err != nil {
		return db.DatasetRow{}, err
	}
	ids := dedupe(volumeIDs)
	found, err := db.ApprovedConeLabels(ctx, s.DB, project, ids)
	if err != nil {
		return db.DatasetRow{}, err
	}
	byID := map[int64]db.ApprovedConeLabel{}
	for _, f := range found {
		byID[f.VolumeID] = f
	}
	var missing []string
	for _, id := range ids {
		f, ok := byID[id]
		if !ok {
			return db.DatasetRow{}, fmt.Errorf("volume %d: %w", id, db.ErrNotFound)
		}
		if f.Version == nil || f.ObjectKey == nil {
			missing = append(missing, gid.Encode("Volume", id))
		}
	}
	if len(missing) > 0 {
		return db.DatasetRow{}, &InputError{Reason: "volumes without an approved cone label: " + strings.Join(missing, ", ")}
	}
	if err := s.checkRoom(ctx, d.ID, len(ids)); err != nil {
		return db.DatasetRow{}, err
	}
	for _, id := range ids {
		f := byID[id]
		pts, err := s.labelMarks(ctx, *f.ObjectKey)
		if err != nil {
			return db.DatasetRow{}, fmt.Errorf("label of volume %d: %w", id, err)
		}
		if err := s.AddItem(ctx, d.ID, id, f.Modality, pts, db.DatasetSourceLabel, f.Version); err != nil {
			return db.DatasetRow{}, err
		}
	}
	return d, nil
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// checkRoom refuses to grow a dataset past MaxDatasetItems.
func (s *Service) checkRoom(ctx context.Context, datasetID int64, adding int) error {
	n, err := db.DatasetItemCount(ctx, s.DB, datasetID)
	if err != nil {
		return err
	}
	if n+adding > MaxDatasetItems {
		return &InputError{Reason: fmt.Sprintf("a dataset holds at most %d images (it has %d)", MaxDatasetItems, n)}
	}
	return nil
}

func (s *Service) labelMarks(ctx context.Context, key string) ([]imaging.Point, error) {
	b, err := s.read(ctx, key, 64<<20)
	if err != nil {
		return nil, err
	}
	ms, err := labels.DocumentMarks(b)
	if err != nil {
		return nil, err
	}
	pts := make([]imaging.Point, len(ms))
	for i, m := range ms {
		pts[i] = imaging.Point{X: m.X, Y: m.Y}
	}
	return pts, nil
}

func (s *Service) read(ctx context.Context, key string, limit int64) ([]byte, error) {
	rc, err := s.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("object %s is over %d bytes", key, limit)
	}
	return b, nil
}

// MarksKey is where reference marks are kept: content addressed, so equal marks share an object.
func MarksKey(doc []byte) string {
	sum := sha256.Sum256(doc)
	h := hex.EncodeToString(sum[:])
	return "datasets/marks/" + h[:2] + "/" + h + ".json"
}

// AddItem freezes pts (0-based pixel centres) as the reference of volume in the dataset.
func (s *Service) AddItem(ctx context.Context, datasetID, volumeID int64, modality string, pts []imaging.Point, source string, labelVersion *int) error {
	xy := make([][2]float64, len(pts))
	for i, p := range pts {
		xy[i] = [2]float64{p.X, p.Y}
	}
	doc, err := json.Marshal(xy)
	if err != nil {
		return err
	}
	key := MarksKey(doc)
	if _, err := s.Store.Put(ctx, key, bytes.NewReader(doc), int64(len(doc)), "application/json"); err != nil {
		return fmt.Errorf("store reference marks: %w", err)
	}
	return db.PutDatasetItem(ctx, s.DB, db.DatasetItemRow{DatasetID: datasetID, VolumeID: volumeID, Modality: modality,
		MarksKey: key, Marks: len(pts), Source: source, LabelVersion: labelVersion})
}

// Marks reads frozen reference marks.
func (s *Service) Marks(ctx context.Context, key string) ([]imaging.Point, error) {
	b, err := s.read(ctx, key, 64<<20)
	if err != nil {
		return nil, err
	}
	var xy [][2]float64
	if err := json.Unmarshal(b, &xy); err != nil {
		return nil, fmt.Errorf("reference marks %s: %w", key, err)
	}
	pts := make([]imaging.Point, len(xy))
	for i, p := range xy {
		pts[i] = imaging.Point{X: p[0], Y: p[1]}
	}
	return pts, nil
}

// Evaluate records an evaluation of model version versionID (of project, or shared) on
// dataset datasetID (of project) and queues its task. Another project's version or
// dataset is db.ErrNotFound.
func (s *Service) Evaluate(ctx context.Context, project string, versionID, datasetID int64, by *int64) (db.EvaluationRow, error) {
	ref, err := db.ModelRefByID(ctx, s.DB, versionID)
	if err != nil {
		return db.EvaluationRow{}, err
	}
	if ref.Project != nil && *ref.Project != project {
		return db.EvaluationRow{}, fmt.Errorf("model version %d: %w", versionID, db.ErrNotFound)
	}
	d, err := db.DatasetInProject(ctx, s.DB, datasetID, project)
	if err != nil {
		return db.EvaluationRow{}, err
	}
	if ref.Task != d.Task {
		return db.EvaluationRow{}, &InputError{Reason: fmt.Sprintf("model %s finds %s; dataset %s is for %s", ref.Name, ref.Task, d.Name, d.Task)}
	}
	size, err := db.DatasetSizeOf(ctx, s.DB, d.ID)
	if err != nil {
		return db.EvaluationRow{}, err
	}
	switch {
	case size.Items == 0:
		return db.EvaluationRow{}, &InputError{Reason: "dataset " + d.Name + " has no images"}
	case size.Items > MaxDatasetItems:
		return db.EvaluationRow{}, &InputError{Reason: fmt.Sprintf("dataset %s has %d images, over the limit of %d", d.Name, size.Items, MaxDatasetItems)}
	case size.MaxPixels > MaxImagePixels:
		return db.EvaluationRow{}, &InputError{Reason: fmt.Sprintf("dataset %s holds an image of %d pixels, over the limit of %d", d.Name, size.MaxPixels, MaxImagePixels)}
	case size.Pixels > MaxEvaluationPixels:
		return db.EvaluationRow{}, &InputError{Reason: fmt.Sprintf("dataset %s holds %d pixels, over the limit of %d", d.Name, size.Pixels, int64(MaxEvaluationPixels))}
	}
	e, err := db.InsertEvaluation(ctx, s.DB, versionID, d.ID, by)
	if err != nil {
		return db.EvaluationRow{}, err
	}
	task, err := jobs.NewEvaluateTask(e.ID)
	if err == nil {
		_, err = s.Queue.EnqueueContext(ctx, task)
	}
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		_ = db.FailEvaluation(context.WithoutCancel(ctx), s.DB, e.ID, "could not be queued")
		return db.EvaluationRow{}, fmt.Errorf("queue evaluation %d: %w", e.ID, err)
	}
	return e, nil
}

// Detection is what a model version found on one image, and how long it took.
type Detection struct {
	Points []imaging.Point
	// W and H are the image's size in pixels (the scoring protocol drops a border band).
	W, H         int
	Milliseconds float64
	// Features are the image's input and output features (the drift reference), JSON; nil: {}.
	Features json.RawMessage
}

// Detector segments the image of a volume with a model version (the worker's inference).
type Detector interface {
	Detect(ctx context.Context, ref db.ModelRef, v db.Volume) (Detection, error)
}

// Run evaluates evaluation id with det: every dataset image not scored yet (a retry
// resumes), then the summary. Errors no retry can cure fail the evaluation and are wrapped
// with asynq.SkipRetry; others are returned for asynq to retry.
func (s *Service) Run(ctx context.Context, id int64, det Detector) error {
	e, err := db.EvaluationByID(ctx, s.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if Final(e.Status) {
		return nil
	}
	ref, err := db.ModelRefByID(ctx, s.DB, e.ModelVersionID)
	if err != nil {
		return s.Fail(ctx, e.ID, "the model version is gone")
	}
	items, err := db.DatasetItems(ctx, s.DB, e.DatasetID, 0, MaxDatasetItems+1)
	if err != nil {
		return err
	}
	if len(items) == 0 || len(items) > MaxDatasetItems {
		return s.Fail(ctx, e.ID, fmt.Sprintf("the dataset has %d images (1 to %d can be evaluated)", len(items), MaxDatasetItems))
	}
	done, err := db.EvaluationItems(ctx, s.DB, e.ID)
	if err != nil {
		return err
	}
	scored := map[int64]bool{}
	for _, it := range done {
		scored[it.VolumeID] = true
	}
	if _, err := db.StartEvaluation(ctx, s.DB, e.ID, fmt.Sprintf("evaluating %s %s on %d images", ref.Name, ref.Version, len(items))); err != nil {
		return err
	}
	s.announce(ctx, e.ID)
	var last time.Time
	for i, it := range items {
		if scored[it.VolumeID] {
			continue
		}
		if err := s.scoreItem(ctx, e.ID, ref, it, det); err != nil {
			return err
		}
		// Progress at most every 200 ms, and on the last image; the summary is the rest.
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond || i == len(items)-1 {
			last = now
			if err := db.SetEvaluationProgress(ctx, s.DB, e.ID, 0.99*float64(i+1)/float64(len(items)),
				fmt.Sprintf("%d of %d images scored", i+1, len(items))); err != nil {
				return err
			}
			s.announce(ctx, e.ID)
		}
	}
	return s.finish(ctx, e.ID)
}

func (s *Service) scoreItem(ctx context.Context, evalID int64, ref db.ModelRef, it db.DatasetItemRow, det Detector) error {
	v, err := db.VolumeByID(ctx, s.DB, it.VolumeID)
	if errors.Is(err, db.ErrNotFound) {
		return s.Fail(ctx, evalID, fmt.Sprintf("volume %s of the dataset is gone", gid.Encode("Volume", it.VolumeID)))
	}
	if err != nil {
		return err
	}
	if px := int64(v.DimX) * int64(v.DimY) * int64(max(v.DimZ, 1)); px > MaxImagePixels {
		return s.Fail(ctx, evalID, fmt.Sprintf("volume %s has %d pixels, over the limit of %d", gid.Encode("Volume", v.ID), px, MaxImagePixels))
	}
	manual, err := s.Marks(ctx, it.MarksKey)
	if err != nil {
		return err
	}
	d, err := det.Detect(ctx, ref, v)
	if errors.Is(err, asynq.SkipRetry) {
		return s.Fail(ctx, evalID, fmt.Sprintf("volume %s: %v", gid.Encode("Volume", v.ID), trimSkip(err)))
	}
	if err != nil {
		return fmt.Errorf("evaluation %d volume %d: %w", evalID, v.ID, err)
	}
	sc := imaging.ScoreDetections(d.Points, manual, d.W, d.H)
	return db.PutEvaluationItem(ctx, s.DB, db.EvaluationItemRow{EvaluationID: evalID, VolumeID: v.ID, Modality: it.Modality,
		TruePositives: sc.TP, FalsePositives: sc.FP, FalseNegatives: sc.FN, Sensitivity: finite(sc.Sensitivity), FDR: finite(sc.FDR),
		Dice: finite(sc.Dice), Milliseconds: d.Milliseconds, Features: d.Features})
}

// finite keeps a score storable: the protocol gives NaN for an image with nothing counted.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func trimSkip(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+asynq.SkipRetry.Error())
}

// finish summarises the scored images into the evaluation's scores and speed.
func (s *Service) finish(ctx context.Context, id int64) error {
	items, err := db.EvaluationItems(ctx, s.DB, id)
	if err != nil {
		return err
	}
	var ms, mpx float64
	pixels, err := db.VolumePixels(ctx, s.DB, id)
	if err != nil {
		return err
	}
	for _, it := range items {
		ms += it.Milliseconds
		mpx += float64(pixels[it.VolumeID]) / 1e6
	}
	var speed *float64
	if mpx > 0 {
		v := ms / mpx
		speed = &v
	}
	scores := Summarise(items)
	b, err := json.Marshal(scores)
	if err != nil {
		return err
	}
	all := scores[0]
	msg := fmt.Sprintf("%d images: Dice %.3f [%.3f, %.3f]", all.Images, all.Dice.Value, all.Dice.Low, all.Dice.High)
	if err := db.FinishEvaluation(context.WithoutCancel(ctx), s.DB, id, b, speed, msg); err != nil {
		return err
	}
	s.announce(ctx, id)
	return nil
}

// Fail records why evaluation id failed and returns an error asynq does not retry.
func (s *Service) Fail(ctx context.Context, id int64, reason string) error {
	if err := db.FailEvaluation(context.WithoutCancel(ctx), s.DB, id, reason); err != nil {
		return err
	}
	s.announce(ctx, id)
	return fmt.Errorf("evaluation %d: %s: %w", id, reason, asynq.SkipRetry)
}

// Final reports whether an evaluation status is final.
func Final(status string) bool {
	return status == db.EvaluationSucceeded || status == db.EvaluationFailed
}

// Channel is the Redis channel announcing changes of evaluation id.
func Channel(id int64) string { return "aomas:evaluation:" + strconv.FormatInt(id, 10) }

func (s *Service) announce(ctx context.Context, id int64) {
	if s.Redis == nil {
		return
	}
	if err := s.Redis.Publish(context.WithoutCancel(ctx), Channel(id), "1").Err(); err != nil && s.Logger != nil {
		s.Logger.WarnContext(ctx, "publish evaluation progress", "evaluation_id", id, "err", err)
	}
}

// Subscribe streams evaluation id's row, first as stored, then on every change of status,
// message or progress (announced on Redis, or seen by a poll each second), until it is
// final or ctx ends.
func (s *Service) Subscribe(ctx context.Context, id int64) (<-chan db.EvaluationRow, error) {
	type state struct {
		status, message string
		progress        float64
	}
	out, err := follow.Row(ctx, s.Redis, Channel(id),
		func(ctx context.Context) (db.EvaluationRow, error) { return db.EvaluationByID(ctx, s.DB, id) },
		func(e db.EvaluationRow) state { return state{e.Status, e.Message, e.Progress} },
		func(e db.EvaluationRow) bool { return Final(e.Status) })
	if err != nil {
		return nil, fmt.Errorf("subscribe to evaluation %d: %w", id, err)
	}
	return out, nil
}
