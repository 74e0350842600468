package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/prices"
	"github.com/fanout-dev/fanout/session"
)

func decodePrices(t *testing.T, out string) []priceRow {
	t.Helper()
	var rows []priceRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("prices --json: %v\n%s", err, out)
	}
	return rows
}

// The models the seed's user compares, each with its price, source and date.
func TestPricesJSON(t *testing.T) {
	cfg := t.TempDir() + "/config.toml"
	writeFile(t, cfg, "[models.prod]\nprovider = \"azure\"\nmodel = \"prod-4o\"\nprice_as = \"azure:gpt-4o\"\n")
	args := []string{"prices", "--json", "--config", cfg,
		"bedrock:openai.gpt-oss-120b-1:0", "bedrock:us.amazon.nova-micro-v1:0", "bedrock:us.meta.llama3-3-70b-instruct-v1:0",
		"bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0", "prod", "gemini:gemini-2.5-pro", "openai:gpt-5.4", "openai:gpt-nope"}
	code, out, errOut := runCLI(t, testEnv(t, nil), "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := decodePrices(t, out)
	if len(rows) != len(args)-4 {
		t.Fatalf("%d rows for %d models", len(rows), len(args)-4)
	}
	for i, r := range rows {
		if r.Name != args[4+i] {
			t.Errorf("row %d named %q, want %q: one row per argument, in order", i, r.Name, args[4+i])
		}
	}
	for _, tc := range []struct {
		row         int
		in, out     float64
		priceSource string
	}{
		{0, 0.15, 0.6, "catalog litellm 2026-08-06"},
		{1, 0.035, 0.14, "catalog litellm 2026-08-06"},
		{2, 0.72, 0.72, "catalog litellm 2026-08-06"},
		{3, 3.3, 16.5, "catalog litellm 2026-08-06"}, // the us. profile's 10 % premium
		{4, 2.5, 10, "catalog litellm 2026-08-06 (as azure:gpt-4o)"},
		{5, 1.25, 10, "catalog litellm 2026-08-06"},
		{6, 2.5, 15, "catalog litellm 2026-08-06"},
	} {
		r := rows[tc.row]
		if r.Price == nil || r.Price.Input != tc.in || r.Price.Output != tc.out || r.PriceSource == nil || *r.PriceSource != tc.priceSource ||
			r.Source == nil || *r.Source != "litellm" || r.AsOf == nil || *r.AsOf != "2026-08-06" {
			t.Errorf("%s: %+v, want %v/%v from %s", r.Name, r, tc.in, tc.out, tc.priceSource)
		}
	}
	// The snapshot is over 90 days old today.
	if !rows[0].Stale {
		t.Error("a snapshot of 2026-08-06 not flagged as old")
	}
	// Catwalk prices the us. profile at the US list price: shown, not used.
	if d := rows[3].Disagree; len(d) != 1 || d[0].PriceSource != "catwalk v0.52.1" || d[0].Price.Input != 3 {
		t.Errorf("sonnet us. disagreement: %+v", d)
	}
	sonnet := rows[3].Price
	if sonnet.Above200K == nil || sonnet.Above200K.Input != 6.6 || sonnet.Tiers["priority"] != nil {
		t.Errorf("sonnet us. long context and tiers: %+v", sonnet)
	}
	gpt := rows[6].Price
	if pri := gpt.Tiers["priority"]; pri == nil || pri.Input != 5 || pri.Output != 30 {
		t.Errorf("gpt-5.4 priority: %+v", pri)
	}
	if len(gpt.LongContext) != 1 || gpt.LongContext[0].AboveTokens != 272_000 || gpt.Above200K != nil {
		t.Errorf("gpt-5.4 long context: %+v, above_200k %+v", gpt.LongContext, gpt.Above200K)
	}
	// Unknown is null, never zero.
	if u := rows[7]; u.Price != nil || u.Source != nil || u.AsOf != nil || u.PriceSource != nil {
		t.Errorf("unknown model: %+v", u)
	}
	if !strings.Contains(out, `"price": null`) {
		t.Error("an unknown price is not written as null")
	}
}

func TestPricesText(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "prices", "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0", "openai:gpt-nope")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0  catalog litellm 2026-08-06 (over 90 days old)",
		"per 1M tokens  input $3.30 · output $16.50 · cache read $0.33 · cache write $4.125",
		"above 200k     input $6.60",
		"catwalk v0.52.1 says input $3.00 · output $15.00 · cache read $0.30 · cache write $3.75 — not used: catalog litellm 2026-08-06 wins",
		"openai:gpt-nope\n  unknown:",
		"'fanout prices update'",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestPricesUpdate(t *testing.T) {
	snapshot, err := os.ReadFile("../../prices/litellm_snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	// The catalog of later: gpt-4o-mini's input price has changed.
	good := strings.Replace(string(snapshot), `"input_cost_per_token":1.5e-7,"input_cost_per_token_batches":7.5e-8,"input_cost_per_token_priority":2.5e-7,"litellm_provider":"openai"`,
		`"input_cost_per_token":1e-7,"input_cost_per_token_batches":7.5e-8,"input_cost_per_token_priority":2.5e-7,"litellm_provider":"openai"`, 1)
	if good == string(snapshot) {
		t.Fatal("the snapshot's gpt-4o-mini line changed: fix the test's edit")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/prices.json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(good)) })
	mux.HandleFunc("/cut.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(good)))
		w.Write([]byte(good[:len(good)/3]))
	})
	mux.HandleFunc("/portal", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body>Sign in to the hotel Wi-Fi</body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := testEnv(t, nil)

	code, out, errOut := runCLI(t, env, "", "prices", "update", "--url", srv.URL+"/prices.json")
	today := time.Now().UTC().Format(time.DateOnly)
	if code != exitOK || !strings.Contains(out, "dated "+today) {
		t.Fatalf("update: exit %d\n%s%s", code, out, errOut)
	}
	dir := filepath.Join(env("HOME"), ".cache", "fanout", "prices")
	if _, err := os.Stat(filepath.Join(dir, "litellm-"+today+".json")); err != nil {
		t.Fatalf("no updated catalog in the cache: %v", err)
	}
	check := func(when string) {
		t.Helper()
		code, out, errOut := runCLI(t, env, "", "prices", "--json", "openai:gpt-4o-mini", "openai:gpt-5.4")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", when, code, errOut)
		}
		rows := decodePrices(t, out)
		if p := rows[0]; p.Price == nil || p.Price.Input != 0.1 || *p.PriceSource != "updated "+today || *p.Source != "updated" || *p.AsOf != today || p.Stale {
			t.Errorf("%s: gpt-4o-mini %+v, want the updated price", when, p)
		}
		if p := rows[1]; p.Price == nil || *p.PriceSource != "updated "+today {
			t.Errorf("%s: gpt-5.4 %+v", when, p)
		}
	}
	check("after the update")

	for _, tc := range []struct{ path, want string }{
		{"/cut.json", "the download broke off"},
		{"/portal", "HTML page"},
		{"/missing.json", "404 Not Found"},
	} {
		code, _, errOut := runCLI(t, env, "", "prices", "update", "--url", srv.URL+tc.path)
		if code != exitFail || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "the prices in use are unchanged (the catalog updated "+today+")") {
			t.Errorf("%s: exit %d, stderr %q", tc.path, code, errOut)
		}
	}
	check("after refused downloads")
}

