#!/usr/bin/env bash
# Reconciling data/ with meta.db (issue 14): partition directories that no
# topic in meta.db owns, what a metadata change lost to a power cut leaves
# behind (the partitions' directories and records on disk, the topic's rows
# not). A lost change is made here by removing rows from meta.db while the
# daemon is stopped; tests/reliability/test_power_loss.sh makes one with a
# real power cut. What must hold:
#  - the orphans are named at start (daemon.log), by `ks daemon status`
#    (text and -o json) and by `ks log verify`, which exits 1;
#  - `ks topic create`, auto-create by `ks produce` and `ks topic alter -p`
#    refuse to reuse them, saying how to resolve it, and change nothing;
#  - `ks topic adopt` takes them back with their records (the partition
#    count from the directories, configs as given), and `ks topic delete
#    --orphan` removes them (asking first, --yes outside a terminal).
#
#   bash tests/reliability/test_metadata.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"

# Runs SQL on HOME/meta.db with the daemon stopped (the cascades need
# foreign_keys on, as the daemon has it).
meta_sql() {  # HOME SQL
  python3 - "$1/meta.db" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA foreign_keys = ON")
db.executescript(sys.argv[2])
db.commit()
db.close()
PY
}

# A home where topic orders (2 partitions, retention.ms set, 1000 records
# acknowledged with --acks all) lost its metadata; the daemon is running.
# Leaves the home in H.
setup_lost_topic() {
  H=$T/home
  mkdir -p "$H"
  start_daemon --home "$H"
  assert_exit 0 "$KS" --home "$H" topic create orders -p 2 -c retention.ms=86400000
  seq 1000 >"$T/in"
  assert_exit 0 "$KS" --home "$H" produce orders --acks all <"$T/in"
  assert_exit 0 "$KS" --home "$H" produce kept --acks all <"$T/in"
  stop_daemon --home "$H"
  meta_sql "$H" "DELETE FROM topics WHERE name = 'orders';"
  start_daemon --home "$H"
}

case_orphans_reported() {
  setup_lost_topic
  assert_contains "$(cat "$H/daemon.log")" "orphan: data/orders-0" "daemon.log names orphan 0"
  assert_contains "$(cat "$H/daemon.log")" "orphan: data/orders-1" "daemon.log names orphan 1"
  assert_contains "$(cat "$H/daemon.log")" "ks topic adopt orders" "daemon.log says how to resolve it"

  assert_exit 0 "$KS" --home "$H" --no-autostart daemon status
  assert_contains "$(cat "$OUT")" "orphans      data/orders-0 data/orders-1" "status text"
  assert_contains "$(cat "$ERR")" "ks topic adopt NAME" "status warns on stderr"
  assert_exit 0 "$KS" --home "$H" --no-autostart daemon status -o json
  json_check "[(o['dir'], o['topic'], o['partition']) for o in d['orphans']] == [('data/orders-0', 'orders', 0), ('data/orders-1', 'orders', 1)]" \
    "status -o json lists the orphans" <"$OUT"
  json_check "sum(o['bytes'] for o in d['orphans']) > 10000" "the orphans hold the records" <"$OUT"

  # Offline verify, with the daemon running and with it stopped.
  assert_exit 1 "$KS" log verify "$H/data"
  assert_contains "$(cat "$OUT")" "ORPHAN $H/data/orders-0: topic 'orders' is not in $H/meta.db" "verify text"
  assert_contains "$(cat "$ERR")" "2 partition directories belong to no topic" "verify says why it failed"
  assert_contains "$(cat "$OUT")" "ok $H/data/kept-0" "owned partitions still verified"
  assert_exit 1 "$KS" log verify "$H/data/orders-1" -o json
  assert_eq 2 "$(count_lines "$OUT")" "verify -o json: the partition's line and the orphan's"
  tail -1 "$OUT" | json_check "d['orphan'] is True and d['clean'] is False" "verify -o json on one orphaned partition"
  assert_exit 0 "$KS" log verify "$H/data/kept-0"
  stop_daemon --home "$H"
  assert_exit 1 "$KS" log verify "$H/data"
  assert_contains "$(cat "$OUT")" "ORPHAN $H/data/orders-1" "verify with no daemon"
}

