package etcd

import (
	"context"
	"testing"
)

// TestClaimSecret: the first fingerprint claimed under a prefix stays;
// a later instance with another secret learns the first one.
func TestClaimSecret(t *testing.T) {
	ctx := context.Background()
	s := openShared(t, Options{})
	defer s.Close()
	if got, err := s.ClaimSecret(ctx, "aaaa"); err != nil || got != "aaaa" {
		t.Fatalf("first claim: %q, %v", got, err)
	}
	if got, err := s.ClaimSecret(ctx, "bbbb"); err != nil || got != "aaaa" {
		t.Fatalf("second claim: %q, %v; want the first one kept", got, err)
	}
}
