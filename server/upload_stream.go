package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// streamingMultipart is the multipart request spec (graphql-multipart-request-spec) without
// spooling: gqlgen's own transport reads every file to memory or a temporary file before
// the operation runs, so receiving, hashing and storing a volume happen one after another.
// Here, when the request carries one file used once (uploadVolume's case), the operation
// runs as soon as the file's part begins and the resolver reads the part straight from the
// connection (graphql.Upload with Size -1); authorization and input checks have run by
// then, so a refused request stores nothing. Requests with several files, or one file used
// at several paths, are spooled to temporary files as before.
type streamingMultipart struct {
	// MaxUploadSize bounds the whole request body.
	MaxUploadSize int64
	// TempDir holds the files of requests that are spooled ("" : the system's).
	TempDir string
}

var _ graphql.Transport = streamingMultipart{}

// maxOperationsPart bounds the operations and map parts (the document and its variables).
const maxOperationsPart = 2 << 20

func (f streamingMultipart) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == "multipart/form-data"
}

// streamedFile is the file part as the resolver sees it: read once, front to back.
type streamedFile struct{ io.Reader }

// Seek refuses: a streamed file cannot go back (resolvers check Size < 0 first).
func (streamedFile) Seek(int64, int) (int64, error) {
	return 0, errors.New("a streamed upload cannot seek")
}

func unprocessable(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnprocessableEntity)
	b, _ := json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: msg}}})
	_, _ = w.Write(b)
}

func (f streamingMultipart) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	if r.ContentLength > f.MaxUploadSize {
		unprocessable(w, "failed to parse multipart form, request body too large")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, f.MaxUploadSize)
	defer func() { _ = r.Body.Close() }()
	mr, err := r.MultipartReader()
	if err != nil {
		unprocessable(w, "failed to parse multipart form")
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "operations" {
		unprocessable(w, "first part must be operations")
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(io.LimitReader(part, maxOperationsPart))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		unprocessable(w, "operations form field could not be decoded")
		return
	}
	part, err = mr.NextPart()
	if err != nil || part.FormName() != "map" {
		unprocessable(w, "second part must be map")
		return
	}
	uploads := map[string][]string{}
	if err := json.NewDecoder(io.LimitReader(part, maxOperationsPart)).Decode(&uploads); err != nil {
		unprocessable(w, "map form field could not be decoded")
		return
	}
	streamed := false
	if len(uploads) == 1 {
		for _, paths := range uploads {
			streamed = len(paths) == 1
		}
	}
	// The spooled files and their handles live until the operation has run; they are
	// released in reverse order of creation when the handler returns.
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	for len(uploads) > 0 {
		part, err = mr.NextPart()
		if err != nil {
			unprocessable(w, "failed to parse part")
			return
		}
		key := part.FormName()
		paths := uploads[key]
		if len(paths) == 0 {
			unprocessable(w, "invalid empty operations paths list for key "+key)
			return
		}
		delete(uploads, key)
		if streamed {
			up := graphql.Upload{File: streamedFile{part}, Size: -1, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
			if err := params.AddUpload(up, key, paths[0]); err != nil {
				unprocessable(w, err.Error())
				return
			}
			break
		}
		tmp, err := os.CreateTemp(f.TempDir, "upload-")
		if err != nil {
			unprocessable(w, "failed to create temp file for key "+key)
			return
		}
		name := tmp.Name()
		cleanup = append(cleanup, func() { _ = os.Remove(name) })
		size, err := io.Copy(tmp, part)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			unprocessable(w, "failed to copy to temp file for key "+key)
			return
		}
		for _, path := range paths {
			fh, err := os.Open(name)
			if err != nil {
				unprocessable(w, "failed to open temp file for key "+key)
				return
			}
			cleanup = append(cleanup, func() { _ = fh.Close() })
			up := graphql.Upload{File: fh, Size: size, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
			if err := params.AddUpload(up, key, path); err != nil {
				unprocessable(w, err.Error())
				return
			}
		}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	w.Header().Set("Content-Type", "application/json")
	rc, gerr := exec.CreateOperationContext(r.Context(), &params)
	if gerr != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(r.Context(), rc), gerr)
		w.WriteHeader(http.StatusUnprocessableEntity)
		b, _ := json.Marshal(resp)
		_, _ = w.Write(b)
		return
	}
	responses, ctx := exec.DispatchOperation(r.Context(), rc)
	b, err := json.Marshal(responses(ctx))
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(b)
}
