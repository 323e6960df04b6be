# `ks top`: the live screen, driven in a private tmux server (send-keys,
# capture-pane), and the scriptable `--once` snapshot.
#
# Without tmux the screen cases cannot run: the script then runs only the
# --once cases and exits 77 (skipped), except in CI (CI=true), where a
# missing tmux fails (scripts/setup.sh installs it). Nothing here waits a
# fixed time for the screen: every check polls capture-pane until the text
# it wants appears, with generous limits.
source "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- tmux

# tmux servers of this case, each on its own socket, without a user config;
# a fresh one per tm_start, so a server still shutting down is never reused.
TM_SERVERS=0
TM_SOCKET=
tm() { tmux -L "$TM_SOCKET" -f /dev/null "$@"; }

tm_kill_all() {
  local i
  for ((i = 1; i <= TM_SERVERS; i++)); do tmux -L "ks-top-$$-$i" kill-server >/dev/null 2>&1 || true; done
}

# A shell in a WIDTHxHEIGHT pane, started in $T; every server is killed when
# the case ends, however it ends.
tm_start() {  # [WIDTH HEIGHT]
  trap 'tm_kill_all; _cleanup_case' EXIT
  TM_SERVERS=$((TM_SERVERS + 1))
  TM_SOCKET=ks-top-$$-$TM_SERVERS
  tm new-session -d -c "$T" -x "${1:-120}" -y "${2:-40}" "env PS1='top-test\$ ' bash --norc --noprofile -i"
  wait_pane 30 '^top-test\$' "the shell's prompt"
}

tm_stop() { tm kill-server >/dev/null 2>&1 || true; }

# Types a command line into the shell and presses Enter.
tm_type() { tm send-keys -l "$1" && tm send-keys Enter; }

tm_var() { tm display -p "#{$1}"; }

# The pane's text, one line per row, into $T/pane (-e: with attributes).
capture() { tm capture-pane -p "$@" >"$T/pane" 2>/dev/null || true; }

# Polls until the pane has a line matching ERE, for up to SECONDS.
wait_pane() {  # SECONDS ERE [WHAT]
  local deadline=$(($(now_ms) + $1 * 1000))
  while :; do
    capture
    if grep -qE -- "$2" "$T/pane"; then return 0; fi
    if [[ $(now_ms) -gt $deadline ]]; then
      fail "${3:-pane}: no line matching /$2/ within $1 s; the pane shows:
$(sed 's/^/    | /' "$T/pane")"
    fi
    sleep 0.2
  done
}

# Polls until CMD... succeeds on a fresh capture in $T/pane.
wait_pane_for() {  # SECONDS WHAT CMD...
  local secs=$1 what=$2
  shift 2
  local deadline=$(($(now_ms) + secs * 1000))
  while :; do
    capture
    if "$@"; then return 0; fi
    if [[ $(now_ms) -gt $deadline ]]; then
      fail "$what: not seen within $secs s; the pane shows:
$(sed 's/^/    | /' "$T/pane")"
    fi
    sleep 0.2
  done
}

# In $T/pane: the row whose first field is NAME has a number above zero in
# field N (topics: 4 IN/s, 5 OUT/s; groups: 5 LAG).
field_positive() {  # NAME N
  awk -v name="$1" -v n="$2" '$1 == name && $n ~ /^[0-9.]+[kM]?$/ && $n + 0 > 0 { ok = 1 } END { exit !ok }' "$T/pane"
}

# The terminal is back: the main screen, a visible cursor, and the mode it
# had before (`stty -g` written by the command line before and after).
assert_restored() {
  assert_eq 0 "$(tm_var alternate_on)" "alternate screen after ks top exited"
  assert_eq 1 "$(tm_var cursor_flag)" "cursor visible after ks top exited"
  wait_until 30 test -s "$T/stty.after" || fail "the shell did not write stty.after"
  assert_eq "$(cat "$T/stty.before")" "$(cat "$T/stty.after")" "terminal mode (stty -g) before and after ks top"
  rm -f "$T/stty.before" "$T/stty.after"
}

# A command line that runs ks top between two `stty -g`, and says how it
# exited.
top_line() {  # ARGS...
  echo "stty -g >stty.before; \"\$KS\" $*; echo EXIT=\$?; stty -g >stty.after"
}

# Records into TOPIC, 200 every 0.1 s, until the case ends.
# One producer process streams them, so records keep arriving between any
# two snapshots even when starting a process takes seconds (a sanitizer
# build on a loaded machine); ending the job (the loop) ends its input.
produce_forever() {  # TOPIC
  while :; do seq 200; sleep 0.1; done | "$KS" produce "$1" >/dev/null 2>&1 &
}

# ---------------------------------------------------------------- screen

