#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes sure Node.js (18 or later; the project uses 20) is present for tracewire-js; installs it as root.
set -eu

node_ok() {
    command -v node >/dev/null 2>&1 || return 1
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
    [ "$major" -ge 18 ]
}

if node_ok; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    echo "install-deps (js): installing nodejs"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
    node_ok && exit 0
    echo "install-deps (js): nodejs was installed but node is still missing or older than 18" >&2
    exit 1
fi
echo "install-deps (js): Node.js 18 or later is needed; run as root:" >&2
echo "    apt-get install -y nodejs" >&2
exit 1
