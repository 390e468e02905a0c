#!/usr/bin/env bash
# The erasure request on the lab itself (exercise 8 of the lab guide is the worked example):
#   ./forget.sh HANDLE "REFERENCE OF THE REQUEST"
# A dry run first (it counts, it writes nothing), then the erasure, then the audit log.
set -euo pipefail
handle="$1"
reason="$2"
labctl gdpr forget "$handle" --reason "$reason" --dry-run
labctl gdpr forget "$handle" --reason "$reason"
labctl gdpr erasures
