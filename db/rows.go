package db

import (
	"strings"
	"time"

	"github.com/lib/pq"
)

// Subject is a pseudonymous person.
type Subject struct {
	ID        int64     `db:"id"`
	Project   string    `db:"project"`
	Code      string    `db:"code"`
	CreatedAt time.Time `db:"created_at"`
}

// SubjectIdentity holds a subject's identifying fields.
type SubjectIdentity struct {
	SubjectID   int64      `db:"subject_id"`
	PatientID   *string    `db:"patient_id"`
	PatientName *string    `db:"patient_name"`
	BirthDate   *time.Time `db:"birth_date"`
	Sex         *string    `db:"sex"`
}

// Case is one eye of one subject at one acquisition.
type Case struct {
	ID              int64          `db:"id"`
	SubjectID       int64          `db:"subject_id"`
	Eye             string         `db:"eye"`
	EccentricityDeg *float64       `db:"eccentricity_deg"`
	Meridian        *string        `db:"meridian"`
	AcquiredOn      *time.Time     `db:"acquired_on"`
	Device          *string        `db:"device"`
	Notes           string         `db:"notes"`
	TagList         pq.StringArray `db:"tags"`
	CreatedAt       time.Time      `db:"created_at"`
	UpdatedAt       time.Time      `db:"updated_at"`
	Archive
}

// Archive says whether, when, by whom and why a case or volume was archived (soft-deleted).
type Archive struct {
	ArchivedAt    *time.Time `db:"archived_at"`
	ArchivedBy    *string    `db:"archived_by"`
	ArchiveReason *string    `db:"archive_reason"`
}

// Tags returns the case's tags as a plain slice.
func (c *Case) Tags() []string { return []string(c.TagList) }

// Volume is one stored image volume and what ingest found in it.
type Volume struct {
	ID           int64     `db:"id"`
	CaseID       int64     `db:"case_id"`
	Modality     string    `db:"modality"`
	DimZ         int       `db:"dim_z"`
	DimY         int       `db:"dim_y"`
	DimX         int       `db:"dim_x"`
	SpacingXUm   *float64  `db:"spacing_x_um"`
	SpacingYUm   *float64  `db:"spacing_y_um"`
	SpacingZUm   *float64  `db:"spacing_z_um"`
	DataType     string    `db:"dtype"`
	SizeBytes    int64     `db:"size_bytes"`
	SHA256       *string   `db:"sha256"`
	SourceFormat string    `db:"source_format"`
	ObjectKey    *string   `db:"object_key"`
	Status       string    `db:"status"`
	ErrorCode    *string   `db:"error_code"`
	Error        *string   `db:"error"`
	Filename     string    `db:"filename"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	// PixelSizeSource says where SpacingXUm/SpacingYUm came from: PixelSizeUploader,
	// PixelSizeFile, PixelSizeDevice or PixelSizeNone (no spacing: pixel-unit metrics only).
	PixelSizeSource string `db:"pixel_size_source"`
	// AxialLengthMM, ScanFOVDeg and ScanFOVPx are the device calibration a DEVICE pixel size
	// was computed from.
	AxialLengthMM *float64 `db:"axial_length_mm"`
	ScanFOVDeg    *float64 `db:"scan_fov_deg"`
	ScanFOVPx     *int     `db:"scan_fov_px"`
	Archive
	// IngestKey fingerprints the bytes with the inputs they were read with (sidecar, pixel
	// size, modality): a READY volume is found again by it within its case only.
	IngestKey *string `db:"ingest_key"`
	// VolumeKind is ingest.KindFrameStack or ingest.KindOCTVolume, and VolumeKindSource who
	// said so (FILE, SIDECAR, UPLOADER or DEFAULT).
	VolumeKind       string `db:"volume_kind"`
	VolumeKindSource string `db:"volume_kind_source"`
	// RawAxes is a raw volume's sidecar axes, comma-separated (nil for the default layout
	// and for other formats).
	RawAxes *string `db:"raw_axes"`
}

// Axes returns a raw volume's recorded sidecar axes, nil for the default layout.
func (v *Volume) Axes() []string {
	if v.RawAxes == nil || *v.RawAxes == "" {
		return nil
	}
	return strings.Split(*v.RawAxes, ",")
}

// StatedKind is the volume kind its uploader stated, "" when the kind came from elsewhere:
// a re-read of the file must be told it again to lay the volume out the same way.
func (v *Volume) StatedKind() string {
	if v.VolumeKindSource == "UPLOADER" {
		return v.VolumeKind
	}
	return ""
}

// Pixel size sources (volumes.pixel_size_source).
const (
	PixelSizeUploader = "UPLOADER"
	PixelSizeFile     = "FILE"
	PixelSizeDevice   = "DEVICE"
	PixelSizeNone     = "NONE"
)

// Run is one pass of the pipeline over a volume.
type Run struct {
	ID             int64      `db:"id"`
	VolumeID       int64      `db:"volume_id"`
	ModelVersionID *int64     `db:"model_version_id"`
	Params         string     `db:"params"`
	Priority       string     `db:"priority"`
	Status         string     `db:"status"`
	CreatedAt      time.Time  `db:"created_at"`
	StartedAt      *time.Time `db:"started_at"`
	FinishedAt     *time.Time `db:"finished_at"`
	// ModelChoice is why the run's cone model version is the one it is (run, deployed,
	// canary); nil until the run's model is chosen, or for runs started before the registry.
	ModelChoice *string `db:"model_choice"`
}

// RunStep is one step of a run.
type RunStep struct {
	ID         int64      `db:"id"`
	RunID      int64      `db:"run_id"`
	Name       string     `db:"name"`
	Status     string     `db:"status"`
	Attempts   int        `db:"attempts"`
	WorkerID   *string    `db:"worker_id"`
	LeaseUntil *time.Time `db:"lease_until"`
	Error      *string    `db:"error"`
	InputHash  *string    `db:"input_hash"`
	StartedAt  *time.Time `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
}

