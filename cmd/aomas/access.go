package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

// policyReload is the safety net under the Redis watcher: a replica that missed an
// announcement catches up within this.
const policyReload = 30 * time.Second

// socketSweep is the safety net under the announcements of ended credentials: an open
// websocket whose logout or revocation was never heard of ends within this.
const socketSweep = 30 * time.Second

// serverAccess is the server's side of issue 4: the policy, kept current over Redis, the
// guard on every field, and authentication.
type serverAccess struct {
	policy   *rbac.Enforcer
	accounts *auth.Accounts
	tokens   *auth.Tokens
	ends     *auth.Ends
	guard    *resolvers.Guard
	auth     *server.Auth
	oidc     *server.OIDC
	watcher  *rbac.Watcher
}

func (s *serverAccess) close() {
	if s.watcher != nil {
		s.watcher.Close()
	}
	if s.ends != nil {
		s.ends.Close()
	}
}

func newServerAccess(ctx context.Context, c *config, d *deps, logger *slog.Logger) (*serverAccess, error) {
	policy, err := rbac.New(ctx, d.db, logger.With("component", "rbac"))
	if err != nil {
		return nil, err
	}
	w, err := rbac.NewWatcher(ctx, d.redis, rbac.DefaultChannel)
	if err != nil {
		return nil, err
	}
	if err := policy.SetWatcher(w); err != nil {
		w.Close()
		return nil, err
	}
	go policy.ReloadEvery(ctx, policyReload)
	accounts, err := auth.NewAccounts(d.db, auth.AccountsConfig{})
	if err != nil {
		w.Close()
		return nil, err
	}
	sessions := auth.NewSessions(d.db, nil)
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := sessions.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("delete expired sessions", "err", err)
			} else if n > 0 {
				logger.Info("deleted expired sessions", "count", n)
			}
			if n, err := accounts.PruneLoginFailures(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("prune login failures", "err", err)
			} else if n > 0 {
				logger.Info("pruned login failures", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	ends, err := auth.NewEnds(ctx, d.redis, logger.With("component", "auth"))
	if err != nil {
		w.Close()
		return nil, err
	}
	tokens := auth.NewTokens(d.db, auth.TokensConfig{})
	s := &serverAccess{
		policy:   policy,
		accounts: accounts,
		tokens:   tokens,
		ends:     ends,
		watcher:  w,
		guard: &resolvers.Guard{Enforcer: policy, Audit: d.db, Log: logger.With("component", "access"),
			Mutations: auth.NewMutationLimits(c.MutationLimit, c.MutationLimits)},
		auth: &server.Auth{Accounts: accounts, Sessions: sessions, Tokens: tokens,
			Login: auth.NewLimiter(auth.LoginLimit()), Audit: d.db, Logger: logger.With("component", "auth"), Ends: ends},
	}
	go ends.Sweep(ctx, socketSweep, s.auth.Check)
	if c.OIDC.Issuer != "" {
		if c.OIDC.ClientSecret == "" {
			s.close()
			return nil, &exitError{code: 2, err: errors.New("config: AOMAS_OIDC_CLIENT_SECRET: required with AOMAS_OIDC_ISSUER")}
		}
		if s.oidc, err = server.NewOIDC(ctx, c.OIDC, s.auth, policy); err != nil {
			s.close()
			return nil, err
		}
		logger.Info("single sign-on", "issuer", c.OIDC.Issuer, "groups_mapped", len(c.OIDC.Roles))
	}
	return s, nil
}
