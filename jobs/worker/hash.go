package worker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/aomas/aomas/db"
)

// inputHash digests what a step's outputs depend on: the run, the step, the outputs of
// the steps it reads (which carry their objects' SHA-256), the parameters and the model
// version, and salt (what else the step reads: the metrics step's calibration).
func inputHash(run db.Run, step string, inputs map[string]string, deps []string, salt string) string {
	h := sha256.New()
	fmt.Fprintf(h, "run=%d\nstep=%s\nvolume=%d\nparams=%s\n", run.ID, step, run.VolumeID, run.Params)
	if run.ModelVersionID != nil {
		fmt.Fprintf(h, "model=%d\n", *run.ModelVersionID)
	}
	for _, d := range deps {
		if _, ok := inputs[d]; !ok {
			continue // a step of the other branch of the DAG
		}
		fmt.Fprintf(h, "input %s=%s\n", d, inputs[d])
	}
	if salt != "" {
		fmt.Fprintf(h, "%s\n", salt)
	}
	return hex.EncodeToString(h.Sum(nil))
}
