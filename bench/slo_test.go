package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func TestParseSLOs(t *testing.T) {
	slos, err := ParseSLOs("ttft_p90=800ms, tpot_p50=40ms,error_rate=1%,cost_per_run=$0.002,output_tokens_per_s_p10=50,goodput=90%")
	if err != nil {
		t.Fatal(err)
	}
	want := []SLO{
		{Key: "ttft_p90", Metric: "ttft", Stat: "p90", Limit: 800},
		{Key: "tpot_p50", Metric: "tpot", Stat: "p50", Limit: 40},
		{Key: "error_rate", Metric: "error_rate", Limit: 0.01},
		{Key: "cost_per_run", Metric: "cost_per_run", Limit: 0.002},
		{Key: "output_tokens_per_s_p10", Metric: "output_tokens_per_s", Stat: "p10", Limit: 50, Min: true},
		{Key: "goodput", Metric: "goodput", Limit: 0.9, Min: true},
	}
	if len(slos) != len(want) {
		t.Fatalf("%+v", slos)
	}
	for i := range want {
		if slos[i] != want[i] {
			t.Errorf("slo %d = %+v, want %+v", i, slos[i], want[i])
		}
	}
	for in, say := range map[string]string{
		"ttft_p90":        "write name=limit",
		"ttft_p95=1s":     "unknown SLO",
		"ttft_p90=800":    "give the unit",
		"error_rate=lots": "not a number",
		"e2e_max=-1s":     "above zero",
	} {
		if _, err := ParseSLOs(in); err == nil || !strings.Contains(err.Error(), say) {
			t.Errorf("%q: error %v, want it to say %q", in, err, say)
		}
	}
}

func TestSLOsWithoutDataFail(t *testing.T) {
	slos, _ := ParseSLOs("ttft_p50=1s,error_rate=50%")
	mr := ModelReport{Runs: 2, OK: 0, ErrorRate: ptr(1.0)}
	res, pass := evaluate(slos, &mr)
	if pass || res["ttft_p50"].Value != nil || res["ttft_p50"].Pass || res["error_rate"].Pass {
		t.Errorf("a model with no answer passes: %v %+v", pass, res)
	}
	if _, pass := evaluate(nil, &mr); pass {
		t.Error("a model that never answered passes with no SLO")
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  *backends.Error
		want ErrorClass
	}{
		{&backends.Error{Status: 429}, ErrRateLimited},
		{&backends.Error{Code: "ThrottlingException", Status: 400}, ErrRateLimited},
		{&backends.Error{Status: 503}, ErrServer},
		{&backends.Error{Status: 529}, ErrServer},
		{&backends.Error{Status: 401}, ErrRefused},
		{&backends.Error{Status: 403}, ErrRefused},
		{&backends.Error{Code: backends.CodeTimeout}, ErrTimeout},
		{&backends.Error{Status: 408}, ErrTimeout},
		{&backends.Error{Code: backends.CodeStalled}, ErrStalled},
		{&backends.Error{Code: backends.CodeConnectionDropped}, ErrDropped},
		{&backends.Error{Status: 400}, ErrOther},
		{&backends.Error{Code: backends.CodeConnectionRefused}, ErrOther},
	}
	for _, tc := range cases {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestParseLimits(t *testing.T) {
	l, err := ParseLimits("ttft=500ms,tpot=50ms")
	if err != nil || l != (Limits{TTFT: 500 * time.Millisecond, TPOT: 50 * time.Millisecond}) {
		t.Errorf("%+v %v", l, err)
	}
	if _, err := ParseLimits("ttft"); err == nil {
		t.Error("no limit accepted")
	}
}

func FuzzParseSLOs(f *testing.F) {
	for _, s := range []string{"ttft_p90=800ms,tpot_p50=40ms,error_rate=1%,cost_per_run=$0.002", "goodput=90%", "itl_max=1h", "x=", "=", ",,", "ttft_p50=1e308s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slos, err := ParseSLOs(s)
		if err != nil {
			return
		}
		for _, slo := range slos {
			if slo.Limit < 0 || slo.Limit != slo.Limit {
				t.Fatalf("%q: limit %v", s, slo.Limit)
			}
		}
		mr := ModelReport{}
		evaluate(slos, &mr) // no data: must not panic
	})
}
