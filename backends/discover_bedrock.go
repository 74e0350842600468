package backends

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// bedrockProbeTimeout bounds the credential look-up done to list Bedrock as
// available; naming a bedrock model explicitly gets the full chain.
const bedrockProbeTimeout = 2 * time.Second

// discoverBedrock reports whether Bedrock can be used here: a region and
// credentials that resolve through the SDK's chain.
//
// The chain is only consulted when something on the machine points at AWS
// (credential variables, a profile, the shared config files). Without that,
// the SDK's last resort is the EC2 instance metadata service, a network
// call that a fresh laptop should not make just to start fanout; on EC2 with
// only an instance role, name the model with -m and the full chain is used.
func discoverBedrock(ctx context.Context, opts Options) Available {
	t := Target{Name: "bedrock:MODEL", Provider: ProviderBedrock, Model: "MODEL", Label: "bedrock"}
	missing := Available{Target: t, Placeholder: true,
		Why: "set AWS_REGION and a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) or AWS credentials (AWS_PROFILE, aws sso login, or AWS_ACCESS_KEY_ID)"}
	if !awsConfigured(opts) {
		return missing
	}
	ctx, cancel := context.WithTimeout(ctx, bedrockProbeTimeout)
	defer cancel()
	b := &bedrock{t: t, opts: opts}
	s, err := b.connect(ctx)
	if err != nil {
		missing.Why = err.Message
		return missing
	}
	model := bedrockDefaultModel(s.region)
	t = Target{Name: "bedrock:" + model, Provider: ProviderBedrock, Model: model, Label: model}
	return Available{Target: t, Ready: true, Why: s.auth + " and region " + s.region}
}

// awsConfigured reports whether anything points at an AWS setup.
func awsConfigured(opts Options) bool {
	for _, k := range []string{bedrockTokenVar, "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if opts.getenv(k) != "" {
			return true
		}
	}
	home := opts.getenv("HOME")
	for _, f := range []string{opts.getenv("AWS_SHARED_CREDENTIALS_FILE"), opts.getenv("AWS_CONFIG_FILE")} {
		if f != "" && fileExists(f) {
			return true
		}
	}
	if home == "" {
		return false
	}
	return fileExists(filepath.Join(home, ".aws", "credentials")) || fileExists(filepath.Join(home, ".aws", "config"))
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// bedrockDefaultModel is the catalog's suggested small Bedrock model, with
// the cross-region inference prefix that matches the region.
func bedrockDefaultModel(region string) string {
	model := catalogSmallModel(ProviderBedrock)
	if model == "" {
		model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
	}
	base, _ := bedrockCatalogID(model)
	prefix := "us."
	switch {
	case strings.HasPrefix(region, "eu-"):
		prefix = "eu."
	case strings.HasPrefix(region, "ap-"):
		prefix = "apac."
	}
	return prefix + base
}
