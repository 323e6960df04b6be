# fish completion for ks(1). Installed as
# share/fish/vendor_completions.d/ks.fish.
#
# Completes commands, subcommands, every flag of each command, fixed flag
# values (--acks, -o, --from, ...) and live topic and group names from
# `ks topic list` and `ks group list`. Listing them never starts a daemon
# (KS_NO_AUTOSTART=1) and honours a --home/--addr given before the command.
#
# Keep the flag lists in step with `ks ... --help` (tests/docs/test_docs.sh).

# True when FLAG takes a value in command path PATH ("" before the command).
function __ks_takes_value -a path flag
    switch "$path:$flag"
        case ':--home' ':--addr'
            return 0
        case 'produce:-D' 'produce:--delimiter' 'produce:-K' 'produce:--key-delimiter' \
                'produce:--key' 'produce:-H' 'produce:--header' 'produce:--file' \
                'produce:-p' 'produce:--partition' 'produce:--acks' 'produce:--linger-ms' \
                'produce:--batch-bytes' 'produce:--compression'
            return 0
        case 'consume:--from' 'consume:-n' 'consume:--count' 'consume:-f' 'consume:--format' \
                'consume:-D' 'consume:--delimiter' 'consume:-p' 'consume:--partition' \
                'consume:-g' 'consume:--group' 'consume:--commit' 'consume:--session-timeout-ms' \
                'consume:--exec' 'consume:--retries' 'consume:--dead-letter' 'consume:--parallel' 'consume:--until'
            return 0
        case 'tail:-n' 'tail:--lines' 'tail:--format' 'tail:-D' 'tail:--delimiter' \
                'tail:-p' 'tail:--partition'
            return 0
        case 'offsets:--at' 'offsets:-o' 'offsets:--output'
            return 0
        case 'topic create:-p' 'topic create:--partitions' 'topic create:-c' 'topic create:--config' \
                'topic adopt:-c' 'topic adopt:--config'
            return 0
        case 'topic alter:-p' 'topic alter:--partitions' 'topic alter:-c' 'topic alter:--config' \
                'topic alter:--delete-config'
            return 0
        case 'daemon run:--listen' 'daemon run:--auto-create' 'daemon run:--default-partitions' \
                'daemon start:--listen' 'daemon start:--auto-create' 'daemon start:--default-partitions' \
                'daemon run:--kafka' 'daemon run:--kafka-advertise' 'daemon start:--kafka' 'daemon start:--kafka-advertise' \
                'daemon run:--max-connections' 'daemon run:--max-partitions' \
                'daemon start:--max-connections' 'daemon start:--max-partitions'
            return 0
        case 'topic list:-o' 'topic list:--output' 'topic describe:-o' 'topic describe:--output' \
                'daemon status:-o' 'daemon status:--output' 'log dump:-o' 'log dump:--output' \
                'log verify:-o' 'log verify:--output'
            return 0
        case 'group list:-o' 'group list:--output' 'group describe:-o' 'group describe:--output' \
                'group reset:-o' 'group reset:--output' 'group reset:--topic' 'group reset:--to'
            return 0
        case 'top:--interval' 'top:--sort' 'top:-o' 'top:--output'
            return 0
        case 'bench produce:--records' 'bench produce:--record-size' 'bench produce:--rate' 'bench produce:--acks' \
                'bench produce:--partitions' 'bench produce:--compression' 'bench produce:--batch-bytes' \
                'bench produce:--linger-ms' 'bench produce:--in-flight' 'bench produce:-o' 'bench produce:--output' \
                'bench consume:--records' 'bench consume:--fetch-bytes' 'bench consume:--in-flight' \
                'bench consume:--record-size' 'bench consume:--partitions' 'bench consume:--compression' \
                'bench consume:--batch-bytes' 'bench consume:-o' 'bench consume:--output' \
                'bench e2e:--records' 'bench e2e:--warmup' 'bench e2e:--acks' 'bench e2e:--record-size' \
                'bench e2e:-o' 'bench e2e:--output'
            return 0
    end
    return 1
end

