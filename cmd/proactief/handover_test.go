package main

import (
	"strings"
	"testing"
	"time"
)

func TestHandoverFromEnv(t *testing.T) {
	env := func(vars ...string) *Env {
		m := map[string]string{}
		for _, v := range vars {
			k, val, _ := strings.Cut(v, "=")
			m[k] = val
		}
		return &Env{Getenv: func(k string) string { return m[k] }}
	}
	o, err := handoverFromEnv(env())
	if err != nil || o.Desk || !o.Hours.Always() || o.Wait != 0 || o.WorkerName {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	o, err = handoverFromEnv(env("MATTERMOST_URL=http://mm", "MATTERMOST_HANDOVER_CHANNEL=gemeente/overdracht",
		"PROACTIEF_OFFICE_HOURS=ma-vr 09:00-17:00", "PROACTIEF_HANDOVER_WAIT=15m", "PROACTIEF_HANDOVER_WORKER_NAME=ja"))
	if err != nil || !o.Desk || o.Hours.Always() || o.Wait != 15*time.Minute || !o.WorkerName {
		t.Fatalf("all set: %+v %v", o, err)
	}
	for _, bad := range [][]string{
		{"MATTERMOST_URL=http://mm", "MATTERMOST_HANDOVER_CHANNEL=overdracht"},
		{"MATTERMOST_URL=http://mm", "MATTERMOST_HANDOVER_CHANNEL=a/b/c"},
		{"MATTERMOST_HANDOVER_CHANNEL=gemeente/overdracht"},
		{"PROACTIEF_OFFICE_HOURS=werkdagen"},
		{"PROACTIEF_OFFICE_HOURS=ma-vr 17:00-09:00"},
		{"PROACTIEF_HANDOVER_WAIT=10"},
		{"PROACTIEF_HANDOVER_WAIT=5s"},
		{"PROACTIEF_HANDOVER_WORKER_NAME=misschien"},
	} {
		if _, err := handoverFromEnv(env(bad...)); err == nil {
			t.Errorf("%v: no error", bad)
		} else if name, _, _ := strings.Cut(bad[len(bad)-1], "="); !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %q does not name %s", bad, err, name)
		}
	}
}
