# gdb names kernel and module functions from the dump alone (the symbol
# files of plugin/symfile.c), one test gdb/syms/SET/FILE per corpus dump
# (check_gdb_syms.py).  The module frames are also checked with the vmlinux
# when it is at hand (as in bt.cmake).
if(NOT VMR_GDB OR NOT Python3_Interpreter_FOUND)
	return()
endif()
vmr_per_dump_tests(gdb/syms check_gdb_syms.py 600 ENV ${VMR_GDB_ENV} VMREGION_GDB=${VMR_GDB}
	VMR_DBG_ROOT=${VMR_DBG_ROOT} VMR_LIVE_DIR=${VMR_LIVE_DIR})
