package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
)

func TestBearerToken(t *testing.T) {
	const tok = "aomas_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	cases := []struct {
		name, url, header string
		want              string
		present           bool
		wantErr           error
	}{
		{"header", "/graphql", "Bearer " + tok, tok, true, nil},
		{"scheme in any case", "/graphql", "bearer " + tok, tok, true, nil},
		{"no credentials", "/graphql", "", "", false, nil},
		{"basic auth is not a token", "/graphql", "Basic dXNlcjpwdw==", "", false, auth.ErrTokenInvalid},
		{"empty bearer", "/graphql", "Bearer ", "", false, auth.ErrTokenInvalid},
		{"access_token parameter", "/graphql?access_token=" + tok, "", "", false, auth.ErrTokenInQuery},
		{"token parameter, even with a header", "/graphql?token=x", "Bearer " + tok, "", false, auth.ErrTokenInQuery},
		{"a token under another name", "/graphql?q=" + tok, "", "", false, auth.ErrTokenInQuery},
		{"a token in the path", "/files/" + tok, "", "", false, auth.ErrTokenInQuery},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, c.url, http.NoBody)
			if c.header != "" {
				r.Header.Set("Authorization", c.header)
			}
			got, present, err := auth.BearerToken(r)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.present, present)
			require.Equal(t, c.want, got)
		})
	}
}
