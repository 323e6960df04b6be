#!/usr/bin/env bash
# Prints the classpath (one line, ':'-separated) of the Java client tests:
# the jars pom.xml pins (Apache Kafka 4.4.0's clients, tools and Streams),
# fetched by `mvn` into ~/.m2, then the test programs of src/ compiled with
# javac. Both are cached under ${XDG_CACHE_HOME:-~/.cache}/ks-tests/java-clients/
# (the jar list keyed by pom.xml's hash, the classes by the sources' hash),
# so a rerun starts neither Maven nor javac. Several test scripts may call
# this at once (ctest -j): one at a time holds the cache's lock.
#
# Missing java/javac/mvn: installed with apt-get when root (as in CI), else
# exit 77 (skip), except with CI=true, where it is an error (exit 1).
set -euo pipefail

HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ks-tests/java-clients

die() { echo "java setup.sh: $*" >&2; exit 1; }
skip_or_die() {
  if [[ "${CI:-}" == "true" ]]; then die "$*"; fi
  echo "java setup.sh: SKIP: $*" >&2
  exit 77
}

ensure_tools() {
  if ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "java setup.sh: installing a JDK and maven (apt-get)" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
         openjdk-17-jdk-headless maven) </dev/null >&2 || skip_or_die "apt-get install openjdk-17-jdk-headless maven failed"
    fi
  fi
  command -v java >/dev/null 2>&1 || skip_or_die "no java (Java 17+; Debian package openjdk-17-jdk-headless)"
  command -v javac >/dev/null 2>&1 || skip_or_die "no javac (Debian package openjdk-17-jdk-headless)"
  command -v mvn >/dev/null 2>&1 || skip_or_die "no mvn (Debian package maven)"
}

# The jars, resolved once per pom.xml; every one must still be in ~/.m2.
jars() {
  local file cp jar
  file=$CACHE/jars-$(sha256sum "$HERE/pom.xml" | cut -c1-16).txt
  if [[ -s "$file" ]]; then
    cp=$(cat "$file")
    local ok=1
    IFS=: read -ra list <<<"$cp"
    for jar in "${list[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
    if [[ $ok -eq 1 ]]; then echo "$cp"; return 0; fi
  fi
  echo "java setup.sh: resolving the Apache Kafka 4.4.0 client jars with mvn (cached in ~/.m2)" >&2
  mvn -B -q -f "$HERE/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$file.tmp" </dev/null >"$CACHE/mvn.log" 2>&1 ||
    { tail -n 30 "$CACHE/mvn.log" >&2; die "mvn could not resolve the jars (log: $CACHE/mvn.log)"; }
  mv "$file.tmp" "$file"
  cat "$file"
}

# src/ compiled against JARS into a directory named by the sources' hash.
classes() {  # JARS
  local key dir
  key=$(cat "$HERE/pom.xml" $(find "$HERE/src" -name '*.java' | sort) | sha256sum | cut -c1-16)
  dir=$CACHE/classes-$key
  if [[ ! -f "$dir/.done" ]]; then
    rm -rf "$dir" "$dir.tmp"
    mkdir -p "$dir.tmp"
    javac -nowarn -d "$dir.tmp" -cp "$1" $(find "$HERE/src" -name '*.java' | sort) >"$CACHE/javac.log" 2>&1 ||
      { cat "$CACHE/javac.log" >&2; die "javac failed"; }
    touch "$dir.tmp/.done"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

ensure_tools
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
cp=$(jars)
echo "$(classes "$cp"):$cp"
