#!/usr/bin/env bash
# The jtiny image's install steps, runnable outside Docker: the Dockerfile runs this, and DockerInstallTest runs
# it into a scratch prefix (without --with-apt or --with-jupyterlab, which need root and PyPI).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JUPYTERLAB_VERSION=${JUPYTERLAB_VERSION:-4.6.6}
# What the image needs from Debian: the OpenCL ICD loader (and libOpenCL.so, which JOCL loads), PoCL as the CPU
# device, Fashion-MNIST, Python for JupyterLab and the health check, and fonts for the charts %%bench draws.
APT_PACKAGES=(ca-certificates python3 python3-venv ocl-icd-libopencl1 ocl-icd-opencl-dev pocl-opencl-icd clinfo
  dataset-fashion-mnist fontconfig fonts-dejavu-core)

usage() {
  cat <<EOF
usage: docker/install.sh --prefix DIR [--with-apt] [--with-jupyterlab] [--build | --no-build]
Installs jtiny's Jupyter kernel the way the Docker image has it:
  DIR/lib/jtiny/             the launcher, kernel/target/jtiny-kernel.jar and kernel/target/lib/ of this checkout,
                             and notebooks/*.jsh (the kernelspec's JTINY_HOME is this folder)
  DIR/bin/jtiny, jtiny-lab   the command line (never builds) and the image's start/health command
  DIR/share/jupyter/kernels/jtiny/kernel.json   the kernelspec ("Java (jtiny)"), running the JDK 25 found now
  DIR/etc/jupyter/jupyter_{server,notebook}_config.json   jtiny as the default kernel (other settings kept)
  DIR/share/jtiny/notebooks/ the notebooks (and the scripts they run)
Running it again gives the same result. The kernel part needs no root: DIR only has to be writable.
  --with-apt          first install the Debian packages (${APT_PACKAGES[*]})
                      and write /etc/OpenCL/vendors/nvidia.icd; needs root and apt-get
  --with-jupyterlab   install JupyterLab $JUPYTERLAB_VERSION from PyPI into DIR/lib/jupyterlab (a venv) and link
                      its commands into DIR/bin; set JUPYTERLAB_VERSION to choose another
  --build             build the checkout first (./jtiny build, needs Maven)
  --no-build          never build: fail when kernel/target has no build
                      (default: build only when there is none)
environment: JAVA_HOME, a JDK 25 or newer (otherwise the java on the PATH)
EOF
}

die() { echo "docker/install.sh: $*" >&2; exit 2; }
say() { echo "docker/install.sh: $*" >&2; }

prefix="" with_apt=0 with_lab=0 build=auto
while (( $# )); do
  case $1 in
    --prefix) (( $# >= 2 )) || die "--prefix needs a directory"; prefix=$2; shift ;;
    --with-apt) with_apt=1 ;;
    --with-jupyterlab) with_lab=1 ;;
    --build) build=always ;;
    --no-build) build=never ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
  shift
done
[[ -n $prefix ]] || { usage >&2; die "--prefix DIR is required (the image uses /usr/local)"; }
mkdir -p "$prefix" || die "cannot create the prefix $prefix"
prefix="$(cd "$prefix" && pwd)"

python() {
  if [[ -x /usr/bin/python3 ]]; then /usr/bin/python3 "$@"; else python3 "$@"; fi
}

install_apt() {
  command -v apt-get >/dev/null || die "--with-apt needs apt-get (Debian or Ubuntu)"
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null || die "--with-apt needs root (or sudo)"
    sudo=(sudo)
  fi
  say "installing ${APT_PACKAGES[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"
  # The NVIDIA Container Toolkit mounts the driver's libnvidia-opencl.so.1 into the container (capability
  # "compute") but no ICD file naming it; without this file the ICD loader sees only PoCL.
  "${sudo[@]}" mkdir -p /etc/OpenCL/vendors
  echo libnvidia-opencl.so.1 | "${sudo[@]}" tee /etc/OpenCL/vendors/nvidia.icd >/dev/null
}

install_jupyterlab() {
  local venv=$prefix/lib/jupyterlab b
  say "installing JupyterLab $JUPYTERLAB_VERSION into $venv"
  python -m venv "$venv" || die "cannot create a Python venv in $venv (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check "jupyterlab==$JUPYTERLAB_VERSION" \
    || die "pip could not install jupyterlab==$JUPYTERLAB_VERSION"
  mkdir -p "$prefix/bin"
  for b in "$venv"/bin/jupyter*; do ln -sfn "$b" "$prefix/bin/$(basename "$b")"; done
  # A fresh JupyterLab asks which kernel to start each time a notebook opens; this starts the default one.
  mkdir -p "$venv/share/jupyter/lab/settings"
  cat > "$venv/share/jupyter/lab/settings/overrides.json" <<'EOF'
{
  "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": true}
}
EOF
}

# The feature version of the JDK at $1 (25, 17, ...), or nothing.
java_major() {
  [[ -x $1/bin/java ]] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

find_jdk() {
  local home major
  if [[ -n ${JAVA_HOME:-} ]]; then
    home=$JAVA_HOME
  elif command -v java >/dev/null; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  else
    die "needs a JDK 25 or newer: set JAVA_HOME to one (there is no JAVA_HOME and no java on the PATH)"
  fi
  major=$(java_major "$home")
  [[ -n $major ]] || die "needs a JDK 25 or newer: $home has no working bin/java (set JAVA_HOME to a JDK 25)"
  (( major >= 25 )) || die "needs a JDK 25 or newer: $home is Java $major (set JAVA_HOME to a JDK 25)"
  [[ -x $home/bin/javac && -x $home/bin/jshell ]] || die "needs a JDK, not a JRE: $home has no bin/javac or bin/jshell"
  JDK=$home
}

ensure_build() {
  local jar=$ROOT/kernel/target/jtiny-kernel.jar lib=$ROOT/kernel/target/lib
  if [[ $build == always ]] || { [[ $build == auto ]] && [[ ! -f $jar || ! -d $lib ]]; }; then
    say "building jtiny in $ROOT"
    JAVA_HOME=$JDK "$ROOT/jtiny" build || die "the build failed (see above)"
  fi
  [[ -f $jar && -d $lib ]] || die "no jtiny build in $ROOT/kernel/target (jtiny-kernel.jar and lib/): run ./jtiny build there first, or drop --no-build"
  compgen -G "$lib/*.jar" >/dev/null || die "$lib holds no jars: run ./jtiny build again"
}

# Merges {"MultiKernelManager": {"default_kernel_name": "jtiny"}} into the JSON config file $1, keeping the rest.
set_default_kernel() {
  python - "$1" <<'EOF' || die "cannot write $1"
import json, os, sys
path = sys.argv[1]
config = {}
if os.path.exists(path):
    with open(path) as f:
        config = json.load(f)
config.setdefault("MultiKernelManager", {})["default_kernel_name"] = "jtiny"
with open(path + ".tmp", "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(path + ".tmp", path)
EOF
}

install_jtiny() {
  local home=$prefix/lib/jtiny
  say "installing the jtiny kernel into $prefix"
  # Replaced whole, so that jars a newer build dropped do not linger on the class path.
  rm -rf "$home.new"
  mkdir -p "$home.new/kernel/target" "$prefix/bin"
  cp "$ROOT/jtiny" "$home.new/jtiny"
  cp "$ROOT/kernel/target/jtiny-kernel.jar" "$home.new/kernel/target/"
  # The launcher's home is the kernel's JTINY_HOME: scripts the notebooks run live beside it, as in a checkout.
  mkdir -p "$home.new/notebooks"
  cp "$ROOT"/notebooks/*.jsh "$home.new/notebooks/"
  cp -R "$ROOT/kernel/target/lib" "$home.new/kernel/target/lib"
  rm -rf "$home"
  mv "$home.new" "$home"

  cat > "$prefix/bin/jtiny.new" <<EOF
#!/bin/sh
# jtiny installed by docker/install.sh: runs the installed build and never builds.
JTINY_NO_BUILD=1 exec "$home/jtiny" "\$@"
EOF
  chmod 755 "$prefix/bin/jtiny.new"
  mv "$prefix/bin/jtiny.new" "$prefix/bin/jtiny"
  install -m 755 "$ROOT/docker/jtiny-lab" "$prefix/bin/jtiny-lab"

  JAVA_HOME=$JDK JTINY_NO_BUILD=1 "$home/jtiny" install --prefix "$prefix" --name jtiny \
    || die "writing the kernelspec failed (see above)"

  mkdir -p "$prefix/etc/jupyter"
  set_default_kernel "$prefix/etc/jupyter/jupyter_server_config.json"    # JupyterLab, Notebook 7 (jupyter_server)
  set_default_kernel "$prefix/etc/jupyter/jupyter_notebook_config.json"  # Notebook 6 (Debian 12's jupyter-notebook)

  local notebooks=$prefix/share/jtiny/notebooks
  rm -rf "$notebooks.new"
  mkdir -p "$notebooks.new"
  cp "$ROOT"/notebooks/*.ipynb "$ROOT"/notebooks/*.jsh "$notebooks.new/"
  [[ -f $ROOT/notebooks/README.md ]] && cp "$ROOT/notebooks/README.md" "$notebooks.new/"
  rm -rf "$notebooks"
  mv "$notebooks.new" "$notebooks"
}

find_jdk
if (( with_apt )); then install_apt; fi
if (( with_lab )); then install_jupyterlab; fi
ensure_build
install_jtiny
say "done: kernel 'jtiny' (Java (jtiny), $JDK) in $prefix/share/jupyter/kernels/jtiny, notebooks in $prefix/share/jtiny/notebooks"
