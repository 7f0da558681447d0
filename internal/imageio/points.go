package imageio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aomas/aomas/imaging"
)

// ReadPoints reads a points file: one point per line as "x,y", "x y" or "x<TAB>y" (the
// manual-mark files of the Cunefare data set are both covered). A first line that does not
// parse as numbers (a header such as "x,y") is skipped, as are blank lines. With oneBased the
// file is taken to use MATLAB 1-based pixel coordinates and 1 is subtracted from x and y.
func ReadPoints(path string, oneBased bool) ([]imaging.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read points: %w", err)
	}
	defer func() { _ = f.Close() }()
	pts, err := ParsePoints(f, oneBased)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Base(path), err)
	}
	return pts, nil
}

// ParsePoints parses points from r; see ReadPoints for the accepted format.
func ParsePoints(r io.Reader, oneBased bool) ([]imaging.Point, error) {
	var pts []imaging.Point
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		fields := strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == ';' })
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: want x and y, got %q", line, s)
		}
		x, errX := strconv.ParseFloat(fields[0], 64)
		y, errY := strconv.ParseFloat(fields[1], 64)
		if errX != nil || errY != nil {
			if len(pts) == 0 && line == 1 {
				continue // header
			}
			return nil, fmt.Errorf("line %d: not a number pair: %q", line, s)
		}
		if oneBased {
			x, y = x-1, y-1
		}
		pts = append(pts, imaging.Point{X: x, Y: y})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return pts, nil
}

// WritePoints writes points as CSV with the header "x,y", one point per line, 0-based pixels.
func WritePoints(path string, pts []imaging.Point) error {
	var buf bytes.Buffer
	if err := EncodePoints(&buf, pts); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write points: %w", err)
	}
	return nil
}

// EncodePoints writes points as CSV with the header "x,y" to w.
func EncodePoints(w io.Writer, pts []imaging.Point) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("x,y\n")
	for _, p := range pts {
		bw.WriteString(strconv.FormatFloat(p.X, 'f', 3, 64))
		bw.WriteByte(',')
		bw.WriteString(strconv.FormatFloat(p.Y, 'f', 3, 64))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
