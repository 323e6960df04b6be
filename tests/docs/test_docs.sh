#!/usr/bin/env bash
# Keeps the user documentation honest against the binary:
#
#   (a) man/ks.1 is the overview and every command group of `ks --help` has
#       its page, man/ks-<group>.1 (and no page is left for a command that is
#       gone). Every flag that `ks ... --help` lists, for every command and
#       subcommand, is documented as a .TP item of that command's .SS section
#       on its group's page (GLOBAL OPTIONS of ks.1 for the global ones), no
#       documented flag is gone from --help, and every command has its
#       section. Each page has the sections it promises; reference sections
#       repeated on several pages (DELIMITERS, JSON ENVELOPE...) are the same
#       everywhere; ks.1's SEE ALSO names every group page, each group page
#       names ks(1), and every page or section a page refers to exists;
#   (b) every page renders without warnings (man --warnings, groff -ww);
#   (c) completions/ks.bash completes commands, subcommands, every flag of
#       every command, fixed flag values, and live topic names from a real
#       daemon without starting one; the zsh and fish files parse.
#
# usage: bash tests/docs/test_docs.sh KS_BINARY SOURCE_DIR
# Exit 0 when everything passes; 1 with a FAIL line per problem otherwise.

set -u
set -o pipefail

if [[ $# -ne 2 || ! -x "$1" || ! -d "$2" ]]; then
  echo "usage: bash $0 KS_BINARY SOURCE_DIR" >&2
  exit 2
fi
KS=$(realpath "$1")
SRC=$(realpath "$2")
MANDIR=$SRC/man
export LC_ALL=C.UTF-8
unset KS_ADDR KS_TOKEN KS_NO_AUTOSTART

failures=0
fail() {
  echo "FAIL $*" >&2
  failures=$((failures + 1))
}
ok() { echo "ok   $*"; }
skip() { echo "skip $*"; }

# ------------------------------------------------------------- scratch

_tmp=${TMPDIR:-/tmp}
[[ ${#_tmp} -gt 40 ]] && _tmp=/tmp   # a Unix socket path must fit in 108 bytes
SCRATCH=$(mktemp -d "$_tmp/ks-docs.XXXXXX")
HOME_LIVE=$SCRATCH/h
cleanup() {
  if [[ -S $HOME_LIVE/ks.sock || -f $HOME_LIVE/daemon.pid ]]; then
    timeout 20 "$KS" --home "$HOME_LIVE" --no-autostart daemon stop >/dev/null 2>&1 || true
    local p
    p=$(tr -dc 0-9 2>/dev/null <"$HOME_LIVE/daemon.pid") || true
    if [[ -n ${p:-} ]] && kill -0 "$p" 2>/dev/null &&
      [[ $(readlink "/proc/$p/exe" 2>/dev/null) == "$KS" ]]; then
      kill -9 "$p" 2>/dev/null || true
    fi
  fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- --help

# Reads `--help` text on stdin; prints "F <flag>" per flag of the Options
# section, "S <name>" per subcommand, and "V <flag> <a,b,...>" for options
# whose values are a fixed set (CLI11 shows TEXT:{a,b}).
parse_help() {
  awk '
    /^[A-Za-z][A-Za-z ]*:$/ { sect = $0; next }
    /^[[:space:]]*$/ { sect = ""; next }
    sect == "Options:" && /^  -/ {
      n = split($1, names, ",")
      for (i = 1; i <= n; i++) print "F " names[i]
      if (match($0, /:\{[^}]*\}/)) {
        set = substr($0, RSTART + 2, RLENGTH - 3)
        for (i = 1; i <= n; i++) print "V " names[i] " " set
      }
      next
    }
    sect == "Subcommands:" && /^  [a-z]/ { print "S " $1 }
  '
}

# Command paths ("" for ks itself, then "produce", "topic create", ...),
# found by walking the Subcommands of every --help. FLAGS and SUBS are keyed
# by "ks PATH".
declare -a PATHS=()
declare -A FLAGS=() SUBS=() VALUES=()
walk() {
  local path=$1 help line kind rest
  # shellcheck disable=SC2086
  if ! help=$("$KS" $path --help 2>&1); then
    fail "[help] \`ks $path --help\` failed: $help"
    return
  fi
  local key="ks${path:+ $path}"
  PATHS+=("$path")
  FLAGS[$key]=
  SUBS[$key]=
  while IFS= read -r line; do
    kind=${line%% *}
    rest=${line#* }
    case $kind in
      F) FLAGS[$key]+=" $rest" ;;
      S) SUBS[$key]+=" $rest" ;;
      V) VALUES["$path|${rest%% *}"]=${rest#* } ;;
    esac
  done < <(printf '%s\n' "$help" | parse_help)
  local s
  for s in ${SUBS[$key]}; do
    walk "${path:+$path }$s"
  done
}
walk ""
if [[ -z ${FLAGS[ks]:-} || -z ${SUBS[ks]:-} ]]; then
  fail "[help] could not read flags and commands from \`ks --help\`"
fi
echo "# ${#PATHS[@]} command paths from --help:$(printf ' [%s]' "${PATHS[@]}")"

# ------------------------------------------------------------- (a) man pages

# man/ks.1 is the overview (global options, exit statuses, environment,
# files, examples); every command group of `ks --help` has its own page,
# man/ks-<group>.1, with a .SS section per command.
page_of() {  # command path -> page file name
  local path=$1
  if [[ -z $path ]]; then echo ks.1; else echo "ks-${path%% *}.1"; fi
}

# Roff to plain text for matching: \- is '-', font escapes go.
man_plain() {
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f([A-Za-z][A-Za-z]//g' \
    -e 's/\\f\[[^]]*\]//g' -e 's/\\[&%c]//g' -e 's/\\(aq/'"'"'/g' "$1"
}

# Per page: PLAIN (the plain roff), TAGS (one line per .TP tag,
# "<section>\t<tag text>", where section is the .SS heading or "SH <heading>"
# outside subsections), SECTIONS (.SS headings) and HEADINGS (.SH headings).
declare -a PAGES=()
declare -A PLAIN=() TAGS=() SECTIONS=() HEADINGS=()
for f in "$MANDIR"/*.1; do
  [[ -f $f ]] || continue
  p=${f##*/}
  PAGES+=("$p")
  PLAIN[$p]=$(man_plain "$f")
  TAGS[$p]=$(awk '
    function unquote(s) { gsub(/"/, "", s); sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    /^\.SH/ { sect = "SH " unquote(substr($0, 4)); next }
    /^\.SS/ { sect = unquote(substr($0, 4)); next }
    /^\.\\"/ { next }
    /^\.TP/ { want = 1; next }
    want { want = 0; print sect "\t" $0 }
  ' <<<"${PLAIN[$p]}")
  SECTIONS[$p]=$(awk '/^\.SS/ { s = substr($0, 4); gsub(/"/, "", s); sub(/^[ \t]+/, "", s); print s }' <<<"${PLAIN[$p]}")
  HEADINGS[$p]=$(awk '/^\.SH/ { s = substr($0, 4); gsub(/"/, "", s); sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); print s }' <<<"${PLAIN[$p]}")
done
has_page() { [[ -n ${PLAIN[$1]+x} ]]; }
has_heading() { grep -qxF -- "$2" <<<"${HEADINGS[$1]}"; }
# The body of one .SH section, for comparing copies across pages.
section_text() {
  awk -v h="$2" '
    /^\.SH/ { s = substr($0, 4); gsub(/"/, "", s); sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); on = (s == h); next }
    on
  ' "$MANDIR/$1"
}

# The .SS heading documenting command PATH on PAGE: "ks PATH" then a space or end.
section_of() {
  local page=$1 path=$2 s
  while IFS= read -r s; do
    if [[ $s == "ks $path" || $s == "ks $path "* ]]; then
      printf '%s\n' "$s"
      return 0
    fi
  done <<<"${SECTIONS[$page]}"
  return 1
}

# Flags named in the tags of one section of one page.
tag_flags() {
  local page=$1 sect=$2
  awk -F '\t' -v s="$sect" '$1 == s { print $2 }' <<<"${TAGS[$page]}" |
    grep -oE '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u
}

# Flags missing from, or stale in, one section.
check_section() {
  local what=$1 page=$2 sect=$3 path=$4 f
  local k="ks${path:+ $path}"
  local documented
  documented=$(tag_flags "$page" "$sect")
  local missing=() stale=()
  for f in ${FLAGS[$k]}; do
    if [[ -n $path && ($f == -h || $f == --help) ]]; then continue; fi  # documented once, globally
    grep -qxF -- "$f" <<<"$documented" || missing+=("$f")
  done
  while IFS= read -r f; do
    [[ -z $f ]] && continue
    [[ " ${FLAGS[$k]} " == *" $f "* ]] || stale+=("$f")
  done <<<"$documented"
  if ((${#missing[@]})); then
    fail "[man] $what: ${missing[*]} from \`ks${path:+ $path} --help\` not documented in man/$page (need a .TP item in section \"$sect\"; write - as \\-)"
  fi
  if ((${#stale[@]})); then
    fail "[man] $what: man/$page section \"$sect\" documents ${stale[*]}, which \`ks${path:+ $path} --help\` does not list"
  fi
  if ((${#missing[@]} == 0 && ${#stale[@]} == 0)); then ok "[man] $what: $(wc -w <<<"${FLAGS[$k]}") flags documented in man/$page"; fi
}

TOP_COMMANDS=${SUBS[ks]:-}
if ! has_page ks.1; then
  fail "[man] man/ks.1 does not exist"
else
  check_section "ks (global options)" ks.1 "SH GLOBAL OPTIONS" ""
fi
# A page per command group, and no page for a command that is gone.
for g in $TOP_COMMANDS; do
  has_page "ks-$g.1" || fail "[man] ks $g: no page man/ks-$g.1 (one page per command of \`ks --help\`)"
done
for p in "${PAGES[@]}"; do
  [[ $p == ks.1 ]] && continue
  g=${p#ks-}
  g=${g%.1}
  [[ " $TOP_COMMANDS " == *" $g "* ]] || fail "[man] man/$p is the page of \`ks $g\`, which \`ks --help\` does not list"
done

# Every command's flags, in its section of its group's page.
for path in "${PATHS[@]}"; do
  [[ -z $path ]] && continue
  k="ks $path"
  page=$(page_of "$path")
  has_page "$page" || continue  # reported above
  own=" ${FLAGS[$k]} "
  own=${own// -h / }
  own=${own// --help/}
  # A command with subcommands and no flags of its own needs no section.
  if [[ -n ${SUBS[$k]} && -z ${own// /} ]]; then continue; fi
  if ! sect=$(section_of "$page" "$path"); then
    fail "[man] ks $path: no section in man/$page (expected .SS \"ks $path ...\")"
    continue
  fi
  check_section "ks $path" "$page" "$sect" "$path"
done

# Sections for commands that no longer exist, or on the wrong page: after the
# longest command path a heading names, only arguments (TOPIC, PATH...) may
# follow, not another lower-case word; and the path is of the page's group.
for p in "${PAGES[@]}"; do
  while IFS= read -r s; do
    [[ -z $s ]] && continue
    best=-1 rest='' found=''
    for path in "${PATHS[@]}"; do
      if [[ $s == "ks${path:+ $path}" || $s == "ks${path:+ $path} "* ]] && ((${#path} > best)); then
        best=${#path}
        rest=${s#"ks${path:+ $path}"}
        found=$path
      fi
    done
    read -r next _ <<<"$rest"
    if ((best <= 0)) || [[ ${next:-} =~ ^[a-z] ]]; then
      fail "[man] man/$p has a section \"$s\" for a command \`ks --help\` does not list"
    elif [[ $(page_of "$found") != "$p" ]]; then
      fail "[man] man/$p has a section \"$s\", which belongs in man/$(page_of "$found")"
    fi
  done <<<"${SECTIONS[$p]}"
done

# The sections each page promises. Reference sections shared by several
# commands live on one page and may be repeated on another, word for word.
declare -A NEEDS=(
  [ks.1]="NAME|SYNOPSIS|DESCRIPTION|GLOBAL OPTIONS|COMMANDS|KAFKA CLIENTS|EXIT STATUS|ENVIRONMENT|FILES|EXAMPLES|SEE ALSO"
  [ks-produce.1]="DELIMITERS|JSON ENVELOPE"
  [ks-consume.1]="POSITIONS|FORMAT|DELIMITERS|JSON ENVELOPE"
  [ks-topic.1]="TOPIC CONFIGS"
  [ks-daemon.1]="FILES"
)
GROUP_NEEDS="NAME|SYNOPSIS|DESCRIPTION|EXIT STATUS|ENVIRONMENT|EXAMPLES|SEE ALSO"
SHARED="POSITIONS|FORMAT|DELIMITERS|JSON ENVELOPE|TOPIC CONFIGS|FILES"
for p in "${PAGES[@]}"; do
  want=${NEEDS[$p]:-}
  if [[ $p != ks.1 ]]; then
    want="$GROUP_NEEDS${want:+|$want}"
    has_heading "$p" OPTIONS || has_heading "$p" COMMANDS ||
      fail "[man] man/$p has neither an OPTIONS nor a COMMANDS section"
  fi
  IFS='|' read -ra hs <<<"$want"
  for h in "${hs[@]}"; do
    has_heading "$p" "$h" || fail "[man] man/$p has no section $h"
  done
  # NAME names the page, for whatis and apropos.
  name=${p%.1}
  grep -qE "^$name - " <<<"${PLAIN[$p]}" || fail "[man] man/$p: NAME does not start with \"$name \\- \""
done
IFS='|' read -ra hs <<<"$SHARED"
for h in "${hs[@]}"; do
  first=
  for p in "${PAGES[@]}"; do
    has_heading "$p" "$h" || continue
    if [[ -z $first ]]; then
      first=$p
    elif [[ $(section_text "$p" "$h") != "$(section_text "$first" "$h")" ]]; then
      fail "[man] section $h of man/$p differs from the one in man/$first (keep the copies the same)"
    fi
  done
done

# Every page can be reached: ks.1's SEE ALSO names each group page, each
# group page names ks(1); and every ks page a page refers to exists.
see_also() {
  awk '/^\.SH/ { s = substr($0, 4); gsub(/"/, "", s); on = (s ~ /^[ \t]*SEE ALSO/); next } on' <<<"${PLAIN[$1]}"
}
if has_page ks.1; then
  for g in $TOP_COMMANDS; do
    grep -qE "(^|[^a-z-])ks-$g \(1\)" <<<"$(see_also ks.1)" ||
      fail "[man] man/ks.1: SEE ALSO does not name ks-$g(1)"
  done
fi
for p in "${PAGES[@]}"; do
  [[ $p == ks.1 ]] && continue
  grep -qE '^\.BR ks \(1\)' <<<"$(see_also "$p")" || fail "[man] man/$p: SEE ALSO does not name ks(1)"
  while IFS= read -r ref; do
    [[ -z $ref ]] && continue
    has_page "$ref.1" || fail "[man] man/$p refers to $ref(1), which man/ has no page for"
  done < <(grep -oE '(^|[^a-z-])ks(-[a-z]+)? \(1\)' <<<"${PLAIN[$p]}" | sed -E 's/^[^k]*//; s/ \(1\)$//' | sort -u)
done
if has_page ks.1; then
  while IFS= read -r ref; do
    [[ -z $ref ]] && continue
    has_page "$ref.1" || fail "[man] man/ks.1 refers to $ref(1), which man/ has no page for"
  done < <(grep -oE '(^|[^a-z-])ks-[a-z]+ \(1\)' <<<"${PLAIN[ks.1]}" | sed -E 's/^[^k]*//; s/ \(1\)$//' | sort -u)
fi

# ------------------------------------------------------------- (b) rendering

if command -v man >/dev/null 2>&1 && man --version 2>/dev/null | grep -q '^man '; then
  HAVE_MAN=1
else
  HAVE_MAN=
  skip "[render] man is not installed"
fi
command -v groff >/dev/null 2>&1 || skip "[render] groff is not installed"
for p in "${PAGES[@]}"; do
  f=$MANDIR/$p
  if [[ -n $HAVE_MAN ]]; then
    # In the C locale groff renders ASCII, in a UTF-8 one UTF-8: both must be clean.
    for loc in C C.UTF-8; do
      out=$SCRATCH/man.out err=$SCRATCH/man.err
      rc=0
      LC_ALL=$loc MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings -l "$f" >"$out" 2>"$err" || rc=$?
      if [[ $rc -ne 0 || -s $err ]]; then
        fail "[render] LC_ALL=$loc MANWIDTH=80 man --warnings -l man/$p exited $rc with:
$(head -40 "$err")"
      elif ! grep -q 'SYNOPSIS' "$out"; then
        fail "[render] LC_ALL=$loc man -l man/$p printed no SYNOPSIS"
      else
        ok "[render] LC_ALL=$loc MANWIDTH=80 man --warnings -l man/$p: no warnings ($(wc -l <"$out") lines)"
      fi
    done
    # A reference to a section of another page ("see FORMAT in ks-consume(1)")
    # names a section that page has.
    LC_ALL=C MANWIDTH=1000 MANPAGER=cat PAGER=cat man -l "$f" 2>/dev/null | tr -s ' \n' '  ' |
      grep -oE '[A-Z][A-Z]+( [A-Z]+)* in ks(-[a-z]+)?\(1\)' | sort -u |
      while IFS= read -r ref; do
        h=${ref% in *}
        target=${ref##* in }
        target=${target%(1)}.1
        if has_page "$target" && ! has_heading "$target" "$h"; then
          echo "$h|$target"
        fi
      done >"$SCRATCH/refs"
    while IFS='|' read -r h target; do
      fail "[man] man/$p refers to section $h of man/$target, which has no such section"
    done <"$SCRATCH/refs"
  fi
  if command -v groff >/dev/null 2>&1; then
    if err=$(groff -man -ww -z "$f" 2>&1) && [[ -z $err ]]; then
      ok "[render] groff -man -ww -z man/$p: no warnings"
    else
      fail "[render] groff -man -ww -z man/$p:
$err"
    fi
  fi
done

# ------------------------------------------------------------- (c) completions

# Syntax.
if bash -n "$SRC/completions/ks.bash"; then ok "[bash] bash -n completions/ks.bash"; else fail "[bash] completions/ks.bash does not parse"; fi
if command -v zsh >/dev/null 2>&1; then
  if err=$(zsh -n "$SRC/completions/_ks" 2>&1); then ok "[zsh] zsh -n completions/_ks"; else fail "[zsh] completions/_ks: $err"; fi
else
  [[ -f $SRC/completions/_ks ]] || fail "[zsh] completions/_ks does not exist"
  skip "[zsh] zsh is not installed"
fi
if command -v fish >/dev/null 2>&1; then
  if err=$(fish -n "$SRC/completions/ks.fish" 2>&1); then ok "[fish] fish -n completions/ks.fish"; else fail "[fish] completions/ks.fish: $err"; fi
else
  [[ -f $SRC/completions/ks.fish ]] || fail "[fish] completions/ks.fish does not exist"
  skip "[fish] fish is not installed"
fi

# Driving the bash completion: `ks` on PATH is the binary under test.
mkdir -p "$SCRATCH/bin"
ln -s "$KS" "$SCRATCH/bin/ks"
PATH=$SCRATCH/bin:$PATH
# shellcheck source=/dev/null
if ! source "$SRC/completions/ks.bash"; then
  fail "[bash] sourcing completions/ks.bash failed"
fi
if ! declare -F _ks >/dev/null; then
  fail "[bash] completions/ks.bash defines no function _ks"
  _ks() { COMPREPLY=(); }
fi
if [[ $(complete -p ks 2>/dev/null) != *"-F _ks"* ]]; then
  fail "[bash] completions/ks.bash does not register \`complete -F _ks ks\`"
fi

# complete WORD... : completes the last word (the cursor is at its end),
# leaving the candidates, sorted, one per line, in $GOT.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _ks ks "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}" >/dev/null 2>&1
  GOT=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u)
}
show() { tr '\n' ' ' <<<"$1" | sed 's/ $//'; }

expect_exactly() {  # "WANT WORDS" WORD...
  local want
  want=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u)
  shift
  complete_words "$@"
  if [[ $GOT == "$want" ]]; then
    ok "[bash] '$*<TAB>' -> $(show "$GOT")"
  else
    fail "[bash] '$*<TAB>': expected $(show "$want"), got '$(show "$GOT")'"
  fi
}

expect_includes() {  # "WANT WORDS" WORD...
  local want=$1 w missing=()
  shift
  complete_words "$@"
  for w in $want; do
    grep -qxF -- "$w" <<<"$GOT" || missing+=("$w")
  done
  if ((${#missing[@]})); then
    fail "[bash] '$*<TAB>': missing ${missing[*]} (got '$(show "$GOT")')"
  else
    ok "[bash] '$*<TAB>' includes $(show "$(tr ' ' '\n' <<<"$want" | sed '/^$/d')")"
  fi
}

expect_exactly "produce" ks pro
expect_includes "create list describe alter delete" ks topic ""
expect_exactly "--acks" ks produce t --ac
expect_exactly "0 1 all" ks produce t --acks ""
expect_exactly "0 1 all" ks produce t --acks = ""
expect_includes "beginning end @-1h" ks consume t --from ""

# Every command and subcommand of --help is offered.
for path in "${PATHS[@]}"; do
  k="ks${path:+ $path}"
  [[ -n ${SUBS[$k]} ]] || continue
  # shellcheck disable=SC2086
  expect_includes "${SUBS[$k]}" ks $path ""
done

# Every flag of every command is offered after a '-'; a topic-like
# positional first, as a user would type it.
for path in "${PATHS[@]}"; do
  k="ks${path:+ $path}"
  # shellcheck disable=SC2086
  expect_includes "${FLAGS[$k]}" ks $path -
done

# Fixed value sets from --help (TEXT:{a,b}): the completion offers some of
# them and nothing else (-o is table|json for some commands, text|json for
# others).
for key in "${!VALUES[@]}"; do
  path=${key%|*}
  flag=${key#*|}
  allowed=" ${VALUES[$key]//,/ } "
  # shellcheck disable=SC2086
  complete_words ks $path "$flag" ""
  bad=()
  while IFS= read -r v; do
    [[ -z $v ]] && continue
    [[ $allowed == *" $v "* ]] || bad+=("$v")
  done <<<"$GOT"
  if [[ -z $GOT ]]; then
    fail "[bash] 'ks $path $flag <TAB>': no values, expected some of {${VALUES[$key]}}"
  elif ((${#bad[@]})); then
    fail "[bash] 'ks $path $flag <TAB>': ${bad[*]} not in {${VALUES[$key]}} from --help"
  else
    ok "[bash] 'ks $path $flag <TAB>' -> $(show "$GOT")"
  fi
done

# Live topic names, from a daemon in a throw-away home; never starting one.
EMPTY=$SCRATCH/empty
mkdir -m 0700 "$EMPTY"
complete_words ks --home "$EMPTY" consume ""
if [[ -n $GOT ]]; then fail "[bash] topics offered for a home without a daemon: $(show "$GOT")"; fi
if [[ -e $EMPTY/ks.sock || -e $EMPTY/daemon.pid ]]; then
  fail "[bash] completing a topic started a daemon in $EMPTY"
else
  ok "[bash] completing a topic with no daemon starts none and offers nothing"
fi

mkdir -m 0700 "$HOME_LIVE"
if ! out=$(timeout 30 "$KS" --home "$HOME_LIVE" daemon start 2>&1); then
  fail "[bash] \`ks --home H daemon start\` failed: $out"
elif ! out=$(seq 3 | timeout 30 "$KS" --home "$HOME_LIVE" produce alpha 2>&1); then
  fail "[bash] \`seq 3 | ks --home H produce alpha\` failed: $out"
elif ! out=$(timeout 30 "$KS" --home "$HOME_LIVE" topic create beta 2>&1); then
  fail "[bash] \`ks --home H topic create beta\` failed: $out"
else
  expect_exactly "alpha beta" ks --home "$HOME_LIVE" consume ""
  expect_exactly "alpha" ks --home "$HOME_LIVE" consume al
  # --home=H: bash splits the word at '='.
  expect_exactly "alpha beta" ks --home = "$HOME_LIVE" produce ""
  expect_exactly "alpha beta" ks --home "$HOME_LIVE" --no-autostart tail ""
  expect_exactly "alpha beta" ks --home "$HOME_LIVE" offsets -o json ""
  expect_exactly "alpha beta" ks --home "$HOME_LIVE" topic describe ""
  expect_exactly "alpha beta" ks --home "$HOME_LIVE" topic delete alpha ""
  # KS_HOME counts as well as --home.
  KS_HOME=$HOME_LIVE complete_words ks consume ""
  if [[ $GOT == "$(printf 'alpha\nbeta')" ]]; then
    ok "[bash] KS_HOME=H 'ks consume <TAB>' -> $(show "$GOT")"
  else
    fail "[bash] KS_HOME=H 'ks consume <TAB>': expected alpha beta, got '$(show "$GOT")'"
  fi
  # The topic is the first positional only.
  expect_exactly "" ks --home "$HOME_LIVE" produce alpha ""
fi

echo
if ((failures)); then
  echo "docs: $failures failure(s)"
  exit 1
fi
echo "docs: all passed"
exit 0
