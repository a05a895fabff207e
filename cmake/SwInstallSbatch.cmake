# Runs at install time (install(SCRIPT) in SwInstall.cmake): the installed mpisweep.sbatch defaults MPISWEEP to the
# binary installed with it, so that `sbatch P/share/mpisweep/slurm/mpisweep.sbatch ...` works without PATH or
# MPISWEEP (Slurm runs a copy of the script, which cannot find its own install tree). SW_INSTALL_BINDIR and
# SW_INSTALL_DATADIR are set by the install(CODE) just before.
set(script "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${SW_INSTALL_DATADIR}/mpisweep/slurm/mpisweep.sbatch")
file(READ "${script}" text)
set(default [=[MPISWEEP=${MPISWEEP:-mpisweep}]=])
string(FIND "${text}" "${default}" at)
if(at EQUAL -1)
  message(WARNING "${script}: no line '${default}' to point at the installed binary; set MPISWEEP for sbatch")
else()
  string(REPLACE "${default}" "MPISWEEP=\${MPISWEEP:-${CMAKE_INSTALL_PREFIX}/${SW_INSTALL_BINDIR}/mpisweep}" text "${text}")
  file(WRITE "${script}" "${text}")
endif()
