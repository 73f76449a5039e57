# gdb's backtraces through `vmregion gdb` (the JIT reader's ORC unwinder)
# against the library, crash's `bt -a` (peers/) and the serial console, one
# test gdb/bt/SET/FILE per corpus dump (check_gdb_bt.py).  Dumps without a
# matching vmlinux at hand (a Debian -dbg vmlinux neither under VMR_DBG_ROOT
# nor in VMR_LIVE_DIR with the dump's build-id) are skipped with the reason; the custom kernel's vmlinux is in the corpus.
# Named under gdb/ so that the sanitizer run leaves them out with the other
# gdb sessions (.ci/run).
if(NOT VMR_GDB OR NOT Python3_Interpreter_FOUND)
	return()
endif()
file(GLOB truths ${VMR_CORPUS}/*/truth.json)
foreach(truth ${truths})
	get_filename_component(setdir ${truth} DIRECTORY)
	get_filename_component(setname ${setdir} NAME)
	file(READ ${truth} json)
	string(JSON nfiles LENGTH "${json}" files)
	math(EXPR last "${nfiles} - 1")
	foreach(i RANGE ${last})
		string(JSON fname MEMBER "${json}" files ${i})
		if(NOT EXISTS ${setdir}/${fname})
			continue()
		endif()
		add_test(NAME gdb/bt/${setname}/${fname}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_gdb_bt.py
				--set ${setdir} --file ${fname})
		set_tests_properties(gdb/bt/${setname}/${fname} PROPERTIES TIMEOUT 600
			SKIP_RETURN_CODE 77
			ENVIRONMENT "${VMR_GDB_ENV};VMREGION_GDB=${VMR_GDB};VMR_DBG_ROOT=${VMR_DBG_ROOT};VMR_LIVE_DIR=${VMR_LIVE_DIR}")
	endforeach()
endforeach()