case_orphans_refused() {
  setup_lost_topic
  assert_exit 1 "$KS" --home "$H" --no-autostart topic create orders -p 2
  assert_contains "$(cat "$ERR")" "ks topic adopt orders" "create says how to keep the records"
  assert_contains "$(cat "$ERR")" "ks topic delete orders --orphan" "create says how to drop them"
  assert_fails "$KS" --home "$H" --no-autostart produce orders <<<"new"
  assert_contains "$(cat "$ERR")" "ks topic adopt orders" "auto-create is refused the same way"
  assert_exit 0 "$KS" --home "$H" --no-autostart topic list
  assert_eq "kept" "$(cut -f1 "$OUT" | grep -v TOPIC | tr '\n' ' ' | sed 's/ $//')" "orders was not created"
  # The old segments were not reopened: their records are untouched.
  assert_exit 1 "$KS" log verify "$H/data"
  assert_contains "$(cat "$OUT")" "ORPHAN $H/data/orders-0" "still an orphan"
}

case_adopt() {
  setup_lost_topic
  assert_exit 4 "$KS" --home "$H" --no-autostart topic adopt nothing-here
  assert_exit 0 "$KS" --home "$H" --no-autostart topic adopt orders -c retention.ms=86400000
  assert_exit 0 "$KS" --home "$H" --no-autostart topic describe orders -o json
  json_check "d['partitions'] == 2 and d['configs'] == {'retention.ms': '86400000'}" "adopted with 2 partitions" <"$OUT"
  assert_exit 0 "$KS" --home "$H" --no-autostart consume orders --from beginning --exit
  assert_eq "$(seq 1000 | sort)" "$(sort "$OUT")" "every acknowledged record is back"
  assert_exit 0 "$KS" --home "$H" --no-autostart daemon status -o json
  json_check "d['orphans'] == []" "no orphans left" <"$OUT"
  assert_exit 0 "$KS" log verify "$H/data"
  # And for good: a restart finds nothing to report.
  stop_daemon --home "$H"
  start_daemon --home "$H"
  assert_exit 0 "$KS" --home "$H" --no-autostart daemon status -o json
  json_check "d['orphans'] == [] and d['topics'] == 2" "adoption survives a restart" <"$OUT"
}

case_remove() {
  setup_lost_topic
  assert_exit 2 "$KS" --home "$H" --no-autostart topic delete --orphan orders </dev/null
  [[ -d "$H/data/orders-0" ]] || fail "delete --orphan without --yes removed data"
  assert_exit 4 "$KS" --home "$H" --no-autostart topic delete --orphan -y kept
  [[ -d "$H/data/kept-0" ]] || fail "delete --orphan touched a live topic"
  assert_exit 0 "$KS" --home "$H" --no-autostart topic delete --orphan -y orders
  wait_until 30 test ! -e "$H/data/orders-0" -a ! -e "$H/data/orders-1"
  assert_exit 0 "$KS" --home "$H" --no-autostart topic create orders -p 1
  assert_exit 0 "$KS" --home "$H" --no-autostart consume orders --from beginning --exit
  assert_file_empty "$OUT" "a new topic of the name starts empty"
  assert_exit 0 "$KS" log verify "$H/data"
}

case_lost_partitions() {
  H=$T/home
  mkdir -p "$H"
  start_daemon --home "$H"
  assert_exit 0 "$KS" --home "$H" topic create t -p 1
  assert_exit 0 "$KS" --home "$H" topic alter t -p 3
  seq 50 >"$T/in"
  assert_exit 0 "$KS" --home "$H" produce t -p 2 --acks all <"$T/in"
  stop_daemon --home "$H"
  # The partition change lost: one partition in meta.db, three on disk.
  meta_sql "$H" "UPDATE topics SET partitions = 1 WHERE name = 't'; DELETE FROM partitions WHERE topic = 't' AND partition > 0;"
  start_daemon --home "$H"
  assert_exit 0 "$KS" --home "$H" --no-autostart daemon status -o json
  json_check "[o['dir'] for o in d['orphans']] == ['data/t-1', 'data/t-2']" "partitions beyond the count are orphans" <"$OUT"
  assert_exit 1 "$KS" log verify "$H/data"
  assert_contains "$(cat "$OUT")" "partition 2 is beyond the partition count of topic 't'" "verify says why"
  assert_exit 1 "$KS" --home "$H" --no-autostart topic alter t -p 2
  assert_contains "$(cat "$ERR")" "ks topic adopt t" "alter -p refuses to reuse them"
  assert_exit 0 "$KS" --home "$H" --no-autostart topic adopt t
  assert_exit 0 "$KS" --home "$H" --no-autostart consume t -p 2 --from beginning --exit
  assert_eq "$(seq 50)" "$(cat "$OUT")" "partition 2's records are back"
}

run_cases orphans_reported:120 orphans_refused:120 adopt:120 remove:120 lost_partitions:120
