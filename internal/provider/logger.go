package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tfLogger sends the client's log lines to tflog with every secret it knows masked.
// The client never logs bodies or the Authorization header; the masks are a second wall.
type tfLogger struct {
	secrets []string
}

func newTFLogger(secrets ...string) *tfLogger {
	var s []string
	for _, v := range secrets {
		if v != "" {
			s = append(s, v)
		}
	}
	return &tfLogger{secrets: s}
}

func (l *tfLogger) mask(ctx context.Context) context.Context {
	if len(l.secrets) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, l.secrets...)
	return tflog.MaskAllFieldValuesStrings(ctx, l.secrets...)
}

func (l *tfLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(l.mask(ctx), msg, fields)
}

func (l *tfLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(l.mask(ctx), msg, fields)
}

func tflogDebug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// maskSecrets masks values in every later log line of ctx: a token a resource holds.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	return newTFLogger(secrets...).mask(ctx)
}
