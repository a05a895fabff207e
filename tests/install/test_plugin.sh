# C plugins from the installed tree alone: examples/plugin built against the prefix with CMake (find_package) and
# with make + pkg-config; runs on 1 and 3 ranks identical, SIGKILL + resume identical, status, loader and report;
# --resume with a changed plugin refused (both hashes named) unless --allow-plugin-change; describe/experiments
# --plugin; MPISWEEP_PLUGIN_PATH; broken plugins (missing file, missing symbol, ABI mismatch, duplicate names):
# a located message, exit 2, no file created.
. "$SW_SOURCE/tests/mpi/lib.sh"
: "${SW_BUILD:?set by CTest}"
P=$SW_WORK/prefix
expect_exit 0 "cmake --install into $P" cmake --install "$SW_BUILD" --prefix "$P"
[ -e "$P/include/mpisweep/plugin.h" ] || fail "plugin.h is not installed"
MPISWEEP=$P/bin/mpisweep
export PATH=/usr/bin:/bin

expect_exit 0 "examples/plugin configures with find_package(mpisweep)" \
  cmake -S "$SW_SOURCE/examples/plugin" -B cmake -DCMAKE_PREFIX_PATH="$P"
expect_exit 0 "and builds a module against mpisweep::core" cmake --build cmake
cp -r "$SW_SOURCE/examples/plugin" make && rm -rf make/build
expect_exit 0 "the same plugin builds with make and pkg-config" env PKG_CONFIG_PATH="$P/lib/pkgconfig" make -C make
for so in cmake/libball.so make/build/libball.so; do
  exports=$(nm -D --defined-only "$so" | awk '{print $3}' | tr '\n' ' ')
  [ "$exports" = "sw_plugin_entry " ] || fail "$so exports '$exports', expected sw_plugin_entry alone"
done
pass "both plugins export sw_plugin_entry alone (the core library's copy stays private)"

# dim 1..8 x 24 replicates, 300000 points each (about 2 s of work): long enough to be killed part-way.
spec() { # spec FILE PLUGIN
  printf 'sweep: ball\nplugin: %s\nexperiment: ball_volume\nseed: 11\nreplicates: 24\nfixed: {samples: 300000}\n' "$2" > "$1"
  printf 'grid:\n  dim: [1, 2, 3, 4, 5, 6, 7, 8]\n' >> "$1"
}
spec cmake.yaml cmake/libball.so
spec make.yaml make/build/libball.so
outs="volume volume_se volume_exact r2_moments task_status"
expect_exit 0 "plan validates the plugin's sweep" "$MPISWEEP" plan cmake.yaml
expect_log "experiment ball_volume"
expect_log "plugin: $SW_WORK/cmake/libball.so (content hash [0-9a-f]\{32\})"
expect_log "r2_moments *\[8, 24, 4\]"
expect_exit 0 "1 rank" mpirun_sweep 1 run cmake.yaml -o one.h5 --progress none
expect_exit 0 "3 ranks" mpirun_sweep 3 run cmake.yaml -o three.h5 --progress none
same_results one.h5 three.h5 ball $outs
expect_exit 0 "the pkg-config build, 2 ranks" mpirun_sweep 2 run make.yaml -o make.h5 --progress none
same_results one.h5 make.h5 ball $outs

