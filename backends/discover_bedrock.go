package backends

import "context"

// discoverBedrock reports whether Bedrock can be used here.
func discoverBedrock(ctx context.Context, opts Options) Available {
	t := Target{Name: "bedrock:MODEL", Provider: ProviderBedrock, Model: "MODEL", Label: "bedrock"}
	return Available{Target: t, Why: "set AWS_REGION and AWS credentials (AWS_PROFILE, aws sso login, or AWS_ACCESS_KEY_ID)", Placeholder: true}
}
