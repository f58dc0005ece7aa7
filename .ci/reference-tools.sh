# Sourced by .ci/run: bpgenc/bpgdec (libbpg 0.9.8) and VTM 9.1 built from ../shared/vendor with
# ../shared/tools/build-*.sh, cached in $OODNIC_TOOLS_CACHE (default ~/.cache/oodnic-tools) under
# <tool>-<first 16 hex of the tarball's sha256>/, reused while the hash matches and the binaries run.
# Exports OODNIC_BPGENC, OODNIC_BPGDEC and OODNIC_VTM_DIR. Any failure fails CI.

shared="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared"
tools_cache="${OODNIC_TOOLS_CACHE:-$HOME/.cache/oodnic-tools}"
apt_packages=(build-essential cmake yasm libpng-dev libjpeg-dev)

install_build_packages() {
    local missing=()
    for package in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Run in a build folder: succeed when its binaries start and say what they are.
bpg_works() {
    [[ $(./bpgenc -h 2>&1 || true) == *"BPG Image Encoder"* && $(./bpgdec -h 2>&1 || true) == *"BPG Image Decoder"* ]]
}
vtm_works() {
    [[ $(./EncoderAppStatic --help 2>&1 || true) == *"VTM Encoder"* && -f cfg/encoder_intra_vtm.cfg
       && $(./DecoderAppStatic --help 2>&1 || true) == *"VTM Decoder"* ]]
}

# cached_build NAME TARBALL CHECK: echo the cache folder holding NAME's build, building it if needed.
# CHECK is a function that succeeds, run in that folder, when the binaries there work.
cached_build() {
    local name=$1 tarball=$2 check=$3 hash dir
    hash=$(sha256sum "$tarball") || return 1
    hash=${hash:0:16}
    dir="$tools_cache/$name-$hash"
    if [ -d "$dir" ] && (cd "$dir" && "$check") >/dev/null 2>&1; then
        echo "$name: reusing $dir" >&2
    else
        install_build_packages >&2
        echo "$name: building into $dir" >&2
        rm -rf "$dir" "$dir.partial"
        mkdir -p "$tools_cache"
        bash "$shared/tools/build-$name.sh" "$dir.partial" >&2 || { echo "$name: build failed" >&2; return 1; }
        (cd "$dir.partial" && "$check") || { echo "$name: the binaries built do not run" >&2; return 1; }
        mv "$dir.partial" "$dir"
    fi
    echo "$dir"
}

bpg_dir=$(cached_build bpg "$shared/vendor/libbpg-0.9.8.tar.gz" bpg_works)
vtm_dir=$(cached_build vtm "$shared/vendor/VTM-9.1.tar.gz" vtm_works)
export OODNIC_BPGENC="$bpg_dir/bpgenc" OODNIC_BPGDEC="$bpg_dir/bpgdec" OODNIC_VTM_DIR="$vtm_dir"
