// Package web holds the built SPA (frontend/ builds into web/dist) so that the aomas binary
// serves it without any file next to it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built SPA's files; Built reports whether a build is in them.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded at compile time; it cannot be missing
	}
	return sub
}

// Built reports whether the SPA was built before this binary was compiled.
func Built() bool {
	_, err := fs.Stat(Dist(), "index.html")
	return err == nil
}
