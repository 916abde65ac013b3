# atsb_embed_sql(TARGET_VAR SYMBOL DIR): generates a C file that holds every
# DIR/*.sql file (sorted by name) as {name, text} pairs in an array named
# SYMBOL, so binaries carry their migrations and need no source tree at run
# time. The generated file's path is stored in TARGET_VAR.
function(atsb_embed_sql out_var symbol dir)
  file(GLOB sql_files CONFIGURE_DEPENDS "${dir}/*.sql")
  list(SORT sql_files)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${symbol}.c")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DSYMBOL=${symbol} -DOUT=${out}
            "-DFILES=${sql_files}" -P "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    DEPENDS ${sql_files} "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    COMMENT "Embedding migrations ${symbol}"
    VERBATIM) # FILES is a ;-list: without VERBATIM the shell splits the command at ';'

  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()
