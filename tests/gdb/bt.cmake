# gdb's backtraces through `vmregion gdb` (the JIT reader's ORC unwinder)
# against the library, crash's `bt -a` (peers/) and the serial console, one
# test gdb/bt/SET/FILE per corpus dump (check_gdb_bt.py).  Dumps without a
# matching vmlinux at hand (a Debian -dbg vmlinux neither under VMR_DBG_ROOT
# nor in VMR_LIVE_DIR with the dump's build-id) are skipped with the reason;
# the custom kernel's vmlinux is in the corpus.
# Named under gdb/ so that the sanitizer run leaves them out with the other
# gdb sessions (.ci/run).
if(NOT VMR_GDB OR NOT Python3_Interpreter_FOUND)
	return()
endif()
vmr_per_dump_tests(gdb/bt check_gdb_bt.py 600 ENV ${VMR_GDB_ENV} VMREGION_GDB=${VMR_GDB}
	VMR_DBG_ROOT=${VMR_DBG_ROOT} VMR_LIVE_DIR=${VMR_LIVE_DIR})