# Reads the tokens before the cursor. Prints three lines: the command path
# ("", "produce", "topic create", ...), the number of positional arguments
# after it, and the global options to pass on (--home/--addr, one a line).
function __ks_parse
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd
    set -l sub
    set -l npos 0
    set -l global
    set -l i 1
    set -l n (count $tokens)
    while test $i -le $n
        set -l w $tokens[$i]
        set -l path (string join ' ' -- $cmd $sub)
        switch $w
            case '--home=*' '--addr=*'
                if test -z "$cmd"
                    set -a global (string replace -r '^(--\w+=)~' "\$1$HOME" -- $w)
                end
            case '-*'
                if __ks_takes_value "$path" $w
                    set i (math $i + 1)
                    if test -z "$cmd"; and test $i -le $n
                        set -a global $w (string replace -r '^~' $HOME -- $tokens[$i])
                    end
                end
            case '*'
                if test -z "$cmd"
                    set cmd $w
                else if contains -- $cmd topic daemon log group bench; and test -z "$sub"
                    set sub $w
                else
                    set npos (math $npos + 1)
                end
        end
        set i (math $i + 1)
    end
    if test -n "$sub"
        echo "$cmd $sub"
    else
        echo "$cmd"
    end
    echo $npos
    for g in $global
        echo $g
    end
end

# True when the command path before the cursor is exactly ARGS.
function __ks_is
    set -l p (__ks_parse)
    test "$p[1]" = "$argv"
end

function __ks_needs_command
    set -l p (__ks_parse)
    test -z "$p[1]"
end

# True when COMMAND (topic, daemon, log, group) still needs its subcommand.
function __ks_needs_sub -a command
    set -l p (__ks_parse)
    test "$p[1]" = "$command"
end

# True when the word under the cursor is the TOPIC argument.
function __ks_wants_topic
    set -l p (__ks_parse)
    switch "$p[1]"
        case produce consume tail offsets 'topic describe' 'topic alter' 'bench produce' 'bench consume'
            test "$p[2]" = 0
        case 'topic delete'
            return 0
        case '*'
            return 1
    end
end

# True when the word under the cursor is the GROUP argument.
function __ks_wants_group
    set -l p (__ks_parse)
    switch "$p[1]"
        case 'group describe' 'group reset' 'group delete'
            test "$p[2]" = 0
        case '*'
            return 1
    end
end

# Topic names of the daemon the command line talks to.
function __ks_topics
    set -l p (__ks_parse)
    set -l ks (commandline -opc)[1]
    set ks (string replace -r '^~' $HOME -- $ks)
    set -l run
    if command -sq timeout
        set run timeout 3
    end
    env KS_NO_AUTOSTART=1 $run $ks $p[3..-1] topic list 2>/dev/null </dev/null | cut -f1
end

# Consumer group names, likewise.
function __ks_groups
    set -l p (__ks_parse)
    set -l ks (commandline -opc)[1]
    set ks (string replace -r '^~' $HOME -- $ks)
    set -l run
    if command -sq timeout
        set run timeout 3
    end
    env KS_NO_AUTOSTART=1 $run $ks $p[3..-1] group list 2>/dev/null </dev/null | cut -f1
end

complete -c ks -e
complete -c ks -f

# Global options and commands.
complete -c ks -n __ks_needs_command -s h -l help -d 'Print help and exit'
complete -c ks -n __ks_needs_command -s V -l version -d 'Print version and exit'
complete -c ks -n __ks_needs_command -l home -x -a '(__fish_complete_directories)' -d 'Home directory'
complete -c ks -n __ks_needs_command -l addr -x -a 'tcp://127.0.0.1:' -d 'Reach the daemon over TCP'
complete -c ks -n __ks_needs_command -l no-autostart -d 'Do not start a daemon when none is running'
complete -c ks -n __ks_needs_command -a produce -d 'Write records from stdin to a topic'
complete -c ks -n __ks_needs_command -a consume -d 'Print records of a topic, then follow'
complete -c ks -n __ks_needs_command -a tail -d 'Print the last records of a topic'
complete -c ks -n __ks_needs_command -a topic -d 'Create, list, describe, alter and delete topics'
complete -c ks -n __ks_needs_command -a offsets -d 'Show partition offsets, or the offset at a time'
complete -c ks -n __ks_needs_command -a group -d 'List, describe, reset and delete consumer groups'
complete -c ks -n __ks_needs_command -a top -d 'Live view of topics (records/s) and groups (lag)'
complete -c ks -n __ks_needs_command -a daemon -d 'Run, start, stop or inspect the daemon'
complete -c ks -n __ks_needs_command -a log -d 'Inspect segment files offline'
complete -c ks -n __ks_needs_command -a bench -d 'Measure throughput and latency'

