#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the build system from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
# m4/ holds only what libtoolize installs (ignored by git); aclocal warns
# when it does not exist yet on a fresh clone
mkdir -p m4
autoreconf --force --install --symlink
