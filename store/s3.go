package store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options is how the S3 client is made.
type S3Options struct {
	// Getenv is fanout's environment reader: the AWS variables are read
	// through it (so tests and the SSH server pass their own), and the SDK's
	// shared config files and profiles do the rest.
	Getenv func(string) string
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
}

// s3Bucket is a Bucket on aws-sdk-go-v2's S3 client.
type s3Bucket struct {
	client   *s3.Client
	name     string
	endpoint string // "" for AWS's own
	secrets  []string
	// partSize is the part of a multipart upload; a body of more than
	// two parts goes up in parts (a long bench's file), so that a dropped
	// connection costs one part, not the whole file.
	partSize int
}

// defaultPartSize is 8 MiB: S3's minimum part is 5 MiB, and sessions
// under 16 MiB, nearly all of them, go up in one PUT.
const defaultPartSize = 8 << 20

// credentialTimeout bounds the credential look-up (an SSO or a credential
// process may be slow; instance metadata on a laptop never answers).
const credentialTimeout = 10 * time.Second

// noCredentials says how to give the store credentials; err is why the
// SDK found none.
func noCredentials(loc Location, err error) error {
	msg := fmt.Sprintf("store %s: no AWS credentials: set AWS_PROFILE to a configured profile (run `aws sso login` first for an SSO one), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", loc)
	if err != nil {
		s := err.Error()
		if len(s) > 300 {
			s = s[:300] + "…"
		}
		msg += " (" + s + ")"
	}
	return errors.New(msg)
}

// OpenS3 makes the client for a location. It reads, through o.Getenv:
//
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN  static credentials
//	AWS_PROFILE, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE  a profile (SSO, a credential process, a role…)
//	AWS_REGION, AWS_DEFAULT_REGION  the region (else the profile's; us-east-1 for a custom endpoint)
//	AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL  an S3-compatible server (MinIO, R2, SeaweedFS, Ceph)
//	AWS_EC2_METADATA_DISABLED       no instance metadata look-ups
//
// A custom endpoint is addressed path-style (http://host/BUCKET/KEY): most
// S3-compatible servers have no DNS name per bucket.
func OpenS3(ctx context.Context, loc Location, o S3Options) (Bucket, error) {
	getenv := o.Getenv
	if getenv == nil {
		return nil, errors.New("store: no environment reader")
	}
	var load []func(*config.LoadOptions) error
	add := func(f func(*config.LoadOptions) error) { load = append(load, f) }
	configFile := cmp.Or(getenv("AWS_CONFIG_FILE"), config.DefaultSharedConfigFilename())
	credsFile := cmp.Or(getenv("AWS_SHARED_CREDENTIALS_FILE"), config.DefaultSharedCredentialsFilename())
	add(config.WithSharedConfigFiles([]string{configFile}))
	add(config.WithSharedCredentialsFiles([]string{credsFile}))
	if v, _ := strconv.ParseBool(getenv("AWS_EC2_METADATA_DISABLED")); v {
		add(config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	id, secret, token := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	if id != "" && secret != "" {
		add(config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, token)))
	} else if p := getenv("AWS_PROFILE"); p != "" {
		add(config.WithSharedConfigProfile(p))
	}
	endpoint := cmp.Or(getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"))
	region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if region != "" {
		add(config.WithRegion(region))
	}
	if o.HTTPClient != nil {
		add(config.WithHTTPClient(o.HTTPClient))
	}
	// Retries are the uploader's (with its own backoff, see Uploader): the
	// SDK's would hold a listing up for a dead store.
	add(config.WithRetryMaxAttempts(2))
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("store %s: cannot load the AWS configuration: %s; check AWS_PROFILE and ~/.aws/config", loc, redact(err.Error(), secret, token))
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return nil, fmt.Errorf("store %s: no AWS region configured: set AWS_REGION (e.g. us-east-1) or a region in your AWS profile", loc)
		}
		cfg.Region = "us-east-1" // what MinIO and SeaweedFS sign with unless told; R2 takes any
	}
	// Credentials are looked up once, here, so that a missing or expired
	// one is said plainly before anything is recorded, not as the cause of
	// every failed upload.
	if cfg.Credentials == nil {
		return nil, noCredentials(loc, nil)
	}
	cctx, cancel := context.WithTimeout(ctx, credentialTimeout)
	creds, err := cfg.Credentials.Retrieve(cctx)
	cancel()
	if err != nil {
		return nil, noCredentials(loc, errors.New(redact(err.Error(), secret, token)))
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
			so.UsePathStyle = true
			// S3-compatible servers lag AWS on the newer default checksums
			// (R2 and older MinIO refuse them): send one only where the
			// operation requires it.
			so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &s3Bucket{client: client, name: loc.Bucket, endpoint: shownEndpoint(endpoint), secrets: []string{secret, token, creds.SecretAccessKey, creds.SessionToken}, partSize: defaultPartSize}, nil
}

