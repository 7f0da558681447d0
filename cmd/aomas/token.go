package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

// runToken is `aomas token create`: it prints the new token, and nothing else, on stdout.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: aomas token create --email E [--project P] [--ttl D] [--name N]")
		return &exitError{code: 2, err: errors.New("token: want create")}
	}
	var email, project, name, ttlText string
	c, err := loadConfig("token create", "token create --email E [--project P] [--ttl D] [--name N]", args[1:], getenv, stderr,
		func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the account the token acts for (required)")
			fs.StringVar(&project, "project", "default", "the one project the token is valid in")
			fs.StringVar(&ttlText, "ttl", "90d", "lifetime: a Go duration (36h) or whole days (30d), at most 366d")
			fs.StringVar(&name, "name", "", "a name to recognise the token by (notebook, scanner-2)")
		})
	if err != nil {
		return err
	}
	if email == "" {
		return usageErr("token create: --email is required")
	}
	ttl, err := parseTTL(ttlText)
	if err != nil {
		return usageErr("token create: --ttl: %w", err)
	}
	id, err := openIdentity(ctx, c, getenv, stderr)
	if err != nil {
		return err
	}
	defer id.close()
	u, err := id.accounts.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	if u.Disabled {
		return fmt.Errorf("token create: %s: %w", u.Email, auth.ErrDisabled)
	}
	raw, tok, err := auth.NewTokens(id.db, auth.TokensConfig{}).Create(ctx, u.ID, project, name, ttl)
	if err != nil {
		return err
	}
	if err := id.record(ctx, "token.create", fmt.Sprintf("ApiToken:%d user=%d project=%s", tok.ID, u.ID, project)); err != nil {
		return err
	}
	grants, err := id.policy.Members(project)
	if err != nil {
		return err
	}
	member := false
	for _, g := range grants {
		member = member || g.Subject == rbac.UserSubject(u.ID)
	}
	if !member {
		fmt.Fprintf(stderr, "aomas: warning: %s holds no role in project %s; the token can do nothing there yet\n", u.Email, project)
	}
	fmt.Fprintf(stderr, "token %d for %s in project %s, expires %s; it is shown only now\n", tok.ID, u.Email, project,
		tok.ExpiresAt.UTC().Format(time.RFC3339))
	_, err = fmt.Fprintln(stdout, raw)
	return err
}

// parseTTL reads a Go duration or a whole number of days ("30d").
func parseTTL(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a whole number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}
