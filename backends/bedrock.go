package backends

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/auth/bearer"
)

// credentialTimeout bounds loading the AWS configuration and resolving
// credentials. The SDK's chain may end in network look-ups (SSO, STS, the EC2
// instance metadata service): on a machine where none of them answers, a pane
// must fail in seconds, not hang.
const credentialTimeout = 5 * time.Second

// bedrockWho names the provider in error messages.
const bedrockWho = "bedrock"

// bedrock streams from AWS Bedrock with the Converse API. Nothing is resolved
// when it is built: the AWS configuration is loaded on each Stream, with the
// caller's context, so that an `aws sso login` between two runs is picked up
// and one misconfigured model never delays the start of the others.
type bedrock struct {
	t    Target
	opts Options
}

func newBedrock(t Target, opts Options) Backend {
	return &bedrock{t: t, opts: opts}
}

// bedrockSession is what one Stream needs once configuration is resolved.
type bedrockSession struct {
	client   *bedrockruntime.Client
	endpoint string // for messages: where the requests go
	region   string
	secrets  []string // credential values to scrub from every message
	auth     string   // how requests are authenticated, for `fanout models`
}

// bedrockTokenVar holds a Bedrock API key (short- or long-term), which the
// SDK sends as a bearer token instead of signing with AWS credentials.
const bedrockTokenVar = "AWS_BEARER_TOKEN_BEDROCK"

// Ways requests are authenticated, as `fanout models` says them.
const (
	bedrockAuthKey   = "Bedrock API key (" + bedrockTokenVar + ")"
	bedrockAuthSigV4 = "AWS credentials (SigV4)"
)

func (b *bedrock) Stream(ctx context.Context, req Request) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		s, cfgErr := b.connect(ctx)
		if ctx.Err() != nil {
			return // cancelled: no error event
		}
		if cfgErr != nil {
			yield(ErrorEvent(cfgErr))
			return
		}
		b.stream(ctx, s, effective(b.t, req), yield)
	}
}

// stream sends the request and turns the event stream into events.
func (b *bedrock) stream(ctx context.Context, s *bedrockSession, req Request, yield func(Event) bool) {
	got := newProgress() // the text yielded, for a failure's message
	out, err := s.client.ConverseStream(ctx, b.input(req))
	if err != nil {
		if ctx.Err() == nil {
			yield(ErrorEvent(bedrockError(err, false, Progress{}, s)))
		}
		return
	}
	stream := out.GetStream()
	// Close releases the connection and the SDK's reader goroutines, on every
	// path out: the end, an error, a cancelled ctx, a consumer that stopped.
	defer stream.Close()

	var (
		stop    StopReason
		stopped bool // a messageStop arrived
		latency time.Duration
		tier    string // the metadata's serviceTier
		mode    string // the metadata's performanceConfig latency
	)
	events := stream.Events()
	for {
		var ev types.ConverseStreamOutput
		var ok bool
		select {
		case <-ctx.Done():
			return
		case ev, ok = <-events:
		}
		if !ok {
			break
		}
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			kind, text := bedrockDeltaText(v.Value.Delta)
			if text == "" {
				break
			}
			got.add(text)
			if !yield(DeltaEvent(kind, text)) {
				return
			}
		case *types.ConverseStreamOutputMemberMessageStop:
			stop, stopped = bedrockStopReason(v.Value.StopReason), true
		case *types.ConverseStreamOutputMemberMetadata:
			if m := v.Value.Metrics; m != nil && m.LatencyMs != nil {
				latency = time.Duration(*m.LatencyMs) * time.Millisecond
			}
			if st := v.Value.ServiceTier; st != nil {
				tier = servedWord(string(st.Type))
			}
			if pc := v.Value.PerformanceConfig; pc != nil {
				mode = servedWord(string(pc.Latency))
			}
			if u := v.Value.Usage; u != nil && !yield(UsageEvent(bedrockUsage(u))) {
				return
			}
		}
		// messageStart, contentBlockStart/Stop, tool use and unknown events
		// carry nothing fanout shows.
	}

	if ctx.Err() != nil {
		return
	}
	if err := stream.Err(); err != nil {
		if ctx.Err() == nil {
			yield(ErrorEvent(bedrockError(err, true, got.now(), s)))
		}
		return
	}
	if !stopped {
		// The SDK's decoder reports a body cut in the middle of a frame as a
		// clean end of stream, so a missing messageStop is the only sign that
		// the connection dropped.
		yield(ErrorEvent(redactError(TransportErrorAt(bedrockWho, s.endpoint, io.ErrUnexpectedEOF, got.now()), s.secrets)))
		return
	}
	end := DoneEvent(stop, latency)
	end.Done.ServiceTier, end.Done.LatencyMode = tier, mode
	yield(end)
}

