package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

// runToken is `aomas token create|list|revoke`.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	subs := map[string]func(context.Context, []string, func(string) string, io.Writer, io.Writer) error{
		"create": runTokenCreate,
		"list":   runTokenList,
		"revoke": runTokenRevoke,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: aomas token create --email E [--project P] [--ttl D] [--name N]\n"+
			"       aomas token list [--email E] [--project P]\n"+
			"       aomas token revoke --id N")
		return &exitError{code: 2, err: errors.New("token: want create, list or revoke")}
	}
	return subs[args[0]](ctx, args[1:], getenv, stdout, stderr)
}

// runTokenCreate prints the new token, and nothing else, on stdout.
func runTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var email, project, name, ttlText string
	c, err := loadConfig("token create", "token create --email E [--project P] [--ttl D] [--name N]", args, getenv, stderr,
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

// maxTokenList bounds what `token list` prints.
const maxTokenList = 10_000

// runTokenList prints tokens (never the secrets), newest first: every token, or those of
// one account or one project.
func runTokenList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var email, project string
	c, err := loadConfig("token list", "token list [--email E] [--project P]", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "only this account's tokens")
		fs.StringVar(&project, "project", "", "only the tokens made for this project")
	})
	if err != nil {
		return err
	}
	id, err := openIdentity(ctx, c, getenv, stderr)
	if err != nil {
		return err
	}
	defer id.close()
	tokens := auth.NewTokens(id.db, auth.TokensConfig{})
	var list []auth.Token
	if email != "" {
		u, err := id.accounts.ByEmail(ctx, email)
		if err != nil {
			return err
		}
		if list, err = tokens.List(ctx, u.ID); err != nil {
			return err
		}
	} else if list, err = tokens.ListAll(ctx, project, maxTokenList); err != nil {
		return err
	}
	users, err := id.accounts.List(ctx)
	if err != nil {
		return err
	}
	emails := map[int64]string{}
	for _, u := range users {
		emails[u.ID] = u.Email
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tPROJECT\tNAME\tPREFIX\tSTATE\tEXPIRES\tLAST USED")
	now := time.Now()
	for _, t := range list {
		if project != "" && t.Project != project {
			continue
		}
		state := "valid"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + t.RevokedAt.UTC().Format(time.RFC3339)
		case !now.Before(t.ExpiresAt):
			state = "expired"
		}
		used := "never"
		if t.LastUsedAt != nil {
			used = t.LastUsedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, emails[t.UserID], t.Project, t.Name, t.Prefix, state,
			t.ExpiresAt.UTC().Format(time.RFC3339), used)
	}
	return tw.Flush()
}

// runTokenRevoke revokes a token at once and tells running servers, which end every
// websocket still open with it (requests refuse it at once in any case).
func runTokenRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var tokenID int64
	c, err := loadConfig("token revoke", "token revoke --id N", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.Int64Var(&tokenID, "id", 0, "the token's id, as token list prints it (required)")
	})
	if err != nil {
		return err
	}
	if tokenID <= 0 {
		return usageErr("token revoke: --id is required")
	}
	id, err := openIdentity(ctx, c, getenv, stderr)
	if err != nil {
		return err
	}
	defer id.close()
	tok, err := auth.NewTokens(id.db, auth.TokensConfig{}).RevokeID(ctx, tokenID)
	if err != nil {
		return err
	}
	if err := id.record(ctx, "token.revoke", fmt.Sprintf("ApiToken:%d user=%d project=%s", tok.ID, tok.UserID, tok.Project)); err != nil {
		return err
	}
	id.announceEnded(ctx, stderr, auth.TokenKey(tok.ID))
	_, err = fmt.Fprintf(stdout, "revoked token %d (%s…) of user %d in project %s\n", tok.ID, tok.Prefix, tok.UserID, tok.Project)
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