// Metric is one measured value of a run, with its 95% confidence interval.
type Metric struct {
	ID        int64     `db:"id"`
	RunID     int64     `db:"run_id"`
	Name      string    `db:"name"`
	Value     float64   `db:"value"`
	Unit      string    `db:"unit"`
	CI95Low   *float64  `db:"ci95_low"`
	CI95High  *float64  `db:"ci95_high"`
	Region    string    `db:"region"`
	CreatedAt time.Time `db:"created_at"`
}

// QCFlag is a quality finding about a run.
type QCFlag struct {
	ID       int64  `db:"id"`
	RunID    int64  `db:"run_id"`
	Code     string `db:"code"`
	Severity string `db:"severity"`
	Message  string `db:"message"`
}

// Label is a human-corrected annotation document of a volume.
type Label struct {
	ID        int64     `db:"id"`
	VolumeID  int64     `db:"volume_id"`
	RunID     *int64    `db:"run_id"`
	Kind      string    `db:"kind"`
	Version   int       `db:"version"`
	State     string    `db:"state"`
	ObjectKey *string   `db:"object_key"`
	CreatedBy *int64    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Model is a named model of the registry.
type Model struct {
	ID          int64  `db:"id"`
	Name        string `db:"name"`
	Task        string `db:"task"`
	Description string `db:"description"`
	// Modality is the images it reads: confocal, split-detector or any.
	Modality string `db:"modality"`
	// Project is the one project that may run it; nil for the models every project shares.
	Project   *string   `db:"project"`
	CreatedAt time.Time `db:"created_at"`
}

// ModelVersion is one trained version of a model.
type ModelVersion struct {
	ID            int64     `db:"id"`
	ModelID       int64     `db:"model_id"`
	Version       string    `db:"version"`
	Stage         string    `db:"stage"`
	WeightsKey    string    `db:"weights_key"`
	WeightsSHA256 string    `db:"weights_sha256"`
	Card          string    `db:"card"`
	CreatedAt     time.Time `db:"created_at"`
	// CanaryPercent is the share of new runs a CANARY version takes.
	CanaryPercent *int `db:"canary_percent"`
	// RegisteredBy is the account that registered the version; nil for a shipped model.
	RegisteredBy *int64 `db:"registered_by"`
}
