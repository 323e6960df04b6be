# bash completion for ks(1)                                  -*- shell-script -*-
#
# Installed as share/bash-completion/completions/ks; or source this file.
# Completes commands, subcommands, every flag of the current command, the
# values of flags that take a fixed set (--acks, -o, --from, ...), and live
# topic and group names from `ks topic list` and `ks group list`. Listing
# them never starts a daemon (KS_NO_AUTOSTART=1) and honours a --home/--addr
# given earlier on the line.
# Needs nothing from the bash-completion package.
#
# Keep the flag lists in step with `ks ... --help`; tests/docs/test_docs.sh
# drives this file.

# Global options (only valid before the command name).
_ks_global_flags='-h --help -V --version --home --addr --no-autostart'

# Flags of each command path, and which of them take a value.
_ks_flags() {
  case $1 in
    produce) echo '-h --help -D --delimiter -K --key-delimiter --key -H --header --json --skip-bad --raw --file -p --partition --acks --linger-ms --batch-bytes --compression -v --verbose' ;;
    consume) echo '-h --help --from -e --exit -g --group --commit --exec --retries --dead-letter --parallel --session-timeout-ms -n --count --until -f --format --json -D --delimiter -p --partition' ;;
    tail) echo '-h --help -n --lines -f --follow --format --json -D --delimiter -p --partition' ;;
    offsets) echo '-h --help --at -o --output' ;;
    'topic create') echo '-h --help -p --partitions -c --config' ;;
    'topic list' | 'topic describe') echo '-h --help -o --output' ;;
    'topic alter') echo '-h --help -c --config --delete-config -p --partitions' ;;
    'topic delete') echo '-h --help -y --yes --orphan' ;;
    'topic adopt') echo '-h --help -c --config' ;;
    'daemon run' | 'daemon start') echo '-h --help --listen --allow-remote --kafka --kafka-advertise --auto-create --default-partitions --max-connections --max-partitions' ;;
    'daemon status' | 'log verify') echo '-h --help -o --output' ;;
    'log dump') echo '-h --help -o --output --headers-only' ;;
    'group list' | 'group describe') echo '-h --help -o --output' ;;
    'group reset') echo '-h --help --topic --to --execute -y --yes -o --output' ;;
    'group delete') echo '-h --help -y --yes' ;;
    top) echo '-h --help --interval --once --sort -o --output' ;;
    'bench produce') echo '-h --help --records --record-size --rate --acks --partitions --compression --batch-bytes --linger-ms --in-flight --keep -o --output' ;;
    'bench consume') echo '-h --help --records --fetch-bytes --in-flight --record-size --partitions --compression --batch-bytes --keep -o --output' ;;
    'bench e2e') echo '-h --help --records --warmup --acks --record-size --keep -o --output' ;;
    *) echo '-h --help' ;;
  esac
}

# True when FLAG takes a value in command path CMD ("" = before any command).
_ks_takes_value() {
  case "$1:$2" in
    :--home | :--addr) return 0 ;;
    produce:-D | produce:--delimiter | produce:-K | produce:--key-delimiter | produce:--key | \
      produce:-H | produce:--header | produce:--file | produce:-p | produce:--partition | \
      produce:--acks | produce:--linger-ms | produce:--batch-bytes | produce:--compression) return 0 ;;
    consume:--from | consume:-n | consume:--count | consume:-f | consume:--format | \
      consume:-D | consume:--delimiter | consume:-p | consume:--partition | \
      consume:-g | consume:--group | consume:--commit | consume:--session-timeout-ms | \
      consume:--exec | consume:--retries | consume:--dead-letter | consume:--parallel | consume:--until) return 0 ;;
    tail:-n | tail:--lines | tail:--format | tail:-D | tail:--delimiter | tail:-p | tail:--partition) return 0 ;;
    offsets:--at | offsets:-o | offsets:--output) return 0 ;;
    'topic create:-p' | 'topic create:--partitions' | 'topic create:-c' | 'topic create:--config') return 0 ;;
    'topic adopt:-c' | 'topic adopt:--config') return 0 ;;
    'topic alter:-p' | 'topic alter:--partitions' | 'topic alter:-c' | 'topic alter:--config' | \
      'topic alter:--delete-config') return 0 ;;
    'daemon run:--listen' | 'daemon run:--auto-create' | 'daemon run:--default-partitions') return 0 ;;
    'daemon start:--listen' | 'daemon start:--auto-create' | 'daemon start:--default-partitions') return 0 ;;
    'daemon run:--kafka' | 'daemon run:--kafka-advertise' | 'daemon start:--kafka' | 'daemon start:--kafka-advertise') return 0 ;;
    'daemon run:--max-connections' | 'daemon run:--max-partitions' | 'daemon start:--max-connections' | \
      'daemon start:--max-partitions') return 0 ;;
    'topic list:-o' | 'topic list:--output' | 'topic describe:-o' | 'topic describe:--output') return 0 ;;
    'daemon status:-o' | 'daemon status:--output' | 'log dump:-o' | 'log dump:--output') return 0 ;;
    'log verify:-o' | 'log verify:--output') return 0 ;;
    'group list:-o' | 'group list:--output' | 'group describe:-o' | 'group describe:--output') return 0 ;;
    'group reset:-o' | 'group reset:--output' | 'group reset:--topic' | 'group reset:--to') return 0 ;;
    top:--interval | top:--sort | top:-o | top:--output) return 0 ;;
    'bench produce:--records' | 'bench produce:--record-size' | 'bench produce:--rate' | 'bench produce:--acks' | \
      'bench produce:--partitions' | 'bench produce:--compression' | 'bench produce:--batch-bytes' | \
      'bench produce:--linger-ms' | 'bench produce:--in-flight' | 'bench produce:-o' | 'bench produce:--output') return 0 ;;
    'bench consume:--records' | 'bench consume:--fetch-bytes' | 'bench consume:--in-flight' | \
      'bench consume:--record-size' | 'bench consume:--partitions' | 'bench consume:--compression' | \
      'bench consume:--batch-bytes' | 'bench consume:-o' | 'bench consume:--output') return 0 ;;
    'bench e2e:--records' | 'bench e2e:--warmup' | 'bench e2e:--acks' | 'bench e2e:--record-size' | \
      'bench e2e:-o' | 'bench e2e:--output') return 0 ;;
  esac
  return 1
}

