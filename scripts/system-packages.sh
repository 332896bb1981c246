#!/usr/bin/env bash
# Debian packages the tests use, installed when missing: Chromium and ChromeDriver (the UI
# end-to-end test and the report's rendering test) and PostgreSQL (the production instance
# storage). Sourced by setup.sh; needs root and apt-get to install, and says what is missing
# otherwise (the tests that need a package then fail naming it).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing system packages: ${need[*]} ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (install them: sudo apt-get install ${need[*]})" >&2
  fi
fi
