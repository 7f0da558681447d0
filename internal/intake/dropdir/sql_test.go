package dropdir_test

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

func sqlxGet(d db.DB, dst any, q string, args ...any) error {
	return sqlx.GetContext(context.Background(), d, dst, q, args...)
}

func sqlxSelect(d db.DB, dst any, q string, args ...any) error {
	return sqlx.SelectContext(context.Background(), d, dst, q, args...)
}
