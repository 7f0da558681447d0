package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

// identity is what the account commands hold: the database, the policy and, when Redis
// answers, a watcher that tells running servers about policy changes.
type identity struct {
	db       *sqlx.DB
	accounts *auth.Accounts
	policy   *rbac.Enforcer
	redis    *redis.Client
	watcher  *rbac.Watcher
	actor    string
}

func (id *identity) close() {
	if id.watcher != nil {
		id.watcher.Close()
	}
	if id.redis != nil {
		_ = id.redis.Close()
	}
	_ = id.db.Close()
}

// openIdentity connects for an account command. A Redis that does not answer is only a
// warning: the change is stored, and servers load it at their next reload.
func openIdentity(ctx context.Context, c *config, getenv func(string) string, stderr io.Writer) (*identity, error) {
	logger := c.logger(stderr)
	conn, err := db.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	id := &identity{db: conn, actor: "cli:" + firstNonEmpty(getenv("USER"), "unknown")}
	if id.accounts, err = auth.NewAccounts(conn, auth.AccountsConfig{}); err != nil {
		id.close()
		return nil, err
	}
	if id.policy, err = rbac.New(ctx, conn, logger); err != nil {
		id.close()
		return nil, err
	}
	opt, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		id.close()
		return nil, fmt.Errorf("redis url: %w", err)
	}
	id.redis = redis.NewClient(opt)
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if id.watcher, err = rbac.NewWatcher(wctx, id.redis, rbac.DefaultChannel); err != nil {
		logger.Warn("redis not reachable: running servers see policy changes at their next reload", "err", err)
		return id, nil
	}
	if err := id.policy.SetWatcher(id.watcher); err != nil {
		id.close()
		return nil, err
	}
	return id, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// audited is the audit entry of a policy change, written in the change's transaction.
func (id *identity) audited(ctx context.Context, action, object string) rbac.Also {
	return func(tx *sqlx.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: id.actor, Action: action, Object: object})
		return err
	}
}

// announceEnded tells running servers that credentials ended, so that they end the
// websockets still open with them. Without Redis they find out at their next sweep.
func (id *identity) announceEnded(ctx context.Context, stderr io.Writer, keys ...string) {
	if id.watcher == nil {
		fmt.Fprintln(stderr, "aomas: warning: redis not reachable: open websockets end at the servers' next sweep (within a minute)")
		return
	}
	if err := auth.PublishEnded(ctx, id.redis, keys...); err != nil {
		fmt.Fprintf(stderr, "aomas: warning: %v: open websockets end at the servers' next sweep (within a minute)\n", err)
	}
}

// record appends an audit entry for a change the command made.
func (id *identity) record(ctx context.Context, action, object string) error {
	_, err := audit.AppendDB(ctx, id.db, audit.Entry{Actor: id.actor, Action: action, Object: object})
	return err
}

// userCommand returns `aomas user`; stdin is where --password-stdin reads.
func userCommand(stdin io.Reader) commandFunc {
	return func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
		subs := map[string]func(context.Context, []string, func(string) string, io.Reader, io.Writer, io.Writer) error{
			"create":  runUserCreate,
			"list":    runUserList,
			"disable": runUserDisable,
		}
		if len(args) == 0 || subs[args[0]] == nil {
			fmt.Fprintln(stderr, "usage: aomas user create|list|disable [flags]")
			return &exitError{code: 2, err: errors.New("user: want create, list or disable")}
		}
		return subs[args[0]](ctx, args[1:], getenv, stdin, stdout, stderr)
	}
}