case_screen_shows_rates_and_lag_and_q_restores_the_terminal() {
  assert_exit 0 ks topic create top-orders -p 3
  seq 1000 | assert_exit 0 ks produce top-orders
  # A stopped group 900 behind, and a live member whose commits are OUT/s.
  assert_exit 0 timeout 60 "$KS" consume top-orders -g top-billing -n 100
  "$KS" consume top-orders -g top-readers >/dev/null 2>&1 &
  produce_forever top-orders

  tm_start 120 40
  tm_type "$(top_line top --interval 0.5)"
  wait_pane 30 '^ks top  pid [0-9]+  up [0-9]+[smhd]' "the header line"
  assert_eq 1 "$(tm_var alternate_on)" "alternate screen while ks top runs"
  assert_eq 0 "$(tm_var cursor_flag)" "cursor hidden while ks top runs"
  grep -qE '^TOPIC +PARTITIONS +RECORDS +IN/s +OUT/s +SIZE$' "$T/pane" || fail "no topics header: $(cat "$T/pane")"
  grep -qE '^GROUP +STATE +MEMBERS +TOPICS +LAG +TREND$' "$T/pane" || fail "no groups header: $(cat "$T/pane")"
  assert_matches "$(tail -n 1 "$T/pane")" '^ q quit  s sort: in  p pause' "footer on the last row"
  wait_pane_for 60 "a top-orders row with IN/s above 0" field_positive top-orders 4
  wait_pane_for 60 "a top-orders row with OUT/s above 0 (group commits)" field_positive top-orders 5
  wait_pane_for 60 "a top-billing row with LAG above 0" field_positive top-billing 5
  # Records keep coming and nobody reads for top-billing: its lag rises.
  wait_pane 60 '^top-billing +empty +0 +top-orders +[0-9]+ +\^ [_.^-]+$' "top-billing's row with a rising TREND"

  # Keys: s cycles the sort, ? the help line, p pauses.
  tm send-keys s
  wait_pane 30 '^ q quit  s sort: out ' "the sort after s"
  tm send-keys '?'
  wait_pane 30 'hide help +OUT/s: group commits only' "the help line after ?"
  tm send-keys p
  wait_pane 30 'PAUSED' "the pause mark after p"
  tm send-keys p
  wait_pane_for 30 "PAUSED gone after a second p" eval '! grep -q PAUSED "$T/pane"'

  tm send-keys q
  wait_pane 30 '^EXIT=0$' "ks top's exit status after q"
  assert_restored
  wait_pane 30 '^top-test\$ ?$' "the shell's prompt after q"
  ! grep -qE '^TOPIC +PARTITIONS' "$T/pane" || fail "the topics table is still on the screen after q"
}

case_ctrl_c_and_sigterm_restore_the_terminal() {
  assert_exit 0 ks topic create top-signals
  tm_start 100 30
  tm_type "$(top_line top)"
  wait_pane 30 '^TOPIC +PARTITIONS' "the topics table"
  tm send-keys C-c
  wait_pane 30 '^EXIT=130$' "exit status after Ctrl-C"
  assert_restored

  tm_stop
  tm_start 100 30
  tm_type "$(top_line top)"
  wait_pane 30 '^TOPIC +PARTITIONS' "the topics table"
  local shell pid
  shell=$(tm_var pane_pid)
  wait_until 30 pgrep -P "$shell" -x ks || fail "no ks process under the pane's shell"
  pid=$(pgrep -P "$shell" -x ks)
  kill -TERM "$pid"
  wait_pane 30 '^EXIT=143$' "exit status after SIGTERM"
  assert_restored
}

case_daemon_going_away_restores_the_terminal_and_exits_3() {
  local h=$T/h
  mkdir -m 0700 "$h"
  start_daemon --home "$h"
  assert_exit 0 ks --home "$h" topic create top-away
  tm_start 100 30
  tm_type "$(top_line --home "$h" top --interval 0.3)"
  wait_pane 30 '^top-away ' "the topic row"
  stop_daemon --home "$h"
  wait_pane 30 '^EXIT=3$' "exit status once the daemon stopped"
  assert_restored
  grep -q 'ks: error: the daemon went away' "$T/pane" || fail "no message about the daemon: $(cat "$T/pane")"

  # No daemon at all: the error before the screen is ever taken.
  tm_stop
  tm_start 100 30
  tm_type "$(top_line --home "$h" top)"
  wait_pane 30 '^EXIT=3$' "exit status without a daemon"
  grep -q 'ks: error: no daemon is running' "$T/pane" || fail "no 'no daemon' message: $(cat "$T/pane")"
  [[ ! -e $h/ks.sock ]] || fail "ks top started a daemon"
}

