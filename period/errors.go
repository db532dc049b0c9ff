package period

import "errors"

// ErrInvalidDate matches every error about a date that is not a valid
// YYYY-MM-DD calendar date with a year in 0001–9999: parse errors
// (*[DateError]) and validation problems on a period's dates.
var ErrInvalidDate = errors.New("period: invalid date")
