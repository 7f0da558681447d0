package apitest

// Sign-in and the audit trail in the adversarial suite (issue 13, findings 12 and 13).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/rbac"
)

// clientFrom returns an HTTP client whose connections come from the loopback address ip,
// so that the server sees another client address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// loginFrom posts credentials through client and returns the status, the body and how long
// the answer took.
func (a *api) loginFrom(client *http.Client, email, password string) (int, string, time.Duration) {
	a.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	start := time.Now()
	resp, err := client.Post(strings.TrimSuffix(a.url, "/graphql")+"/auth/login", "application/json", bytes.NewReader(body))
	require.NoError(a.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return resp.StatusCode, string(b), time.Since(start)
}

// TestLoginAnswersAlikeForUnknownAccounts: the same wrong guesses against an account and
// against an address no account has get the same answers, word for word, lock included;
// and the time they take is logged side by side. (Before: the sixth answer for the real
// account said it was locked, and the unknown one never did.)
func TestLoginAnswersAlikeForUnknownAccounts(t *testing.T) {
	a := newAPI(t)
	u := a.passwordAccount(rbac.RoleLabeler, "the right password")
	unknown := fmt.Sprintf("nobody-%d@pw.test", time.Now().UnixNano())
	// Each from its own address, so that the address throttle treats both alike.
	known, other := clientFrom("127.0.0.3"), clientFrom("127.0.0.4")
	var answersKnown, answersUnknown []string
	var timesKnown, timesUnknown []time.Duration
	for i := range 7 {
		guess := fmt.Sprintf("wrong guess %d", i)
		s1, b1, d1 := a.loginFrom(known, u.Email, guess)
		s2, b2, d2 := a.loginFrom(other, unknown, guess)
		answersKnown = append(answersKnown, fmt.Sprint(s1, " ", b1))
		answersUnknown = append(answersUnknown, fmt.Sprint(s2, " ", b2))
		timesKnown, timesUnknown = append(timesKnown, d1), append(timesUnknown, d2)
	}
	require.Equal(t, answersKnown, answersUnknown)
	require.Contains(t, answersKnown[6], "too many failed sign-ins", "both are locked alike")
	median := func(ds []time.Duration) time.Duration {
		s := append([]time.Duration(nil), ds...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	t.Logf("login time, median of 7: known account %v, unknown account %v", median(timesKnown), median(timesUnknown))
}

// TestLockoutSlowsTheAttackerNotTheVictim: five wrong passwords from one address lock the
// account for that address, even with the right password; the user signs in from another
// address all the while. (Before: the account was locked for everyone.)
func TestLockoutSlowsTheAttackerNotTheVictim(t *testing.T) {
	a := newAPI(t)
	u := a.passwordAccount(rbac.RoleLabeler, "the right password")
	attacker, victim := clientFrom("127.0.0.5"), clientFrom("127.0.0.6")
	for i := range 5 {
		status, _, _ := a.loginFrom(attacker, u.Email, fmt.Sprintf("wrong guess %d", i))
		require.Equal(t, http.StatusUnauthorized, status)
	}
	status, body, _ := a.loginFrom(attacker, u.Email, "the right password")
	require.Equal(t, http.StatusUnauthorized, status, "the attacker's address is locked out")
	require.Contains(t, body, "too many failed sign-ins")
	status, body, _ = a.loginFrom(victim, u.Email, "the right password")
	require.Equal(t, http.StatusOK, status, "the user, elsewhere, signs in: %s", body)
}

// TestAuditRequestIDIsTheServers: a client's X-Request-ID never becomes the request's id:
// the response and the audit entry carry the server's own, and the client's is kept apart
// (clientRequestId) when it is plain and short, and dropped otherwise. (Before: the audit
// log stored whatever the client sent as the request id.)
func TestAuditRequestIDIsTheServers(t *testing.T) {
	a := newAPI(t)
	send := func(clientID string) string {
		body, _ := json.Marshal(map[string]any{"query": `mutation { createCase(input: {subjectCode: "S-REQID", eye: OD}) { case { id } } }`})
		req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.token)
		req.Header.Set("X-Request-ID", clientID)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		id := resp.Header.Get("X-Request-ID")
		require.NotEmpty(t, id)
		require.NotEqual(t, clientID, id, "the server names the request")
		return id
	}
	type entry struct {
		RequestID       *string `db:"request_id"`
		ClientRequestID *string `db:"client_request_id"`
	}
	stored := func(serverID string) entry {
		var e entry
		require.NoError(t, a.raw.Get(&e, `SELECT request_id, client_request_id FROM audit_log WHERE request_id = $1 AND object = 'Mutation.createCase'`, serverID))
		return e
	}

	id := send("notebook-7:run-42")
	e := stored(id)
	require.Equal(t, "notebook-7:run-42", *e.ClientRequestID)
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM audit_log WHERE request_id = 'notebook-7:run-42'`))
	require.Zero(t, n, "the client's id is never stored as the request's")

	for _, bad := range []string{strings.Repeat("x", 65), "<script>alert(1)</script>", "a b", "forged\tentry"} {
		e := stored(send(bad))
		require.Nil(t, e.ClientRequestID, "%q is dropped", bad)
	}

	var got struct {
		AuditLog []struct{ RequestID, ClientRequestID *string }
	}
	a.mustQuery(`{ auditLog(filter: {object: "Mutation.createCase"}, first: 10) { requestId clientRequestId } }`, nil, &got)
	found := false
	for _, g := range got.AuditLog {
		if g.RequestID != nil && *g.RequestID == id {
			found = g.ClientRequestID != nil && *g.ClientRequestID == "notebook-7:run-42"
		}
	}
	require.True(t, found, "auditLog shows both, apart")
	bad, err := audit.Verify(context.Background(), a.raw)
	require.NoError(t, err, "the chain verifies with entries with and without a client id")
	require.Zero(t, bad)
}