# Subcommands.
complete -c ks -n '__ks_needs_sub topic' -a create -d 'Create a topic'
complete -c ks -n '__ks_needs_sub topic' -a list -d 'List topics'
complete -c ks -n '__ks_needs_sub topic' -a describe -d 'Show configs and partitions of a topic'
complete -c ks -n '__ks_needs_sub topic' -a alter -d 'Change configs or add partitions'
complete -c ks -n '__ks_needs_sub topic' -a delete -d 'Delete topics and their records'
complete -c ks -n '__ks_needs_sub topic' -a adopt -d 'Recreate a topic from its orphaned partition directories'
complete -c ks -n '__ks_needs_sub daemon' -a run -d 'Run the daemon in the foreground'
complete -c ks -n '__ks_needs_sub daemon' -a start -d 'Start the daemon in the background'
complete -c ks -n '__ks_needs_sub daemon' -a stop -d 'Stop the daemon gracefully'
complete -c ks -n '__ks_needs_sub daemon' -a status -d 'Show pid, uptime, listeners, topics, bytes'
complete -c ks -n '__ks_needs_sub group' -a list -d 'List consumer groups'
complete -c ks -n '__ks_needs_sub group' -a describe -d 'Show members, committed offsets, lag and owners'
complete -c ks -n '__ks_needs_sub group' -a reset -d 'Move committed offsets (dry run unless --execute)'
complete -c ks -n '__ks_needs_sub group' -a delete -d 'Delete a group and its committed offsets'
complete -c ks -n '__ks_needs_sub log' -a dump -d 'Print batches and records of segment files'
complete -c ks -n '__ks_needs_sub log' -a verify -d 'Check CRCs, offsets and indexes'
complete -c ks -n '__ks_needs_sub bench' -a produce -d 'Send generated records: records/s, MB/s, ack latency'
complete -c ks -n '__ks_needs_sub bench' -a consume -d 'Read a topic from start to end: records/s, MB/s'
complete -c ks -n '__ks_needs_sub bench' -a e2e -d 'End-to-end latency, one record in flight'
complete -c ks -n '__ks_needs_sub topic; or __ks_needs_sub daemon; or __ks_needs_sub log; or __ks_needs_sub group; or __ks_needs_sub bench' -s h -l help -d 'Print help and exit'

# Live topic names.
complete -c ks -n __ks_wants_topic -a '(__ks_topics)' -d topic
complete -c ks -n __ks_wants_group -a '(__ks_groups)' -d group

# ks produce
complete -c ks -n '__ks_is produce' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is produce' -s D -l delimiter -x -d 'Record delimiter (escapes allowed)'
complete -c ks -n '__ks_is produce' -s K -l key-delimiter -x -d 'Split key and value at the first DELIM'
complete -c ks -n '__ks_is produce' -l key -x -d 'Use this key for every record'
complete -c ks -n '__ks_is produce' -s H -l header -x -d 'Add header key=value to every record'
complete -c ks -n '__ks_is produce' -l json -d 'Read NDJSON envelopes'
complete -c ks -n '__ks_is produce' -l skip-bad -d 'With --json: report malformed lines and go on'
complete -c ks -n '__ks_is produce' -l raw -d 'The whole input is one record'
complete -c ks -n '__ks_is produce' -l file -r -F -d 'Read FILE instead of stdin'
complete -c ks -n '__ks_is produce' -s p -l partition -x -d 'Write every record to partition N'
complete -c ks -n '__ks_is produce' -l acks -x -a '0\t"no answer" 1\t"written to the log (default)" all\tfsynced' -d Durability
complete -c ks -n '__ks_is produce' -l linger-ms -x -d 'Send a partial batch after this long idle (ms)'
complete -c ks -n '__ks_is produce' -l batch-bytes -x -d 'Send a batch once it reaches this size'
complete -c ks -n '__ks_is produce' -l compression -x -a 'none\t"no compression (default)" gzip snappy lz4 zstd' -d 'Compress each batch'
complete -c ks -n '__ks_is produce' -s v -l verbose -d 'Print a summary on stderr'

