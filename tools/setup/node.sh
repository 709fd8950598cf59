# Source it (`. tools/setup/node.sh`, as .ci/run does): makes `node` (and the npm that runs on it) a
# supported Node.js, the one package.json's `engines` asks for (24 LTS recommended). Where the machine's
# node is older or missing, Node.js $AAP_NODE_VERSION is taken from the npm registry, which ships the official
# binaries as the package node-linux-<arch>, unpacked once into ~/.cache/aap-node/<version>, checked to
# run, and put first on PATH for this shell. Sourced, so it never exits the caller's shell: it returns 1
# on failure.

AAP_NODE_VERSION="${AAP_NODE_VERSION:-24.22.3}"
# The oldest supported, from package.json's `"node": ">=X.Y"`.
AAP_NODE_MINIMUM="$(sed -n 's/.*"node": *">=\([0-9][0-9.]*\)".*/\1/p' "$(dirname "${BASH_SOURCE[0]:-$0}")/../../package.json" 2>/dev/null | head -1)"
AAP_NODE_MINIMUM="${AAP_NODE_MINIMUM:-22.22}"

aap_node_supported() {
  "${1:-node}" -e 'const [major, minor] = process.versions.node.split(".").map(Number);
const [wantMajor, wantMinor = 0] = process.argv[1].split(".").map(Number);
process.exit(major > wantMajor || (major === wantMajor && minor >= wantMinor) ? 0 : 1)' "$AAP_NODE_MINIMUM" >/dev/null 2>&1
}

aap_node_provision() {
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "tools/setup/node.sh: no Node.js package for $(uname -s) $(uname -m)" >&2; return 1 ;;
  esac
  local home="${XDG_CACHE_HOME:-$HOME/.cache}/aap-node/$AAP_NODE_VERSION"
  if ! aap_node_supported "$home/bin/node"; then
    command -v npm >/dev/null || { echo "tools/setup/node.sh: npm is needed once, to fetch Node.js $AAP_NODE_VERSION" >&2; return 1; }
    echo "tools/setup/node.sh: fetching Node.js $AAP_NODE_VERSION (npm package node-linux-$arch) into $home" >&2
    local work
    work="$(mktemp -d)" || return 1
    # Unpacked beside the cache and moved into place whole: an interrupted fetch leaves no half install.
    if (cd "$work" && npm pack --silent "node-linux-$arch@$AAP_NODE_VERSION" >/dev/null) &&
      mkdir -p "$work/node" && tar -xzf "$work"/node-linux-"$arch"-*.tgz -C "$work/node" --strip-components=1 &&
      aap_node_supported "$work/node/bin/node"; then
      mkdir -p "$(dirname "$home")" && rm -rf "$home" && mv "$work/node" "$home"
    fi
    rm -rf "$work"
    aap_node_supported "$home/bin/node" || { echo "tools/setup/node.sh: Node.js $AAP_NODE_VERSION did not install or does not run" >&2; return 1; }
  fi
  case ":$PATH:" in *":$home/bin:"*) ;; *) export PATH="$home/bin:$PATH" ;; esac
  hash -r 2>/dev/null
}

if ! aap_node_supported; then aap_node_provision || return 1 2>/dev/null || exit 1; fi