expect_exit 0 "examples/plugin/ball.yaml as a user runs it" mpirun_sweep 2 run make/ball.yaml -o example.h5 --progress none
expect_exit 0 "status of the plugin's sweep" "$MPISWEEP" status one.h5
expect_log "sweep ball (experiment ball_volume): 192 tasks: 192 done, 0 pending, 0 failed"
hash=$(/usr/bin/python3 -c 'import h5py,sys; print(h5py.File(sys.argv[1])["ball"].attrs["plugin_hash"])' one.h5)
[ ${#hash} -eq 32 ] || fail "no plugin_hash attribute (got '$hash')"
expect_log "plugin: $SW_WORK/cmake/libball.so (content hash $hash)"

f=$SW_WORK/killed.h5 # absolute, so that pkill matches this run only
spawn 2 run.log run cmake.yaml -o "$f" --progress none
wait_for_done "$f" 1
sleep "0.$((RANDOM % 5 + 1))"
pkill -KILL -f "mpisweep run cmake.yaml -o $f"; wait 2> /dev/null
set -- $(status_counts "$f")
[ "${2:-0}" -gt 0 ] || fail "the kill came too late to test anything ($*)"
pass "killed with SIGKILL after $1 tasks, $2 pending"
# The plugin rebuilt with other flags: other bytes, same results. --resume refuses it unless told.
old=$(/usr/bin/python3 -c 'import h5py,sys; print(h5py.File(sys.argv[1])["ball"].attrs["plugin_hash"])' "$f")
expect_exit 0 "rebuild the plugin with -O1" bash -c 'cp cmake/libball.so saved.so &&
  env PKG_CONFIG_PATH="$1/lib/pkgconfig" make -B -C make CFLAGS=-O1 && cp make/build/libball.so cmake/libball.so' _ "$P"
cmp -s saved.so cmake/libball.so && fail "the rebuilt plugin has the same bytes"
expect_exit 2 "--resume with a changed plugin is refused" mpirun_sweep 2 run cmake.yaml -o "$f" --resume --progress none
expect_log "sweep 'ball' was run with a different plugin (content hash $old; $SW_WORK/cmake/libball.so now has hash [0-9a-f]\{32\})"
expect_log "--allow-plugin-change"
set -- $(status_counts "$f")
[ "${2:-0}" -gt 0 ] && [ "$1" -gt 0 ] || fail "the refused resume changed the file ($*)"
expect_exit 0 "--resume --allow-plugin-change" mpirun_sweep 2 run cmake.yaml -o "$f" --resume --allow-plugin-change --progress none
same_results one.h5 "$f" ball $outs
new=$(/usr/bin/python3 -c 'import h5py,sys; print(h5py.File(sys.argv[1])["ball"].attrs["plugin_hash"])' "$f")
[ "$new" != "$old" ] || fail "the file still records the old plugin hash"
pass "the file records the new plugin hash"
cp saved.so cmake/libball.so

/usr/bin/python3 - "$SW_SOURCE/analysis" <<'PY' || fail "loader and report on the plugin's sweep"
import sys; sys.path.insert(0, sys.argv[1])
import numpy as np
from mpisweep.loader import open_sweep
from mpisweep.report_impl import write_report
ds = open_sweep("one.h5", "ball")
assert ds["volume"].dims == ("dim", "replicate"), ds["volume"].dims
assert ds["r2_moments"].dims == ("dim", "replicate", "k"), ds["r2_moments"].dims
assert list(ds["dim"].values) == list(range(1, 9)) and ds.attrs["complete"]
assert ds.attrs["experiment"] == "ball_volume" and ds.attrs["plugin"].endswith("cmake/libball.so")
# science.md: |estimate - exact| <= 5 SE (192 assertions); d = 1 lies wholly inside, its SE is 0
d = ds["dim"].values[:, None].astype(float)
assert (np.abs(ds["volume"] - ds["volume_exact"]) <= 5 * ds["volume_se"] + 1e-12).all()
exact = np.pi ** (d / 2) / np.exp(np.vectorize(__import__("math").lgamma)(d / 2 + 1))
np.testing.assert_allclose(ds["volume_exact"], np.broadcast_to(exact, ds["volume"].shape), rtol=1e-13)
# mean |x|^2 over the cube is d/3, per-point variance d (1/5 - 1/9)
se = np.sqrt(d * 4 / 45 / 300000)
assert (np.abs(ds["r2_moments"].isel(k=0) - d / 3) <= 5 * se).all()
r = write_report("one.h5", "report")
assert r["sweeps"][0]["plot"] == "generic" and r["sweeps"][0]["pngs"], r
assert ds.attrs["plugin_hash"] in open(r["index"]).read()
print("loader and report read the plugin's sweep")
PY
pass "loader: dims, coordinates, provenance and values within 5 SE; report: generic plots and the plugin's hash"

expect_exit 0 "describe --plugin" "$MPISWEEP" describe ball_volume --plugin cmake/libball.so
expect_log "r2_moments"
expect_exit 2 "describe without --plugin" "$MPISWEEP" describe ball_volume
expect_log "describe NAME --plugin LIB.so"
expect_exit 0 "experiments --plugin" "$MPISWEEP" experiments --plugin "$SW_WORK/make/build/libball.so"
expect_log "^ball_volume"
completed=$(bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mpisweep; echo "${COMPREPLY[*]}"' \
  _ "$P/share/bash-completion/completions/mpisweep" "$MPISWEEP" describe --plugin cmake/libball.so "")
[[ " $completed " == *" ball_volume "* && " $completed " == *" angle "* ]] || fail "describe --plugin completion: $completed"
pass "bash completion of describe --plugin LIB.so offers the plugin's experiments and the built-ins"

# Broken plugins, each named by a bare file name found through MPISWEEP_PLUGIN_PATH.
mkdir -p lib
build_bad() { # build_bad NAME CFLAGS...
  local name=$1; shift
  cc -std=c17 -fPIC -shared -fvisibility=hidden -o "lib/$name.so" "$@" "$SW_SOURCE/tests/install/plugin/bad_plugin.c" \
    $(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags mpisweep) || fail "cannot build $name"
}
build_bad good
build_bad wrong_abi -DABI=999
build_bad wrong_sizes -DSIZES
build_bad no_entry -DNO_ENTRY
build_bad builtin_name "-DNAME2=\"noop\""
build_bad twice "-DNAME2=\"extra_one\""
extra() { printf 'sweep: extra\nplugin: %s\nexperiment: extra_one\ngrid: {x: [1, 2]}\n' "$1" > "$1.yaml"; }
export MPISWEEP_PLUGIN_PATH=/nonexistent:$SW_WORK/lib
extra good.so
expect_exit 0 "a plugin found through MPISWEEP_PLUGIN_PATH" mpirun_sweep 2 run good.so.yaml -o good.h5 --progress none
# Each rank finds good.so in another directory, another build: the run is refused before anything is created.
mkdir -p lib2 && build_bad good -O1 && mv lib/good.so lib2/good.so && build_bad good
cmp -s lib/good.so lib2/good.so && fail "the two builds of good.so have the same bytes"
expect_exit 2 "ranks that load different plugin files" "$SW_MPIEXEC" -n 1 env MPISWEEP_PLUGIN_PATH="$SW_WORK/lib" \
  "$MPISWEEP" run good.so.yaml -o other.h5 --progress none : -n 1 env MPISWEEP_PLUGIN_PATH="$SW_WORK/lib2" \
  "$MPISWEEP" run good.so.yaml -o other.h5 --progress none
expect_log "rank 1 loaded plugin $SW_WORK/lib2/good.so with content hash [0-9a-f]\{32\}, rank 0 one with hash"
[ ! -e other.h5 ] || fail "other.h5 was created"
bad() { # bad PLUGIN MESSAGE
  extra "$1"
  expect_exit 2 "plugin $1 on 2 ranks" mpirun_sweep 2 run "$1.yaml" -o "bad.h5" --progress none
  expect_log "$1.yaml:2:9: error: plugin: $2"
  [ ! -e bad.h5 ] && [ ! -e bad.h5.creating ] || fail "a file was created for plugin $1"
}
bad missing.so "plugin not found: looked for ./missing.so and MPISWEEP_PLUGIN_PATH=/nonexistent:$SW_WORK/lib"
bad wrong_abi.so "$SW_WORK/lib/wrong_abi.so was built for plugin ABI version 999, this mpisweep has version 1"
bad wrong_sizes.so "$SW_WORK/lib/wrong_sizes.so was built against other mpisweep headers (sizes of sw_experiment, sw_param, sw_output, sw_task: [0-9 ]* there, [0-9 ]* here) although both say plugin ABI version 1"
bad no_entry.so "$SW_WORK/lib/no_entry.so: missing symbol: it exports no function sw_plugin_entry"
bad builtin_name.so "$SW_WORK/lib/builtin_name.so: duplicate experiment name 'noop': a built-in experiment has it"
bad twice.so "$SW_WORK/lib/twice.so: duplicate experiment name 'extra_one': the plugin lists it twice"
echo "not ELF" > lib/garbage.so
bad garbage.so "cannot load the plugin: $SW_WORK/lib/garbage.so: "
done_testing