case_no_color_means_no_escape_sequences() {
  assert_exit 0 ks topic create top-colour
  # The control: attributes (bold headers) on a terminal.
  tm_start 120 30
  tm_type "\"\$KS\" top"
  wait_pane 30 '^TOPIC +PARTITIONS' "the topics table"
  capture -e
  grep -q $'\e\\[' "$T/pane" || fail "no attributes on the screen without NO_COLOR: $(cat -v "$T/pane")"
  tm send-keys q
  wait_pane 30 '^top-test\$ ?$'
  tm_stop

  tm_start 120 30
  tm_type "NO_COLOR=1 \"\$KS\" top"
  wait_pane 30 '^TOPIC +PARTITIONS' "the topics table"
  wait_pane 30 '^ q quit' "the footer"
  capture -e
  if grep -q $'\e' "$T/pane"; then fail "escape sequences with NO_COLOR=1: $(grep $'\e' "$T/pane" | cat -v)"; fi
  tm send-keys q
  wait_pane 30 '^top-test\$ ?$'
  tm_stop

  # --once on a terminal: the same tables, no alternate screen, no colour
  # with NO_COLOR.
  tm_start 120 30
  tm_type "NO_COLOR=1 \"\$KS\" top --once --interval 0.2; echo EXIT=\$?"
  wait_pane 30 '^EXIT=0$' "exit status of --once"
  grep -qE '^TOPIC +PARTITIONS +RECORDS +IN/s +OUT/s +SIZE$' "$T/pane" || fail "--once on a terminal: $(cat "$T/pane")"
  grep -qE '^top-colour +1 +0 +0\.0 +0\.0 +0 B$' "$T/pane" || fail "--once topic row: $(cat "$T/pane")"
  capture -e
  if grep -q $'\e' "$T/pane"; then fail "escape sequences from --once with NO_COLOR=1: $(cat -v "$T/pane")"; fi
}