# Topic names from the daemon of the home in use; nothing when none runs.
# $1: the ks executable; the rest: global options to pass (--home, --addr).
_ks_topics() {
  local ks=$1
  shift
  local -a run=()
  if type -P timeout >/dev/null 2>&1; then run=(timeout 3); fi
  KS_NO_AUTOSTART=1 "${run[@]}" "$ks" "$@" topic list 2>/dev/null </dev/null | cut -f1
}

# Group names, likewise.
_ks_groups() {
  local ks=$1
  shift
  local -a run=()
  if type -P timeout >/dev/null 2>&1; then run=(timeout 3); fi
  KS_NO_AUTOSTART=1 "${run[@]}" "$ks" "$@" group list 2>/dev/null </dev/null | cut -f1
}

_ks_config_keys='retention.ms retention.bytes segment.bytes segment.ms max.message.bytes flush.ms flush.messages cleanup.policy index.interval.bytes message.timestamp.type message.timestamp.before.max.ms message.timestamp.after.max.ms min.insync.replicas compression.type'

# Sets COMPREPLY to the words of $1 that start with $2.
_ks_reply() {
  local IFS=$' \t\n'
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# Sets COMPREPLY to files (-f) or directories (-d) starting with $2.
_ks_files() {
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen "$1" -- "$2")
}

_ks_expand_tilde() {
  case $1 in
    '~') printf '%s\n' "$HOME" ;;
    '~/'*) printf '%s\n' "$HOME/${1#'~/'}" ;;
    *) printf '%s\n' "$1" ;;
  esac
}

