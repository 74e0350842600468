package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fanout-dev/fanout/session"
)

// MaxPrompts is the most prompts a --prompts file may hold.
const MaxPrompts = 10000

// ParsePrompts reads a --prompts file: JSONL of {"prompt", "system",
// "tag"} when its first line that is not blank starts with "{", else one
// prompt a line. Blank lines are skipped. name is used in errors, with the
// line number.
func ParsePrompts(name string, data []byte) ([]session.BenchPrompt, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	jsonl := false
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			jsonl = strings.HasPrefix(t, "{")
			break
		}
	}
	var out []session.BenchPrompt
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(out) == MaxPrompts {
			return nil, fmt.Errorf("%s: more than %d prompts; split the file", name, MaxPrompts)
		}
		if !jsonl {
			out = append(out, session.BenchPrompt{Prompt: l})
			continue
		}
		var p session.BenchPrompt
		dec := json.NewDecoder(bytes.NewReader([]byte(l)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("%s:%d: not a prompt object (%v); each line is {\"prompt\": \"…\", \"system\": \"…\", \"tag\": \"…\"}", name, i+1, err)
		}
		if strings.TrimSpace(p.Prompt) == "" {
			return nil, fmt.Errorf("%s:%d: the prompt is empty", name, i+1)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no prompts in the file", name)
	}
	return out, nil
}
