package household

import (
	"errors"

	"github.com/fupinmarket/market/internal/platform/money"
)

// ErrYuan is returned by ParseYuan for anything but a non-negative amount with
// at most two decimals.
var ErrYuan = errors.New("must be a non-negative amount of yuan with at most 2 decimals, such as 3520 or 3520.50")

// ParseYuan reads a household's income as typed in the registry ("3520",
// "3520.5"): money.ParseYuan, and never negative.
func ParseYuan(s string) (int64, error) {
	fen, err := money.ParseYuan(s)
	if err != nil || fen < 0 {
		return 0, ErrYuan
	}
	return fen, nil
}
