// Package dropdir ingests the files a scanner writes into a watched folder. A file is taken
// once it has stopped changing; it ends in DIR/done/ or in DIR/rejected/ beside a
// .reason.txt. Ingest is idempotent by content hash, so a server killed at any point
// loses nothing: on restart the file is still in DIR and is taken again.
//
// Where a file goes: a file in a sub-folder named after a case id (DIR/<case id>/file)
// goes to that case. A DICOM file at the top level goes to a case found or made from its
// own attributes: the subject is the keyed hash of the patient ID, the eye its laterality,
// the date its study date. A raw volume FILE.raw takes its sidecar from FILE.json.
package dropdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/aomas/aomas/internal/intake"
)

// Subfolders the watcher writes into; it never reads from them.
const (
	DoneDir     = "done"
	RejectedDir = "rejected"
)

// caseResolver finds the case of a file: by the id in its folder name, or by its DICOM
// attributes.
type caseResolver interface {
	CaseForFolder(ctx context.Context, folder string) (int64, error)
	CaseForFile(ctx context.Context, path string) (int64, error)
}

// Watcher ingests files that appear in Dir.
type Watcher struct {
	Dir    string
	Intake *intake.Service
	Cases  caseResolver
	Logger *slog.Logger
	// Settle is how long a file's size and time must stay the same before it is taken.
	Settle time.Duration
	// Scan is how often the folder is rescanned besides filesystem events.
	Scan time.Duration

	seen map[string]stat
}

type stat struct {
	size  int64
	mtime time.Time
	since time.Time
}

// Run watches until ctx ends. Files already in Dir at start are taken too.
func (w *Watcher) Run(ctx context.Context) error {
	for _, d := range []string{w.Dir, filepath.Join(w.Dir, DoneDir), filepath.Join(w.Dir, RejectedDir)} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return fmt.Errorf("drop folder: %w", err)
		}
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("drop folder watch: %w", err)
	}
	defer func() { _ = fw.Close() }()
	if err := fw.Add(w.Dir); err != nil {
		return fmt.Errorf("drop folder watch %s: %w", w.Dir, err)
	}
	w.seen = map[string]stat{}
	settle, scan := w.settle(), w.Scan
	if scan <= 0 {
		scan = 2 * time.Second
	}
	tick := time.NewTicker(min(scan, settle/2+time.Millisecond))
	defer tick.Stop()
	w.logger().Info("watching drop folder", "dir", w.Dir)
	for {
		w.sweep(ctx, fw)
		select {
		case <-ctx.Done():
			return nil
		case ev := <-fw.Events:
			// A new case folder: watch it too.
			if ev.Op.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() && !w.reserved(ev.Name) {
					_ = fw.Add(ev.Name)
				}
			}
		case err := <-fw.Errors:
			w.logger().Warn("drop folder watch", "err", err)
		case <-tick.C:
		}
	}
}

func (w *Watcher) settle() time.Duration {
	if w.Settle > 0 {
		return w.Settle
	}
	return 3 * time.Second
}

func (w *Watcher) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

func (w *Watcher) reserved(path string) bool {
	rel, err := filepath.Rel(w.Dir, path)
	if err != nil {
		return true
	}
	top := strings.Split(rel, string(filepath.Separator))[0]
	return top == DoneDir || top == RejectedDir
}

// sweep looks at every file and takes those that have settled.
func (w *Watcher) sweep(ctx context.Context, fw *fsnotify.Watcher) {
	now := time.Now()
	present := map[string]bool{}
	_ = filepath.WalkDir(w.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return nil
		}
		if d.IsDir() {
			if path != w.Dir && w.reserved(path) {
				return filepath.SkipDir
			}
			if path != w.Dir {
				_ = fw.Add(path)
			}
			return nil
		}
		if skip(path) || !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		present[path] = true
		prev, ok := w.seen[path]
		if !ok || prev.size != fi.Size() || !prev.mtime.Equal(fi.ModTime()) {
			w.seen[path] = stat{size: fi.Size(), mtime: fi.ModTime(), since: now}
			return nil
		}
		if now.Sub(prev.since) >= w.settle() {
			w.take(ctx, path)
			delete(w.seen, path)
		}
		return nil
	})
	for p := range w.seen {
		if !present[p] {
			delete(w.seen, p)
		}
	}
}

