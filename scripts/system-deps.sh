#!/bin/sh
# Installs the system libraries Kaozheng needs, where this machine lets us; otherwise
# says exactly what to install. --with-browser adds Chromium for the browser tests.
#   WeasyPrint: Pango (and HarfBuzz's subsetting library, without which a CJK PDF
#   takes seconds instead of milliseconds), a CJK font to embed in certificates,
#   poppler-utils (pdftotext/pdftoppm, used by tests), gettext for translations.
#   --with-browser (what CI and make test use) also brings iproute2, haproxy and socat for
#   the test that runs the exam across two app servers behind a load balancer.
set -u
with_browser=0
[ "${1:-}" = "--with-browser" ] && with_browser=1

missing=""
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib "libpango-1.0.so" || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
have_lib "libharfbuzz-subset.so" || missing="$missing libharfbuzz-subset0"
fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|Noto Serif CJK|WenQuanYi|Source Han" || missing="$missing fonts-noto-cjk"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
if [ "$with_browser" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$missing chromium"
  have_lib "libzbar.so" || missing="$missing libzbar0"
  # The several-app-servers test: network namespaces, a load balancer, a TCP forwarder.
  command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$missing haproxy"
  command -v socat >/dev/null 2>&1 || missing="$missing socat"
fi

[ -z "$missing" ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    echo "Installing system packages:$missing"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null && exit 0
    echo "apt-get failed." >&2
  fi
fi
cat >&2 <<MSG
Kaozheng needs these system packages, which could not be installed automatically:
   $missing
On Debian/Ubuntu run:
   sudo apt-get update && sudo apt-get install -y$missing
(Other systems: Pango >= 1.44 with HarfBuzz's libharfbuzz-subset, a CJK font such as
Noto Sans CJK SC, poppler-utils, gettext, and Chromium for the browser tests.)
MSG
# The browser is only needed by the browser tests, which then skip with a reason.
case "$missing" in *libpango*|*harfbuzz*|*fonts-noto*) exit 1 ;; esac
exit 0
