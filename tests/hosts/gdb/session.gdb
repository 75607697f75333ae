add-symbol-file /zxvm/debug/gdbtest.debug
break kernel_syscall::dispatch
continue
printf "kcs=%lx\n", $cs
printf "usercpl=%lx\n", (*frame).cs & 3
bt 2
printf "pc=%lx\n", $pc
stepi
printf "pc=%lx\n", $pc
delete
break gdbtest_bump
continue
printf "ucs=%lx\n", $cs
printf "counter=%lx\n", gdbtest::GDBTEST_COUNTER.v.value
stepi
printf "ucs=%lx\n", $cs
monitor ps
delete
set can-use-hw-watchpoints 0
watch gdbtest::GDBTEST_COUNTER.v.value
continue
delete
detach
