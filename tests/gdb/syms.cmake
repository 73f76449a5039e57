# gdb names kernel and module functions from the dump alone (the symbol
# files of plugin/symfile.c), one test gdb/syms/SET/FILE per corpus dump
# (check_gdb_syms.py).  The module frames are also checked with the vmlinux
# when it is at hand (as in bt.cmake).
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
		add_test(NAME gdb/syms/${setname}/${fname}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_gdb_syms.py
				--set ${setdir} --file ${fname})
		set_tests_properties(gdb/syms/${setname}/${fname} PROPERTIES TIMEOUT 600
			ENVIRONMENT "${VMR_GDB_ENV};VMREGION_GDB=${VMR_GDB};VMR_DBG_ROOT=${VMR_DBG_ROOT}")
	endforeach()
endforeach()
