# Script mode helper of atsb_embed_sql: writes OUT with the files in FILES.
set(body "#include \"migrate.h\"\n\nconst migrate_file ${SYMBOL}[] = {\n")
foreach(f IN LISTS FILES)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
  # Split the literal into chunks so no compiler limit on string length applies.
  string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n    \"" esc "${esc}")
  string(APPEND body "  {\"${name}\",\n    \"${esc}\"},\n")
endforeach()
string(APPEND body "  {0, 0}\n};\n")
file(WRITE "${OUT}" "${body}")
