# bash completion for mpisweep and mpisweep-submit. Commands, options and experiment names are read from the
# program itself (mpisweep --help, mpisweep COMMAND --help, mpisweep experiments), so they cannot drift from it.
_mpisweep() {
  local cur prev cmd i
  cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local prog=${COMP_WORDS[0]}
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
  done
  if [ -z "$cmd" ]; then
    local cmds; cmds=$("$prog" --help 2> /dev/null | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
    mapfile -t COMPREPLY < <(compgen -W "$cmds --help --version" -- "$cur")
    return
  fi
  case $prev in
    -o | --output) mapfile -t COMPREPLY < <(compgen -f -X '!*.h5' -- "$cur"; compgen -d -- "$cur"); return ;;
    --progress) mapfile -t COMPREPLY < <(compgen -W "auto bar log none" -- "$cur"); return ;;
    --chunk) mapfile -t COMPREPLY < <(compgen -W "auto" -- "$cur"); return ;;
    --plugin) mapfile -t COMPREPLY < <(compgen -f -X '!*.so' -- "$cur"; compgen -d -- "$cur"); return ;;
  esac
  if [[ $cur == -* ]]; then
    local opts; opts=$("$prog" "$cmd" --help 2> /dev/null | grep -oE -- '--?[a-zA-Z][a-zA-Z-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi
  case $cmd in
    describe) # with --plugin LIB.so on the line, the plugin's experiments too
      local plugin=()
      for ((i = 1; i < COMP_CWORD; i++)); do [ "${COMP_WORDS[i]}" = --plugin ] && plugin=(--plugin "${COMP_WORDS[i + 1]}"); done
      mapfile -t COMPREPLY < <(compgen -W "$("$prog" experiments "${plugin[@]}" 2> /dev/null | awk '/^[a-z]/ {print $1}')" -- "$cur") ;;
    status) mapfile -t COMPREPLY < <(compgen -f -X '!*.h5' -- "$cur"; compgen -d -- "$cur") ;;
    run | plan) mapfile -t COMPREPLY < <(compgen -f -X '!*.y?(a)ml' -- "$cur"; compgen -d -- "$cur") ;;
  esac
}
complete -F _mpisweep mpisweep

# mpisweep-submit: spec files, its own options (from its --help) and files for -o.
_mpisweep_submit() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  case $prev in
    -o | --output) mapfile -t COMPREPLY < <(compgen -f -X '!*.h5' -- "$cur"; compgen -d -- "$cur"); return ;;
    --launcher) mapfile -t COMPREPLY < <(compgen -W "srun mpirun" -- "$cur"); return ;;
  esac
  if [[ $cur == -* ]]; then
    local opts; opts=$("${COMP_WORDS[0]}" --help 2> /dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -X '!*.y?(a)ml' -- "$cur"; compgen -d -- "$cur")
  fi
}
complete -F _mpisweep_submit mpisweep-submit
