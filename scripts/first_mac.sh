#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# first_mac.sh: print the MAC address a license should bind on this host, or nothing.
# Interfaces with a device come first: a veth another test creates may be gone by the time
# the processor starts. All-zero addresses (lo) never qualify.
for pass in device any; do
	for d in /sys/class/net/*; do
		[ $pass = any ] || [ -e "$d/device" ] || continue
		a=$(cat "$d/address" 2>/dev/null) || continue
		case $a in ??:??:??:??:??:??) [ "$a" != 00:00:00:00:00:00 ] && { echo "$a"; exit 0; } ;; esac
	done
done
