# The layering rules, checked against the link graph written at configure
# time (link_graph.cmake). Run as `cmake -DGRAPH=<file> -P check.cmake`;
# fails (FATAL_ERROR) naming every broken rule:
#   - the broker core (daemon/broker) and storage link no libuv, and no
#     daemon folder above them (server, net, native, ...);
#   - storage links no SQLite;
#   - the CLI links, of the daemon, only storage and meta (the offline
#     `ks log` tools).
cmake_minimum_required(VERSION 3.22)
include("${GRAPH}")

set(errors "")

function(dir_of item out)
  string(MAKE_C_IDENTIFIER "${item}" id)
  if(DEFINED KS_DIR_${id})
    set(${out} "${KS_DIR_${id}}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# forbid(<target> <regex> <why>): no item of target's closure matches regex.
function(forbid target regex why)
  foreach(item IN LISTS KS_CLOSURE_${target})
    if(item MATCHES "${regex}")
      list(APPEND errors "${target} links ${item}: ${why}")
    endif()
  endforeach()
  set(errors "${errors}" PARENT_SCOPE)
endfunction()

# daemon_only(<target> <allowed folders>...): the project targets of the
# closure that live under daemon/ are all in the allowed folders.
function(daemon_only target)
  set(allowed "${ARGN}")
  foreach(item IN LISTS KS_CLOSURE_${target})
    dir_of("${item}" dir)
    if(dir MATCHES "^daemon/" AND NOT dir IN_LIST allowed)
      list(APPEND errors "${target} links ${item} (${dir}): of the daemon it may link only [${allowed}]")
    endif()
  endforeach()
  set(errors "${errors}" PARENT_SCOPE)
endfunction()

set(libuv "([Ll][Ii][Bb][Uu][Vv]|(^|/)-?l?uv([.]|$))")
foreach(t ks_broker ks_storage)
  if(NOT DEFINED KS_CLOSURE_${t})
    list(APPEND errors "no link graph for ${t}: is the target gone or renamed?")
  endif()
  forbid(${t} "${libuv}" "the broker core and storage must not depend on libuv")
endforeach()
daemon_only(ks_broker daemon/storage daemon/meta daemon/kafka)
daemon_only(ks_storage)
forbid(ks_storage "[Ss][Qq][Ll][Ii][Tt][Ee]" "storage must not depend on SQLite")

if(NOT DEFINED KS_CLOSURE_ks_cli)
  list(APPEND errors "no link graph for ks_cli: is the target gone or renamed?")
endif()
daemon_only(ks_cli daemon/storage daemon/meta)

if(errors)
  list(JOIN errors "\n  " text)
  message(FATAL_ERROR "layering broken:\n  ${text}")
endif()
message(STATUS "layering ok: ks_broker -> ${KS_CLOSURE_ks_broker}")
message(STATUS "layering ok: ks_cli -> ${KS_CLOSURE_ks_cli}")
