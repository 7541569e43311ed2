package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	qrcode "github.com/yeqown/go-qrcode/v2"

	"github.com/proactief/proactief/dialogue"
)

func init() {
	register(command{name: "campaign", summary: "a campaign's Telegram deep link and QR code (campaign link NAME)", run: runCampaign})
}

// deploymentCampaigns returns the campaigns of the deployment file at
// path ("" for none); nil when it names none.
var deploymentCampaigns = func(path string) ([]dialogue.Campaign, error) {
	dep, err := loadDeployment(path)
	if err != nil {
		return nil, err
	}
	return dep.Campaigns, nil
}

const campaignUsage = `campaign link NAME [--config FILE] [--bot USERNAME] [--out FILE.png] [--size PIXELS]

Prints the Telegram deep link of campaign NAME (https://t.me/BOT?start=NAME)
and writes it as a QR code PNG, for printing on letters. NAME must be a
[[campaign]] of the deployment file when it has any. The bot's
username comes from --bot, else TELEGRAM_BOT_USERNAME, else the Bot API
(TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE, TELEGRAM_API_URL).`

func runCampaign(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "link" {
		fmt.Fprintf(env.Stderr, "Usage: proactief %s\n", campaignUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	args = args[1:]
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	fs := newFlagSet(env, "campaign link", campaignUsage)
	config := fs.String("config", env.Getenv("PROACTIEF_CONFIG"), "deployment file (env PROACTIEF_CONFIG)")
	botName := fs.String("bot", "", "the bot's Telegram username (env TELEGRAM_BOT_USERNAME)")
	out := fs.String("out", "", "the QR code PNG to write (default NAME.png)")
	size := fs.Int("size", 8, "pixels per QR module (8 gives about 3 cm at 300 dpi)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if name == "" {
		fmt.Fprintf(env.Stderr, "proactief campaign link: name the campaign\n")
		fs.Usage()
		return errUsage
	}
	if *size < 1 || *size > 100 {
		return fmt.Errorf("--size %d: want 1 to 100 pixels per module", *size)
	}
	if !dialogue.ValidCampaignName(name) {
		return fmt.Errorf("campaign %q: a name is lower-case letters, digits, - or _ (at most 64, fewer than 6 digits)", name)
	}
	known, err := deploymentCampaigns(*config)
	if err != nil {
		return err
	}
	var c dialogue.Campaign
	ok := false
	for _, k := range known {
		if k.Name == name {
			c, ok = k, true
		}
	}
	if known != nil && !ok {
		names := make([]string, 0, len(known))
		for _, k := range known {
			names = append(names, k.Name)
		}
		sort.Strings(names)
		return fmt.Errorf("no campaign %q in the deployment file (campaigns: %s)", name, strings.Join(names, ", "))
	}
	username := strings.TrimPrefix(strings.TrimSpace(*botName), "@")
	if username == "" {
		username = strings.TrimPrefix(strings.TrimSpace(env.Getenv("TELEGRAM_BOT_USERNAME")), "@")
	}
	if username == "" {
		if username, err = telegramUsername(ctx, env); err != nil {
			return err
		}
	}
	if !validUsername(username) {
		return fmt.Errorf("bot username %q: Telegram usernames are 5 to 32 letters, digits or _", username)
	}
	link := "https://t.me/" + username + "?start=" + name
	path := *out
	if path == "" {
		path = name + ".png"
	}
	if err := writeQR(path, link, *size); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, link)
	fmt.Fprintf(env.Stdout, "QR code: %s\n", path)
	if ok {
		fmt.Fprintf(env.Stdout, "First message: %s\n", strings.TrimSpace(c.Text))
	} else {
		fmt.Fprintf(env.Stdout, "No campaign text in the deployment file: the conversation is recorded with source %q and starts as usual.\n", name)
	}
	return nil
}

func validUsername(s string) bool {
	if len(s) < 5 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// telegramUsername asks the Bot API (getMe) for the bot's username.
func telegramUsername(ctx context.Context, env *Env) (string, error) {
	token, err := secretFromEnv(env, "TELEGRAM_BOT_TOKEN")
	if err != nil {
		return "", err
	}
	if token == "" {
		return "", errors.New("the bot's username is unknown: give --bot USERNAME, or set TELEGRAM_BOT_USERNAME or TELEGRAM_BOT_TOKEN")
	}
	api := strings.TrimRight(envOr(env, "TELEGRAM_API_URL", "https://api.telegram.org"), "/")
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/bot"+token+"/getMe", nil)
	if err != nil {
		return "", errors.New("TELEGRAM_API_URL is not a URL")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// The error names the URL, which holds the token.
		return "", errors.New("the Bot API could not be reached for the bot's username; give --bot USERNAME")
	}
	defer resp.Body.Close()
	var me struct {
		OK     bool `json:"ok"`
		Result struct {
			Username string `json:"username"`
		} `json:"result"`
		Description string `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || !me.OK {
		return "", fmt.Errorf("the Bot API did not give the bot's username (HTTP %d %s); check the token or give --bot USERNAME", resp.StatusCode, me.Description)
	}
	return me.Result.Username, nil
}

// writeQR writes text as a QR code PNG: black modules of size pixels on
// white, with the four-module quiet zone the standard asks for. Error
// correction level M survives a crease or a stain on a printed letter.
func writeQR(path, text string, size int) error {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	w := &pngWriter{path: path, size: size}
	if err := q.Save(w); err != nil {
		return err
	}
	return nil
}

// pngWriter is a qrcode.Writer that draws the matrix with the standard
// library; the library's own image writer would bring a graphics stack.
type pngWriter struct {
	path string
	size int
}

const quietZone = 4

func (w *pngWriter) Write(mat qrcode.Matrix) error {
	bits := mat.Bitmap()
	n := len(bits)
	side := (n + 2*quietZone) * w.size
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y, row := range bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range w.size {
				for dx := range w.size {
					img.SetColorIndex((x+quietZone)*w.size+dx, (y+quietZone)*w.size+dy, 1)
				}
			}
		}
	}
	f, err := os.Create(w.path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return f.Close()
}

func (w *pngWriter) Close() error { return nil }
