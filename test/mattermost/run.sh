#!/usr/bin/env bash
# End-to-end test of proactief against a real Mattermost server.
#
# Builds (once, cached) the Mattermost server pinned in server/go.mod,
# starts a throwaway PostgreSQL cluster and Mattermost on loopback (random
# free ports), creates an admin, a team, a staff user and a bot account
# with a token through the REST API, runs `proactief serve` against it and
# has the staff user hold a conversation by direct message: staff commands
# (!trace, !segment, !transcript), numbered answers, and a SIGKILL of
# proactief mid-conversation with a message written while it is down.
# Then the handover: a citizen on the repository's fake Telegram Bot API
# (test/mattermost/citizen) asks for a person; the card appears in the
# staff channel gemeente/overdracht; the staff user takes it with the
# card's button (through the real server's action endpoint), both talk
# (a photo too), proactief is killed mid-relay with messages written on
# both sides while it is down, the worker closes with !sluit, and the
# citizen's /vergeet deletes the bot's posts. Every message must arrive
# exactly once, in order.
# Every reply is checked; everything started is stopped on exit.
#
# When the server cannot be built or started it prints a line starting
# with "SKIPPED:" and exits 0; a failed check exits 1.
#
# Environment:
#   PROACTIEF_CACHE   cache folder (default ~/.cache/proactief); the server
#                     binary is kept in $PROACTIEF_CACHE/mattermost
#   KEEP=1            keep the work folder (logs, database) after the run
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${PROACTIEF_CACHE:-$HOME/.cache/proactief}/mattermost
WORK=$(mktemp -d "${TMPDIR:-/tmp}/proactief-mm.XXXXXX")
chmod 755 "$WORK"
T0=$(date +%s)
PIDS=()
PGDATA=""
PGBIN=""
PROACTIEF_PID=""

say() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
skip() { say "SKIPPED: $*"; exit 0; }
fail() {
	say "FAIL: $*"
	for f in "$WORK"/proactief*.log "$WORK"/mattermost.out; do
		[ -f "$f" ] && { echo "--- tail $f"; tail -n 30 "$f"; }
	done
	exit 1
}

