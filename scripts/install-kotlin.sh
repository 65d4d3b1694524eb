#!/usr/bin/env bash
# Installs what the JVM test of the generated Kotlin bindings needs: a
# current kotlinc and JNA. Debian's own `kotlin` package is 1.3 (too old for
# uniffi's Kotlin), Maven Central is not reachable from CI, but npm carries
# the official compiler distribution (`kotlin-compiler`) and Debian carries
# JNA (`libjna-java`). Idempotent: a second run finds both and returns.
#
# Usage: scripts/install-kotlin.sh     (prints KOTLIN_HOME)
# Env:   REDLINE_TOOLS   cache folder (default /var/cache/redline-tools)
set -euo pipefail

TOOLS="${REDLINE_TOOLS:-/var/cache/redline-tools}"
# The version the bindings were tested with; bump deliberately.
KOTLIN_VERSION="2.4.20"
PREFIX="$TOOLS/kotlin-$KOTLIN_VERSION"
KOTLIN_HOME="$PREFIX/node_modules/kotlin-compiler"
JNA_JAR=/usr/share/java/jna.jar

if [ ! -f /usr/share/java/jna.jar ]; then
    echo "kotlin: installing JNA (libjna-java)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libjna-java >/dev/null
fi

if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
    echo "kotlin: installing kotlin-compiler $KOTLIN_VERSION from npm into $PREFIX"
    mkdir -p "$PREFIX"
    npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "kotlin-compiler@$KOTLIN_VERSION" >/dev/null
    chmod +x "$KOTLIN_HOME"/bin/*
fi

for f in "$KOTLIN_HOME/bin/kotlinc" "$KOTLIN_HOME/lib/kotlin-stdlib.jar" \
         "$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar" "$JNA_JAR"; do
    if [ ! -e "$f" ]; then
        echo "kotlin: missing $f after install" >&2
        exit 1
    fi
done
echo "$KOTLIN_HOME"
