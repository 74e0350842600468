package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// A model (or a proxy in front of it) that repeats the request's key, whole
// in one delta and again a few letters a delta, and the keys of other
// providers and of AWS: no output of `fanout run` shows any of them —
// text, --json, --events, with or without a session file — and what the
// model said around them is kept.
func TestEchoedKeysNeverPrinted(t *testing.T) {
	const key = "sk-proj-ECHOEDSECRET0123456789"
	const groq = "gsk_OTHERPROVIDERKEY0123456789"
	const aws = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	split := []testserver.Step{testserver.Content("Bearer " + key + " and ")}
	for i := 0; i < len(key); i += 3 {
		split = append(split, testserver.Content(key[i:min(i+3, len(key))]))
	}
	split = append(split, testserver.Content(", also "+groq[:10]), testserver.Content(groq[10:]+" / "+aws+"."),
		testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 5, Completion: 9}), testserver.Done())
	for _, mode := range [][]string{{}, {"--json"}, {"--events"}, {"--no-save"}, {"--json", "--no-save"}} {
		t.Run(strings.Join(append([]string{"run"}, mode...), " "), func(t *testing.T) {
			srv := testserver.NewOpenAI(t, split...)
			sessions := t.TempDir()
			getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": key, "OPENAI_BASE_URL": srv.URL(),
				"GROQ_API_KEY": groq, "AWS_SECRET_ACCESS_KEY": aws})
			args := append(append([]string{"run", "--sessions-dir", sessions}, mode...), "-m", "openai:gpt-4o-mini", "my key is "+key)
			code, out, errOut := runCLI(t, getenv, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			files, _ := filepath.Glob(filepath.Join(sessions, "*"))
			saved := ""
			for _, f := range files {
				b, _ := os.ReadFile(f)
				saved += string(b)
			}
			for _, s := range []string{key, groq, aws, "ECHOEDSECRET", "OTHERPROVIDER"} {
				if strings.Contains(out+errOut+saved, s) {
					t.Fatalf("%q shown:\nstdout %s\nstderr %s\nfile %s", s, out, errOut, saved)
				}
			}
			if n := strings.Count(out, "[redacted]"); n < 3 {
				t.Errorf("want the answer kept around [redacted] marks, got %d marks:\n%s", n, out)
			}
			if !strings.Contains(out, " and ") || !strings.Contains(out, ", also ") {
				t.Errorf("the text around the keys is lost:\n%s", out)
			}
			if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer "+key {
				t.Fatalf("the key must still be sent: %+v", reqs)
			}
		})
	}
}

// An upstream's error that repeats another provider's key or the AWS
// secret is scrubbed of them in the results and on stderr, not only of the
// failing model's own key.
func TestErrorEchoOfAnyKnownSecretScrubbed(t *testing.T) {
	const key = "sk-proj-OWNKEY0123456789abcdef"
	const aws, token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
	const custom = "custom-llm-key-0123456789" // named only by the config's api_key_env
	body := `{"error":{"message":"bad auth; saw ` + aws + ` and ` + token + ` and ` + custom + `","type":"invalid_request_error","code":"invalid_api_key"}}`
	for _, mode := range [][]string{{}, {"--json"}, {"--events"}} {
		srv := testserver.NewOpenAI(t, testserver.Respond(401, body))
		cfg := filepath.Join(t.TempDir(), "config.toml")
		writeFile(t, cfg, "[models.box]\nprovider = \"openai\"\nmodel = \"m\"\nbase_url = \""+srv.URL()+"\"\napi_key_env = \"BOX_LLM\"\n")
		getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": key, "BOX_LLM": custom,
			"AWS_SECRET_ACCESS_KEY": aws, "AWS_SESSION_TOKEN": token})
		args := append(append([]string{"run", "--config", cfg, "--no-save"}, mode...), "-m", "box", "hi")
		code, out, errOut := runCLI(t, getenv, "", args...)
		if code != exitFail {
			t.Errorf("%v: exit %d", mode, code)
		}
		for _, s := range []string{aws, token, custom} {
			if strings.Contains(out+errOut, s) {
				t.Errorf("%v: %q shown:\n%s\n%s", mode, s, out, errOut)
			}
		}
		if !strings.Contains(out+errOut, "[redacted]") {
			t.Errorf("%v: the scrubbed message should still be there:\n%s\n%s", mode, out, errOut)
		}
	}
}

// What a command prints last, its error on stderr, is scrubbed of every key
// fanout knows, even one the user typed where an ID belongs.
func TestCommandErrorScrubbed(t *testing.T) {
	const key = "sk-proj-TYPEDBYMISTAKE0123456789"
	getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": key})
	code, out, errOut := runCLI(t, getenv, "", "replay", "--sessions-dir", t.TempDir(), key)
	if code == exitOK || errOut == "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out+errOut, "TYPEDBYMISTAKE") || !strings.Contains(errOut, "[redacted]") {
		t.Errorf("stderr: %s", errOut)
	}
}

// The serve log writes each record in one write: each is scrubbed whole.
func TestScrubbedWriter(t *testing.T) {
	var b strings.Builder
	w := scrubbedWriter{w: &b, secrets: session.NewSecrets([]string{"sk-logged-0123456789"})}
	msg := "level=WARN msg=\"model error\" err=\"invalid key sk-logged-0123456789\"\n"
	if n, err := w.Write([]byte(msg)); err != nil || n != len(msg) {
		t.Fatalf("wrote %d, %v", n, err)
	}
	if got := b.String(); got != "level=WARN msg=\"model error\" err=\"invalid key [redacted]\"\n" {
		t.Errorf("logged %q", got)
	}
}
