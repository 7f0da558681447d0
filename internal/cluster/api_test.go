//go:build cluster

package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// client speaks GraphQL to one server as one token's holder.
type client struct {
	url, token string
	http       *http.Client
}

func newClient(url, token string) *client {
	return &client{url: url, token: token, http: &http.Client{Timeout: 15 * time.Second}}
}

// gqlError is the first error of an answer, with its extensions.code.
type gqlError struct{ Code, Message string }

func (e *gqlError) Error() string { return e.Code + ": " + e.Message }

// do runs q and decodes its data into out; a GraphQL error comes back as *gqlError.
func (c *client) do(ctx context.Context, q string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: %s: %w", c.url, resp.Status, err)
	}
	if len(r.Errors) > 0 {
		return &gqlError{Code: fmt.Sprint(r.Errors[0].Extensions["code"]), Message: r.Errors[0].Message}
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// code returns the error code of q, "" when it succeeded.
func (c *client) code(ctx context.Context, q string, vars map[string]any) string {
	err := c.do(ctx, q, vars, nil)
	if err == nil {
		return ""
	}
	if ge, ok := err.(*gqlError); ok { //nolint:errorlint // do returns it unwrapped
		return ge.Code
	}
	return "transport: " + err.Error()
}

// startRun starts a run on volume (a global id) and returns the run's row id.
func (c *client) startRun(ctx context.Context, volume string) (int64, error) {
	var out struct{ StartRun struct{ ID string } }
	err := c.do(ctx, `mutation($v: ID!) { startRun(input: {volumeId: $v, params: "{\"eccentricityDeg\": 3}"}) { id } }`,
		map[string]any{"v": volume}, &out)
	if err != nil {
		return 0, err
	}
	return runRowID(out.StartRun.ID)
}

// readyz returns the status code of the server's /readyz, 0 when it did not answer.
func readyz(url string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", http.NoBody)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func isTransport(code string) bool { return strings.HasPrefix(code, "transport: ") }
