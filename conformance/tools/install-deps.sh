#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the conformance targets need (Debian 12).
set -eu
exec sh "$(dirname "$0")/../../tools/apt-install.sh" "tracewire conformance" build-essential libjansson-dev python3 protobuf-compiler python3-protobuf
