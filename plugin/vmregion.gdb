# vmregion.gdb - gdb commands of vmregion, for gdb 13 without Python.
#
# Loaded by `vmregion gdb DUMP [VMLINUX]`; by hand:
#   (gdb) source /usr/share/vmregion/vmregion.gdb
#   (gdb) target remote | vmregion serve DUMP [-k VMLINUX]
#
# info vmregion EXPR
#   Evaluates EXPR (any gdb expression, blanks allowed) in the selected frame
#   and sends its value to the server as "monitor vmregion 0x<64-bit hex>",
#   which prints the line `vmregion addr DUMP ADDR` prints.
#
# info vmregion-mem EXPR [COUNT]
#   Sends "monitor mem 0x<value of EXPR> <COUNT*8> --frames": COUNT (default 32)
#   annotated 8-byte words from EXPR, as `vmregion mem DUMP ADDR LEN` prints
#   them.  Without a whole-line variable the end of EXPR is told from COUNT
#   by the number of words: an expression written with blanks has them
#   around binary operators ($rsp + 8: three words), so an odd number of
#   words is all EXPR and an even number ends with COUNT ($rsp 64,
#   $rsp + 8 64).  A cast written with a blank breaks that rule; the help
#   says to write casts without blanks.
#
# How: a user-defined command gets its arguments split at blanks ($argc,
# $arg0..; quotes group, parentheses do not) and gdb 13 has no "whole
# argument line" variable, so each word count has its own line that joins
# the words again with single blanks, which does not change an expression.
# Lines naming a missing $argN are expanded only when they run.  The value
# is computed inside the cast, (unsigned long) (EXPR): pointers give their
# value, arrays their address, negative numbers their 64-bit two's
# complement.  %lx keeps all 64 bits (%x would truncate).
#
# Set $_vmregion_dryrun = 1 to print the monitor command instead of sending
# it (for a target without monitor commands).

define info vmregion
  if $argc == 0
    echo usage: info vmregion EXPR\n
  else
    if $argc == 1
      set $_vmregion_val = (unsigned long) ($arg0)
    end
    if $argc == 2
      set $_vmregion_val = (unsigned long) ($arg0 $arg1)
    end
    if $argc == 3
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2)
    end
    if $argc == 4
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3)
    end
    if $argc == 5
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4)
    end
    if $argc == 6
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5)
    end
    if $argc == 7
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6)
    end
    if $argc == 8
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7)
    end
    if $argc == 9
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8)
    end
    if $argc == 10
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9)
    end
    if $argc == 11
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10)
    end
    if $argc == 12
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11)
    end
    if $argc == 13
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12)
    end
    if $argc == 14
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12 $arg13)
    end
    if $argc == 15
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12 $arg13 $arg14)
    end
    if $argc == 16
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12 $arg13 $arg14 $arg15)
    end
    if $argc > 16
      echo info vmregion: expression too long (more than 16 words; remove blanks)\n
    else
      if $_vmregion_dryrun
        eval "echo monitor vmregion 0x%lx\\n", $_vmregion_val
      else
        eval "monitor vmregion 0x%lx", $_vmregion_val
      end
    end
  end
end
document info vmregion
Say what the kernel address EXPR is: its region, whether the dump holds it,
and its owner (symbol, module, vmalloc area and caller, task stack, slab
object, per-cpu variable, page), as `vmregion addr` prints it.
Usage: info vmregion EXPR
EXPR is any gdb expression: $rip, $rsp + 8, *(long *)($rsp + 0x10),
&init_task, jiffies.  Its value is converted to unsigned long and sent to
the vmregion server as "monitor vmregion 0x...".
Other server commands: monitor help.
end

define info vmregion-mem
  if $argc == 0
    echo usage: info vmregion-mem EXPR [COUNT]\n
  else
    set $_vmregion_count = 32
    if $argc == 1
      set $_vmregion_val = (unsigned long) ($arg0)
    end
    if $argc == 2
      set $_vmregion_val = (unsigned long) ($arg0)
      set $_vmregion_count = (long) ($arg1)
    end
    if $argc == 3
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2)
    end
    if $argc == 4
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2)
      set $_vmregion_count = (long) ($arg3)
    end
    if $argc == 5
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4)
    end
    if $argc == 6
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4)
      set $_vmregion_count = (long) ($arg5)
    end
    if $argc == 7
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6)
    end
    if $argc == 8
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6)
      set $_vmregion_count = (long) ($arg7)
    end
    if $argc == 9
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8)
    end
    if $argc == 10
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8)
      set $_vmregion_count = (long) ($arg9)
    end
    if $argc == 11
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10)
    end
    if $argc == 12
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10)
      set $_vmregion_count = (long) ($arg11)
    end
    if $argc == 13
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12)
    end
    if $argc == 14
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12)
      set $_vmregion_count = (long) ($arg13)
    end
    if $argc == 15
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12 $arg13 $arg14)
    end
    if $argc == 16
      set $_vmregion_val = (unsigned long) ($arg0 $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 $arg7 $arg8 $arg9 $arg10 $arg11 $arg12 $arg13 $arg14)
      set $_vmregion_count = (long) ($arg15)
    end
    if $argc > 16
      echo info vmregion-mem: expression too long (more than 15 words; remove blanks)\n
    else
      if $_vmregion_count < 1 || $_vmregion_count > 8192
        eval "echo info vmregion-mem: COUNT %ld: from 1 to 8192 words\\n", $_vmregion_count
      else
        if $_vmregion_dryrun
          eval "echo monitor mem 0x%lx %ld --frames\\n", $_vmregion_val, $_vmregion_count * 8
        else
          eval "monitor mem 0x%lx %ld --frames", $_vmregion_val, $_vmregion_count * 8
        end
      end
    end
  end
end
document info vmregion-mem
Print COUNT 8-byte words of kernel memory from EXPR (default 32), one a
line: address, value, and when the value points into a kernel region what
`info vmregion` says of it; words pointing into kernel text are marked
"ret" (after a call instruction: a return address) or "text", and the
stack slots of the frames the ORC unwinder finds from the CPUs' registers
are marked "frame".  Pages not in the dump are one "... START-END: not in
the dump" line.  The same text as `vmregion mem DUMP cpuN:rsp COUNT*8` on
the stack of CPU N.
Usage: info vmregion-mem EXPR [COUNT]
EXPR is any gdb expression: $rsp, $rsp + 8, &init_task, $rdi; it is rounded
down to 8 bytes.  COUNT is 1 to 8192.  gdb splits the arguments at blanks:
an odd number of words is all EXPR ($rsp, $rsp + 8), an even number ends
with COUNT ($rsp 64, $rsp + 8 64).  Write casts without blanks
(*(long*)$rsp 16).
Example: info vmregion-mem $rsp 64   (the top of the current stack)
end
