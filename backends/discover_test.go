package backends

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A running Ollama's models are offered, sorted and ready; an empty one
// says to pull a model; something else on its port is named for what it is.
func TestDiscoverOllama(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   []string // model names, or the placeholder's reason
		ready  bool
	}{
		{"models", 200, `{"models":[{"name":"qwen3:4b"},{"name":"llama3.2:latest"},{"name":""}]}`, []string{"llama3.2:latest", "qwen3:4b"}, true},
		{"no models", 200, `{"models":[]}`, []string{"ollama pull"}, false},
		{"not ollama", 404, `not found`, []string{"is not Ollama (HTTP 404 to /api/tags)"}, false},
		{"bad json", 200, `<html>`, []string{"is not Ollama (HTTP 200"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/tags" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://") // OLLAMA_HOST's usual form: host:port
			got := discoverOllama(t.Context(), Options{Getenv: func(k string) string {
				if k == "OLLAMA_HOST" {
					return host
				}
				return ""
			}})
			if tc.ready {
				if len(got) != len(tc.want) {
					t.Fatalf("got %+v", got)
				}
				for i, a := range got {
					if !a.Ready || a.Target.Model != tc.want[i] || a.Target.Name != "ollama:"+tc.want[i] {
						t.Errorf("%d: %+v, want ready %s", i, a, tc.want[i])
					}
				}
				return
			}
			if len(got) != 1 || got[0].Ready || !got[0].Placeholder || !strings.Contains(got[0].Why, tc.want[0]) {
				t.Errorf("got %+v, want a placeholder saying %q", got, tc.want[0])
			}
		})
	}
}

func TestOllamaRoot(t *testing.T) {
	for env, want := range map[[2]string]string{
		{"", ""}:                             "http://localhost:11434",
		{"OLLAMA_HOST", "10.0.0.2:11434"}:    "http://10.0.0.2:11434",
		{"OLLAMA_HOST", "https://box:443/"}:  "https://box:443",
		{"OLLAMA_BASE_URL", "http://h:1/v1"}: "http://h:1",
	} {
		got := ollamaRoot(Options{Getenv: func(k string) string {
			if k == env[0] {
				return env[1]
			}
			return ""
		}})
		if got != want {
			t.Errorf("%s=%s: root %s, want %s", env[0], env[1], got, want)
		}
	}
}

// Bedrock's Chat Completions endpoint is offered with a model it serves
// (OpenAI's), not the Bedrock catalog's suggestion (a Claude it does not).
func TestDiscoverBedrockOpenAIOffersAModelItServes(t *testing.T) {
	env := map[string]string{bedrockTokenVar: "ABSK-test", "AWS_REGION": "us-west-2", "OLLAMA_HOST": "127.0.0.1:1"}
	for _, a := range Discover(t.Context(), Options{Getenv: func(k string) string { return env[k] }}) {
		if a.Target.Provider == "bedrock-openai" {
			if !strings.HasPrefix(a.Target.Model, "openai.") || !a.Ready {
				t.Errorf("bedrock-openai offered %q (ready %v)", a.Target.Model, a.Ready)
			}
			return
		}
	}
	t.Error("bedrock-openai not offered with a Bedrock API key and a region")
}
