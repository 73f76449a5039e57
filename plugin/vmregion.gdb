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