// input builds the Converse request.
func (b *bedrock) input(req Request) *bedrockruntime.ConverseStreamInput {
	in := &bedrockruntime.ConverseStreamInput{ModelId: aws.String(b.t.Model)}
	if req.System != "" {
		in.System = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: req.System}}
	}
	for _, m := range req.Messages {
		in.Messages = append(in.Messages, types.Message{
			Role:    types.ConversationRole(m.Role),
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: m.Content}},
		})
	}
	if b.t.ThinkingBudget > 0 && req.MaxTokens == 0 {
		// Claude counts its thinking in maxTokens, which must exceed the
		// budget: without a max_tokens of the user's, the answer gets as
		// much room as an unset max_tokens gives it elsewhere.
		req.MaxTokens = b.t.ThinkingBudget + DefaultAnswerTokens
	}
	if f := bedrockModelFields(b.t); f != nil {
		in.AdditionalModelRequestFields = document.NewLazyDocument(f)
	}
	if b.t.ServiceTier != "" {
		in.ServiceTier = &types.ServiceTier{Type: types.ServiceTierType(b.t.ServiceTier)}
	}
	if b.t.Latency != "" {
		in.PerformanceConfig = &types.PerformanceConfiguration{Latency: types.PerformanceConfigLatency(b.t.Latency)}
	}
	if req.Temperature != nil || req.MaxTokens > 0 {
		ic := &types.InferenceConfiguration{}
		if req.Temperature != nil {
			ic.Temperature = aws.Float32(float32(*req.Temperature))
		}
		if req.MaxTokens > 0 {
			ic.MaxTokens = aws.Int32(int32(min(req.MaxTokens, math.MaxInt32)))
		}
		in.InferenceConfig = ic
	}
	return in
}

// DefaultAnswerTokens is the room left for the answer when a thinking
// budget is set and max_tokens is not: the budget plus this many tokens.
const DefaultAnswerTokens = 4096

// bedrockModelFields are the model's own request fields for its reasoning
// settings (additionalModelRequestFields), nil when it has none set:
// Claude's thinking, gpt-oss's reasoning_effort, Nova 2's reasoningConfig.
// CheckSettings has already refused a setting the model family lacks.
func bedrockModelFields(t Target) map[string]any {
	switch {
	case t.ThinkingBudget > 0:
		return map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": t.ThinkingBudget}}
	case t.ReasoningEffort != "" && bedrockFamily(t.Model) == "nova2":
		return map[string]any{"reasoningConfig": map[string]any{"type": "enabled", "maxReasoningEffort": t.ReasoningEffort}}
	case t.ReasoningEffort != "":
		return map[string]any{"reasoning_effort": t.ReasoningEffort}
	}
	return nil
}

// bedrockDeltaText returns the text a delta carries. Reasoning signatures and
// redacted reasoning are opaque bytes for the model, not text for a person.
func bedrockDeltaText(d types.ContentBlockDelta) (DeltaKind, string) {
	switch v := d.(type) {
	case *types.ContentBlockDeltaMemberText:
		return KindAnswer, v.Value
	case *types.ContentBlockDeltaMemberReasoningContent:
		if t, ok := v.Value.(*types.ReasoningContentBlockDeltaMemberText); ok {
			return KindReasoning, t.Value
		}
	}
	return KindAnswer, ""
}

// bedrockStopReason maps Bedrock's stopReason to ours, the same table as
// OpenAI's finish_reason.
func bedrockStopReason(r types.StopReason) StopReason { return NormalizeStop(string(r)) }

