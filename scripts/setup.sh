#!/usr/bin/env bash
# Installs everything Squish and its tests need on a Debian machine: the Debian codecs the engine
# calls (jpegtran, gifsicle, pngquant), the reference tools the tests and benchmarks compare with,
# the npm packages (from the lock file), and the compiled CLI. Safe to run again.
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

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: installing npm packages"
npm ci --no-audit --no-fund --loglevel=error
echo "setup: building"
npm run --silent build
echo "setup: done. Try: npx squish doctor"
