package period_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/period"
)

func ExampleNewExercise() {
	start := period.Date{Year: 2024, Month: time.January, Day: 1}
	end := period.Date{Year: 2024, Month: time.December, Day: 31}
	ex, err := period.NewExercise("ex-2024", start, end, period.StatusOpen)
	fmt.Println(ex.ID, ex.Kind, ex.Start, ex.End, ex.Status, err)

	// Every problem is reported, with paths relative to the period.
	_, err = period.NewExercise("", end, start, "clôturé")
	var verr *period.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Println(f.Path, f.Rule)
		}
	}
	fmt.Println(errors.Is(err, period.ErrStartAfterEnd), errors.Is(err, period.ErrUnknownStatus))
	// Output:
	// ex-2024 exercise 2024-01-01 2024-12-31 open <nil>
	// /end start-after-end
	// /id required
	// /status status
	// true true
}