// bedrockUsage converts Bedrock's token counts. Bedrock's inputTokens leaves
// out the tokens read from or written to the prompt cache; Usage.Input counts
// every prompt token, so they are added back.
func bedrockUsage(u *types.TokenUsage) Usage {
	n := func(p *int32) int {
		if p == nil {
			return 0
		}
		return int(*p)
	}
	read, write := n(u.CacheReadInputTokens), n(u.CacheWriteInputTokens)
	return Usage{
		Input:       n(u.InputTokens) + read + write,
		Output:      n(u.OutputTokens),
		CachedInput: read,
		CacheWrite:  write,
		Exact:       true,
	}
}

// connect loads the AWS configuration through the SDK's default chain,
// checks that it names a region and yields credentials, and builds a client.
func (b *bedrock) connect(ctx context.Context) (*bedrockSession, *Error) {
	// A caller's deadline may come sooner (discovery probes for 2 s): the
	// message names the limit that applies.
	limit := credentialTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = time.Until(dl).Round(100 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()

	env, cfgErr := b.loadOptions(ctx)
	if cfgErr != nil {
		return nil, cfgErr
	}
	cfg, err := config.LoadDefaultConfig(ctx, env.load...)
	if err != nil {
		return nil, bedrockConfigError(err)
	}
	if env.isolated {
		// The process environment's region, which LoadDefaultConfig ranks
		// above the shared config file, must not leak into an isolated run.
		cfg.Region = env.region
	}
	if cfg.Region == "" {
		return nil, &Error{Message: "bedrock: no AWS region configured: set AWS_REGION (e.g. us-east-1) or a region in your AWS profile", Code: CodeNoRegion}
	}
	// A Bedrock API key wins over AWS credentials when it is set, as in the
	// SDK (which reads it from the process environment itself): the key is
	// then all a request needs, and no credential chain is consulted.
	token := b.opts.getenv(bedrockTokenVar)
	secrets, auth := []string{token}, bedrockAuthKey
	if token == "" {
		if cfg.Credentials == nil {
			return nil, bedrockNoCredentials(nil)
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				return nil, &Error{Message: fmt.Sprintf("bedrock: looking up AWS credentials took longer than %s: check AWS_PROFILE, or run `aws sso login`", limit), Code: CodeCredentialsTimeout, Retryable: true}
			}
			return nil, bedrockNoCredentials(err)
		}
		secrets, auth = []string{creds.SecretAccessKey, creds.SessionToken}, bedrockAuthSigV4
	}

	// Retries: fanout measures latency, and the SDK's retries are invisible
	// from here, so a retried request would show the first attempt's wait as
	// time to first token. One attempt, unless the user asked for more with
	// AWS_MAX_ATTEMPTS (or max_attempts in the profile).
	if cfg.RetryMaxAttempts == 0 && cfg.Retryer == nil {
		cfg.RetryMaxAttempts = 1
	}
	opts := b.opts
	if opts.HTTPClient == nil {
		// The SDK trusts AWS_CA_BUNDLE for its own client, but Bedrock's
		// requests go through fanout's: it must trust the bundle too, or a
		// corporate TLS proxy that works with the aws CLI fails here.
		if path := opts.getenv("AWS_CA_BUNDLE"); path != "" {
			hc, err := caBundleClient(path)
			if err != nil {
				return nil, err
			}
			opts.HTTPClient = hc
		}
	}
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		// Only Bedrock's own requests get the stall-detecting client; the
		// credential providers (SSO, STS, IMDS) keep the SDK's, whose short
		// timeouts suit them.
		hc := opts.httpClient()
		hc.Transport = ownBodyTransport{base: hc.Transport}
		o.HTTPClient = hc
		if env.isolated {
			o.BaseEndpoint = env.endpoint
		}
		// The token from fanout's own environment reader, not the SDK's
		// look at the process's: tests and `fanout serve` pass their own
		// environment, and a token in the process's must not reach them.
		if token != "" {
			o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: token}}
			o.AuthSchemePreference = []string{"httpBearerAuth"}
		} else {
			o.BearerAuthTokenProvider = nil
			o.AuthSchemePreference = nil
		}
	})
	endpoint := "bedrock-runtime." + cfg.Region + ".amazonaws.com"
	if ep := client.Options().BaseEndpoint; ep != nil && *ep != "" {
		endpoint = *ep
	}
	if token != "" && strings.HasPrefix(strings.ToLower(endpoint), "http://") {
		// The SDK refuses to send a bearer token in clear ("bearer token
		// with HTTP request requires HTTPS"); say what to change.
		return nil, &Error{Message: fmt.Sprintf("bedrock: a Bedrock API key (%s) is only sent over HTTPS, and the endpoint is %s: use an https:// endpoint, or AWS credentials instead of the key", bedrockTokenVar, endpoint), Code: CodeBadConfig}
	}
	return &bedrockSession{client: client, endpoint: endpoint, region: cfg.Region, secrets: secrets, auth: auth}, nil
}

