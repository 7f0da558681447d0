package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/server"
	"github.com/aomas/aomas/storage"
)

// config is everything a service command reads from flags and AOMAS_* variables.
type config struct {
	DatabaseURL   string
	RedisURL      string
	S3            storage.Config
	Listen        string
	DataDir       string
	LogLevel      slog.Level
	LogJSON       bool
	MaxDepth      int
	MaxComplexity int
	WSOrigins     []string
	SubjectKey    []byte
	MaxUpload     int64
	// MemoryLimit is serve's soft memory limit in bytes (runtime/debug.SetMemoryLimit); 0: none.
	MemoryLimit int64
	OIDC        server.OIDCConfig
	// MutationLimit is every role's mutation limit but those in MutationLimits.
	MutationLimit  auth.LimiterConfig
	MutationLimits map[string]auth.LimiterConfig
	DICOM          dicomConfig
	// ExportS3 is the export store's bucket (endpoint and keys default to S3's); ExportDir
	// the shared folder exports may go to ("": none).
	ExportS3  storage.Config
	ExportDir string
}

// need says which groups of settings a command uses; only those are validated, so that
// `aomas migrate` does not ask for object-storage keys.
type need int

const (
	needDB need = 1 << iota
	needRedis
	needS3
	needHTTP
	needDICOM
	needAll = needDB | needRedis | needS3 | needHTTP | needDICOM
)

// setting is one configuration value: a flag, its AOMAS_* variable and its default.
type setting struct {
	flag, env, def, usage string
	group                 need
	apply                 func(c *config, v string) error
}

func settings() []setting {
	return append(coreSettings(), dicomSettings()...)
}

