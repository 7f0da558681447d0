// Package models holds the segmentation networks that ship with aomas (trained by
// training/, see each <name>.card.json), embedded in the binary so that every worker and
// `aomas analyze` has them without a checkout: together they are a few MB.
package models

import "embed"

// Shipped is every shipped model: <name>.onnx beside its card <name>.card.json.
//
//go:embed *.onnx *.card.json
var Shipped embed.FS
