package inference

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Card is a model card (internal/models/<name>.card.json): what the network expects and returns, how
// to normalise its input and turn its output into marks, and how it was trained and measured.
type Card struct {
	Name          string        `json:"name"`
	Version       string        `json:"version"`
	Task          string        `json:"task"`     // "cones" or "capillaries"
	Modality      string        `json:"modality"` // "confocal", "split" or "any"
	Format        string        `json:"format"`   // "onnx"
	Opset         int           `json:"opset"`
	SHA256        string        `json:"sha256"` // hex digest of the .onnx bytes
	Input         CardInput     `json:"input"`
	Output        CardOutput    `json:"output"`
	Normalisation Normalisation `json:"normalisation"`
	Postprocess   Postprocess   `json:"postprocess"`
	// Training and Metrics are kept as written; the registry shows them, inference does not
	// need them.
	Training    json.RawMessage `json:"training,omitempty"`
	Metrics     json.RawMessage `json:"metrics,omitempty"`
	IntendedUse string          `json:"intended_use,omitempty"`
	Limits      []string        `json:"limits,omitempty"`
}

// CardInput describes the network's input tensor.
type CardInput struct {
	Name     string `json:"name"`
	Layout   string `json:"layout"`
	Channels int    `json:"channels"`
	// Multiple is what height and width must be multiples of; the image is padded by
	// reflection up to it and the output cropped back.
	Multiple int `json:"multiple"`
}

// CardOutput describes the network's output tensor.
type CardOutput struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "heatmap" (cones) or "probability" (capillaries)
}

// Normalisation is applied per image before inference.
type Normalisation struct {
	Method string `json:"method"` // "zscore": (x - mean) / (std + 1e-6)
}

// Postprocess turns the output into marks.
type Postprocess struct {
	Threshold float64 `json:"threshold"`
	// Cone centres are kept at least max(MinDistancePx, MinDistanceRelSpacing × spacing) apart.
	MinDistanceRelSpacing float64 `json:"min_distance_rel_spacing"`
	MinDistancePx         float64 `json:"min_distance_px"`
}

// Tasks and output kinds a card may name.
const (
	TaskCones       = "cones"
	TaskCapillaries = "capillaries"
)

// ErrInvalidCard marks a model card inference cannot use.
var ErrInvalidCard = errors.New("invalid model card")

// ReadCard parses and checks a model card.
func ReadCard(b []byte) (Card, error) {
	var c Card
	if err := json.Unmarshal(b, &c); err != nil {
		return Card{}, fmt.Errorf("%w: %w", ErrInvalidCard, err)
	}
	if err := c.Validate(); err != nil {
		return Card{}, err
	}
	return c, nil
}

// Validate checks that the card describes a model this package can run.
func (c Card) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidCard, c.Name, fmt.Sprintf(format, a...))
	}
	if c.Name == "" || c.Version == "" {
		return bad("name and version are required")
	}
	if c.Format != "onnx" {
		return bad("format %q, want onnx", c.Format)
	}
	if d, err := hex.DecodeString(c.SHA256); err != nil || len(d) != 32 {
		return bad("sha256 %q is not a hex SHA-256 digest", c.SHA256)
	}
	switch {
	case c.Task == TaskCones && c.Output.Kind == "heatmap":
	case c.Task == TaskCapillaries && c.Output.Kind == "probability":
	default:
		return bad("task %q with output kind %q (want cones/heatmap or capillaries/probability)", c.Task, c.Output.Kind)
	}
	if c.Input.Name == "" || c.Output.Name == "" {
		return bad("input and output names are required")
	}
	if c.Input.Layout != "NCHW" || c.Input.Channels != 1 {
		return bad("input %s with %d channels, want NCHW with 1", c.Input.Layout, c.Input.Channels)
	}
	if c.Input.Multiple < 1 || c.Input.Multiple > 256 {
		return bad("input multiple %d outside 1..256", c.Input.Multiple)
	}
	if c.Normalisation.Method != "zscore" {
		return bad("normalisation %q, want zscore", c.Normalisation.Method)
	}
	p := c.Postprocess
	if !(p.Threshold > 0 && p.Threshold < 1) {
		return bad("threshold %v outside (0, 1)", p.Threshold)
	}
	if c.Task == TaskCones && !(p.MinDistancePx >= 0 && p.MinDistanceRelSpacing >= 0 && p.MinDistancePx+p.MinDistanceRelSpacing > 0) {
		return bad("cone minimum distance needs min_distance_px or min_distance_rel_spacing > 0")
	}
	return nil
}