// loadConfig parses flags, then resolves the configuration from flags and environment.
func loadConfig(name, usage string, args []string, getenv func(string) string, stderr io.Writer, define func(fs *flag.FlagSet)) (*config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aomas "+usage)
		fs.PrintDefaults()
	}
	cf := newConfigFlags(fs, needDB|needRedis)
	define(fs)
	if done, err := parseFlags(fs, args); done {
		if err == nil {
			err = errExit(0) // -h: usage printed, nothing more to do
		}
		return nil, err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return nil, &exitError{code: 2, err: fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))}
	}
	return cf.load(getenv)
}

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func runUserCreate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var email, role, project, name string
	var pwStdin bool
	c, err := loadConfig("user create", "user create --email E --role R [--project P] [--name N] [--password-stdin]", args, getenv, stderr,
		func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the account's e-mail address (required)")
			fs.StringVar(&role, "role", "", "role: "+strings.Join(rbac.Roles(), ", ")+" (required)")
			fs.StringVar(&project, "project", "default", `project the role holds in ("*" for every project)`)
			fs.StringVar(&name, "name", "", "display name")
			fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input (else: no password; tokens or SSO only)")
		})
	if err != nil {
		return err
	}
	if email == "" || role == "" {
		return usageErr("user create: --email and --role are required")
	}
	if !slices.Contains(rbac.Roles(), role) {
		return usageErr("user create: role %q is not one of %s", role, strings.Join(rbac.Roles(), ", "))
	}
	var password string
	if pwStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, auth.MaxPasswordLen+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if err := auth.CheckPassword(password); err != nil {
			return usageErr("user create: %w", err)
		}
	}
	id, err := openIdentity(ctx, c, getenv, stderr)
	if err != nil {
		return err
	}
	defer id.close()
	u, err := id.accounts.Create(ctx, email, name, password)
	if err != nil {
		return err
	}
	if err := id.policy.GrantRole(ctx, rbac.UserSubject(u.ID), role, project,
		id.audited(ctx, "user.create", fmt.Sprintf("User:%d role=%s project=%s", u.ID, role, project))); err != nil {
		return fmt.Errorf("account %d created, but its role was not granted: %w", u.ID, err)
	}
	_, err = fmt.Fprintf(stdout, "created user %d %s: %s in project %s\n", u.ID, u.Email, role, project)
	return err
}

func runUserList(ctx context.Context, args []string, getenv func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	c, err := loadConfig("user list", "user list", args, getenv, stderr, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	id, err := openIdentity(ctx, c, getenv, stderr)
	if err != nil {
		return err
	}
	defer id.close()
	users, err := id.accounts.List(ctx)
	if err != nil {
		return err
	}
	grants, err := id.policy.Members("")
	if err != nil {
		return err
	}
	roles := map[string][]string{}
	for _, g := range grants {
		roles[g.Subject] = append(roles[g.Subject], g.Role+"@"+g.Project)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSTATE\tPASSWORD\tROLES")
	now := time.Now()
	for _, u := range users {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case u.LockedUntil != nil && now.Before(*u.LockedUntil):
			state = "locked"
		}
		pw := "no"
		if u.HasPassword {
			pw = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.DisplayName, state, pw,
			strings.Join(roles[rbac.UserSubject(u.ID)], ","))
	}
	return tw.Flush()
}

func runUserDisable(ctx context.Context, args []string, getenv func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	var email string
	c, err := loadConfig("user disable", "user disable --email E", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the account's e-mail address (required)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return usageErr("user disable: --email is required")
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
	sub := rbac.UserSubject(u.ID)
	held, err := id.policy.Members("")
	if err != nil {
		return err
	}
	var had []string
	for _, g := range held {
		if g.Subject == sub {
			had = append(had, g.Role+"@"+g.Project)
		}
	}
	// Roles go first: refused when the account is some project's last admin, and then
	// nothing has changed.
	if err := id.policy.RevokeAll(ctx, sub); err != nil {
		return fmt.Errorf("disable %s: %w", u.Email, err)
	}
	if err := id.accounts.SetDisabled(ctx, u.ID, true); err != nil {
		return err
	}
	if err := id.record(ctx, "user.disable", fmt.Sprintf("User:%d roles=%s", u.ID, strings.Join(had, ","))); err != nil {
		return err
	}
	id.announceEnded(ctx, stderr, auth.UserKey(u.ID))
	_, err = fmt.Fprintf(stdout, "disabled user %d %s; roles revoked: %s\n", u.ID, u.Email, firstNonEmpty(strings.Join(had, ", "), "none"))
	return err
}
