#!/usr/bin/env bash
# Prints the classpath (one ':'-separated line) of the consumer-group
# checks: the jars pom.xml pins (kafka-clients 4.4.0), resolved by `mvn`
# into ~/.m2 once and then read from a cached list, and src/ compiled with
# javac into a directory named by the sources' hash, both under
# ${XDG_CACHE_HOME:-~/.cache}/ks-tests/java-groups/. A rerun starts
# neither Maven nor javac; after the first run nothing is downloaded.
#
# Missing java/javac/mvn: exit 77 (skip), except with CI=true (exit 1).
set -euo pipefail

HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ks-tests/java-groups

die() { echo "java-groups setup.sh: $*" >&2; exit 1; }
skip_or_die() {
  if [[ "${CI:-}" == "true" ]]; then die "$*"; fi
  echo "java-groups setup.sh: SKIP: $*" >&2
  exit 77
}

for tool in java javac mvn; do
  command -v "$tool" >/dev/null 2>&1 || skip_or_die "no $tool (Debian packages openjdk-17-jdk-headless, maven)"
done
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9

list=$CACHE/jars-$(sha256sum "$HERE/pom.xml" | cut -c1-16).txt
cp=
if [[ -s "$list" ]]; then
  cp=$(cat "$list")
  IFS=: read -ra jars <<<"$cp"
  for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { cp=; break; }; done
fi
if [[ -z "$cp" ]]; then
  echo "java-groups setup.sh: resolving kafka-clients 4.4.0 with mvn (cached in ~/.m2)" >&2
  mvn -B -q -f "$HERE/pom.xml" dependency:build-classpath -Dmdep.outputFile="$list.tmp" \
    </dev/null >"$CACHE/mvn.log" 2>&1 || { tail -n 30 "$CACHE/mvn.log" >&2; die "mvn failed (log: $CACHE/mvn.log)"; }
  mv "$list.tmp" "$list"
  cp=$(cat "$list")
fi

key=$(cat "$HERE/pom.xml" "$HERE"/src/*.java | sha256sum | cut -c1-16)
dir=$CACHE/classes-$key
if [[ ! -f "$dir/.done" ]]; then
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp"
  javac -nowarn -d "$dir.tmp" -cp "$cp" "$HERE"/src/*.java >"$CACHE/javac.log" 2>&1 ||
    { cat "$CACHE/javac.log" >&2; die "javac failed"; }
  touch "$dir.tmp/.done"
  mv "$dir.tmp" "$dir"
fi
echo "$dir:$cp"
