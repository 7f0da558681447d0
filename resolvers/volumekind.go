package resolvers

import (
	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
)

// volumeKindOf reads a volume's recorded kind; a row written before kinds were recorded
// has the column's default, FRAME_STACK.
func volumeKindOf(v *db.Volume) model.VolumeKind {
	if v.VolumeKind == "" {
		return model.VolumeKindFrameStack
	}
	return model.VolumeKind(v.VolumeKind)
}

func volumeKindSourceOf(v *db.Volume) model.VolumeKindSource {
	if v.VolumeKindSource == "" {
		return model.VolumeKindSourceDefault
	}
	return model.VolumeKindSource(v.VolumeKindSource)
}

// statedKind is the kind an upload input states, "" for none (gqlgen has checked the enum).
func statedKind(k *model.VolumeKind) string {
	if k == nil {
		return ""
	}
	return string(*k)
}
