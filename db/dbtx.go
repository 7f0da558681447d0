package db

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

// DB is what aomas needs of a database handle. *sqlx.DB satisfies it; tests wrap it to
// count queries.
type DB interface {
	sqlx.ExtContext
	BeginTxx(ctx context.Context, opts *sql.TxOptions) (*sqlx.Tx, error)
}

// InTx runs f in a transaction, committing when it returns nil and rolling back otherwise.
func InTx(ctx context.Context, d DB, f func(tx *sqlx.Tx) error) error {
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