cleanup() {
	local rc=$?
	set +e
	[ -n "$PROACTIEF_PID" ] && kill "$PROACTIEF_PID" 2>/dev/null && wait "$PROACTIEF_PID" 2>/dev/null
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [ -n "$PGDATA" ] && [ -f "$PGDATA/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1
	fi
	if [ "${KEEP:-}" = 1 ]; then
		echo "work folder kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_pg runs a command as the postgres user when we are root (PostgreSQL
# refuses to run as root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
	else
		"$@"
	fi
}

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$(( 20000 + RANDOM % 30000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

for tool in go curl; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
if ! command -v jq >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing jq"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null 2>&1 || skip "cannot install jq"
	else
		skip "jq is not installed"
	fi
fi

# 1. The Mattermost server binary, cached by the hash of the pinned go.sum.
mkdir -p "$CACHE"
KEY=$(cat "$HERE/server/go.mod" "$HERE/server/go.sum" | sha256sum | cut -c1-16)
MM="$CACHE/mattermost-$KEY"
if [ ! -x "$MM" ]; then
	say "building the Mattermost server (once; about 4 minutes and 1.2 GB of memory)"
	t=$(date +%s)
	if ! (cd "$HERE/server" && GONOSUMDB=github.com/mattermost/mattermost \
		go build -mod=readonly -o "$MM.tmp" github.com/mattermost/mattermost/server/v8/cmd/mattermost) >"$WORK/build.log" 2>&1; then
		tail -n 20 "$WORK/build.log"
		skip "the Mattermost server does not build here (see above)"
	fi
	mv "$MM.tmp" "$MM"
	say "built in $(( $(date +%s) - t ))s: $MM"
else
	say "using cached server $MM"
fi
MMDIR=$(cd "$HERE/server" && go list -mod=readonly -m -f '{{.Dir}}' github.com/mattermost/mattermost/server/v8 2>/dev/null) ||
	skip "cannot find the server module's folder (i18n, templates)"
[ -d "$MMDIR/i18n" ] || skip "the server module has no i18n folder: $MMDIR"

# 2. PostgreSQL: a throwaway cluster owned by this run.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing postgresql"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >"$WORK/apt.log" 2>&1 ||
			skip "cannot install postgresql (see $WORK/apt.log)"
	else
		skip "PostgreSQL is not installed and cannot be installed (not root)"
	fi
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGPORT=$(free_port) || skip "no free port"
PGDATA="$WORK/pg"
mkdir -p "$PGDATA"
[ "$(id -u)" = 0 ] && chown postgres "$PGDATA"
as_pg "$PGBIN/initdb" -D "$PGDATA" --auth=trust -U postgres >"$WORK/initdb.log" 2>&1 ||
	skip "initdb failed: $(tail -n 3 "$WORK/initdb.log")"
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -l "$PGDATA/log" \
	-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA" start >/dev/null ||
	skip "PostgreSQL does not start: $(tail -n 3 "$PGDATA/log")"
"$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
	-c "CREATE USER mmuser WITH PASSWORD 'mmpass'" -c "CREATE DATABASE mattermost OWNER mmuser" >/dev/null ||
	skip "cannot create the database"
say "PostgreSQL on 127.0.0.1:$PGPORT"

# 3. Mattermost.
MMPORT=$(free_port) || skip "no free port"
BASE="http://127.0.0.1:$MMPORT"
mkdir -p "$WORK/mm/data" "$WORK/mm/logs"
t=$(date +%s)
(
	cd "$MMDIR"
	export MM_SQLSETTINGS_DRIVERNAME=postgres \
		MM_SQLSETTINGS_DATASOURCE="postgres://mmuser:mmpass@127.0.0.1:$PGPORT/mattermost?sslmode=disable" \
		MM_SERVICESETTINGS_LISTENADDRESS="127.0.0.1:$MMPORT" \
		MM_SERVICESETTINGS_SITEURL="$BASE" \
		MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION=true \
		MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS=true \
		MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS="127.0.0.1 localhost" \
		MM_PLUGINSETTINGS_ENABLE=false \
		MM_PLUGINSETTINGS_ENABLEMARKETPLACE=false \
		MM_LOGSETTINGS_ENABLEDIAGNOSTICS=false \
		MM_METRICSSETTINGS_ENABLE=false \
		MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS=false \
		MM_FILESETTINGS_DIRECTORY="$WORK/mm/data/" \
		MM_LOGSETTINGS_FILELOCATION="$WORK/mm/logs" \
		MM_LOGSETTINGS_ENABLECONSOLE=false
	exec "$MM" server --config "$WORK/mm/config.json"
) >"$WORK/mattermost.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
	curl -fsS "$BASE/api/v4/system/ping" >/dev/null 2>&1 && break
	kill -0 "${PIDS[-1]}" 2>/dev/null || skip "Mattermost exited: $(tail -n 5 "$WORK/mattermost.out")"
	sleep 0.5
done
curl -fsS "$BASE/api/v4/system/ping" >/dev/null 2>&1 || skip "Mattermost did not answer within 60s"
say "Mattermost ready on $BASE in $(( $(date +%s) - t ))s"

# api METHOD PATH TOKEN [JSON]: the response body; fails on HTTP >= 400.
api() {
	local method=$1 path=$2 token=$3 body=${4:-}
	local args=(-sS -X "$method" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -w '\n%{http_code}')
	[ -n "$body" ] && args+=(--data "$body")
	local out code
	out=$(curl "${args[@]}" "$BASE/api/v4$path") || return 1
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	if [ "$code" -ge 400 ]; then
		echo "$method $path: HTTP $code: $out" >&2
		return 1
	fi
	printf '%s' "$out"
}
login() {
	curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' \
		--data "{\"login_id\":\"$1\",\"password\":\"$2\"}" "$BASE/api/v4/users/login" |
		tr -d '\r' | awk 'tolower($1)=="token:"{print $2}'
}

# 4. Users, team, bot and token.
PW='Proactief-e2e-1!'
api POST /users "" "{\"email\":\"admin@example.com\",\"username\":\"beheerder\",\"password\":\"$PW\"}" >/dev/null ||
	fail "cannot create the admin"
ADMIN=$(login beheerder "$PW")
[ -n "$ADMIN" ] || fail "admin login gave no token"
TEAM=$(api POST /teams "$ADMIN" '{"name":"gemeente","display_name":"Gemeente","type":"O"}' | jq -r .id)
STAFF=$(api POST /users "$ADMIN" "{\"email\":\"medewerker@example.com\",\"username\":\"medewerker\",\"password\":\"$PW\"}" | jq -r .id)
BOT=$(api POST /bots "$ADMIN" '{"username":"proactief","display_name":"proactief"}' | jq -r .user_id)
BOTTOKEN=$(api POST "/users/$BOT/tokens" "$ADMIN" '{"description":"e2e"}' | jq -r .token)
for u in "$STAFF" "$BOT"; do
	api POST "/teams/$TEAM/members" "$ADMIN" "{\"team_id\":\"$TEAM\",\"user_id\":\"$u\"}" >/dev/null || fail "cannot add to team"
done
STAFFTOKEN=$(login medewerker "$PW")
[ -n "$STAFFTOKEN" ] && [ -n "$BOTTOKEN" ] && [ "$BOTTOKEN" != null ] || fail "no staff or bot token"
DM=$(api POST /channels/direct "$STAFFTOKEN" "[\"$STAFF\",\"$BOT\"]" | jq -r .id)
say "team, staff user, bot account and direct channel created"

# 5. proactief.
t=$(date +%s)
(cd "$ROOT" && go build -o "$WORK/proactief" ./cmd/proactief) >"$WORK/proactief-build.log" 2>&1 ||
	fail "proactief does not build: $(tail -n 5 "$WORK/proactief-build.log")"
"$WORK/proactief" help 2>&1 | grep '^ *serve ' >/dev/null || skip "proactief has no serve command yet"
say "proactief built in $(( $(date +%s) - t ))s"
OPSPORT=$(free_port) || skip "no free port"
EXTRA_ENV=()
RUNS=0
start_proactief() {
	RUNS=$((RUNS + 1))
	env -i PATH="$PATH" HOME="$WORK" "${EXTRA_ENV[@]}" \
		MATTERMOST_URL="$BASE" MATTERMOST_TOKEN="$BOTTOKEN" MATTERMOST_ALLOW_USERS="$STAFF" \
		PROACTIEF_OPS_ADDR="127.0.0.1:$OPSPORT" PROACTIEF_REVIEW_ADDR=off PROACTIEF_LOG_FORMAT=json \
		"$WORK/proactief" serve --db "$WORK/proactief.db" >"$WORK/proactief-$RUNS.log" 2>&1 &
	PROACTIEF_PID=$!
	for _ in $(seq 1 300); do
		curl -fsS "http://127.0.0.1:$OPSPORT/readyz" >/dev/null 2>&1 && return 0
		kill -0 "$PROACTIEF_PID" 2>/dev/null || fail "proactief exited"
		sleep 0.1
	done
	fail "proactief not ready within 30s: $(curl -sS "http://127.0.0.1:$OPSPORT/readyz" 2>&1)"
}

# The conversation. LAST is the create_at of the newest post looked at.
LAST=0
post() {
	local p
	p=$(api POST /posts "$STAFFTOKEN" "$(jq -nc --arg c "$DM" --arg m "$1" '{channel_id:$c,message:$m}')") || fail "cannot post"
	jq -r .create_at <<<"$p"
}
# bot_since TIME: the bot's posts after TIME, one JSON object per line.
bot_since() {
	api GET "/channels/$DM/posts?since=$1" "$STAFFTOKEN" |
		jq -c --arg bot "$BOT" --argjson t "$1" \
			'[.posts[] | select(.user_id == $bot and .create_at > $t)] | sort_by(.create_at)[] | {create_at, message}'
}
# expect TEXT PATTERN...: posts TEXT and waits until the bot's replies
# after it contain every PATTERN (extended regex); prints the replies.
REPLY=""
TRACE=""
expect() {
	local text=$1
	shift
	# With trace on, the trace line is the last reply of every message:
	# waiting for it means waiting for all replies.
	[ "$text" = "!trace on" ] && TRACE=1
	[ -n "$TRACE" ] && set -- "$@" 'trace: P=\['
	local at
	at=$(post "$text")
	local ok=""
	for _ in $(seq 1 150); do
		REPLY=$(bot_since "$at" | jq -r .message)
		ok=1
		for pat in "$@"; do
			grep -Eq -- "$pat" <<<"$REPLY" || ok=""
		done
		[ -n "$ok" ] && break
		sleep 0.2
	done
	[ -n "$ok" ] || fail "after \"$text\" the bot said:
$REPLY
want: $*"
	say "ok: \"$text\" -> $(head -c 70 <<<"${REPLY//$'\n'/ }")..."
}

T_CONV=$(date +%s)
start_proactief
say "proactief serving (run 1)"
expect "hallo" '^1\. ' '^2\. '
expect "!trace on" 'trace on'
expect "1" '^1\. '                       # keep answers: yes -> research question
expect "1" 'trace: P=\[' '^1\. '         # research: yes -> first statement
expect "!segment 3" 'tone forced to "slow"' '^1\. '
expect "4" 'trace: P=\['                 # an answer on the 1-5 scale

# Kill proactief without warning; write while it is down.
kill -9 "$PROACTIEF_PID"
wait "$PROACTIEF_PID" 2>/dev/null || true
PROACTIEF_PID=""
say "proactief killed"
DOWN_AT=$(post "2")
start_proactief
say "proactief serving again (run 2)"
for _ in $(seq 1 150); do
	REPLY=$(bot_since "$DOWN_AT" | jq -r .message)
	grep -q 'trace: P=\[' <<<"$REPLY" && break
	sleep 0.2
done
grep -q 'trace: P=\[' <<<"$REPLY" || fail "the message written while proactief was down got no answer:
$REPLY"
say "ok: the message written while down was answered after the restart"
expect "!segment auto" 'follows the inference'
# The first answer (4) may be stored as 2 when the slow tone asked a
# reverse-worded phrasing; what matters is two statements, not three.
expect "!transcript" '2 statements:' '= 2 '

# Exactly once: each command answered once, in the whole conversation.
ALL=$(bot_since 0 | jq -r .message)
for pat in '^trace on:' 'tone forced to "slow"' 'follows the inference'; do
	n=$(grep -c -- "$pat" <<<"$ALL" || true)
	[ "$n" = 1 ] || fail "\"$pat\" answered $n times, want 1"
done
if grep -q '"level":"ERROR"' "$WORK"/proactief-*.log; then
	fail "proactief logged errors"
fi
if grep -q "$STAFF" "$WORK"/proactief-*.log; then
	fail "proactief logged a raw user id"
fi
say "conversation checked in $(( $(date +%s) - T_CONV ))s"

# 6. The handover: a citizen on the fake Bot API, a worker in Mattermost.
T_HO=$(date +%s)
kill "$PROACTIEF_PID" 2>/dev/null && wait "$PROACTIEF_PID" 2>/dev/null
PROACTIEF_PID=""
(cd "$ROOT" && go build -o "$WORK/citizen" ./test/mattermost/citizen) >"$WORK/citizen-build.log" 2>&1 ||
	fail "the citizen tool does not build: $(tail -n 5 "$WORK/citizen-build.log")"
"$WORK/citizen" >"$WORK/citizen.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
	grep -q '^control ' "$WORK/citizen.out" 2>/dev/null && break
	sleep 0.1
done
TGAPI=$(awk '$1=="api"{print $2}' "$WORK/citizen.out")
CTL=$(awk '$1=="control"{print $2}' "$WORK/citizen.out")
[ -n "$CTL" ] || fail "the citizen tool did not start: $(cat "$WORK/citizen.out")"
CITIZEN=777000123
DESK=$(api POST /channels "$ADMIN" "{\"team_id\":\"$TEAM\",\"name\":\"overdracht\",\"display_name\":\"Overdracht\",\"type\":\"O\"}" | jq -r .id)
for u in "$STAFF" "$BOT"; do
	api POST "/channels/$DESK/members" "$ADMIN" "{\"user_id\":\"$u\"}" >/dev/null || fail "cannot add to the staff channel"
done
api PUT "/users/$STAFF/patch" "$ADMIN" '{"first_name":"Anna"}' >/dev/null || fail "cannot name the worker"
EXTRA_ENV=(TELEGRAM_BOT_TOKEN='123456:TEST-fake-token_abcdefghijklmnop' TELEGRAM_API_URL="$TGAPI"
	MATTERMOST_HANDOVER_CHANNEL=gemeente/overdracht PROACTIEF_OFFICE_HOURS=altijd
	PROACTIEF_HANDOVER_WORKER_NAME=ja
	MATTERMOST_ACTIONS_URL="http://127.0.0.1:$OPSPORT/mattermost/actions")

# citizen_says TEXT / citizen_photo / citizen_press LABEL; citizen_heard
# PATTERN waits until one of the bot's messages to the citizen matches
# and prints them all.
citizen_says() { curl -fsS -X POST --get --data-urlencode "user=$CITIZEN" --data-urlencode "text=$1" "$CTL/say" >/dev/null || fail "citizen cannot say $1"; }
citizen_photo() { curl -fsS -X POST "$CTL/photo?user=$CITIZEN" >/dev/null || fail "citizen cannot send a photo"; }
citizen_press() { curl -fsS -X POST --get --data-urlencode "user=$CITIZEN" --data-urlencode "label=$1" "$CTL/press" >/dev/null || fail "citizen cannot press $1"; }
citizen_msgs() { curl -fsS "$CTL/messages?user=$CITIZEN"; }
citizen_heard() {
	local out=""
	for _ in $(seq 1 150); do
		out=$(citizen_msgs | jq -r '.[].text')
		grep -Eq -- "$1" <<<"$out" && return 0
		sleep 0.2
	done
	fail "the citizen never heard /$1/; the bot said:
$out"
}
# thread_posts: the card's thread, oldest first, one JSON object a line.
thread_posts() {
	api GET "/posts/$CARD/thread" "$STAFFTOKEN" | jq -c '[.posts[]] | sort_by(.create_at)[] | {id, user_id, message, file_ids}'
}
in_thread() {
	local out=""
	for _ in $(seq 1 150); do
		out=$(thread_posts)
		grep -q -- "$1" <<<"$out" && return 0
		sleep 0.2
	done
	fail "the thread never showed $1:
$out"
}
worker_says() {
	api POST /posts "$STAFFTOKEN" "$(jq -nc --arg c "$DESK" --arg r "$CARD" --arg m "$1" '{channel_id:$c,root_id:$r,message:$m}')" >/dev/null ||
		fail "the worker cannot reply"
}

# The citizen writes first: the Telegram adapter is ready once its first
# long poll returns, at once when a message waits.
citizen_says "/start"
start_proactief
say "proactief serving with the desk (run $RUNS)"
citizen_heard '.'
citizen_says "/mens"
citizen_heard 'Mag ik dit delen|Delen\?'
YES=$(citizen_msgs | jq -r '[.[] | select(.buttons | length > 0)][-1].buttons[0]')
citizen_press "$YES"
citizen_heard 'H-[A-Z0-9]{5}'
NUMBER=$(citizen_msgs | jq -r '.[].text' | grep -Eo 'H-[A-Z0-9]{5}' | head -n 1)
say "ok: the citizen asked for a person: $NUMBER"

CARD=""
for _ in $(seq 1 150); do
	CARD=$(api GET "/channels/$DESK/posts?since=0" "$STAFFTOKEN" |
		jq -r --arg bot "$BOT" --arg n "$NUMBER" '[.posts[] | select(.user_id == $bot and .root_id == "" and (.message | contains($n)))][0].id // empty')
	[ -n "$CARD" ] && break
	sleep 0.2
done
[ -n "$CARD" ] || fail "no card with $NUMBER in the staff channel"
CARDMSG=$(api GET "/posts/$CARD" "$STAFFTOKEN" | jq -r .message)
grep -q "Telegram" <<<"$CARDMSG" || fail "the card does not say the channel:
$CARDMSG"
grep -q "$CITIZEN" <<<"$CARDMSG" && fail "the card shows the citizen's Telegram id"
grep -q "TEST" <<<"$CARDMSG" && fail "a citizen's card is marked TEST"
say "ok: card $NUMBER in gemeente/overdracht"

# Take it with the card's button: the real server calls proactief.
api POST "/posts/$CARD/actions/desktake" "$STAFFTOKEN" '{}' >/dev/null || fail "the take button failed"
citizen_heard 'met Anna, een medewerker|medewerker van de gemeente'
say "ok: taken with the button; the citizen was told"

worker_says "Hallo, ik ben Anna. Waar kan ik mee helpen?"
citizen_heard 'Waar kan ik mee helpen'
citizen_says "Ik heb een brief van de deurwaarder gekregen."
in_thread 'deurwaarder'
citizen_photo
for _ in $(seq 1 150); do
	thread_posts | jq -e 'select((.file_ids // []) | length > 0)' >/dev/null && break
	sleep 0.2
done
thread_posts | jq -e 'select((.file_ids // []) | length > 0)' >/dev/null || fail "the photo did not reach the thread"
say "ok: two-way relay and a photo"

# Kill proactief mid-relay; both sides write while it is down.
citizen_says "Bericht een"
worker_says "Antwoord een"
kill -9 "$PROACTIEF_PID"
wait "$PROACTIEF_PID" 2>/dev/null || true
PROACTIEF_PID=""
say "proactief killed mid-relay"
citizen_says "Bericht twee, terwijl niemand luistert"
worker_says "Antwoord twee, terwijl niemand luistert"
start_proactief
say "proactief serving again (run $RUNS)"
in_thread 'Bericht twee'
citizen_heard 'Antwoord twee'
worker_says "!sluit"
citizen_heard 'afgesloten'
say "ok: the relay survived the kill; closed with !sluit"

# Exactly once, in order, both ways.
OUT=$(citizen_msgs | jq -r '.[].text')
for w in "Waar kan ik mee helpen" "Antwoord een" "Antwoord twee"; do
	n=$(grep -c -- "$w" <<<"$OUT" || true)
	[ "$n" = 1 ] || fail "the citizen got \"$w\" $n times, want 1"
done
grep -n -- 'Antwoord' <<<"$OUT" | awk -F: 'NR==1&&!/een/{exit 1} NR==2&&!/twee/{exit 1}' || fail "the worker's replies arrived out of order"
IN=$(thread_posts | jq -r .message)
for w in "deurwaarder" "Bericht een" "Bericht twee"; do
	n=$(grep -c -- "$w" <<<"$IN" || true)
	[ "$n" = 1 ] || fail "the thread has \"$w\" $n times, want 1"
done
grep -n -- 'Bericht' <<<"$IN" | awk -F: 'NR==1&&!/een/{exit 1} NR==2&&!/twee/{exit 1}' || fail "the citizen's messages arrived out of order"
say "ok: every relayed message once and in order"

# The card says who closed it; every worker post carries the bot's receipt.
ok=""
for _ in $(seq 1 150); do
	T=$(api GET "/posts/$CARD/thread" "$STAFFTOKEN")
	W=$(jq --arg s "$STAFF" '[.posts[] | select(.user_id == $s)] | length' <<<"$T")
	R=$(jq --arg s "$STAFF" --arg bot "$BOT" '[.posts[] | select(.user_id == $s) | select([.metadata.reactions[]? | select(.user_id == $bot)] | length > 0)] | length' <<<"$T")
	S=$(jq -r --arg c "$CARD" '.posts[$c].props.attachments[0].text // ""' <<<"$T")
	if [ "$W" = "$R" ] && grep -q 'Gesloten door Anna' <<<"$S"; then
		ok=1
		break
	fi
	sleep 0.2
done
[ -n "$ok" ] || fail "receipts on $R of $W worker posts; card status \"$S\""
say "ok: $R worker posts with the bot's receipt; the card says it was closed by Anna"

# /vergeet: the bot's posts go, one line says so.
citizen_says "/vergeet"
citizen_heard 'wissen'
ERASE=$(citizen_msgs | jq -r '[.[] | select(.buttons | length > 0)][-1].buttons[0]')
citizen_press "$ERASE"
gone=""
for _ in $(seq 1 150); do
	if ! curl -fsS -o /dev/null -H "Authorization: Bearer $STAFFTOKEN" "$BASE/api/v4/posts/$CARD" 2>/dev/null; then
		gone=1
		break
	fi
	sleep 0.2
done
[ -n "$gone" ] || fail "the card is still there after /vergeet"
LEFT=$(api GET "/channels/$DESK/posts?page=0&per_page=200" "$STAFFTOKEN" |
	jq -r --arg bot "$BOT" '[.posts[] | select(.user_id == $bot and .delete_at == 0)] | .[].message')
grep -q 'gewist' <<<"$LEFT" || fail "no line says the posts were erased"
grep -Eq 'deurwaarder|Bericht|Overdracht H-' <<<"$LEFT" && fail "the bot's posts about the citizen are still there:
$LEFT"
say "ok: /vergeet deleted the bot's posts; one line says so"
if grep -q '"level":"ERROR"' "$WORK"/proactief-*.log; then
	fail "proactief logged errors"
fi
if grep -q -- "$CITIZEN" "$WORK"/proactief-*.log; then
	fail "proactief logged the citizen's Telegram id"
fi
say "handover checked in $(( $(date +%s) - T_HO ))s"
say "PASS: real Mattermost end-to-end in $(( $(date +%s) - T0 ))s"
