#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What make diagrams needs: Graphviz, PlantUML and the pinned DejaVu fonts (Debian 12).
set -eu
exec sh "$(dirname "$0")/../tools/apt-install.sh" diagrams graphviz plantuml fonts-dejavu-core fonts-dejavu-extra