// A run against the loopback Bedrock server with no price in the config is
// priced from the catalog: exactly tokens × Nova Micro's list price, said
// to come from it, and recorded so that the replay costs the same.
func TestRunBedrockPricedFromCatalog(t *testing.T) {
	srv := testserver.NewBedrock(t, testserver.BedrockRawFile(t, "../../backends/testdata/streams/bedrock-converse-nova-micro-wire.eventstream", 256, 0)...)
	env := bedrockCLIEnv(t, srv.URL(), nil)
	code, out, errOut := runCLI(t, env, "", "run", "--json", "-m", "bedrock:us.amazon.nova-micro-v1:0", "What is the capital of France?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out).Results[0]
	// 13 input and 82 output tokens at $0.035 and $0.14 per million.
	want := (13*0.035 + 82*0.14) / 1e6
	if r.Usage.Input != 13 || r.Usage.Output != 82 || r.Cost.Source != session.CostComputed || r.Cost.USD == nil || abs(*r.Cost.USD-want) > 1e-15 {
		t.Errorf("usage %+v cost %+v, want computed %v", r.Usage, r.Cost, want)
	}
	if r.PriceSource == nil || *r.PriceSource != "catalog litellm "+prices.SnapshotDate {
		t.Errorf("price_source = %v", r.PriceSource)
	}

	files, _ := filepath.Glob(filepath.Join(session.DefaultDir(env), "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("session files: %v", files)
	}
	f, err := session.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	p := f.Header.Targets[0].Price
	if p == nil || p.Input != 0.035 || p.Output != 0.14 || p.Provenance() != "catalog litellm "+prices.SnapshotDate {
		t.Errorf("header price %+v", p)
	}
	code, out, errOut = runCLI(t, env, "", "replay", "--json", files[0])
	if code != exitOK {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	rr := decodeReport(t, out).Results[0]
	if rr.Cost.USD == nil || *rr.Cost.USD != *r.Cost.USD || rr.PriceSource == nil || *rr.PriceSource != *r.PriceSource {
		t.Errorf("replay cost %+v from %v, run's %+v from %v", rr.Cost, rr.PriceSource, r.Cost, *r.PriceSource)
	}
}

// With no MODEL, every usable model: here, with nothing configured, the
// demo models, whose prices are made up and said to be.
func TestPricesEveryUsableModel(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "prices", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := decodePrices(t, out)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Name] = true
		if r.Provider == "demo" && (r.Price == nil || r.Source == nil || *r.Source != "simulated" || r.Stale) {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if !seen["demo:swift"] || !seen["demo:sage"] {
		t.Errorf("rows %v lack the demo models", seen)
	}
}
