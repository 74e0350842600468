package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// Bedrock's failures, through the real AWS SDK client over its eventstream
// wire format, land in the bench's error classes.
func TestBenchBedrockErrorClasses(t *testing.T) {
	cases := []struct {
		name   string
		script []testserver.BedrockStep
		class  bench.ErrorClass
	}{
		{"throttled before the stream", []testserver.BedrockStep{testserver.BedrockHTTPError(429, "ThrottlingException", "Rate exceeded")}, bench.ErrRateLimited},
		{"throttled mid-stream", append(testserver.BedrockText(4, 2, "Hi")[:2], testserver.BedrockException("throttlingException", "Too many tokens")), bench.ErrRateLimited},
		{"unavailable", []testserver.BedrockStep{testserver.BedrockHTTPError(503, "ServiceUnavailableException", "try later")}, bench.ErrServer},
		{"access denied", []testserver.BedrockStep{testserver.BedrockHTTPError(403, "AccessDeniedException", "no access")}, bench.ErrRefused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testserver.NewBedrock(t, tc.script...)
			code, out, errOut := runCLI(t, bedrockCLIEnv(t, srv.URL(), nil), "", "bench", "--json", "--no-save", "-n", "2", "--warmup", "0",
				"-m", "bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0", "hi")
			if code != exitFail {
				t.Errorf("exit %d, want 1 (no successful trial): %s", code, errOut)
			}
			rep := decodeBench(t, out)
			m := rep.Models[0]
			if m.Runs != 2 || m.OK != 0 || m.Errors[tc.class] != 2 {
				t.Errorf("runs %d ok %d errors %v, want 2 %s", m.Runs, m.OK, m.Errors, tc.class)
			}
			if m.TTFT.P50 != nil || m.SLOPass || rep.SLOPass {
				t.Errorf("a model without an answer: ttft %v, slo_pass %v", deref(m.TTFT.P50), m.SLOPass)
			}
			if len(srv.Requests()) != 2 {
				t.Errorf("%d requests for 2 trials: a failed trial is never retried", len(srv.Requests()))
			}
			if strings.Contains(out+errOut, testserver.BedrockTestSecretAccessKey) {
				t.Error("the secret access key leaked")
			}
			if tc.class != bench.ErrRateLimited || tc.name != "throttled before the stream" {
				return
			}
			// Refused before anything streamed: a certain $0 per run.
			if c := m.Cost; c.Source != session.CostUnbilled || c.PerRun == nil || *c.PerRun != 0 || c.PerThousand != nil {
				t.Errorf("cost %+v, want unbilled $0 per run and no cost per answer", fmt.Sprint(c))
			}
		})
	}
}
