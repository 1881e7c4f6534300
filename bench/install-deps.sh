#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What make bench, bench-gate and footprint need (Debian 12).
set -eu
exec sh "$(dirname "$0")/../tools/apt-install.sh" bench valgrind libprotobuf-c-dev protobuf-c-compiler gcc-arm-linux-gnueabihf
