#!/usr/bin/env bash
# Installs everything Squish and its tests need on a Debian machine: the Debian codecs the engine
# calls (jpegtran, gifsicle, pngquant), the reference tools the tests and benchmarks compare with,
# the npm packages (from the lock file), and the compiled CLI. Safe to run again.
#
#   bash scripts/setup.sh          # what `squish serve` and `squish optimize` need
#   bash scripts/setup.sh --test   # also the real services the tests start (scripts/with-services.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  libjpeg-turbo-progs # jpegtran: lossless JPEG transcoding
  gifsicle            # GIF optimization, lossless and lossy
  pngquant            # palette quantization for lossy PNG
  imagemagick         # reference GIF decoder in tests
  libimage-exiftool-perl # exiftool: reads metadata back in tests
  libavif-bin         # avifdec: an independent AVIF decoder in the metadata tests
  liblcms2-utils icc-profiles-free libgs-common # jpgicc, sRGB and CMYK profiles: colour-managed references in tests
  optipng jpegoptim   # reference tools for the benchmark
)
# Installed with their recommended packages, as they were when measured (shared/notes/services.md).
SERVICE_PACKAGES=()
if [ "${1:-}" = "--test" ]; then
  SERVICE_PACKAGES+=(
    redis-server redis-sentinel     # the BullMQ queue, with a replica and Sentinels for failover tests
    postgresql                      # the scaled-out data layer
    radosgw ceph-mon ceph-osd       # Ceph radosgw: a real S3 server
    glusterfs-server glusterfs-client # a shared POSIX mount
    nginx keepalived                # the cluster's load balancer and floating address
    uuid-runtime curl               # uuidgen and curl for the service scripts
    chromium                        # a real browser: SVG outputs must show there as the inputs do
  )
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
updated=0
# install_missing <apt option...> -- <package...>: installs the packages not yet installed.
install_missing() {
  local options=()
  while [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$updated" = 0 ]; then
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${options[@]}" "${missing[@]}" >/dev/null
}
install_missing --no-install-recommends -- "${DEBIAN_PACKAGES[@]}"
if ((${#SERVICE_PACKAGES[@]})); then install_missing -- "${SERVICE_PACKAGES[@]}"; fi

echo "setup: installing npm packages"
npm ci --no-audit --no-fund --loglevel=error
echo "setup: building"
npm run --silent build
echo "setup: done. Try: npx squish doctor"
