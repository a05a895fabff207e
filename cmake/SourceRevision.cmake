# SW_SOURCE_REVISION: `git describe --always --dirty --tags` of the source tree at configure time, or "unknown"
# when it is not built from git (a release tarball). CMake re-runs when HEAD moves, so a build after a commit or a
# checkout records the revision it was built from.
set(SW_SOURCE_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --tags
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _sw_rev RESULT_VARIABLE _sw_rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_sw_rc EQUAL 0 AND _sw_rev)
    set(SW_SOURCE_REVISION "${_sw_rev}")
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --path-format=absolute --git-path HEAD --git-path logs/HEAD
                    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _sw_paths
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    string(REPLACE "\n" ";" _sw_paths "${_sw_paths}")
    foreach(p ${_sw_paths})
      if(EXISTS ${p})
        set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${p})
      endif()
    endforeach()
  endif()
endif()