func coreSettings() []setting {
	return []setting{
		{"database-url", "AOMAS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aomas?sslmode=disable", "PostgreSQL URL", needDB, func(c *config, v string) error {
			u, err := url.Parse(v)
			if err != nil {
				return errors.New("not a URL (want postgres://USER@HOST:PORT/DB)")
			}
			if u.Scheme != "postgres" && u.Scheme != "postgresql" {
				return fmt.Errorf("scheme %q is not postgres:// or postgresql://", u.Scheme)
			}
			if u.Host == "" && u.Query().Get("host") == "" {
				return errors.New("no host (want postgres://USER@HOST:PORT/DB)")
			}
			c.DatabaseURL = v
			return nil
		}},
		{"redis-url", "AOMAS_REDIS_URL", "redis://127.0.0.1:6379/0", "Redis URL", needRedis, func(c *config, v string) error {
			if _, err := redis.ParseURL(v); err != nil {
				return fmt.Errorf("not a Redis URL (want redis://HOST:PORT/DB): %s", redact(err.Error(), v))
			}
			c.RedisURL = v
			return nil
		}},
		{"s3-endpoint", "AOMAS_S3_ENDPOINT", "127.0.0.1:9000", "S3/MinIO endpoint host:port", needS3, func(c *config, v string) error {
			if err := hostPort(v); err != nil {
				return err
			}
			c.S3.Endpoint = v
			return nil
		}},
		{"s3-access-key", "AOMAS_S3_ACCESS_KEY", "", "S3 access key", needS3, func(c *config, v string) error {
			if v == "" {
				return errors.New("required")
			}
			c.S3.AccessKey = v
			return nil
		}},
		{"s3-secret-key", "AOMAS_S3_SECRET_KEY", "", "S3 secret key", needS3, func(c *config, v string) error {
			if v == "" {
				return errors.New("required")
			}
			c.S3.SecretKey = v
			return nil
		}},
		{"s3-bucket", "AOMAS_S3_BUCKET", "aomas", "S3 bucket (created at start)", needS3, func(c *config, v string) error {
			if err := s3utils.CheckValidBucketNameStrict(v); err != nil {
				return err
			}
			c.S3.Bucket = v
			return nil
		}},
		{"s3-secure", "AOMAS_S3_SECURE", "false", "use TLS to reach S3", needS3, func(c *config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.S3.Secure = b
			return nil
		}},
		{"s3-region", "AOMAS_S3_REGION", "us-east-1", "S3 region", needS3, func(c *config, v string) error {
			c.S3.Region = v
			return nil
		}},
		{"export-s3-endpoint", "AOMAS_EXPORT_S3_ENDPOINT", "", "export store S3/MinIO endpoint host:port (empty: the object store's)", needS3, func(c *config, v string) error {
			if v != "" {
				if err := hostPort(v); err != nil {
					return err
				}
			}
			c.ExportS3.Endpoint = v
			return nil
		}},
		{"export-s3-access-key", "AOMAS_EXPORT_S3_ACCESS_KEY", "", "export store access key (empty: the object store's)", needS3, func(c *config, v string) error {
			c.ExportS3.AccessKey = v
			return nil
		}},
		{"export-s3-secret-key", "AOMAS_EXPORT_S3_SECRET_KEY", "", "export store secret key (empty: the object store's)", needS3, func(c *config, v string) error {
			c.ExportS3.SecretKey = v
			return nil
		}},
		{"export-s3-bucket", "AOMAS_EXPORT_S3_BUCKET", "aomas-exports", "export store bucket (created at start; \"off\": no S3 exports)", needS3, func(c *config, v string) error {
			if v != "off" {
				if err := s3utils.CheckValidBucketNameStrict(v); err != nil {
					return err
				}
			}
			c.ExportS3.Bucket = v
			return nil
		}},
		{"export-s3-secure", "AOMAS_EXPORT_S3_SECURE", "", "use TLS to reach the export store (empty: as the object store)", needS3, func(c *config, v string) error {
			if v == "" {
				return nil
			}
			b, err := strconv.ParseBool(v)
			c.ExportS3.Secure = b
			return err
		}},
		{"export-s3-region", "AOMAS_EXPORT_S3_REGION", "", "export store region (empty: the object store's)", needS3, func(c *config, v string) error {
			c.ExportS3.Region = v
			return nil
		}},
		{"export-dir", "AOMAS_EXPORT_DIR", "", "shared folder (an NFS mount, say) exports may be written to (empty: none)", needS3, func(c *config, v string) error {
			c.ExportDir = v
			return nil
		}},
		{"listen", "AOMAS_LISTEN", "127.0.0.1:8080", "HTTP listen address host:port", needHTTP, func(c *config, v string) error {
			if err := hostPort(v); err != nil {
				return err
			}
			c.Listen = v
			return nil
		}},
		{"data-dir", "AOMAS_DATA_DIR", ".local/data", "directory for local working files", needHTTP, func(c *config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("required")
			}
			c.DataDir = v
			return nil
		}},
		{"graphql-max-depth", "AOMAS_GRAPHQL_MAX_DEPTH", "12", "deepest GraphQL selection allowed", needHTTP, func(c *config, v string) error {
			return positiveInt(v, &c.MaxDepth)
		}},
		{"graphql-max-complexity", "AOMAS_GRAPHQL_MAX_COMPLEXITY", "5000", "largest GraphQL complexity allowed", needHTTP, func(c *config, v string) error {
			return positiveInt(v, &c.MaxComplexity)
		}},
		{"ws-origins", "AOMAS_WS_ORIGINS", "", "comma-separated extra host patterns allowed to open websockets", needHTTP, func(c *config, v string) error {
			c.WSOrigins = splitList(v)
			return nil
		}},
		{"subject-key", "AOMAS_SUBJECT_KEY", "", "secret key (16+ characters) for the HMAC that turns patient IDs into subject codes", needHTTP, func(c *config, v string) error {
			if len(v) < 16 {
				return errors.New("required, at least 16 characters")
			}
			c.SubjectKey = []byte(v)
			return nil
		}},
		{"max-upload-bytes", "AOMAS_MAX_UPLOAD_BYTES", "8589934592", "largest file accepted, in bytes", needHTTP, func(c *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("%q is not a positive whole number of bytes", v)
			}
			c.MaxUpload = n
			return nil
		}},
		{"mutation-limits", "AOMAS_MUTATION_LIMITS", "", "mutations per caller by role: role=RATE/BURST,… (RATE a second; * for every role not named; default *=20/300,scanner=50/1000)", needHTTP, func(c *config, v string) error {
			var err error
			c.MutationLimit, c.MutationLimits, err = auth.ParseMutationLimits(v)
			return err
		}},
		{"memory-limit", "AOMAS_MEMORY_LIMIT", "402653184", "soft memory limit of the server in bytes: the Go runtime collects garbage harder as it nears it (0: none; GOMEMLIMIT, when set, wins)", needHTTP, func(c *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%q is not a whole number of bytes", v)
			}
			c.MemoryLimit = n
			return nil
		}},
		{"oidc-issuer", "AOMAS_OIDC_ISSUER", "", "OpenID Connect issuer URL for single sign-on (empty: local accounts only)", needHTTP, func(c *config, v string) error {
			if v == "" {
				return nil
			}
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("%q is not an http(s) URL", v)
			}
			c.OIDC.Issuer = v
			return nil
		}},
		{"oidc-client-id", "AOMAS_OIDC_CLIENT_ID", "aomas", "OpenID Connect client id", needHTTP, func(c *config, v string) error {
			c.OIDC.ClientID = v
			return nil
		}},
		{"oidc-client-secret", "AOMAS_OIDC_CLIENT_SECRET", "", "OpenID Connect client secret", needHTTP, func(c *config, v string) error {
			c.OIDC.ClientSecret = v
			return nil
		}},
		{"oidc-redirect-url", "AOMAS_OIDC_REDIRECT_URL", "http://localhost:8080/auth/oidc/callback", "this server's /auth/oidc/callback as browsers reach it", needHTTP, func(c *config, v string) error {
			c.OIDC.RedirectURL = v
			return nil
		}},
		{"oidc-roles", "AOMAS_OIDC_ROLES", "", "groups to roles: group=role[@project],… (project default when left out, * for all)", needHTTP, func(c *config, v string) error {
			m, err := server.ParseRoleMap(v)
			c.OIDC.Roles = m
			return err
		}},
		{"log-level", "AOMAS_LOG_LEVEL", "info", "debug, info, warn or error", 0, func(c *config, v string) error {
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
		{"log-format", "AOMAS_LOG_FORMAT", "text", "text or json", 0, func(c *config, v string) error {
			switch v {
			case "text", "json":
				c.LogJSON = v == "json"
				return nil
			}
			return fmt.Errorf("%q is not text or json", v)
		}},
	}
}