case_resize_cuts_lines_to_the_new_size() {
  local i
  for i in 1 2 3 4 5 6 7 8; do assert_exit 0 ks topic create "top-r$i"; done
  tm_start 120 40
  tm_type "$(top_line top --interval 0.3)"
  wait_pane 30 '^top-r8 ' "the topics"
  local wide
  wide=$(head -n 1 "$T/pane")
  [[ ${#wide} -gt 60 ]] || fail "the header line is too short to test cutting: '$wide'"

  tm resize-window -x 40 -y 40
  # Cut, not wrapped: the header is one row of at most 40 columns, the row
  # under it is the blank one, the footer is still on the last row.
  cut_to_40() {
    local first second
    first=$(sed -n 1p "$T/pane")
    second=$(sed -n 2p "$T/pane")
    [[ $(tm_var pane_width) == 40 && ${#first} -le 40 && ${#first} -ge 30 && -z $second &&
      $first == "ks top  pid "* ]] && sed -n 40p "$T/pane" | grep -q '^ q quit'
  }
  wait_pane_for 30 "the frame cut to 40 columns" cut_to_40
  local header
  header=$(grep -E '^TOPIC +PARTITIONS' "$T/pane") || fail "no topics header at 40 columns: $(cat "$T/pane")"
  [[ $header != *SIZE* ]] || fail "the topics header was not cut at 40 columns: '$header'"
  grep -A1 -E '^TOPIC +PARTITIONS' "$T/pane" | tail -n 1 | grep -qE '^[a-z][a-z0-9-]* +[0-9]+ +[0-9]+ ' ||
    fail "the row under the topics header is not a topic: $(cat "$T/pane")"
  awk 'length($0) > 40 { exit 1 }' "$T/pane" || fail "a line wider than 40 columns"

  # Fewer rows than topics: as many as fit, then "... N more topics".
  tm resize-window -x 40 -y 10
  wait_pane 30 '^\.\.\. [0-9]+ more topics' "the 'more topics' line at 10 rows"
  wait_pane_for 30 "the footer on row 10" eval 'sed -n 10p "$T/pane" | grep -q "^ q quit"'

  tm send-keys q
  wait_pane 30 '^EXIT=0$' "exit status after q"
  assert_restored
}

# ---------------------------------------------------------------- --once

case_once_piped_prints_tab_separated_rows() {
  seq 10 | assert_exit 0 ks produce once-idle
  assert_exit 0 timeout 60 "$KS" consume once-idle -g once-g -n 3
  produce_forever once-busy
  wait_until 30 "$KS" offsets once-busy || fail "once-busy was not created"
  assert_exit 0 ks top --once --sort name
  if grep -q $'\e' "$OUT"; then fail "escape sequences in piped output: $(cat -v "$OUT")"; fi
  assert_matches "$(head -n 1 "$OUT")" $'^daemon\t[0-9]+\t[0-9]+\t[^\t]+\t[0-9]+\t[0-9]+\t[0-9]+\t[0-9]+$' "the daemon row"
  local idle busy group
  idle=$(grep -P '^topic\tonce-idle\t' "$OUT") || fail "no once-idle row: $(cat "$OUT")"
  assert_matches "$idle" $'^topic\tonce-idle\t1\t10\t0\\.0\t0\\.0\t[0-9]+$' "the once-idle row (kind name partitions records in out size)"
  busy=$(grep -P '^topic\tonce-busy\t' "$OUT") || fail "no once-busy row: $(cat "$OUT")"
  awk -F'\t' '{ exit !($5 + 0 > 0) }' <<<"$busy" || fail "once-busy IN/s is not above 0 while records arrive: $busy"
  group=$(grep -P '^group\tonce-g\t' "$OUT") || fail "no once-g row: $(cat "$OUT")"
  assert_eq $'group\tonce-g\tempty\t0\tonce-idle\t7\tsteady' "$group" "the once-g row (kind name state members topics lag trend)"
  # --sort name: topics in name order.
  grep -P '^topic\t' "$OUT" | cut -f2 >"$T/names"
  sort "$T/names" | cmp -s - "$T/names" || fail "topics not in name order with --sort name: $(cat "$T/names")"
}

case_once_json_is_one_snapshot_with_rates() {
  seq 10 | assert_exit 0 ks produce json-idle
  assert_exit 0 timeout 60 "$KS" consume json-idle -g json-g -n 4
  produce_forever json-busy
  wait_until 30 "$KS" offsets json-busy || fail "json-busy was not created"
  assert_exit 0 ks top --once -o json --interval 0.5
  assert_eq 1 "$(count_lines "$OUT")" "lines of piped JSON"
  local t='[x for x in d["topics"] if x["name"] == "json-idle"][0]'
  local b='[x for x in d["topics"] if x["name"] == "json-busy"][0]'
  local g='[x for x in d["groups"] if x["group"] == "json-g"][0]'
  json_check 'd["interval_s"] == 0.5 and d["daemon"]["pid"] > 0 and "home" in d["daemon"]' "daemon and interval" <"$OUT"
  json_check "$t"'["records"] == 10 and '"$t"'["in_per_s"] == 0 and '"$t"'["out_per_s"] == 0 and '"$t"'["partitions"] == 1' "json-idle" <"$OUT"
  json_check "$b"'["in_per_s"] > 0 and '"$b"'["size"] > 0' "json-busy rates" <"$OUT"
  json_check "$g"'["lag"] == 6 and '"$g"'["trend"] == "steady" and '"$g"'["lag_history"] == [6, 6] and '"$g"'["topics"] == ["json-idle"] and '"$g"'["members"] == 0' "json-g" <"$OUT"
}

case_usage_errors_and_not_a_terminal() {
  assert_exit 2 ks top
  assert_contains "$(cat "$ERR")" "needs a terminal" "ks top piped"
  assert_contains "$(cat "$ERR")" "ks top --once" "the hint for scripts"
  assert_exit 2 ks top -o json
  assert_contains "$(cat "$ERR")" "--once" "-o json without --once"
  assert_exit 2 ks top --once --interval 0.1
  assert_contains "$(cat "$ERR")" "--interval" "--interval below 0.2"
  assert_exit 2 ks top --once --interval soon
  assert_exit 2 ks top --once --sort speed
}

case_no_daemon_exits_3_and_starts_none() {
  mkdir -m 0700 "$T/none"
  assert_exit 3 ks --home "$T/none" top --once
  assert_contains "$(cat "$ERR")" "no daemon is running" "ks top --once without a daemon"
  assert_file_empty "$OUT" "stdout without a daemon"
  [[ ! -e $T/none/ks.sock ]] || fail "ks top started a daemon"
}

ONCE_CASES=(once_piped_prints_tab_separated_rows once_json_is_one_snapshot_with_rates
  usage_errors_and_not_a_terminal no_daemon_exits_3_and_starts_none)
SCREEN_CASES=(screen_shows_rates_and_lag_and_q_restores_the_terminal:150 ctrl_c_and_sigterm_restore_the_terminal:90
  daemon_going_away_restores_the_terminal_and_exits_3:90 no_color_means_no_escape_sequences:120
  resize_cuts_lines_to_the_new_size:120)

if [[ -n ${IT_CASE:-} ]] || command -v tmux >/dev/null 2>&1; then
  run_cases "${ONCE_CASES[@]}" "${SCREEN_CASES[@]}"
fi
if [[ ${CI:-} == true ]]; then
  echo "FAIL [top] tmux is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
echo "skip [top] tmux is not installed: the screen cases did not run" >&2
(run_cases "${ONCE_CASES[@]}") || exit 1
exit 77
