package recognize

// JoinPieces reads two neighbouring marks that preparation offered as
// possibly one digit (joined[i], when not nil, is digits i and i+1 read as
// one) as that one digit when apart they are in doubt (JudgeNumber) and
// together they are not, and together the model is surer than of both
// apart: a 5 whose cap was lifted off reads as "5", not as an unsure
// "54". A pair of digits that reads surely as a number is never joined,
// whatever the joined mark reads as. Readers that keep the model's
// probabilities (the scorecard behind docs/reading.md) join with it too,
// so that they measure what Read answers.
func (d Doubt) JoinPieces(digits []Digit, joined []*Digit) []Digit {
	out := make([]Digit, 0, len(digits))
	for i := 0; i < len(digits); i++ {
		if i+1 < len(digits) && i < len(joined) && joined[i] != nil {
			l, r, j := digits[i], digits[i+1], *joined[i]
			apart, _ := d.JudgeNumber([]Digit{l, r})
			if apart && !j.Uncertain && j.Confidence > l.Confidence*r.Confidence {
				out = append(out, j)
				i++
				continue
			}
		}
		out = append(out, digits[i])
	}
	return out
}