// skip leaves alone files that are not volumes on their own: partial downloads, hidden
// files, sidecars (taken with their raw file) and reasons.
func skip(path string) bool {
	base := filepath.Base(path)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, ".part") || strings.HasSuffix(base, ".tmp") {
		return true
	}
	if strings.EqualFold(filepath.Ext(base), ".json") {
		raw := strings.TrimSuffix(path, filepath.Ext(path))
		for _, ext := range []string{".raw", ".bin"} {
			if _, err := os.Stat(raw + ext); err == nil {
				return true
			}
		}
	}
	return false
}

// take ingests one settled file and moves it (and its sidecar) out of the way.
func (w *Watcher) take(ctx context.Context, path string) {
	log := w.logger().With("file", path)
	out, err := w.ingest(ctx, path)
	var reason string
	switch {
	case err == nil && out.Reject == nil:
		w.move(path, DoneDir, "")
		log.Info("drop folder: ingested", "volume_id", out.Volume.ID, "duplicate", out.Duplicate)
		return
	case err == nil:
		reason = out.Reject.Code + ": " + out.Reject.Reason
	case errors.Is(err, intake.ErrNoCase):
		reason = err.Error()
	case ctx.Err() != nil:
		return // shutting down: the file stays and is taken again at the next start
	default:
		// Services unavailable and the like: leave the file to be retried.
		log.Warn("drop folder: will retry", "err", err)
		return
	}
	w.move(path, RejectedDir, reason)
	log.Warn("drop folder: rejected", "reason", reason)
}

func (w *Watcher) ingest(ctx context.Context, path string) (intake.Outcome, error) {
	f, err := os.Open(path)
	if err != nil {
		return intake.Outcome{}, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return intake.Outcome{}, err
	}
	in := intake.Input{Filename: filepath.Base(path)}
	if sc, err := os.ReadFile(sidecarOf(path)); err == nil {
		in.Sidecar = sc
	}
	rel, _ := filepath.Rel(w.Dir, path)
	if folder := filepath.Dir(rel); folder != "." {
		in.CaseID, err = w.Cases.CaseForFolder(ctx, strings.Split(folder, string(filepath.Separator))[0])
	} else {
		in.CaseID, err = w.Cases.CaseForFile(ctx, path)
	}
	if err != nil {
		return intake.Outcome{}, err
	}
	return w.Intake.IngestFile(ctx, f, fi.Size(), in)
}

func sidecarOf(path string) string { return strings.TrimSuffix(path, filepath.Ext(path)) + ".json" }

// move puts path under DIR/sub keeping its folder, with a .reason.txt when rejected.
func (w *Watcher) move(path, sub, reason string) {
	rel, err := filepath.Rel(w.Dir, path)
	if err != nil {
		return
	}
	dst := filepath.Join(w.Dir, sub, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		w.logger().Error("drop folder: move", "err", err)
		return
	}
	if reason != "" {
		if err := os.WriteFile(dst+".reason.txt", []byte(reason+"\n"), 0o640); err != nil {
			w.logger().Error("drop folder: reason", "err", err)
		}
	}
	if err := os.Rename(path, dst); err != nil {
		w.logger().Error("drop folder: move", "err", err)
	}
	if sc := sidecarOf(path); sc != path {
		if _, err := os.Stat(sc); err == nil && !strings.EqualFold(filepath.Ext(path), ".json") {
			_ = os.Rename(sc, sidecarOf(dst))
		}
	}
}