// ownBodyTransport sends a copy of the request body that only net/http holds.
//
// It works around a race in smithy-go: the SDK closes its request body as
// soon as the response headers arrive, and once closed that body's WriteTo
// returns io.EOF. If net/http's write loop has not yet made its final check
// for bytes beyond Content-Length, it takes that io.EOF for a failed write and
// closes the connection, which kills the event stream being read from it.
// On loopback under load, where the answer comes fast, it broke a few
// streams in a hundred.
type ownBodyTransport struct{ base http.RoundTripper }

func (t ownBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return t.base.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	r := req.Clone(req.Context())
	r.ContentLength = int64(len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.base.RoundTrip(r)
}

// bedrockEnv is what Options.Getenv contributes to the SDK's configuration.
// caBundleClient is an HTTP client that trusts the system's roots and the
// PEM certificates in the file at path (AWS_CA_BUNDLE).
func caBundleClient(path string) (*http.Client, *Error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Message: fmt.Sprintf("bedrock: AWS_CA_BUNDLE: cannot read %s: %v; point it at a PEM file of CA certificates, or unset it", path, errors.Unwrap(err)), Code: CodeBadConfig}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &Error{Message: fmt.Sprintf("bedrock: AWS_CA_BUNDLE: %s holds no PEM certificate; point it at a PEM file of CA certificates, or unset it", path), Code: CodeBadConfig}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

type bedrockEnv struct {
	load     []func(*config.LoadOptions) error
	isolated bool    // Options.Getenv is set: the process env must not count
	region   string  // isolated only
	endpoint *string // isolated only; nil means AWS's regional endpoint
}

// loadOptions adapts the SDK to Options.Getenv.
//
// The SDK reads the process environment itself (os.Getenv) and has no hook
// for another one. When Options.Getenv is nil that is what we want, and the
// SDK's default chain runs untouched. When it is set (tests, the SSH server),
// the variables below are read through it and passed as LoadOptions, which
// the SDK ranks above the process environment:
//
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN  static credentials
//	AWS_BEARER_TOKEN_BEDROCK        a Bedrock API key (see connect)
//	AWS_PROFILE                     the profile (else "default", if it exists)
//	AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE  the shared files
//	AWS_REGION, AWS_DEFAULT_REGION  the region (else the profile's)
//	AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL  the endpoint
//	AWS_MAX_ATTEMPTS                retries
//	AWS_EC2_METADATA_DISABLED       no instance metadata look-ups
//
// Credentials then come only from those static keys or from the profile
// (which may use SSO, a credential process, an assumed role…): never from
// the process's own AWS_ACCESS_KEY_ID, nor from the EC2 instance role of the
// machine, unless a profile names it as its credential_source. Settings not
// listed (endpoint_url in the shared config, container and web-identity
// credentials) are not honoured in this mode.
func (b *bedrock) loadOptions(ctx context.Context) (bedrockEnv, *Error) {
	if b.opts.Getenv == nil {
		return bedrockEnv{}, nil
	}
	getenv := b.opts.Getenv
	env := bedrockEnv{isolated: true}
	add := func(f func(*config.LoadOptions) error) { env.load = append(env.load, f) }

	configFile := cmp.Or(getenv("AWS_CONFIG_FILE"), config.DefaultSharedConfigFilename())
	credsFile := cmp.Or(getenv("AWS_SHARED_CREDENTIALS_FILE"), config.DefaultSharedCredentialsFilename())
	add(config.WithSharedConfigFiles([]string{configFile}))
	add(config.WithSharedCredentialsFiles([]string{credsFile}))

	if v, _ := strconv.ParseBool(getenv("AWS_EC2_METADATA_DISABLED")); v {
		add(config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}

	attempts := 1
	if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return env, &Error{Message: fmt.Sprintf("bedrock: AWS_MAX_ATTEMPTS=%q is not a positive number", v), Code: CodeBadConfig}
		}
		attempts = n
	}
	add(config.WithRetryMaxAttempts(attempts))

	// The profile is read here too, for its region and to know whether it
	// exists: naming a missing profile makes LoadDefaultConfig fail.
	profile, named := getenv("AWS_PROFILE"), true
	if profile == "" {
		profile, named = "default", false
	}
	shared, err := config.LoadSharedConfigProfile(ctx, profile, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{configFile}
		o.CredentialsFiles = []string{credsFile}
	})
	var notExist config.SharedConfigProfileNotExistError
	switch {
	case errors.As(err, &notExist):
		if named {
			return env, &Error{Message: fmt.Sprintf("bedrock: AWS profile %q not found in %s or %s: check AWS_PROFILE", profile, configFile, credsFile), Code: CodeNoProfile}
		}
	case err != nil:
		return env, bedrockConfigError(err)
	}
	profileExists := err == nil

	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		add(config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))))
	case profileExists:
		add(config.WithSharedConfigProfile(profile))
	case getenv(bedrockTokenVar) != "":
		// A Bedrock API key needs no AWS credentials (see connect).
	default:
		return env, bedrockNoCredentials(nil)
	}

	env.region = cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if env.region == "" && profileExists {
		env.region = shared.Region
	}
	if env.region != "" {
		add(config.WithRegion(env.region))
	}
	if ep := cmp.Or(getenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"), getenv("AWS_ENDPOINT_URL")); ep != "" {
		env.endpoint = aws.String(ep)
	}
	return env, nil
}

