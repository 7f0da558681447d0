package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// client is one user's GraphQL connection: the endpoint and a personal API token.
type client struct {
	url, token string
	hc         *http.Client
}

// gqlError is a GraphQL error answer, with its extensions.code.
type gqlError struct {
	Message    string
	Extensions struct{ Code string }
}

// do posts a query and decodes its data into out; a transport error, a status other than
// 200 or any GraphQL error is an error.
func (c *client) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	return c.post(ctx, "application/json", bytes.NewReader(body), out)
}

func (c *client) post(ctx context.Context, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var ans struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return fmt.Errorf("http %d: %.200s", resp.StatusCode, b)
	}
	if len(ans.Errors) > 0 {
		msgs := make([]string, len(ans.Errors))
		for i, e := range ans.Errors {
			msgs[i] = e.Message + " (" + e.Extensions.Code + ")"
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("http %d: %.200s", resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(ans.Data, out)
}

// upload sends a raw volume and its sidecar through uploadVolume (the multipart request
// spec) and returns the volume's id once it is READY.
func (c *client) upload(ctx context.Context, caseID, sidecar string, umPerPx float64, raw []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status } duplicate } }`,
		"variables": map[string]any{"f": nil, "in": map[string]any{"caseId": caseID, "sidecar": sidecar, "umPerPx": umPerPx}},
	})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0":["variables.f"]}`)
	part, _ := mw.CreateFormFile("0", "load.raw")
	_, _ = part.Write(raw)
	if err := mw.Close(); err != nil {
		return "", err
	}
	var out struct {
		UploadVolume struct {
			Volume    struct{ ID, Status string }
			Duplicate bool
		}
	}
	if err := c.post(ctx, mw.FormDataContentType(), &buf, &out); err != nil {
		return "", err
	}
	if v := out.UploadVolume.Volume; v.Status != "READY" {
		return "", fmt.Errorf("volume %s is %s", v.ID, v.Status)
	}
	return out.UploadVolume.Volume.ID, nil
}
