package main

import (
	"fmt"
	"time"
	_ "time/tzdata" // quiet hours are in Europe/Amsterdam time, also where the system has no zone files

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// followupSettings document the follow-up settings for serve --help.
var followupSettings = []struct{ env, help string }{
	{"PROACTIEF_FOLLOWUP_AFTER", "when a follow-up comes if the person agrees without choosing (a Go duration; default 168h)"},
	{"PROACTIEF_QUIET_HOURS", "no follow-ups from..to, Europe/Amsterdam time, nor on Sundays (default 21:00-09:00; \"off\" disables)"},
}

// followupConfig is the follow-up part of the configuration.
type followupConfig struct {
	after time.Duration
	bot   bot.FollowupOptions
}

// followupFromEnv reads PROACTIEF_FOLLOWUP_AFTER and PROACTIEF_QUIET_HOURS.
func followupFromEnv(env *Env) (followupConfig, error) {
	var c followupConfig
	c.after = dialogue.DefaultFollowupAfter
	if v := env.Getenv("PROACTIEF_FOLLOWUP_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("PROACTIEF_FOLLOWUP_AFTER=%q: want a positive Go duration such as 168h, 24h or 5s", v)
		}
		c.after = d
	}
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return c, fmt.Errorf("quiet hours: %w", err)
	}
	q, err := bot.ParseQuietHours(envOr(env, "PROACTIEF_QUIET_HOURS", bot.DefaultQuietHours), loc)
	if err != nil {
		return c, fmt.Errorf("PROACTIEF_QUIET_HOURS: %w", err)
	}
	c.bot.Quiet = q
	return c, nil
}

// engine sets the engine's follow-up options: asked in the channels that
// deliver them (Telegram, Mattermost), at the configured default, outside
// quiet hours.
func (c followupConfig) engine(o *dialogue.Options) {
	o.FollowupChannels = []string{bot.Telegram, bot.Mattermost}
	o.FollowupAfter = c.after
	o.Allowed = c.bot.Allowed
}

func init() { serveSettings = append(serveSettings, followupSettings...) }
