#!/bin/sh
# Stands in for node-gyp when prebuildify calls it ("node-gyp rebuild ...") in its staging folder
# (scripts/prebuild.js): hands it the addon build-native.js built, so prebuildify names, strips and
# moves a copy, never the shared build/Release/ser_torch.node.
set -e
: "${SER_TORCH_ADDON:?set by scripts/prebuild.js}"
mkdir -p build/Release
cp "$SER_TORCH_ADDON" build/Release/ser_torch.node
