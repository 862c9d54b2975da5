#!/usr/bin/env bash
# Builds the image's base layer without a container daemon or registry: Debian's own shared libraries (unpacked
# from their .debs, cached under target/) and a jlink'ed Java runtime made from the JDK running the build, written as
# a `docker save`-format tar that Jib takes as its base image (from.image = tar://...).
# Usage: build-base.sh OUTPUT_TAR WORK_DIR JAVA_HOME
set -euo pipefail
out=$1 work=$2 jdk=$3
here=$(cd "$(dirname "$0")" && pwd)
# libc and the C++ runtime for the JNI libraries (libtorch, ONNX Runtime, SQLite, BoringSSL); libgomp for libtorch's
# OpenMP; freetype (and what it links) for java.desktop's font code, which the loss-curve chart draws with.
packages=(libc6 libgcc-s1 libstdc++6 zlib1g libgomp1 libfreetype6 libpng16-16 libbrotli1 libbz2-1.0)
debs=$work/debs rootfs=$work/rootfs
mkdir -p "$debs"
missing=()
for p in "${packages[@]}"; do compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  # apt-get -o APT::Sandbox::User=root download needs the package lists; a fresh machine may not have them yet.
  (cd "$debs" && apt-get -o APT::Sandbox::User=root download "${missing[@]}") || {
    [ "$(id -u)" = 0 ] || { echo "build-base.sh: apt-get -o APT::Sandbox::User=root download ${missing[*]} failed (apt-get update needs root)" >&2; exit 1; }
    apt-get update -qq && (cd "$debs" && apt-get -o APT::Sandbox::User=root download "${missing[@]}")
  }
fi
rm -rf "$rootfs" && mkdir -p "$rootfs"
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
rm -rf "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale "$rootfs"/usr/share/lintian
[ -f "$jdk/jmods/java.base.jmod" ] || { echo "build-base.sh: $jdk has no jmods/ (Debian: apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
# The Java SE modules (the server and its libraries use JDBC, JNDI, JMX, java.net.http, AWT images, XML, scripting)
# plus the JDK ones its libraries reach for: Unsafe (Netty, DJL), EC crypto (TLS), the zip file system.
"$jdk/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.management,jdk.zipfs,jdk.net,jdk.localedata \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$rootfs/opt/java"
# Debian's JDK keeps its trust store and security files as links into /etc: bring them in as files.
for f in "$rootfs"/opt/java/lib/security/* "$rootfs"/opt/java/conf/security/*; do
  [ -L "$f" ] || continue
  target=$(readlink -f "$jdk/${f#"$rootfs/opt/java/"}") || true
  rm -f "$f"; [ -f "$target" ] && cp "$target" "$f"
done
[ -f "$rootfs/opt/java/lib/security/cacerts" ] || cp "$(readlink -f "$jdk/lib/security/cacerts")" "$rootfs/opt/java/lib/security/cacerts"
"$rootfs/opt/java/bin/java" -version >/dev/null 2>&1 || true  # (runs against the host's libc: only a smoke check)
python3 "$here/write-image-tar.py" "$rootfs" "$out"
