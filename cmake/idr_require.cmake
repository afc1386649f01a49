# What the build needs from the system, said at configure time: a missing package or tool is
# a configure error naming the Debian package that provides it (toolchain/bootstrap installs
# them all), never a part of the build or a test suite quietly left out.

# idr_require_pkg(PREFIX MODULE DEBIAN_PACKAGE [WHY]): pkg-config MODULE as the imported target
# PkgConfig::PREFIX.
function(idr_require_pkg prefix module package)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "pkg-config module '${module}' not found ${ARGN}: install the Debian "
                        "package ${package} (toolchain/bootstrap installs it)")
  endif()
endfunction()

# idr_require_program(VAR NAME DEBIAN_PACKAGE [WHY]): the full path of program NAME in VAR.
function(idr_require_program var name package)
  find_program(${var} ${name})
  if(NOT ${var})
    message(FATAL_ERROR "program '${name}' not found ${ARGN}: install the Debian package "
                        "${package} (toolchain/bootstrap installs it)")
  endif()
endfunction()