_ks() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=
  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()

  # bash splits "--acks=all" at '=' (COMP_WORDBREAKS): treat "--flag = value"
  # like "--flag value".
  local cword=$COMP_CWORD
  local -a words=("${COMP_WORDS[@]}")
  if [[ $cur == '=' && $prev == -* ]]; then
    cur=
  elif [[ $prev == '=' ]] && (( cword >= 2 )) && [[ ${words[cword - 2]} == -* ]]; then
    prev=${words[cword - 2]}
  elif [[ $prev == '=' ]] && (( cword >= 3 )) && [[ ${words[cword - 2]} == cleanup.policy ]] &&
    [[ ${words[cword - 3]} == -c || ${words[cword - 3]} == --config ]]; then
    # -c cleanup.policy=<TAB>
    _ks_reply 'delete' "$cur"
    return 0
  fi

  local ks=${words[0]:-ks}
  ks=$(_ks_expand_tilde "$ks")
  if [[ $ks == */* ]]; then
    [[ -x $ks ]] || ks=ks
  fi

  # Walk the words before the cursor: global options, the command, its
  # subcommand, and how many positional arguments come before the cursor.
  local -a global=()
  local cmd= sub= npos=0 i=1 w
  local need_sub=
  while (( i < cword )); do
    w=${words[i]}
    if [[ ${words[i + 1]-} == '=' && $w == -* ]]; then
      # "--flag=value" as three words.
      if [[ -z $cmd ]] && [[ $w == --home || $w == --addr ]] && (( i + 2 < cword )); then
        global+=("$w" "$(_ks_expand_tilde "${words[i + 2]}")")
      fi
      (( i += 3 ))
      continue
    fi
    if [[ $w == -* ]]; then
      local path=$cmd${sub:+ $sub}
      if [[ -z $cmd ]] && [[ $w == --home || $w == --addr ]] && (( i + 1 < cword )); then
        global+=("$w" "$(_ks_expand_tilde "${words[i + 1]}")")
      fi
      if _ks_takes_value "$path" "$w"; then
        (( i += 2 ))
      else
        (( i += 1 ))
      fi
      continue
    fi
    if [[ -z $cmd ]]; then
      cmd=$w
      case $cmd in topic | daemon | log | group | bench) need_sub=1 ;; esac
    elif [[ -n $need_sub && -z $sub ]]; then
      sub=$w
    else
      (( npos += 1 ))
    fi
    (( i += 1 ))
  done
  local path=$cmd${sub:+ $sub}

  # The value of the flag before the cursor.
  if [[ $prev == -* ]] && _ks_takes_value "$path" "$prev"; then
    case $prev in
      --home) _ks_files -d "$cur" ;;
      --file) _ks_files -f "$cur" ;;
      --addr | --listen) _ks_reply 'tcp://127.0.0.1:' "$cur"; compopt -o nospace 2>/dev/null ;;
      --acks) _ks_reply '0 1 all' "$cur" ;;
      --compression) _ks_reply 'none gzip snappy lz4 zstd' "$cur" ;;
      -o | --output)
        case $path in
          'topic list' | 'topic describe' | offsets | group\ * | top) _ks_reply 'table json' "$cur" ;;
          *) _ks_reply 'text json' "$cur" ;;
        esac
        ;;
      --from | --to) _ks_reply 'beginning end @-1h' "$cur" ;;
      --topic | --dead-letter) _ks_reply "$(_ks_topics "$ks" "${global[@]}")" "$cur" ;;
      --until) _ks_reply 'end +100 @-1h' "$cur" ;;
      -g | --group) _ks_reply "$(_ks_groups "$ks" "${global[@]}")" "$cur" ;;
      --commit) _ks_reply 'auto never' "$cur" ;;
      --at) _ks_reply '-1h -1d' "$cur" ;;
      --interval) _ks_reply '0.5 1 2 5' "$cur" ;;
      --sort) _ks_reply 'name in out size lag' "$cur" ;;
      --auto-create) _ks_reply 'true false' "$cur" ;;
      -c | --config)
        local k keys=
        for k in $_ks_config_keys; do keys+=" $k="; done
        _ks_reply "$keys" "$cur"
        compopt -o nospace 2>/dev/null
        ;;
      --delete-config) _ks_reply "$_ks_config_keys" "$cur" ;;
    esac
    return 0
  fi

  if [[ $cur == -* ]]; then
    if [[ -z $cmd ]]; then
      _ks_reply "$_ks_global_flags" "$cur"
    else
      _ks_reply "$(_ks_flags "$path")" "$cur"
    fi
    return 0
  fi

  if [[ -z $cmd ]]; then
    _ks_reply 'produce consume tail topic offsets group top daemon log bench' "$cur"
    return 0
  fi
  if [[ -n $need_sub && -z $sub ]]; then
    case $cmd in
      topic) _ks_reply 'create list describe alter delete adopt' "$cur" ;;
      daemon) _ks_reply 'run start stop status' "$cur" ;;
      log) _ks_reply 'dump verify' "$cur" ;;
      group) _ks_reply 'list describe reset delete' "$cur" ;;
      bench) _ks_reply 'produce consume e2e' "$cur" ;;
    esac
    return 0
  fi

  # Positional arguments.
  case $path in
    produce | consume | tail | offsets | 'topic describe' | 'topic alter' | 'bench produce' | 'bench consume')
      (( npos == 0 )) && _ks_reply "$(_ks_topics "$ks" "${global[@]}")" "$cur"
      ;;
    'topic delete')
      _ks_reply "$(_ks_topics "$ks" "${global[@]}")" "$cur"
      ;;
    'group describe' | 'group reset' | 'group delete')
      (( npos == 0 )) && _ks_reply "$(_ks_groups "$ks" "${global[@]}")" "$cur"
      ;;
    'log dump') (( npos == 0 )) && _ks_files -f "$cur" ;;
    'log verify') (( npos == 0 )) && _ks_files -d "$cur" ;;
  esac
  return 0
}

complete -F _ks ks
