# cmake --install into a fresh prefix, then use only that tree, with the build and source trees off PATH: a sweep on
# 2 ranks, mpisweep-submit --dry-run (which must find the installed binary by itself), every man page with man -l,
# bash completion, and an external program built with find_package(mpisweep) and with pkg-config.
. "$SW_SOURCE/tests/mpi/lib.sh"
: "${SW_BUILD:?set by CTest}"
P=$SW_WORK/prefix
expect_exit 0 "cmake --install into $P" cmake --install "$SW_BUILD" --prefix "$P"
for f in bin/mpisweep bin/mpisweep-submit share/mpisweep/slurm/mpisweep.sbatch include/mpisweep/experiment.h \
         include/mpisweep/version.h lib/libmpisweep_core.a lib/pkgconfig/mpisweep.pc \
         lib/cmake/mpisweep/mpisweepConfig.cmake share/bash-completion/completions/mpisweep share/mpisweep/worker.py; do
  [ -e "$P/$f" ] || fail "$P/$f is not installed"
done
pass "the tree has the binary, Slurm scripts, headers, library, package files and completion"
export PATH=/usr/bin:/bin
unset MPISWEEP

expect_exit 0 "the installed binary runs a sweep on 2 ranks" mpirun_sweep_with "$P/bin/mpisweep" 2 run \
  "$P/share/mpisweep/jobs/tiny/angle.yaml" -o angle.h5 --progress none
expect_exit 0 "its status says complete" "$P/bin/mpisweep" status angle.h5
# A Python function sweep: the installed binary starts the worker installed beside it.
printf 'def f(rng, x):\n    return {"y": x + rng.random() * 0}\n' > pyfn.py
printf 'sweep: py\nexperiment:\n  python: pyfn:f\n  parameters: {x: {type: real, default: 0}}\n  outputs: {y: }\ngrid:\n  x: [1, 2]\n' > py.yaml
MPISWEEP_PYTHON=/usr/bin/python3 expect_exit 0 "the installed binary runs a Python function sweep" \
  "$P/bin/mpisweep" run py.yaml -o py.h5 --progress none

expect_exit 0 "mpisweep-submit --dry-run from the prefix, no mpisweep on PATH" \
  "$P/bin/mpisweep-submit" "$P/share/mpisweep/jobs/tiny/angle.yaml" -o out.h5 -n 2 -t 5 --dry-run
expect_log "^export MPISWEEP=$P/bin/mpisweep "
expect_log "^#SBATCH -n 2$"
grep -qF 'MPISWEEP=${MPISWEEP:-'"$P"'/bin/mpisweep}' "$P/share/mpisweep/slurm/mpisweep.sbatch" ||
  fail "the installed mpisweep.sbatch does not default to $P/bin/mpisweep"
pass "the installed mpisweep.sbatch defaults to the installed binary (for a plain sbatch)"

pages=$(ls "$P/share/man/man1/"*.1 2> /dev/null | wc -l)
[ "$pages" -eq 6 ] || fail "expected 6 man pages (mpisweep and its 5 commands), found $pages"
for page in "$P"/share/man/man1/*.1; do
  MANWIDTH=120 man -l "$page" > man.txt 2> man.err || { cat man.err; fail "man -l $page"; }
  grep -q "usage: mpisweep" man.txt || fail "$page has no usage line"
done
# The page is the binary's own --help: every option of run --help is in it.
MANWIDTH=200 man -l "$P/share/man/man1/mpisweep-run.1" > man.txt 2> /dev/null
for o in $("$P/bin/mpisweep" run --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
  grep -q -- "$o" man.txt || fail "mpisweep-run.1 lacks $o of run --help"
done
pass "man -l renders all $pages pages; mpisweep-run.1 has every option of run --help"

complete_words() { # complete_words WORD...: what bash completion offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mpisweep; echo "${COMPREPLY[*]}"' \
    _ "$P/share/bash-completion/completions/mpisweep" "$@"
}
[ "$(complete_words "$P/bin/mpisweep" "")" = "run plan status experiments describe --help --version" ] ||
  fail "command completion: got '$(complete_words "$P/bin/mpisweep" "")'"
[[ " $(complete_words "$P/bin/mpisweep" run --re) " == *" --resume "* ]] || fail "option completion lacks --resume"
[ "$(complete_words "$P/bin/mpisweep" describe ang)" = angle ] || fail "experiment completion: $(complete_words "$P/bin/mpisweep" describe ang)"
pass "bash completion: commands, run's options, experiment names"

expect_exit 0 "an external program configures with find_package(mpisweep)" \
  cmake -S "$SW_SOURCE/tests/install/consumer" -B consumer -DCMAKE_PREFIX_PATH="$P"
expect_exit 0 "and builds against mpisweep::core" cmake --build consumer
expect_exit 0 "and runs" consumer/consumer
expect_log "status=SW_OK"
expect_exit 0 "the same program builds with pkg-config" bash -c \
  'cc -std=c17 -o pc "$1" $(PKG_CONFIG_PATH="$2" pkg-config --cflags --libs --static mpisweep) && ./pc' \
  _ "$SW_SOURCE/tests/install/consumer/main.c" "$P/lib/pkgconfig"
done_testing
