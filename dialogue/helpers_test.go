package dialogue

import (
	"errors"
	"os"
	"testing"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func engineSource(t *testing.T) string {
	t.Helper()
	var all []byte
	for _, f := range []string{"engine.go", "staff.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return string(all)
}
