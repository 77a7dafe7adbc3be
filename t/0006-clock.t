#!/bin/sh
exec "${BUILD:-$(dirname "$0")/../build}/t/unit-clock"