// configFlags registers the settings a command needs on fs; load reads them after Parse.
type configFlags struct {
	fs    *flag.FlagSet
	needs need
	vals  map[string]*string
}

func newConfigFlags(fs *flag.FlagSet, needs need) *configFlags {
	cf := &configFlags{fs: fs, needs: needs, vals: map[string]*string{}}
	for _, s := range settings() {
		if s.group != 0 && s.group&needs == 0 {
			continue
		}
		cf.vals[s.flag] = fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def))
	}
	return cf
}

// load resolves each setting (flag, else environment, else default) and validates it.
// Every bad value gets its own line naming the variable, so one run shows them all.
func (cf *configFlags) load(getenv func(string) string) (*config, error) {
	c := &config{}
	set := map[string]bool{}
	cf.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var problems []string
	for _, s := range settings() {
		p, ok := cf.vals[s.flag]
		if !ok {
			continue
		}
		v, source := s.def, s.env
		if set[s.flag] {
			v, source = *p, "--"+s.flag
		} else if e := getenv(s.env); e != "" {
			v = e
		}
		if err := s.apply(c, v); err != nil {
			problems = append(problems, fmt.Sprintf("config: %s: %v", source, err))
		}
	}
	if len(problems) > 0 {
		return nil, &exitError{code: 2, err: errors.New(strings.Join(problems, "\n"))}
	}
	return c, nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func hostPort(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT", v)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	if strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("host %q is not a host name or address", host)
	}
	return nil
}

func positiveInt(v string, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive whole number", v)
	}
	*dst = n
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// redact keeps a secret that was part of a value out of an error message.
func redact(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "<value>")
}

// mkdirData makes the data directory; its absence should not fail later mid-request.
func (c *config) mkdirData() error {
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir %s: %w", c.DataDir, err)
	}
	return nil
}