func bedrockConfigError(err error) *Error {
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		return &Error{Message: fmt.Sprintf("bedrock: AWS profile %q not found: check AWS_PROFILE and ~/.aws/config", notExist.Profile), Code: CodeNoProfile}
	}
	return &Error{Message: "bedrock: cannot load the AWS configuration: " + OneLine(Redact(err.Error()), 300), Code: CodeBadConfig}
}

// ssoWord spots the SSO providers' errors (an expired or missing token
// cache), which all name SSO, and which `aws sso login` fixes.
var ssoWord = regexp.MustCompile(`(?i)\bsso\b`)

// bedrockNoCredentials explains how to provide credentials; err is why the
// SDK found none, if it said.
func bedrockNoCredentials(err error) *Error {
	var expired *ssocreds.InvalidTokenError
	if errors.As(err, &expired) || (err != nil && ssoWord.MatchString(err.Error())) {
		return &Error{Message: "bedrock: your AWS SSO session has expired or is missing: run `aws sso login` (with --profile if you use AWS_PROFILE)", Code: CodeNoCredentials}
	}
	msg := "bedrock: no AWS credentials found: set AWS_BEARER_TOKEN_BEDROCK to a Bedrock API key, or AWS_PROFILE to a configured profile (run `aws sso login` first for an SSO profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	if err != nil {
		msg += " (" + OneLine(Redact(err.Error()), 200) + ")"
	}
	return &Error{Message: msg, Code: CodeNoCredentials}
}

// bedrockStatus is the HTTP status of each Bedrock exception, for those that
// arrive inside the event stream, where there is no HTTP status of their own.
var bedrockStatus = map[string]int{
	"AccessDeniedException":         403,
	"ValidationException":           400,
	"ServiceQuotaExceededException": 400,
	"ResourceNotFoundException":     404,
	"ModelTimeoutException":         408,
	"ConflictException":             409,
	"ModelErrorException":           424,
	"ModelStreamErrorException":     424,
	"ModelNotReadyException":        429,
	"ThrottlingException":           429,
	"InternalServerException":       500,
	"ServiceUnavailableException":   503,
}

