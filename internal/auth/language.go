package auth

import (
	"context"
	"fmt"

	"github.com/fupinmarket/market/internal/platform/postgres"
)

// Language reports whether lang is one the service speaks, and so one an
// account may keep for its mail.
func Language(lang string) bool {
	switch lang {
	case "zh-CN", "en", "ug":
		return true
	}
	return false
}

// SetLanguage keeps lang as the account's language, the one it last chose
// on the pages; a language the service does not speak is ignored.
func (s *Service) SetLanguage(ctx context.Context, userID int64, lang string) error {
	if userID == 0 || !Language(lang) {
		return nil
	}
	const q = `UPDATE users SET lang = $2 WHERE id = $1 AND lang IS DISTINCT FROM $2`
	if _, err := s.Users.db.Exec(ctx, q, userID, lang); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}

// LanguageOfAddress is the language of the account with email, read with q
// (another package's transaction): "" when no account has that address,
// its language is not known, or it has not confirmed the address. Anybody
// may sign up with an address that is not theirs; until it is confirmed the
// language is the registrant's, and mail in it alone could be unreadable to
// the address's owner and tell them a stranger's choice.
func LanguageOfAddress(ctx context.Context, q postgres.Querier, email string) (string, error) {
	const sql = `SELECT coalesce((SELECT lang FROM users WHERE email = $1 AND email_verified_at IS NOT NULL), '')`
	var lang string
	if err := q.QueryRow(ctx, sql, email).Scan(&lang); err != nil {
		return "", fmt.Errorf("language of address: %w", err)
	}
	return lang, nil
}
