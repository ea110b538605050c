package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the login role marketd connects as: it owns nothing and holds
// exactly what the service does (docs/SECURITY.md).
const AppRole = "market_app"

// Table privileges of the service's role, beyond SELECT on every table.
// A table in none of the lists is read-only to the service.
var (
	// appWrites are the tables the service inserts, changes and deletes in.
	appWrites = []string{
		"api_tokens", "buyer_org_invitations", "email_verifications", "mail_outbox", "buyer_org_members", "buyer_org_targets", "buyer_orgs", "cart_items", "cooperative_members",
		"cooperatives", "dividends", "feed_events", "households", "lots", "order_allocations", "order_lines", "orders", "outbox",
		"poverty_lines", "product_certifications", "product_images", "product_variants", "products", "regions",
		"shipments", "stripe_external_refunds", "user_roles", "users",
		"river_job", "river_leader", "river_notification", "river_queue", "river_client", "river_client_queue",
	}
	// appAppends are history: the service adds rows and never changes one.
	appAppends = []string{
		"cooperative_events", "dividend_splits", "household_id_conflicts", "ledger_seals", "lot_contributions", "member_shares",
		"payment_events", "payment_mismatches", "payouts", "pii_access_log", "pii_keys", "refund_lines", "refunds", "wages",
		"invoice_requests", "invoices",
	}
	// Read-only to the service: attribution_entries (appended through
	// append_ledger), the rollups and their queue (written by the SECURITY
	// DEFINER functions of migration 00500), the migrations' bookkeeping,
	// reference data (product_categories).
)

// EnsureAppRole creates the service's login role when it is missing, sets
// its password when one is given (an empty one leaves it as it is), and
// grants it exactly the privileges above on this database, revoking any
// other it holds. It is idempotent and runs at every `marketctl migrate up`,
// after the migrations, as the tables' owner.
func EnsureAppRole(ctx context.Context, pool *pgxpool.Pool, password string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if err := createRole(ctx, conn.Conn()); err != nil {
		return err
	}
	if password != "" {
		// ALTER ROLE takes no parameters: the password is quoted as a literal.
		q := "ALTER ROLE " + AppRole + " PASSWORD " + quoteLiteral(password)
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("set %s password: %w", AppRole, err)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, q := range grants(existing(ctx, tx)) {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("grant %s: %s: %w", AppRole, q, err)
		}
	}
	return tx.Commit(ctx)
}

// createRole makes the role unless it exists. Roles belong to the whole
// cluster, so test packages building their templates at once race here:
// a duplicate is fine.
func createRole(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, AppRole).Scan(&exists); err != nil {
		return err
	}
	if exists {
		_, err := conn.Exec(ctx, "ALTER ROLE "+AppRole+" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS LOGIN")
		return err
	}
	_, err := conn.Exec(ctx, "CREATE ROLE "+AppRole+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (pg.Code == "42710" || pg.Code == "23505") { // created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("create role %s: %w", AppRole, err)
	}
	return nil
}

// existing is the set of tables of the public schema (river's tables
// differ between its versions).
func existing(ctx context.Context, tx pgx.Tx) map[string]bool {
	out := map[string]bool{}
	rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		return out
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, n := range names {
		out[n] = true
	}
	return out
}

// refundFailureGrant is the one change the service makes to a row of
// history: a Stripe refund's later failure, and the money's return another
// way (migration 00610). Amounts, reasons and lines stay as written.
const refundFailureGrant = "GRANT UPDATE (provider_status, failed_at, returned_at, returned_reference, returned_by) ON refunds TO " + AppRole

// AppPrivileges describes the role's privileges (test templates are rebuilt
// when it changes).
func AppPrivileges() string {
	return strings.Join(grants(map[string]bool{}), ";") + strings.Join(appWrites, ",") + strings.Join(appAppends, ",") + refundFailureGrant
}

// grants are the statements that leave the role with exactly its privileges.
func grants(tables map[string]bool) []string {
	r := AppRole
	out := []string{
		"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM " + r,
		"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM " + r,
		"GRANT USAGE ON SCHEMA public TO " + r,
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + r,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + r,
	}
	if w := present(appWrites, tables); w != "" {
		out = append(out, "GRANT INSERT, UPDATE, DELETE ON "+w+" TO "+r)
	}
	if a := present(appAppends, tables); a != "" {
		out = append(out, "GRANT INSERT ON "+a+" TO "+r)
	}
	if tables["refunds"] {
		out = append(out, refundFailureGrant)
	}
	// The service calls the ledger's and the rollups' functions, which
	// check what they are given; the owner's own helpers are the owner's
	// alone (ownerOnly).
	return append(out, "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO "+r, revokeOwnerOnly)
}

// revokeOwnerOnly takes from the service's role the functions that only the
// owner's functions call: bump_village adds whatever deltas it is given to a
// village's figures (migration 00620 makes it run with its caller's rights
// and takes it from PUBLIC). Guarded, as the role is granted on schemas of
// every version.
const revokeOwnerOnly = `DO $$ BEGIN
	IF to_regprocedure('bump_village(bigint, text, integer, bigint, bigint, bigint, bigint)') IS NOT NULL THEN
		REVOKE EXECUTE ON FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) FROM ` + AppRole + `;
	END IF;
END $$`

func present(names []string, tables map[string]bool) string {
	var out []string
	for _, n := range names {
		if tables[n] {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