# ks consume
complete -c ks -n '__ks_is consume' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is consume' -l from -x -a 'beginning end @-1h' -d 'Start position'
complete -c ks -n '__ks_is consume' -s e -l exit -d 'Stop at the end offsets seen at start'
complete -c ks -n '__ks_is consume' -s g -l group -x -a '(__ks_groups)' -d 'Consume as a member of GROUP'
complete -c ks -n '__ks_is consume' -l commit -x -a 'auto\t"commit what was written (default)" never\t"only peek"' -d 'With -g: commit or not'
complete -c ks -n '__ks_is consume' -l exec -x -d 'With -g: run CMD per record; exit 0 commits it'
complete -c ks -n '__ks_is consume' -l retries -x -d 'With --exec: retries of a failing command'
complete -c ks -n '__ks_is consume' -l dead-letter -x -a '(__ks_topics)' -d 'With --exec: send records that keep failing to TOPIC'
complete -c ks -n '__ks_is consume' -l parallel -x -d 'With --exec: commands at once across partitions'
complete -c ks -n '__ks_is consume' -l until -x -a 'end +100 @-1h' -d 'Stop each partition at end, +N or @TIME'
complete -c ks -n '__ks_is consume' -l session-timeout-ms -x -d 'With -g: a silent member loses its partitions after this long'
complete -c ks -n '__ks_is consume' -s n -l count -x -d 'Exit after N records'
complete -c ks -n '__ks_is consume' -s f -l format -x -d 'Template: %k %v %o %p %t %T %h %K %V %s %%'
complete -c ks -n '__ks_is consume' -l json -d 'One JSON envelope per line'
complete -c ks -n '__ks_is consume' -s D -l delimiter -x -d 'Written after each value'
complete -c ks -n '__ks_is consume' -s p -l partition -x -d 'Only these partitions'

# ks tail
complete -c ks -n '__ks_is tail' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is tail' -s n -l lines -x -d 'How many records (default 10)'
complete -c ks -n '__ks_is tail' -s f -l follow -d 'Keep printing new records'
complete -c ks -n '__ks_is tail' -l format -x -d 'Template, as in ks consume -f'
complete -c ks -n '__ks_is tail' -l json -d 'One JSON envelope per line'
complete -c ks -n '__ks_is tail' -s D -l delimiter -x -d 'Written after each value'
complete -c ks -n '__ks_is tail' -s p -l partition -x -d 'Only these partitions'

# ks offsets
complete -c ks -n '__ks_is offsets' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is offsets' -l at -x -a '-1h -1d' -d 'The first offset at or after TIME'
complete -c ks -n '__ks_is offsets' -s o -l output -x -a 'table json' -d 'Output format'

# ks topic ...
set -l __ks_configs 'retention.ms= retention.bytes= segment.bytes= segment.ms= max.message.bytes= flush.ms= flush.messages= cleanup.policy=delete index.interval.bytes= message.timestamp.type=CreateTime message.timestamp.type=LogAppendTime message.timestamp.before.max.ms= message.timestamp.after.max.ms= min.insync.replicas= compression.type=producer'
complete -c ks -n '__ks_is topic create' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is topic create' -s p -l partitions -x -d 'Number of partitions'
complete -c ks -n '__ks_is topic create' -s c -l config -x -a $__ks_configs -d 'A topic config KEY=VALUE'
complete -c ks -n '__ks_is topic list' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is topic list' -s o -l output -x -a 'table json' -d 'Output format'
complete -c ks -n '__ks_is topic describe' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is topic describe' -s o -l output -x -a 'table json' -d 'Output format'
complete -c ks -n '__ks_is topic alter' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is topic alter' -s c -l config -x -a $__ks_configs -d 'Set a config KEY=VALUE'
complete -c ks -n '__ks_is topic alter' -l delete-config -x -a 'retention.ms retention.bytes segment.bytes segment.ms max.message.bytes flush.ms flush.messages cleanup.policy index.interval.bytes message.timestamp.type message.timestamp.before.max.ms message.timestamp.after.max.ms min.insync.replicas compression.type' -d 'Remove an override'
complete -c ks -n '__ks_is topic alter' -s p -l partitions -x -d 'New partition count'
complete -c ks -n '__ks_is topic delete' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is topic delete' -s y -l yes -d 'Do not ask for confirmation'
complete -c ks -n '__ks_is topic delete' -l orphan -d 'Remove the orphaned partition directories instead'
complete -c ks -n '__ks_is topic adopt' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is topic adopt' -s c -l config -x -a $__ks_configs -d 'A topic config KEY=VALUE'

# ks group ...
complete -c ks -n '__ks_is group list' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is group list' -s o -l output -x -a 'table json' -d 'Output format'
complete -c ks -n '__ks_is group describe' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is group describe' -s o -l output -x -a 'table json' -d 'Output format'
complete -c ks -n '__ks_is group reset' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is group reset' -l topic -x -a '(__ks_topics)' -d 'Reset the partitions of this topic'
complete -c ks -n '__ks_is group reset' -l to -x -a 'beginning end @-1h' -d 'The new position'
complete -c ks -n '__ks_is group reset' -l execute -d 'Commit the new offsets (default: a dry run)'
complete -c ks -n '__ks_is group reset' -s y -l yes -d 'Do not ask for confirmation'
complete -c ks -n '__ks_is group reset' -s o -l output -x -a 'table json' -d 'Output format'
complete -c ks -n '__ks_is group delete' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is group delete' -s y -l yes -d 'Do not ask for confirmation'