// bedrockError turns a failed call or stream into one Error. streaming says
// whether the event stream had begun (a failure past that point that is not
// the connection's is a malformed stream), p how far it got.
func bedrockError(err error, streaming bool, p Progress, s *bedrockSession) *Error {
	status := 0
	var retryAfter time.Duration
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
		if r := respErr.Response; r != nil {
			retryAfter = parseRetryAfter(r.Header.Get("Retry-After"), time.Now())
		}
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return bedrockAPIError(status, apiErr.ErrorCode(), Redact(apiErr.ErrorMessage(), s.secrets...), retryAfter, s.auth == bedrockAuthKey)
	}
	if status != 0 {
		// An error response whose body could not be read.
		return StatusError(bedrockWho, status, "", "", retryAfter, bedrockWhat(s.auth == bedrockAuthKey))
	}
	if !streaming || isTransportError(err) {
		return redactError(TransportErrorAt(bedrockWho, s.endpoint, err, p), s.secrets)
	}
	return redactError(MalformedError(bedrockWho, err), s.secrets)
}

// bedrockWhat names what a refusal refused.
func bedrockWhat(apiKey bool) string {
	if apiKey {
		return "your Bedrock API key"
	}
	return "your AWS credentials"
}

// bedrockAPIError explains one of Bedrock's exceptions, from an HTTP error
// response or from an exception frame in the stream (status 0). apiKey says
// the request carried a Bedrock API key rather than AWS credentials.
func bedrockAPIError(status int, code, detail string, retryAfter time.Duration, apiKey bool) *Error {
	// The SDK names an error without a type "UnknownError": it says
	// nothing the status does not.
	if code == "UnknownError" {
		code = ""
	}
	// Exception frames name their type in lower camel case.
	if code != "" {
		code = strings.ToUpper(code[:1]) + code[1:]
	}
	if status == 0 || status == 200 {
		status = bedrockStatus[code]
	}
	if status == 0 {
		// An exception this code does not know, inside the stream.
		return (&Error{Code: ErrorCode(code)}).withDetail(fmt.Sprintf("bedrock reported an error (%s)", code), detail)
	}
	e := StatusError(bedrockWho, status, ErrorCode(code), detail, retryAfter, bedrockWhat(apiKey))
	// StatusError's advice is generic; these exceptions each have a known fix.
	tag := fmt.Sprint(status, " ", code)
	refused := "bedrock refused " + bedrockWhat(apiKey) + " (" + tag + "): "
	var msg string
	if apiKey {
		switch code {
		case "ExpiredTokenException", "UnrecognizedClientException", "AccessDeniedException":
			// Short-term keys last at most 12 hours; a long-term key belongs
			// to an IAM user whose permissions decide the rest.
			msg = refused + "check " + bedrockTokenVar + ": a short-term key expires within 12 hours, and the key's IAM user must be allowed bedrock:InvokeModelWithResponseStream on this model in this region"
		}
	}
	if msg != "" {
		e.withDetail(msg, detail)
		return e
	}
	switch code {
	case "ExpiredTokenException":
		msg = refused + "the session token has expired; refresh your credentials (`aws sso login` for an SSO profile)"
	case "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException":
		msg = refused + "the access key is not valid; check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
	case "AccessDeniedException":
		msg = refused + "check that this identity is allowed bedrock:InvokeModelWithResponseStream and that access to the model is enabled in this region"
	case "ResourceNotFoundException":
		msg = "bedrock does not know this model (" + tag + "): check the model id and AWS_REGION"
	case "ModelNotReadyException":
		msg = "bedrock: the model is not ready yet (" + tag + "); retry in a moment"
	case "ModelStreamErrorException":
		e.Retryable = true
		msg = "bedrock: the model's stream failed (" + tag + "); retry"
	}
	if msg != "" {
		e.withDetail(msg, detail)
	}
	return e
}

// redactError scrubs the credentials from a message built from an SDK error.
func redactError(e *Error, secrets []string) *Error {
	e.Message = Redact(e.Message, secrets...)
	return e
}
