#!/bin/sh
# keepalived's health check of the local nginx: succeeds when nginx answers its own /healthz
# (deploy/nginx/squish.conf), within a second. A process check (pidof nginx) is not enough: a
# wedged nginx still has a pid, and it would see nginx processes of other network namespaces.
# Usage: check-nginx.sh <url of /healthz on this machine>, e.g. http://127.0.0.1:80/healthz
exec curl --silent --fail --max-time 1 --output /dev/null "${1:?usage: check-nginx.sh <healthz url>}"
