package bench

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// CSVHeader names the columns of `fanout bench --csv`, one row per trial
// (a contract: see the README). An unknown figure is an empty cell.
var CSVHeader = []string{
	"trial", "round", "warmup", "model", "label", "provider", "prompt", "tag",
	"outcome", "error_class", "error_code", "http_status",
	"start_ms", "ttft_ms", "ttfo_ms", "e2e_ms", "tpot_ms", "itl_mean_ms", "output_tokens_per_s",
	"input_tokens", "output_tokens", "reasoning_tokens", "tokens_exact", "cost_usd", "cost_source",
}

// WriteCSV writes one row per trial, warm-ups included (marked), in
// schedule order.
func WriteCSV(w io.Writer, targets []session.TargetRecord, prompts []session.BenchPrompt, ms []*Measure) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, m := range ms {
		t := targets[m.Trial.Model]
		tag := ""
		if m.Trial.Prompt < len(prompts) {
			tag = prompts[m.Trial.Prompt].Tag
		}
		st := m.Result.Stats
		code, status := "", ""
		if st.Err != nil {
			code = string(st.Err.Code)
			if st.Err.Status != 0 {
				status = strconv.Itoa(st.Err.Status)
			}
		}
		tok := st.Tokens()
		itl := ""
		if len(m.ITL) > 0 {
			var sum time.Duration
			for _, g := range m.ITL {
				sum += g
			}
			itl = num(ms64(sum) / float64(len(m.ITL)))
		}
		tps := ""
		if v, ok := m.TokensPerSecond(); ok {
			tps = num(v)
		}
		cost := m.Cost()
		usd := ""
		if cost.USD != nil {
			usd = strconv.FormatFloat(*cost.USD, 'g', -1, 64)
		}
		row := []string{
			strconv.Itoa(m.Trial.ID), strconv.Itoa(m.Trial.Round), strconv.FormatBool(m.Trial.Warmup),
			t.Name, t.Label, t.Provider, strconv.Itoa(m.Trial.Prompt), tag,
			string(m.Outcome()), string(m.Class()), code, status,
			num(ms64(m.Start)), dur(m.TTFT()), dur(m.TTFO()), dur(m.E2E()), dur(m.TPOT()), itl, tps,
			strconv.Itoa(tok.Input), strconv.Itoa(tok.Output), strconv.Itoa(tok.Reasoning), strconv.FormatBool(st.Exact()),
			usd, string(cost.Source),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func dur(d time.Duration, ok bool) string {
	if !ok {
		return ""
	}
	return num(ms64(d))
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
