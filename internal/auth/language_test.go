package auth_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
)

// lastMail is the subject and body of the newest message queued to to.
func lastMail(t *testing.T, db *pgxpool.Pool, to string) (subject, body string) {
	t.Helper()
	const q = `SELECT subject, body FROM mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`
	if err := db.QueryRow(context.Background(), q, to).Scan(&subject, &body); err != nil {
		t.Fatalf("mail to %s: %v", to, err)
	}
	return subject, body
}

// Scripts of the three languages, to tell which ones a message is in.
var scripts = map[string]func(rune) bool{
	"zh-CN": func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF },
	"ug":    func(r rune) bool { return r >= 0x0600 && r <= 0x06FF },
	"en":    func(r rune) bool { return r >= 'a' && r <= 'z' },
}

var link = regexp.MustCompile(`https://\S+`)

func languagesIn(s string) []string {
	var in []string
	for _, l := range []string{"zh-CN", "ug", "en"} {
		if strings.ContainsFunc(link.ReplaceAllString(s, ""), scripts[l]) {
			in = append(in, l)
		}
	}
	return in
}

// A confirmation link is mailed in the language the account was made in,
// and after the account switches language, in the new one; an account of
// no known language gets all three.
func TestConfirmationMailIsInTheAccountsLanguage(t *testing.T) {
	ctx := context.Background()
	svc, db := mailingService(t)
	for _, tc := range []struct{ name, lang, want string }{
		{"Uyghur", "ug", "ug"},
		{"English", "en", "en"},
		{"Chinese", "zh-CN", "zh-CN"},
		{"not known", "", "zh-CN ug en"},
		{"not one the service speaks", "fr", "zh-CN ug en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := "lang-" + strings.ToLower(strings.ReplaceAll(tc.name, " ", "-")) + "@example.com"
			if _, err := svc.Register(ctx, auth.NewUser{Email: email, Name: "用户", Password: password, Lang: tc.lang}); err != nil {
				t.Fatal(err)
			}
			subject, body := lastMail(t, db, email)
			if got := strings.Join(languagesIn(subject+body), " "); got != tc.want {
				t.Errorf("mail in %q, want %q:\n%s\n%s", got, tc.want, subject, body)
			}
			if !strings.Contains(body, "https://market.example/account/verify?token=") {
				t.Errorf("no link in %q", body)
			}
		})
	}

	t.Run("a resend follows the account's switch", func(t *testing.T) {
		a, err := svc.Register(ctx, auth.NewUser{Email: "switch@example.com", Name: "用户", Password: password, Lang: "zh-CN"})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetLanguage(ctx, a.UserID, "ug"); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetLanguage(ctx, a.UserID, "xx"); err != nil { // ignored
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE email_verifications SET created_at = now() - interval '1 hour' WHERE user_id = $1`, a.UserID); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResendVerification(ctx, a); err != nil {
			t.Fatal(err)
		}
		subject, body := lastMail(t, db, "switch@example.com")
		if got := strings.Join(languagesIn(subject+body), " "); got != "ug" {
			t.Errorf("resent mail in %q, want ug:\n%s\n%s", got, subject, body)
		}
	})
}