func (b *s3Bucket) Put(ctx context.Context, key string, body []byte, onlyNew bool) (string, error) {
	if len(body) > 2*b.partSize && !onlyNew {
		return b.putParts(ctx, key, body)
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(b.name),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType(key)),
	}
	if onlyNew {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := b.client.PutObject(ctx, in)
	if err != nil {
		if status(err) == http.StatusPreconditionFailed {
			return "", fmt.Errorf("put %s: %w", key, ErrExists)
		}
		return "", b.wrap("put", key, err)
	}
	return aws.ToString(out.ETag), nil
}

// putParts uploads a large body by multipart upload; a failed upload is
// aborted, so that its parts do not linger (and cost) in the bucket.
func (b *s3Bucket) putParts(ctx context.Context, key string, body []byte) (string, error) {
	up, err := b.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(b.name), Key: aws.String(key), ContentType: aws.String(contentType(key)),
	})
	if err != nil {
		return "", b.wrap("start a multipart upload of", key, err)
	}
	abort := func(err error) (string, error) {
		// A context of its own: the abort matters most when ctx has ended.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = b.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b.name), Key: aws.String(key), UploadId: up.UploadId})
		return "", err
	}
	var parts []types.CompletedPart
	for n, off := int32(1), 0; off < len(body); n, off = n+1, off+b.partSize {
		chunk := body[off:min(off+b.partSize, len(body))]
		out, err := b.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(b.name), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(n),
			Body: bytes.NewReader(chunk), ContentLength: aws.Int64(int64(len(chunk))),
		})
		if err != nil {
			return abort(b.wrap(fmt.Sprintf("upload part %d of", n), key, err))
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	out, err := b.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(b.name), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return abort(b.wrap("complete the multipart upload of", key, err))
	}
	return aws.ToString(out.ETag), nil
}

func (b *s3Bucket) Get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		return nil, "", b.wrap("get", key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", b.wrap("get", key, err)
	}
	return body, aws.ToString(out.ETag), nil
}

func (b *s3Bucket) List(ctx context.Context, prefix string, fn func(Object) error) error {
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: aws.String(b.name), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.wrap("list", prefix, err)
		}
		for _, o := range page.Contents {
			if err := fn(Object{Key: aws.ToString(o.Key), ETag: aws.ToString(o.ETag), Size: aws.ToInt64(o.Size)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// wrap names the operation, the object and the bucket, says what to do for
// the errors a user can fix, and keeps any credential out of the message.
func (b *s3Bucket) wrap(op, key string, err error) error {
	where := fmt.Sprintf("s3://%s/%s", b.name, key)
	if b.endpoint != "" {
		where += " at " + b.endpoint
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		hint := ""
		switch apiErr.ErrorCode() {
		case "NoSuchBucket":
			hint = ": the bucket does not exist; create it, or fix the bucket in --store"
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken":
			hint = ": check the store's credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and the bucket's permissions"
		}
		return &Error{Op: op, Where: where, Msg: redact(apiErr.ErrorCode()+": "+apiErr.ErrorMessage(), b.secrets...) + hint, Status: status(err), err: err}
	}
	return &Error{Op: op, Where: where, Msg: redact(err.Error(), b.secrets...), Status: status(err), err: err}
}

// shownEndpoint is the endpoint as errors name it: without any user or
// password written into the URL.
func shownEndpoint(ep string) string {
	u, err := url.Parse(ep)
	if err != nil || u.User == nil {
		return ep
	}
	u.User = nil
	return u.String()
}

// Error is a failed store operation.
type Error struct {
	Op, Where, Msg string
	Status         int // HTTP status, 0 when none came back
	err            error
}

func (e *Error) Error() string { return fmt.Sprintf("store: %s %s: %s", e.Op, e.Where, e.Msg) }
func (e *Error) Unwrap() error { return e.err }

// NotFound says the object does not exist.
func NotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func contentType(key string) string {
	if strings.HasSuffix(key, ".json") {
		return "application/json"
	}
	return "application/x-ndjson"
}

// redact removes the given secrets from a message.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