# ks top
complete -c ks -n '__ks_is top' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is top' -l interval -x -a '0.5 1 2 5' -d 'Seconds between refreshes (from 0.2)'
complete -c ks -n '__ks_is top' -l once -d 'Print one snapshot and exit'
complete -c ks -n '__ks_is top' -l sort -x -a 'name in out size lag' -d 'Topic order (s cycles it)'
complete -c ks -n '__ks_is top' -s o -l output -x -a 'table json' -d 'With --once: output format'

# ks daemon ...
for __ks_sub in run start
    complete -c ks -n "__ks_is daemon $__ks_sub" -s h -l help -d 'Print help and exit'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l listen -x -a 'tcp://127.0.0.1:' -d 'Also serve the native protocol on TCP'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l allow-remote -d 'Allow a non-loopback --listen or --kafka address'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l kafka -x -a '127.0.0.1:9092' -d 'Also serve the Kafka wire protocol'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l kafka-advertise -x -d 'Address told to Kafka clients'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l auto-create -x -a 'true false' -d 'Create missing topics on produce'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l default-partitions -x -d 'Partitions of auto-created topics'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l max-connections -x -d 'Client connections open at once'
    complete -c ks -n "__ks_is daemon $__ks_sub" -l max-partitions -x -d 'Partitions of all topics together'
end
set -e __ks_sub
complete -c ks -n '__ks_is daemon stop' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is daemon status' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is daemon status' -s o -l output -x -a 'text json' -d 'Output format'

# ks log ...
complete -c ks -n '__ks_is log dump' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is log dump' -s o -l output -x -a 'text json' -d 'Output format'
complete -c ks -n '__ks_is log dump' -l headers-only -d 'Print batch headers, not records'
complete -c ks -n '__ks_is log dump' -F
complete -c ks -n '__ks_is log verify' -s h -l help -d 'Print help and exit'
complete -c ks -n '__ks_is log verify' -s o -l output -x -a 'text json' -d 'Output format'
complete -c ks -n '__ks_is log verify' -x -a '(__fish_complete_directories)'

# ks bench ...
for __ks_sub in produce consume e2e
    complete -c ks -n "__ks_is bench $__ks_sub" -s h -l help -d 'Print help and exit'
    complete -c ks -n "__ks_is bench $__ks_sub" -l records -x -d 'How many records'
    complete -c ks -n "__ks_is bench $__ks_sub" -l record-size -x -d 'Bytes of each generated value'
    complete -c ks -n "__ks_is bench $__ks_sub" -l keep -d 'Keep the fresh bench topic'
    complete -c ks -n "__ks_is bench $__ks_sub" -s o -l output -x -a 'text json' -d 'Output format'
end
for __ks_sub in produce consume
    complete -c ks -n "__ks_is bench $__ks_sub" -l partitions -x -d 'Partitions of the fresh topic'
    complete -c ks -n "__ks_is bench $__ks_sub" -l compression -x -a 'none gzip snappy lz4 zstd' -d 'Compress each batch'
    complete -c ks -n "__ks_is bench $__ks_sub" -l batch-bytes -x -d 'Send a batch once it reaches this size'
end
for __ks_sub in produce e2e
    complete -c ks -n "__ks_is bench $__ks_sub" -l acks -x -a '0\t"no answer" 1\t"written to the log (default)" all\tfsynced' -d Durability
end
set -e __ks_sub
complete -c ks -n '__ks_is bench produce' -l rate -x -d 'At most this many records per second'
complete -c ks -n '__ks_is bench produce' -l linger-ms -x -d 'With --rate: longest wait in a batch (ms)'
complete -c ks -n '__ks_is bench produce' -l in-flight -x -d 'Produce requests awaiting an answer'
complete -c ks -n '__ks_is bench consume' -l fetch-bytes -x -d 'Bytes asked for per fetch'
complete -c ks -n '__ks_is bench consume' -l in-flight -x -d 'Partitions with a fetch out at once'
complete -c ks -n '__ks_is bench e2e' -l warmup -x -d 'Records sent first and not timed'
