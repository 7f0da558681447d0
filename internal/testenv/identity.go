package testenv

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

var accountSeq atomic.Int64

// Account makes a token-only account holding role in project (rbac.AllProjects for every
// project), through policy so that a server holding the same enforcer sees the grant at
// once. It returns the account and an API token for project (auth.DefaultProject when
// project is rbac.AllProjects).
func Account(t testing.TB, conn *sqlx.DB, policy *rbac.Enforcer, role, project string) (auth.User, string) {
	t.Helper()
	ctx := context.Background()
	accounts, err := auth.NewAccounts(conn, auth.AccountsConfig{})
	if err != nil {
		t.Fatalf("accounts: %v", err)
	}
	email := fmt.Sprintf("%s-%d-%d@test.aomas", role, time.Now().UnixNano(), accountSeq.Add(1))
	u, err := accounts.Create(ctx, email, role+" (test)", "")
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	if err := policy.GrantRole(ctx, rbac.UserSubject(u.ID), role, project); err != nil {
		t.Fatalf("grant %s in %s: %v", role, project, err)
	}
	tokenProject := project
	if project == rbac.AllProjects {
		tokenProject = auth.DefaultProject
	}
	raw, _, err := auth.NewTokens(conn, auth.TokensConfig{}).Create(ctx, u.ID, tokenProject, "test", time.Hour)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return u, raw
}
