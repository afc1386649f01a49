#!/bin/sh
# Runs a test program under umockdev-wrapper (umockdev's preload library emulates /dev and
# /sys for it). ASan wants to be first in the library list; the preload library comes first
# here, which is harmless for these tests, so the check is switched off; glib's one-time
# allocations would read as leaks, so leak detection is off for this program only.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
export ASAN_OPTIONS
exec umockdev-wrapper "$@"
