#!/bin/sh
# Stands in for node-gyp when prebuildify calls it ("node-gyp rebuild ..."): build with cmake-js.
set -e
cd "$(dirname "$0")/.."
exec node scripts/build-native.js
