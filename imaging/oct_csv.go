package imaging

import (
	"bufio"
	"fmt"
	"io"
)

// WriteLayersCSV writes boundaries as CSV with the header bscan,x,layer,z: one row per
// B-scan, column and boundary (LayerBoundaryNames), z in voxels (0-based, voxel centres at
// integers) with two decimals.
func WriteLayersCSV(w io.Writer, l *LayerBoundaries) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString("bscan,x,layer,z\n"); err != nil {
		return fmt.Errorf("write layers: %w", err)
	}
	for y := range l.Y {
		for x := range l.X {
			for k, name := range LayerBoundaryNames {
				if _, err := fmt.Fprintf(bw, "%d,%d,%s,%.2f\n", y, x, name, l.Z[k][y*l.X+x]); err != nil {
					return fmt.Errorf("write layers: %w", err)
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write layers: %w", err)
	}
	return nil
}
