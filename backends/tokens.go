package backends

import "unicode/utf8"

// TokenEstimator estimates the token count of streamed text without a
// tokenizer: about four bytes of ASCII per token, and one token per non-ASCII
// rune (CJK and most other scripts tokenize near one token per character).
// It is fed piece by piece, and its cost per piece does not grow with the
// length of the text. Its figure is an estimate and is always shown as one.
type TokenEstimator struct {
	ascii int
	other int
}

// Add counts s.
func (e *TokenEstimator) Add(s string) {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			e.ascii++
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		e.other++
		i += size
	}
}

// Tokens is the estimate so far: zero for no text, at least one otherwise.
func (e *TokenEstimator) Tokens() int {
	if e.ascii == 0 && e.other == 0 {
		return 0
	}
	return max(1, (e.ascii+3)/4+e.other)
}

// EstimateTokens estimates the tokens in s.
func EstimateTokens(s string) int {
	var e TokenEstimator
	e.Add(s)
	return e.Tokens()
}

// EstimateInput estimates the input tokens of a request: every message plus a
// few tokens of framing per message, as chat templates add.
func EstimateInput(req Request) int {
	n := 0
	if req.System != "" {
		n += EstimateTokens(req.System) + 4
	}
	for _, m := range req.Messages {
		n += EstimateTokens(m.Content) + 4
	}
	return n
}
